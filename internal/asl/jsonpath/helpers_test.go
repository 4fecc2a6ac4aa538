package jsonpath

import (
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/value"
)

// decode reads JSON the way the engine does (UseNumber), for inputs and
// expected values written as JSON text in the tables.
func decode(t testing.TB, text string) any {
	t.Helper()
	v, err := value.Decode([]byte(text))
	require.NoError(t, err, "test JSON %s", text)
	return v
}

// store is the example document of Goessner's JSONPath article, which
// Jayway's documentation uses too, with a few additions for edge cases.
const store = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10,
  "nothing": null,
  "odd keys": {"a b": 1, "a.b": 2, "it's": 3, "名前": 4, "": 5}
}`

// field is a one-field payload template, "name": expression.
func field(name, expression string) *value.Object {
	return wrap(name, expression)
}

// wrap is the object {"name": v}.
func wrap(name string, v any) *value.Object {
	o := value.NewObject(1)
	o.Set(name, v)
	return o
}

// member is the field name of an object a test got.
func member(t testing.TB, v any, name string) any {
	t.Helper()
	obj, ok := v.(*value.Object)
	require.True(t, ok, "an object is expected, not %T", v)
	got, _ := obj.Get(name)
	return got
}
