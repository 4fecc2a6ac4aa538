package jsonpath

import (
	"slices"
	"unicode/utf16"

	"stepfunctions-go/internal/asl/value"
)

// inJavaHashMapOrder is o with its fields in the order a java.util.HashMap
// holding them iterates: by bucket, the bucket being the spread
// String.hashCode of the name modulo the table size (16, doubled whenever
// the map is more than three quarters full), and in insertion order within
// a bucket. States.JsonMerge answers in that order on AWS: the recorded
// merge of {"constant_in_literal":…} with {"constant_input_field":…} puts
// the second's field first (aws_recordings_test.go), which neither the
// arguments' order nor sorting gives, and the hash order does.
func inJavaHashMapOrder(o *value.Object) *value.Object {
	size := 16
	for o.Len() > size*3/4 {
		size *= 2
	}
	keys := slices.Clone(o.Keys())
	slices.SortStableFunc(keys, func(a, b string) int {
		return int(javaBucket(a, size)) - int(javaBucket(b, size))
	})
	out := value.NewObject(len(keys))
	for _, k := range keys {
		v, _ := o.Get(k)
		out.Set(k, v)
	}
	return out
}

// javaBucket is the HashMap bucket of a String key in a table of size
// entries (a power of two).
func javaBucket(key string, size int) uint32 {
	var h uint32
	for _, unit := range utf16.Encode([]rune(key)) {
		h = 31*h + uint32(unit)
	}
	h ^= h >> 16
	return h & uint32(size-1)
}
