package value

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeKeepsTheDocumentAsWritten(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"fields in document order, at every level", `{"z": 1, "a": {"y": [{"d": 1, "c": 2}], "x": null}}`, `{"z":1,"a":{"y":[{"d":1,"c":2}],"x":null}}`},
		{"numbers as written", `[1.50, 2.5E3, -0, 12345678901234567890]`, `[1.50,2.5E3,-0,12345678901234567890]`},
		{"a repeated name keeps its first place and its last value, as JSON.parse", `{"a": 1, "b": 2, "a": 3}`, `{"a":3,"b":2}`},
		{"no HTML escaping", `{"html": "<a href='x'>&</a>"}`, `{"html":"<a href='x'>&</a>"}`},
		{"escapes JSON needs", `"q\"\\\u0001\u2028é"`, `"q\"\\\u0001\u2028é"`},
		{"empty containers", `[{}, []]`, `[{},[]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode([]byte(tt.text))
			require.NoError(t, err)
			out, err := Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, text := range []string{``, `{`, `{"a" 1}`, `[1,]`, `1 2`, `{} x`} {
		_, err := Decode([]byte(text))
		assert.Error(t, err, "%q", text)
	}
	_, err := Decode([]byte(`1 2`))
	assert.ErrorIs(t, err, ErrMoreThanOne)
}

func TestSetReplacesInPlaceOrAddsLast(t *testing.T) {
	o := NewObject(0).With("b", 1).With("a", 2)
	c := o.Clone()
	c.Set("b", 3)
	c.Set("c", 4)
	assert.Equal(t, []string{"b", "a", "c"}, c.Keys())
	assert.Equal(t, []string{"b", "a"}, o.Keys(), "Clone shares nothing Set changes")
	got, _ := c.Get("b")
	assert.Equal(t, 3, got)
	var zero Object
	zero.Set("k", true)
	assert.True(t, zero.Has("k"), "the zero Object is usable")
	var none *Object
	assert.Equal(t, 0, none.Len())
	assert.False(t, none.Has("k"))
}

func TestEncodingJSONSeesTheOrder(t *testing.T) {
	v, err := Decode([]byte(`{"statusCode": 200, "headers": {"B": "<", "A": "2"}, "body": "x"}`))
	require.NoError(t, err)
	out, err := json.Marshal(map[string]any{"payload": v})
	require.NoError(t, err)
	assert.Equal(t, `{"payload":{"statusCode":200,"headers":{"B":"\u003c","A":"2"},"body":"x"}}`, string(out), "json.Marshal keeps the order and applies its own HTML escaping")

	var o Object
	require.NoError(t, json.Unmarshal([]byte(`{"y": 1, "x": [2]}`), &o))
	assert.Equal(t, []string{"y", "x"}, o.Keys())
	assert.Error(t, json.Unmarshal([]byte(`[1]`), &o), "an Object is an object")
}

func TestFrom(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"a RawMessage keeps its order", json.RawMessage(`{"z": 1, "a": 2}`), `{"z":1,"a":2}`},
		{"a Go map has no order: sorted", map[string]any{"z": 1, "a": 2}, `{"a":2,"z":1}`},
		{"a struct in its fields' order", struct {
			Z int `json:"z"`
			A int `json:"a"`
		}{1, 2}, `{"z":1,"a":2}`},
		{"the engine's values as they are", NewObject(2).With("z", json.Number("1")).With("a", []any{"x"}), `{"z":1,"a":["x"]}`},
		{"nil is null", nil, `null`},
		{"an Object holding a Go int is written and read back", NewObject(1).With("n", 7), `{"n":7}`},
		{"a string that is not UTF-8 is written and read back", []any{"a\xffb"}, "[\"a\ufffdb\"]"},
		{"a lone surrogate (its WTF-8 bytes) is kept", []any{"a\xed\xa0\x80b"}, `["a\ud800b"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := From(tt.in)
			require.NoError(t, err)
			out, err := Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
		})
	}
	_, err := From(func() {})
	assert.Error(t, err, "a function is not JSON")
	_, err = From(NewObject(1).With("n", json.Number("1 ")))
	assert.Error(t, err, "a json.Number with a space is not a JSON number")

	// The engine's values are copied, not shared: changing the copy leaves
	// the original as it was.
	inner := NewObject(1).With("k", "v")
	original := NewObject(1).With("inner", inner).With("list", []any{inner})
	copied, err := From(original)
	require.NoError(t, err)
	copiedInner, _ := copied.(*Object).Get("inner")
	copiedInner.(*Object).Set("k", "changed")
	list, _ := copied.(*Object).Get("list")
	list.([]any)[0] = "changed"
	text, err := Marshal(original)
	require.NoError(t, err)
	assert.Equal(t, `{"inner":{"k":"v"},"list":[{"k":"v"}]}`, string(text))
}
