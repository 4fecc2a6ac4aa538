package jsonata

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"testing"

	"stepfunctions-go/internal/asl/value"
	"stepfunctions-go/internal/asl/value/valuetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// FuzzValuesCrossAsJSON holds the conversion to what encoding/json says:
// any JSON value the engine can hold is encoded to the JSON text it came
// from (numbers keep their text), and comes back from JSONata equal to it
// by value (numbers as doubles).
func FuzzValuesCrossAsJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a": [1, 2.5, -0, 1e-7, 1E+21, 123456789012345678901234567890], "b": {"c": null, "d": true}}`,
		`"\u0000\ud800\"\\ <>&\u2028"`, `[]`, `{}`, `[[[[]]]]`, `0.1`, `-1.5e-300`, `{"": {"": ""}}`,
		`1e308`, `4.9e-324`, `9007199254740993`, `["Grüße", "日本", "\t\n"]`,
		`{"b": 1, "10": 2, "a": 3, "2": 4, "01": 5, "-1": 6, "4294967295": 7, "4294967294": 8}`, `{"z": 1, "y": 1, "z": 2}`,
	} {
		f.Add(seed)
	}
	w := newTestWorker(f, Options{})
	f.Fuzz(func(t *testing.T, text string) {
		v, err := value.Decode([]byte(text))
		if err != nil {
			t.Skip("not one JSON value")
		}
		encoded, err := encodeBindings(map[string]any{"v": v}, []string{"v"})
		if err != nil {
			assert.True(t, hasOutOfRangeNumber(v), "only a number beyond a double is refused: %v", err)
			return
		}
		decoded, err := value.Decode(encoded)
		require.NoError(t, err, "%s", encoded)
		assert.Equal(t, value.NewObject(1).With("v", v), decoded, "the encoding is the value, numbers and order as written")

		got, err := w.Evaluate(t.Context(), "$v", map[string]any{"v": v})
		require.NoError(t, err)
		assert.True(t, equalAsDoubles(v, got), "%s came back as %#v", text, got)
		assert.Equal(t, javaScriptOrder(v), valuetest.FieldOrder(got), "%s came back with its fields in another order than JavaScript's", text)
	})
}

func hasOutOfRangeNumber(v any) bool {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return err != nil || math.IsInf(f, 0)
	case []any:
		for _, item := range v {
			if hasOutOfRangeNumber(item) {
				return true
			}
		}
	case *value.Object:
		for _, item := range v.All() {
			if hasOutOfRangeNumber(item) {
				return true
			}
		}
	}
	return false
}

// equalAsDoubles compares JSON values with numbers compared as the doubles
// they parse to.
func equalAsDoubles(want, got any) bool {
	switch w := want.(type) {
	case json.Number:
		g, ok := got.(json.Number)
		if !ok {
			return false
		}
		wf, _ := strconv.ParseFloat(string(w), 64)
		gf, err := strconv.ParseFloat(string(g), 64)
		return err == nil && wf == gf
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !equalAsDoubles(w[i], g[i]) {
				return false
			}
		}
		return true
	case *value.Object:
		g, ok := got.(*value.Object)
		return ok && w.Equal(g, equalAsDoubles)
	default:
		return want == got
	}
}

// javaScriptOrder is fieldOrder as a JavaScript object built from v lists
// its fields (ECMA-262, OrdinaryOwnPropertyKeys): the array indexes
// (integer-like names below 2^32-1) first, ascending, then the other names
// in the order they were added.
func javaScriptOrder(v any) []string {
	var names []string
	switch x := v.(type) {
	case *value.Object:
		var indexes, others []string
		for _, k := range x.Keys() {
			if n, err := strconv.ParseUint(k, 10, 32); err == nil && n < math.MaxUint32 && strconv.FormatUint(n, 10) == k {
				indexes = append(indexes, k)
			} else {
				others = append(others, k)
			}
		}
		slices.SortFunc(indexes, func(a, b string) int {
			na, _ := strconv.ParseUint(a, 10, 32)
			nb, _ := strconv.ParseUint(b, 10, 32)
			return cmp.Compare(na, nb)
		})
		for _, k := range append(indexes, others...) {
			e, _ := x.Get(k)
			names = append(names, k)
			names = append(names, javaScriptOrder(e)...)
		}
	case []any:
		for _, e := range x {
			names = append(names, javaScriptOrder(e)...)
		}
	}
	return names
}
