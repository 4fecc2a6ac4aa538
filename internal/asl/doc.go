// Package asl runs Amazon States Language definitions, JSONPath and
// JSONata, in process.
//
// JSON values everywhere in the engine and its sub-packages are the Go
// values encoding/json produces with Decoder.UseNumber: nil, bool,
// json.Number, string, []any and map[string]any. json.Number keeps a
// number's text as written, as Step Functions does for values a state only
// passes on.
package asl
