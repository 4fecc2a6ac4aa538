package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/asl/stateserror"
)

// Test doubles for the evaluators other packages provide: just enough
// JSONPath (dotted names and [n]) and JSONata (paths, literals, + & = >)
// for the engine's tests. The real ones replace them once merged.

type fakePaths struct{}

func segments(path string) ([]any, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("path %q does not start with $", path)
	}
	var out []any
	rest := path[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			out = append(out, rest[1:end+1])
			rest = rest[end+1:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", path)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil {
				return nil, fmt.Errorf("path %q: index %q", path, rest[1:end])
			}
			out = append(out, n)
			rest = rest[end+1:]
		default:
			return nil, fmt.Errorf("path %q: unexpected %q", path, rest[0])
		}
	}
	return out, nil
}

func (fakePaths) Get(doc any, path string) (any, error) {
	segs, err := segments(path)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "%v", err)
	}
	for _, s := range segs {
		switch s := s.(type) {
		case string:
			m, ok := doc.(map[string]any)
			if !ok {
				return nil, stateserror.New(stateserror.Runtime, "no field %q in %s", s, path)
			}
			if doc, ok = m[s]; !ok {
				return nil, stateserror.New(stateserror.Runtime, "no field %q in %s", s, path)
			}
		case int:
			a, ok := doc.([]any)
			if !ok || s >= len(a) {
				return nil, stateserror.New(stateserror.Runtime, "no element %d in %s", s, path)
			}
			doc = a[s]
		}
	}
	return doc, nil
}

func (fakePaths) Set(doc any, path string, value any) (any, error) {
	segs, err := segments(path)
	if err != nil || len(segs) == 0 {
		return nil, stateserror.New(stateserror.ResultPathMatchFailure, "bad ResultPath %q", path)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, stateserror.New(stateserror.ResultPathMatchFailure, "cannot apply ResultPath %q to %s", path, describe(doc))
	}
	m := root
	for i, s := range segs {
		name, ok := s.(string)
		if !ok {
			return nil, stateserror.New(stateserror.ResultPathMatchFailure, "index in ResultPath %q", path)
		}
		if i == len(segs)-1 {
			m[name] = value
			break
		}
		next, ok := m[name].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[name] = next
		}
		m = next
	}
	return root, nil
}

func (p fakePaths) Template(tmpl any, scope PathScope) (any, error) {
	switch v := tmpl.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			name, isPath := strings.CutSuffix(k, ".$")
			if !isPath {
				r, err := p.Template(e, scope)
				if err != nil {
					return nil, err
				}
				out[k] = r
				continue
			}
			path, _ := e.(string)
			if m := format.FindStringSubmatch(path); m != nil {
				arg, err := p.Get(scope.Input, m[2])
				if err != nil {
					return nil, stateserror.New(stateserror.IntrinsicFailure, "%v", err)
				}
				out[name] = strings.Replace(m[1], "{}", fmt.Sprint(arg), 1)
				continue
			}
			var doc any
			switch {
			case strings.HasPrefix(path, "$$"):
				doc, path = scope.Context, "$"+path[2:]
			case len(path) > 1 && path[1] != '.' && path[1] != '[':
				end := strings.IndexAny(path[1:], ".[")
				if end < 0 {
					end = len(path) - 1
				}
				v, ok := scope.Variables[path[1:end+1]]
				if !ok {
					return nil, stateserror.New(stateserror.Runtime, "the variable in %q is not defined", e)
				}
				doc, path = v, "$"+path[end+1:]
			default:
				doc = scope.Input
			}
			r, err := p.Get(doc, path)
			if err != nil {
				return nil, stateserror.New(stateserror.Runtime, "%v", err)
			}
			out[name] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := p.Template(e, scope)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return tmpl, nil
}

// Validate refuses what segments cannot read and, for a Reference Path,
// wildcards.
func (fakePaths) Validate(path string, reference bool) error {
	if reference && strings.Contains(path, "*") {
		return fmt.Errorf("%q is not a Reference Path", path)
	}
	switch {
	case strings.HasPrefix(path, "$$"):
		path = path[1:]
	case len(path) > 1 && path[1] != '.' && path[1] != '[':
		end := strings.IndexAny(path[1:], ".[")
		if end < 0 {
			end = len(path) - 1
		}
		path = "$" + path[end+1:]
	}
	_, err := segments(path)
	return err
}

// ValidateTemplate wants every .$ value to be a path or States.Format.
func (p fakePaths) ValidateTemplate(tmpl any) error {
	m, ok := tmpl.(map[string]any)
	if !ok {
		return nil
	}
	for k, v := range m {
		if strings.HasSuffix(k, ".$") {
			s, _ := v.(string)
			if !strings.HasPrefix(s, "$") && !strings.HasPrefix(s, "States.Format(") {
				return fmt.Errorf("%s: %q is neither a path nor an intrinsic function", k, s)
			}
		} else if err := p.ValidateTemplate(v); err != nil {
			return err
		}
	}
	return nil
}

// format is States.Format with one {} and one path argument.
var format = regexp.MustCompile(`^States\.Format\('([^']*)', *(\$[^)]*)\)$`)

type fakeJSONata struct{}

func (f fakeJSONata) Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error) {
	expr = strings.TrimSpace(expr)
	for _, op := range []string{" = ", " > ", " + ", " & "} {
		if left, right, ok := strings.Cut(expr, op); ok {
			a, err := f.Evaluate(ctx, left, bindings)
			if err != nil {
				return nil, err
			}
			b, err := f.Evaluate(ctx, right, bindings)
			if err != nil {
				return nil, err
			}
			switch op {
			case " = ":
				return jsonText(a) == jsonText(b), nil
			case " > ":
				x, _ := number(a)
				y, _ := number(b)
				return x != nil && y != nil && x.Cmp(y) > 0, nil
			case " + ":
				x, ok1 := number(a)
				y, ok2 := number(b)
				if !ok1 || !ok2 {
					return nil, stateserror.New(stateserror.QueryEvaluationError, "+ needs numbers")
				}
				return json.Number(new(big.Rat).Add(x, y).RatString()), nil
			default:
				return fmt.Sprint(a) + fmt.Sprint(b), nil
			}
		}
	}
	switch {
	case expr == "true" || expr == "false":
		return expr == "true", nil
	case strings.HasPrefix(expr, "'") && strings.HasSuffix(expr, "'") && len(expr) >= 2:
		return expr[1 : len(expr)-1], nil
	case strings.HasPrefix(expr, "$"):
		name, rest, _ := strings.Cut(expr[1:], ".")
		v, ok := bindings[name]
		if !ok {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "the variable $%s is not defined", name)
		}
		if rest == "" {
			return v, nil
		}
		got, err := fakePaths{}.Get(v, "$."+rest)
		if err != nil {
			return jsonata.Undefined, nil
		}
		return got, nil
	}
	if _, err := strconv.ParseFloat(expr, 64); err == nil {
		return json.Number(expr), nil
	}
	return nil, stateserror.New(stateserror.QueryEvaluationError, "the test evaluator cannot read %q", expr)
}
