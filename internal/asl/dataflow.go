package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"stepfunctions-go/internal/asl/jsonpath"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// pathScope is what a JSONPath expression in a state reads.
type pathScope struct {
	input   any
	context *value.Object
	vars    map[string]any
}

func (p pathScope) forTemplate() jsonpath.Scope {
	return jsonpath.Scope{Input: p.input, Context: p.context, Variables: p.vars}
}

// lookup reads a path: $… from the input, $$… from the context object,
// $name… from a variable. present is false when the path selects nothing;
// why is then the evaluator's reason.
func (t *thread) lookup(p pathScope, path string) (value any, present bool, why error) {
	var doc any
	rest := path
	switch {
	case strings.HasPrefix(path, "$$"):
		doc, rest = p.context, "$"+path[2:]
	case len(path) > 1 && path[1] != '.' && path[1] != '[':
		end := 1
		for end < len(path) && path[end] != '.' && path[end] != '[' {
			end++
		}
		name := path[1:end]
		v, ok := p.vars[name]
		if !ok {
			return nil, false, fmt.Errorf("the variable $%s is not defined", name)
		}
		doc, rest = v, "$"+path[end:]
	default:
		doc = p.input
	}
	v, err := jsonpath.Get(doc, rest)
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// mustLookup is lookup where a path selecting nothing fails the state with
// States.Runtime, as InputPath, OutputPath, ItemsPath and the …Path fields
// do in Step Functions.
func (t *thread) mustLookup(p pathScope, field, path string) (any, *stateserror.Error) {
	v, ok, why := t.lookup(p, path)
	if !ok {
		return nil, stateserror.New(stateserror.Runtime, "Invalid path '%s' in %s: %v", path, field, why)
	}
	return v, nil
}

// inputPath applies InputPath (null gives {}) and records the result as
// TestState's afterInputPath.
func (t *thread) inputPath(st *State, p pathScope) (any, *stateserror.Error) {
	effective := p.input
	switch st.InputPath {
	case nil:
	case nullPath:
		effective = value.NewObject(0)
	default:
		var err *stateserror.Error
		if effective, err = t.mustLookup(p, "InputPath", *st.InputPath); err != nil {
			return nil, err
		}
	}
	t.inspect("afterInputPath", effective)
	return effective, nil
}

// outputPath applies OutputPath to the state's output: null gives {}.
func (t *thread) outputPath(st *State, output any, p pathScope) (any, *stateserror.Error) {
	switch st.OutputPath {
	case nil:
		return output, nil
	case nullPath:
		return value.NewObject(0), nil
	}
	p.input = output
	return t.mustLookup(p, "OutputPath", *st.OutputPath)
}

// resultPath places result into the state's raw input: $ (or unset)
// replaces it, null discards the result.
func (t *thread) resultPath(path *string, input, result any) (any, *stateserror.Error) {
	switch {
	case path == nil || *path == "$":
		return result, nil
	case path == nullPath:
		return input, nil
	}
	out, err := jsonpath.Set(input, *path, result)
	if err != nil {
		return nil, asStatesError(err, stateserror.ResultPathMatchFailure)
	}
	return out, nil
}

// template evaluates a payload template.
func (t *thread) template(tmpl any, p pathScope) (any, *stateserror.Error) {
	v, err := jsonpath.Template(tmpl, p.forTemplate())
	if err != nil {
		return nil, asStatesError(err, stateserror.ParameterPathFailure)
	}
	return v, nil
}

// assignJSONPath evaluates a JSONPath Assign: its values are templates
// whose .$ keys read the state's result ($), the context object and the
// variables as they were when the state was entered.
func (t *thread) assignJSONPath(assign *value.Object, p pathScope) (map[string]any, *stateserror.Error) {
	if assign == nil {
		return nil, nil
	}
	v, err := t.template(assign, p)
	if err != nil {
		return nil, err
	}
	return assignedValues(v)
}

// assignedValues are the variables an evaluated Assign object sets.
func assignedValues(evaluated any) (map[string]any, *stateserror.Error) {
	values := map[string]any{}
	if obj, ok := evaluated.(*value.Object); ok {
		for name, v := range obj.All() {
			values[name] = v
		}
	}
	return values, checkAssigned(values)
}

// statesVar is $states for a state's input and context object; the state
// adds result or errorOutput when it has one.
func statesVar(input any, context *value.Object) *value.Object {
	return value.NewObject(4).With("input", input).With("context", context)
}

// statesInput is $states.input.
func statesInput(states *value.Object) any {
	in, _ := states.Get("input")
	return in
}

// jsonataScope is what the JSONata expressions of a state read.
type jsonataScope struct {
	states *value.Object // input, result, errorOutput, context
	vars   map[string]any
}

func (j jsonataScope) bindings() map[string]any {
	b := make(map[string]any, len(j.vars)+1)
	for k, v := range j.vars {
		b[k] = v
	}
	b["states"] = j.states
	return b
}

// expression returns the text inside {% %}, and whether s is one.
func expression(s string) (string, bool) {
	trimmed := strings.TrimSpace(s)
	if strings.HasPrefix(trimmed, "{%") && strings.HasSuffix(trimmed, "%}") && len(trimmed) >= 4 {
		return trimmed[2 : len(trimmed)-2], true
	}
	return "", false
}

func isExpression(s string) bool {
	_, ok := expression(s)
	return ok
}

// evaluate resolves every {% %} string inside v, the value of the state's
// field. An expression that gives nothing (value.Undefined) fails as AWS
// fails it: a JSON value has no "undefined".
func (t *thread) evaluate(ctx context.Context, field string, v any, j jsonataScope) (any, *stateserror.Error) {
	switch v := v.(type) {
	case string:
		expr, ok := expression(v)
		if !ok {
			return v, nil
		}
		out, err := t.exec.machine.opts.JSONata.Evaluate(ctx, expr, j.bindings())
		if err != nil {
			return nil, asStatesError(err, stateserror.QueryEvaluationError)
		}
		if out == value.Undefined {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", strings.TrimSpace(expr), field)
		}
		return out, nil
	case *value.Object:
		out := value.NewObject(v.Len())
		for k, e := range v.All() {
			r, err := t.evaluate(ctx, field, e, j)
			if err != nil {
				return nil, err
			}
			out.Set(k, r)
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := t.evaluate(ctx, field, e, j)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

func (t *thread) assignJSONata(ctx context.Context, assign *value.Object, j jsonataScope) (map[string]any, *stateserror.Error) {
	if assign == nil {
		return nil, nil
	}
	v, err := t.evaluate(ctx, "Assign", assign, j)
	if err != nil {
		return nil, err
	}
	return assignedValues(v)
}

// checkAssigned enforces the variable quotas: 256 KiB per variable and per
// Assign.
func checkAssigned(values map[string]any) *stateserror.Error {
	total := 0
	for name, v := range values {
		n := len(jsonText(v))
		if n > payloadLimit {
			return stateserror.New(stateserror.DataLimitExceeded, "The variable '%s' has a size of %d bytes, over the %d-byte limit for one variable", name, n, payloadLimit)
		}
		total += n
	}
	if total > payloadLimit {
		return stateserror.New(stateserror.DataLimitExceeded, "The variables of one Assign have %d bytes, over the %d-byte limit", total, payloadLimit)
	}
	return nil
}

// payloadLimit is the 256 KiB quota on state input, output, task results
// and variables.
const payloadLimit = 256 * 1024

func checkSize(what string, v any) *stateserror.Error {
	return checkTextSize(what, jsonText(v))
}

// checkTextSize is checkSize for a value already written as JSON text.
func checkTextSize(what, text string) *stateserror.Error {
	if n := len(text); n > payloadLimit {
		return stateserror.New(stateserror.DataLimitExceeded, "%s has %d bytes, over the maximum number of bytes service limit (%d)", what, n, payloadLimit)
	}
	return nil
}

// asStatesError is err as Retry and Catch see it: a *stateserror.Error as
// it is, anything else under name.
func asStatesError(err error, name string) *stateserror.Error {
	var s *stateserror.Error
	if errors.As(err, &s) {
		return s
	}
	return &stateserror.Error{Name: name, Cause: err.Error()}
}

// contextObject is $$ (JSONPath) and $states.context (JSONata).
// Its fields are in the order of the developer guide's example (Context
// object page).
func (t *thread) contextObject(st *State, entered time.Time, retryCount int, token string) *value.Object {
	e := t.exec
	c := value.NewObject(5).
		With("Execution", value.NewObject(6).
			With("Id", e.info.ID).With("Input", e.input).With("Name", e.info.Name).With("RoleArn", e.info.RoleArn).
			With("StartTime", timestamp(e.start)).With("RedriveCount", json.Number("0"))).
		With("State", value.NewObject(3).
			With("EnteredTime", timestamp(entered)).With("Name", st.Name).With("RetryCount", json.Number(strconv.Itoa(retryCount)))).
		With("StateMachine", value.NewObject(2).With("Id", e.info.StateMachineID).With("Name", e.info.StateMachineName))
	if token != "" {
		c.Set("Task", value.NewObject(1).With("Token", token))
	}
	if e.test != nil {
		return overlay(c, e.test.context)
	}
	return c
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
