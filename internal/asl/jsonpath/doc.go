// Package jsonpath is the JSONPath half of the ASL engine: the Paths and
// Reference Paths of InputPath, OutputPath, ItemsPath, ResultPath and the
// ".$" fields (Get, Set, Validate), the payload templates of Parameters,
// ItemSelector and ResultSelector (Template), and the intrinsic functions
// (States.Format and the rest).
//
// Paths follow Jayway JsonPath, the Java library Step Functions' JSONPath
// behaviour comes from: a definite path (names and single indexes only)
// yields the value itself and fails when nothing is there; any other path
// (wildcards, slices, index or name lists, filters, "..") yields an array of
// what matched, possibly empty.
//
// The parser is hand-written. The Go libraries at hand do not follow Jayway:
// github.com/theory/jsonpath implements RFC 9535 (always a node list, no
// "definite" paths, no Jayway filter operators such as "=~ /re/" or "in"),
// and github.com/ohler55/ojg and github.com/PaesslerAG/jsonpath are not in
// the module set this project may draw from. A small parser keeps the
// Jayway rules in one place where the tests can pin them.
//
// Values are the engine's everywhere (package value): nil, bool,
// json.Number, string, []any, *value.Object.
// Errors raised while a state runs are *stateserror.Error; errors found
// while a definition loads (Validate, ValidateTemplate, ValidateIntrinsic)
// are *DefinitionError.
package jsonpath
