package jsonpath

import "fmt"

// Validate checks a path when a definition loads. reference asks for a
// Reference Path, which the ASL allows in ResultPath and wherever a single
// node is meant: names and single array indexes only, no *, .., slices,
// lists or filters. Paths may start with $, $$ (the context object) or
// $name (a variable); the engine decides which roots a field accepts.
func Validate(pathText string, reference bool) error {
	parsed, err := parsePath(pathText)
	if err != nil {
		return err
	}
	if reference && !parsed.reference() {
		return &DefinitionError{msg: fmt.Sprintf("%q is not a Reference Path: it may use only field names and single array indexes (no *, .., slices, index or name lists, or filters)", pathText)}
	}
	return nil
}

// IsReferencePath says whether pathText is a valid Reference Path.
func IsReferencePath(pathText string) bool {
	return Validate(pathText, true) == nil
}
