// Package valuetest holds what tests of the engine's values share.
package valuetest

import "stepfunctions-go/internal/asl/value"

// FieldOrder lists the field names of v's objects, depth first, in the
// order v holds them: what a test compares to see that an order was kept.
func FieldOrder(v any) []string {
	var names []string
	switch x := v.(type) {
	case *value.Object:
		for k, e := range x.All() {
			names = append(names, k)
			names = append(names, FieldOrder(e)...)
		}
	case []any:
		for _, e := range x {
			names = append(names, FieldOrder(e)...)
		}
	}
	return names
}
