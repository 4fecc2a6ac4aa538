// Package asl runs Amazon States Language definitions, JSONPath and
// JSONata, in process.
//
// JSON values everywhere in the engine and its sub-packages are those of
// package value: nil, bool, json.Number, string, []any and *value.Object.
// json.Number keeps a number's text as written, and an Object its fields'
// order, as Step Functions does for values a state only passes on.
package asl
