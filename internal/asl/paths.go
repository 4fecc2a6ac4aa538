package asl

import "stepfunctions-go/internal/asl/jsonpath"

// jsonPaths is the engine's JSONPath: internal/asl/jsonpath, the default
// Options.Paths.
type jsonPaths struct{}

func (jsonPaths) Get(doc any, path string) (any, error)        { return jsonpath.Get(doc, path) }
func (jsonPaths) Set(doc any, path string, v any) (any, error) { return jsonpath.Set(doc, path, v) }
func (jsonPaths) Validate(path string, reference bool) error {
	return jsonpath.Validate(path, reference)
}
func (jsonPaths) ValidateTemplate(template any) error { return jsonpath.ValidateTemplate(template) }
func (jsonPaths) Template(template any, s PathScope) (any, error) {
	return jsonpath.Template(template, jsonpath.Scope{Input: s.Input, Context: s.Context, Variables: s.Variables})
}
