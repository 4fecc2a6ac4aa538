package jsonata

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"

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
	} {
		f.Add(seed)
	}
	w := newTestWorker(f, Options{})
	f.Fuzz(func(t *testing.T, text string) {
		decoder := json.NewDecoder(bytes.NewReader([]byte(text)))
		decoder.UseNumber()
		var value any
		if decoder.Decode(&value) != nil || decoder.More() {
			t.Skip("not one JSON value")
		}
		encoded, err := encodeBindings(map[string]any{"v": value}, []string{"v"})
		if err != nil {
			assert.True(t, hasOutOfRangeNumber(value), "only a number beyond a double is refused: %v", err)
			return
		}
		var decoded map[string]any
		decoder = json.NewDecoder(bytes.NewReader(encoded))
		decoder.UseNumber()
		require.NoError(t, decoder.Decode(&decoded), "%s", encoded)
		assert.Equal(t, value, decoded["v"], "the encoding is the value, numbers as written")

		got, err := w.Evaluate(t.Context(), "$v", map[string]any{"v": value})
		require.NoError(t, err)
		assert.True(t, equalAsDoubles(value, got), "%s came back as %#v", text, got)
	})
}

func hasOutOfRangeNumber(value any) bool {
	switch v := value.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return err != nil || math.IsInf(f, 0)
	case []any:
		for _, item := range v {
			if hasOutOfRangeNumber(item) {
				return true
			}
		}
	case map[string]any:
		for _, item := range v {
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
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for key, item := range w {
			if !equalAsDoubles(item, g[key]) {
				return false
			}
		}
		return true
	default:
		return want == got
	}
}
