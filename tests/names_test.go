package tests

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoTestNamesAStep is the rule that keeps a new, removed or renamed step
// from breaking tests that only the workflow files should decide: no test
// may spell the name of a state of a shipped workflow, or of a function in
// lambdas/ (as its directory, PascalCase or camelCase), in a string. A test
// reads such names from the workflow (readWorkflow here, or
// statemachine.Template.Path elsewhere) or makes up one no function has. Only a function's
// own tests, in its own directory, may name it, and tests/addstep, which
// names the step docs/add-a-step.md adds. Counts are not found by reading:
// tests/addstep performs the changes and runs the tests that derive them.
func TestNoTestNamesAStep(t *testing.T) {
	names := stepNames(t)
	require.NotEmpty(t, names)
	functions := slices.Collect(maps.Keys(mainPackages(t)))
	for _, file := range testFiles(t, "..") {
		if strings.HasPrefix(file, "tests/addstep/") || slices.ContainsFunc(functions, func(fn string) bool { return strings.HasPrefix(file, "lambdas/"+fn+"/") }) {
			continue
		}
		for _, found := range namedSteps(t, filepath.Join("..", file), names) {
			assert.Fail(t, "a test names a step", "%s:%d: %q names %s; derive it from statemachine/ or lambdas/, or use a name no function or state has", file, found.line, found.literal, found.name)
		}
	}
}

// stepNames maps each name a test must not spell to what it names: every
// state of every workflow, nested states too, and every function's forms.
func stepNames(t *testing.T) map[string]string {
	t.Helper()
	names := map[string]string{}
	add := func(name, what string) {
		if names[name] != "" {
			what = names[name] + " and " + what
		}
		names[name] = what
	}
	workflows, err := filepath.Glob("../statemachine/*.asl.json")
	require.NoError(t, err)
	for _, path := range workflows {
		source, err := os.ReadFile(path)
		require.NoError(t, err)
		var definition any
		require.NoError(t, json.Unmarshal(source, &definition), path)
		for _, state := range stateNames(definition) {
			add(state, "the state "+state+" of "+filepath.Base(path))
		}
	}
	for fn := range mainPackages(t) {
		pascal := pascalCase(fn)
		for _, form := range []string{fn, pascal, strings.ToLower(pascal[:1]) + pascal[1:]} {
			add(form, "the function lambdas/"+fn)
		}
	}
	return names
}

// stateNames lists the keys of every "States" object in a definition,
// however deeply Parallel branches and Maps nest them.
func stateNames(node any) []string {
	var found []string
	switch node := node.(type) {
	case map[string]any:
		for key, value := range node {
			if states, ok := value.(map[string]any); ok && key == "States" {
				for name := range states {
					found = append(found, name)
				}
			}
			found = append(found, stateNames(value)...)
		}
	case []any:
		for _, value := range node {
			found = append(found, stateNames(value)...)
		}
	}
	return found
}

// testFiles lists every _test.go file under root, relative to it.
func testFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if entry.IsDir() && (strings.HasPrefix(entry.Name(), ".") && path != root || entry.Name() == "node_modules" || entry.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !entry.IsDir() && strings.HasSuffix(path, "_test.go") {
			relative, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(relative))
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

type namedStep struct {
	line          int
	literal, name string
}

// wordCharacter continues a name: "Reverse" is named in "→ Reverse" and
// "dev-reverse", not in "ReverseOrder".
var wordCharacter = regexp.MustCompile(`[A-Za-z0-9]`)

// namedSteps finds the string literals in a Go file that spell a name.
func namedSteps(t *testing.T, path string, names map[string]string) []namedStep {
	t.Helper()
	files := token.NewFileSet()
	parsed, err := parser.ParseFile(files, path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	var found []namedStep
	ast.Inspect(parsed, func(node ast.Node) bool {
		literal, ok := node.(*ast.BasicLit)
		if !ok || literal.Kind != token.STRING {
			return true
		}
		text, err := strconv.Unquote(literal.Value)
		require.NoError(t, err)
		for name, what := range names {
			if spells(text, name) {
				found = append(found, namedStep{line: files.Position(literal.Pos()).Line, literal: text, name: what})
			}
		}
		return true
	})
	return found
}

// spells reports whether name occurs in text as a whole word.
func spells(text, name string) bool {
	for offset := 0; ; {
		index := strings.Index(text[offset:], name)
		if index < 0 {
			return false
		}
		start, end := offset+index, offset+index+len(name)
		before := start == 0 || !wordCharacter.MatchString(text[start-1:start])
		after := end == len(text) || !wordCharacter.MatchString(text[end:end+1])
		if before && after {
			return true
		}
		offset = start + 1
	}
}
