package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// encodeBindings writes the bindings of names as the JSON object the worker
// passes to jsonata; a name without a binding is left out. It checks what
// JSON.parse on the other side would silently get wrong: a number beyond a
// double's range (JSON.parse reads Infinity) and a value that is not JSON. A binding that is Undefined is left out, so the
// variable is unbound, as in jsonata. Numbers keep their text; JSONata reads
// every number as a double, so an integer beyond 2^53 loses its low digits
// there, as in Step Functions' JSONata.
func encodeBindings(bindings map[string]any, names []string) ([]byte, error) {
	out := []byte{'{'}
	for _, name := range names {
		bound, ok := bindings[name]
		if !ok || bound == Undefined {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = value.AppendString(out, name)
		out = append(out, ':')
		var err error
		if out, err = appendValue(out, bound); err != nil {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "the variable $%s: %v", name, err)
		}
	}
	return append(out, '}'), nil
}

func appendValue(out []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(out, "null"...), nil
	case bool:
		return strconv.AppendBool(out, v), nil
	case string:
		return value.AppendString(out, v), nil
	case json.Number:
		text, err := json.Marshal(v) // checks the JSON number grammar
		if err != nil {
			return nil, fmt.Errorf("%q is not a JSON number", string(v))
		}
		if f, err := strconv.ParseFloat(string(v), 64); err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("the number %s is beyond JSONata's numbers (IEEE 754 doubles, up to about 1.8e308)", v)
		}
		return append(out, text...), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("the number %v is not a JSON number", v)
		}
		return strconv.AppendFloat(out, v, 'g', -1, 64), nil
	case int:
		return strconv.AppendInt(out, int64(v), 10), nil
	case []any:
		out = append(out, '[')
		for i, item := range v {
			if i > 0 {
				out = append(out, ',')
			}
			var err error
			if out, err = appendValue(out, item); err != nil {
				return nil, err
			}
		}
		return append(out, ']'), nil
	case *value.Object:
		// In order; JSON.parse on the other side keeps it, except that
		// JavaScript lists integer-like names ("7") first, ascending.
		out = append(out, '{')
		for i, key := range v.Keys() {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(value.AppendString(out, key), ':')
			member, _ := v.Get(key)
			var err error
			if out, err = appendValue(out, member); err != nil {
				return nil, err
			}
		}
		return append(out, '}'), nil
	default:
		return nil, fmt.Errorf("a %T is not a JSON value; bindings hold nil, bool, json.Number, float64, int, string, []any and *value.Object", v)
	}
}
