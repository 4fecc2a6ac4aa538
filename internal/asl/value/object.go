// Package value holds the JSON values the ASL engine passes between states:
// nil, bool, json.Number, string, []any and *Object. An Object keeps its
// members in the order they were written, as Step Functions does (its
// JSON library, Jackson, keeps a document's order), so a state's output
// prints its keys as the input, the template or the task wrote them.
//
// The engine treats values as immutable once built: functions that change
// a value return a changed copy and share the rest.
package value

import "iter"

// Undefined is what an evaluator returns for an expression that evaluates
// to nothing (a JSONata path that matches no field): not a JSON value, and
// not null.
var Undefined any = undefined{}

type undefined struct{}

func (undefined) String() string { return "undefined" }

// Object is a JSON object whose members keep their order. The zero value
// and nil are empty objects.
type Object struct {
	keys   []string
	values map[string]any
}

// NewObject is an empty object with room for size members.
func NewObject(size int) *Object {
	return &Object{keys: make([]string, 0, size), values: make(map[string]any, size)}
}

// Len is the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.keys)
}

// Get is the member named key.
func (o *Object) Get(key string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.values[key]
	return v, ok
}

// Has says whether the object has a member named key.
func (o *Object) Has(key string) bool {
	_, ok := o.Get(key)
	return ok
}

// Set replaces the member named key where it stands, or adds it at the
// end. It changes o: use it while building an object, or on a Clone.
func (o *Object) Set(key string, v any) {
	if o.values == nil {
		o.values = map[string]any{}
	}
	if _, ok := o.values[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.values[key] = v
}

// With is Set returning o, to build an object in one expression:
// value.NewObject(2).With("input", in).With("context", c).
func (o *Object) With(key string, v any) *Object {
	o.Set(key, v)
	return o
}

// Keys are the member names in order. The slice is the object's own: do
// not change it.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// All yields the members in order.
func (o *Object) All() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, k := range o.Keys() {
			if !yield(k, o.values[k]) {
				return
			}
		}
	}
}

// Clone is a shallow copy that Set can change without changing o.
func (o *Object) Clone() *Object {
	c := NewObject(o.Len() + 1)
	c.keys = append(c.keys, o.Keys()...)
	for k, v := range o.All() {
		c.values[k] = v
	}
	return c
}

// Equal reports whether a and b hold the same members, in any order,
// comparing member values with eq.
func (o *Object) Equal(other *Object, eq func(a, b any) bool) bool {
	if o.Len() != other.Len() {
		return false
	}
	for k, v := range o.All() {
		w, ok := other.Get(k)
		if !ok || !eq(v, w) {
			return false
		}
	}
	return true
}
