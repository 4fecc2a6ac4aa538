package jsonpath

import (
	"cmp"
	"encoding/json"
	"math"
	"strconv"

	"stepfunctions-go/internal/asl/value"
)

// DefinitionError is a path, template or intrinsic call that a state
// machine definition cannot contain. The engine reports it when the
// definition loads, before anything runs.
type DefinitionError struct {
	msg string
}

func (e *DefinitionError) Error() string { return e.msg }

// toJSON renders v as compact JSON text held in a string, as Step
// Functions shows values in its error causes and as States.JsonToString
// returns them (value.Text: a lone surrogate stays as the string holds it).
// Object keys come out in the order the value holds them.
func toJSON(v any) string {
	text, err := value.Text(v)
	if err != nil {
		// Only values that did not come from JSON fail to encode.
		return "<not JSON: " + err.Error() + ">"
	}
	return text
}

// describe is how a value appears in a message: as JSON, cut short.
func describe(v any) string {
	s := toJSON(v)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// numberOf is an integer result as the JSON number the engine carries.
func numberOf(n int64) json.Number {
	return json.Number(strconv.FormatInt(n, 10))
}

// typeName is the JSON type of v, the word AWS's messages use.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case *value.Object:
		return "object"
	}
	return "unknown"
}

// asFloat is the value of a JSON number; one too large for a float64 is
// an infinity.
func asFloat(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil || math.IsInf(f, 0)
}

// asInteger is the value of a JSON number that is a whole number, whatever
// way it is written (3, 3.0, 3e0).
func asInteger(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return 0, false
		}
		return asInteger(f)
	case float64:
		// Beyond 2^53 a float64 no longer tells one integer from the next.
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// compareNumbers orders two JSON numbers: exactly when both are integers
// that fit an int64, as float64 otherwise. (Parsing them as big decimals
// would be exact everywhere, but a number like 1e999999999 would then take
// all the memory there is.)
func compareNumbers(a, b any) (int, bool) {
	if ia, ok := asInteger(a); ok {
		if ib, ok := asInteger(b); ok {
			return cmp.Compare(ia, ib), true
		}
	}
	fa, ok1 := asFloat(a)
	fb, ok2 := asFloat(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return cmp.Compare(fa, fb), true
}

// equalJSON is JSON equality: numbers by value, objects regardless of key
// order.
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case *value.Object:
		y, ok := b.(*value.Object)
		return ok && x.Equal(y, equalJSON)
	}
	c, ok := compareNumbers(a, b)
	return ok && c == 0
}
