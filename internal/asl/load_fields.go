package asl

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"stepfunctions-go/internal/asl/jsonpath"
	"stepfunctions-go/internal/asl/value"
)

// fields reads one JSON object and remembers which keys were read, so the
// rest can be refused as unknown.
type fields struct {
	l     *loader
	where string
	m     *value.Object
	read  map[string]bool
}

func (l *loader) object(where string, v any) *fields {
	m, ok := v.(*value.Object)
	if !ok {
		l.problem("%s: must be a JSON object, not %s", where, describe(v))
		return nil
	}
	return &fields{l: l, where: where, m: m, read: map[string]bool{}}
}

func (f *fields) fail(field, format string, args ...any) {
	f.l.problem("%s: field %q %s", f.where, field, fmt.Sprintf(format, args...))
}

func (f *fields) has(name string) bool {
	return f.m.Has(name)
}

func (f *fields) raw(name string) (any, bool) {
	v, ok := f.m.Get(name)
	if ok {
		f.read[name] = true
	}
	return v, ok
}

func (f *fields) string(name string) (string, bool) {
	v, ok := f.raw(name)
	if !ok {
		return "", false
	}
	s, isString := v.(string)
	if !isString {
		f.fail(name, "must be a string, not %s", describe(v))
		return "", false
	}
	return s, true
}

func (f *fields) bool(name string) (bool, bool) {
	v, ok := f.raw(name)
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		f.fail(name, "must be true or false, not %s", describe(v))
		return false, false
	}
	return b, true
}

func (f *fields) number(name string) (float64, bool) {
	v, ok := f.raw(name)
	if !ok {
		return 0, false
	}
	n, isNumber := v.(json.Number)
	if !isNumber {
		f.fail(name, "must be a number, not %s", describe(v))
		return 0, false
	}
	x, err := n.Float64()
	if err != nil || math.IsInf(x, 0) {
		f.fail(name, "must be a finite number, not %s", n)
		return 0, false
	}
	return x, true
}

func (f *fields) nonNegativeInt(name string) (int64, bool) {
	x, ok := f.number(name)
	if !ok {
		return 0, false
	}
	if x != math.Trunc(x) || x < 0 || x > 99999999 {
		f.fail(name, "must be a whole number from 0 to 99999999, not %v", x)
		return 0, false
	}
	return int64(x), true
}

func (f *fields) positiveInt(name string) (int64, bool) {
	n, ok := f.nonNegativeInt(name)
	if ok && n == 0 {
		f.fail(name, "must be a positive whole number, not 0")
		return 0, false
	}
	return n, ok
}

// path reads a path field that may be null (InputPath, OutputPath,
// ResultPath, ItemsPath); reference asks for a Reference Path.
func (f *fields) path(name string, nullable, reference bool) *string {
	v, ok := f.raw(name)
	if !ok {
		return nil
	}
	if v == nil && nullable {
		return nullPath
	}
	s, isString := v.(string)
	if !isString || !strings.HasPrefix(s, "$") {
		f.fail(name, "must be a path starting with $, not %s", describe(v))
		return nil
	}
	f.validatePath(name, s, reference)
	return &s
}

// referencePath reads a field that must hold a Reference Path.
func (f *fields) referencePath(name string) string {
	s, ok := f.string(name)
	if ok && !strings.HasPrefix(s, "$") {
		f.fail(name, "must be a path starting with $, not %q", s)
		return ""
	}
	if ok {
		f.validatePath(name, s, true)
	}
	return s
}

// pathOrIntrinsic reads ErrorPath or CausePath: a Reference Path or an
// intrinsic function such as States.Format.
func (f *fields) pathOrIntrinsic(name string) string {
	s, ok := f.string(name)
	switch {
	case !ok:
		return ""
	case strings.HasPrefix(s, "States."):
		f.validateTemplate(name, value.NewObject(1).With(name+".$", s))
	case strings.HasPrefix(s, "$"):
		f.validatePath(name, s, true)
	default:
		f.fail(name, "must be a path starting with $ or an intrinsic function, not %q", s)
		return ""
	}
	return s
}

func (f *fields) validatePath(name, path string, reference bool) {
	if err := jsonpath.Validate(path, reference); err != nil {
		f.fail(name, "holds an invalid path: %v", err)
	}
}

func (f *fields) validateTemplate(name string, template any) {
	if err := jsonpath.ValidateTemplate(template); err != nil {
		f.fail(name, "is an invalid template: %v", err)
	}
}

func (f *fields) strings(name string) ([]string, bool) {
	v, ok := f.raw(name)
	if !ok {
		return nil, false
	}
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		f.fail(name, "must be a non-empty array of strings, not %s", describe(v))
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, isString := e.(string)
		if !isString {
			f.fail(name, "must hold only strings, not %s", describe(e))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// stringField is the field name if it is a string, without reading it.
func stringField(f *fields, name string) (string, bool) {
	v, _ := f.m.Get(name)
	s, ok := v.(string)
	return s, ok
}

// rejectUnknown refuses every key nobody read.
func (f *fields) rejectUnknown() {
	var unknown []string
	for _, k := range f.m.Keys() {
		if !f.read[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		f.l.problem("%s: unknown field %q", f.where, k)
	}
}
