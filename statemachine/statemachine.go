// Package statemachine holds the workflows as Amazon States Language files
// (*.asl.json, in JSONPath or JSONata) that open in Workflow Studio and the
// AWS Toolkit as they are. Like SAM's DefinitionSubstitutions, a file refers
// to deployed resources through ${Name} placeholders inside JSON strings,
// and Render fills them in; a placeholder left without a value, or a value
// no placeholder asks for, is an error rather than a broken workflow. As
// with SAM, a placeholder counts wherever it is in a string, inside a
// JSONata {% %} expression too, where its value becomes text of the
// expression: write '${Name}' there to use it as a JSONata string.
package statemachine

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

//go:embed *.asl.json *.example.json
var files embed.FS

const (
	extension        = ".asl.json"
	exampleExtension = ".example.json"
)

var placeholderPattern = regexp.MustCompile(`\$\{([A-Za-z][A-Za-z0-9]*)\}`)

// Template is one workflow definition before substitution.
type Template struct {
	// Name is the file name without .asl.json, e.g. "main".
	Name         string
	source       string
	placeholders []string
	// ShortestTaskTimeout is the smallest TimeoutSeconds of the workflow's
	// Task states: a function must finish well within it.
	ShortestTaskTimeout int
	// Path is the states a successful execution passes through, from
	// StartAt along Next.
	Path []State
	// TimeoutSeconds is the machine's: no execution runs longer.
	TimeoutSeconds int
	// Tasks are every Task state, however deeply nested, sorted by name.
	Tasks []Task
	// graph is the top-level states, for the worst case of a path (timing.go).
	graph states
}

// State is one state on a workflow's path.
type State struct {
	Name, Type, Resource string
	// FunctionArn is Parameters.FunctionName (JSONPath) or
	// Arguments.FunctionName (JSONata) as written, e.g.
	// "${ReverseFunctionArn}"; empty for states that invoke no function.
	FunctionArn string
}

// Names lists the workflows in this directory, sorted.
func Names() []string {
	matches, err := fs.Glob(files, "*"+extension)
	if err != nil {
		panic(err) // the pattern is a constant
	}
	names := make([]string, len(matches))
	for i, match := range matches {
		names[i] = strings.TrimSuffix(match, extension)
	}
	return names
}

// Load reads and checks the workflow called name.
func Load(name string) (*Template, error) {
	source, err := files.ReadFile(name + extension)
	if err != nil {
		return nil, fmt.Errorf("no workflow %q in statemachine/: choose one of %s", name, strings.Join(Names(), ", "))
	}
	return parse(name, source)
}

// states is a list of states: the whole machine, a Parallel branch, or the
// states a Map runs for each item.
type states struct {
	StartAt string
	States  map[string]state
}

type state struct {
	Type             string
	Resource         string
	Next             string
	TimeoutSeconds   int
	HeartbeatSeconds int
	// QueryLanguage is the state's own; "" inherits the definition's.
	QueryLanguage string
	// Parameters (JSONPath) or Arguments (JSONata) are what a Task sends
	// its resource.
	Parameters, Arguments json.RawMessage
	Retry                 []Retrier
	// Catch, Choices and Default lead to other states; Seconds is a
	// Wait's (timing.go).
	Catch, Choices []struct{ Next string }
	Default        string
	Seconds        *int
	// Branches are a Parallel's; ItemProcessor (or Iterator, its older
	// name) is a Map's.
	Branches                []states
	ItemProcessor, Iterator *states
}

func parse(name string, source []byte) (*Template, error) {
	var definition struct {
		states
		TimeoutSeconds int
		QueryLanguage  string
	}
	if err := json.Unmarshal(source, &definition); err != nil {
		return nil, decodeError(name, err)
	}
	if definition.TimeoutSeconds <= 0 {
		return nil, fmt.Errorf("statemachine/%s%s: set a top-level TimeoutSeconds so no execution runs for a year", name, extension)
	}
	template := &Template{Name: name, source: string(source), TimeoutSeconds: definition.TimeoutSeconds, graph: definition.states}
	language, err := state{QueryLanguage: definition.QueryLanguage}.queryLanguage(JSONPath)
	if err != nil {
		return nil, fmt.Errorf("statemachine/%s%s %w", name, extension, err)
	}
	if err := template.checkTasks(definition.states, language); err != nil {
		return nil, err
	}
	slices.SortFunc(template.Tasks, func(a, b Task) int { return strings.Compare(a.Name, b.Name) })
	for name := definition.StartAt; name != "" && len(template.Path) < len(definition.States); name = definition.States[name].Next {
		state := definition.States[name]
		stateLanguage, _ := state.queryLanguage(language) // checked above
		functionArn, _, _ := state.target(stateLanguage)  // checked above
		template.Path = append(template.Path, State{Name: name, Type: state.Type, Resource: state.Resource, FunctionArn: functionArn})
	}
	for _, match := range placeholderPattern.FindAllStringSubmatch(template.source, -1) {
		if !slices.Contains(template.placeholders, match[1]) {
			template.placeholders = append(template.placeholders, match[1])
		}
	}
	sort.Strings(template.placeholders)
	if rest := placeholderPattern.ReplaceAllString(template.source, ""); strings.Contains(rest, "${") {
		return nil, fmt.Errorf("statemachine/%s%s: a placeholder is not of the form ${Name} (letters and digits)", name, extension)
	}
	return template, nil
}

// checkTasks holds every Task, however deeply it sits in Parallel branches
// and Maps and in whichever query language, to the rules a Task at the top
// is held to, and finds the shortest Task timeout. State names are unique
// across a whole state machine, so the name alone says which state an
// error is about.
func (t *Template) checkTasks(list states, definitionLanguage string) error {
	for stateName, state := range list.States {
		language, err := state.queryLanguage(definitionLanguage)
		if err != nil {
			return fmt.Errorf("statemachine/%s%s: %s %q %w", t.Name, extension, state.Type, stateName, err)
		}
		nested := state.Branches
		for _, items := range []*states{state.ItemProcessor, state.Iterator} {
			if items != nil {
				nested = append(nested, *items)
			}
		}
		for _, inner := range nested {
			if err := t.checkTasks(inner, definitionLanguage); err != nil {
				return err
			}
		}
		if state.Type != "Task" {
			continue
		}
		_, queueURL, err := state.target(language)
		if err != nil {
			return fmt.Errorf("statemachine/%s%s: Task %q %w", t.Name, extension, stateName, err)
		}
		if state.TimeoutSeconds <= 0 {
			return fmt.Errorf("statemachine/%s%s: Task %q needs a TimeoutSeconds so a hung task cannot stall the execution", t.Name, extension, stateName)
		}
		if err := checkRetry(t.Name, stateName, state.Resource, state.Retry); err != nil {
			return err
		}
		task := Task{Name: stateName, Resource: state.Resource, QueueURL: queueURL,
			TimeoutSeconds: state.TimeoutSeconds, HeartbeatSeconds: state.HeartbeatSeconds}
		if err := t.checkTaskTimeouts(task); err != nil {
			return err
		}
		t.Tasks = append(t.Tasks, task)
		if t.ShortestTaskTimeout == 0 || state.TimeoutSeconds < t.ShortestTaskTimeout {
			t.ShortestTaskTimeout = state.TimeoutSeconds
		}
	}
	return nil
}

// decodeError explains why a workflow file does not decode. A timing field
// given as a string is most likely a JSONata {% %} expression, which AWS
// allows there; the stack does not, since it needs the number before
// deploying.
func decodeError(name string, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Value == "string" && strings.HasSuffix(typeErr.Field, "Seconds") {
		field := typeErr.Field[strings.LastIndex(typeErr.Field, ".")+1:]
		return fmt.Errorf("statemachine/%s%s: a %s is a string, perhaps a {%% %%} expression: write a number of seconds, which the stack needs before deploying to size function timeouts and check the Task rules", name, extension, field)
	}
	return fmt.Errorf("statemachine/%s%s is not valid JSON: %w", name, extension, err)
}

// Placeholders lists the names the workflow asks for, sorted.
func (t *Template) Placeholders() []string { return slices.Clone(t.placeholders) }

// Uses reports whether the workflow has the placeholder ${name}.
func (t *Template) Uses(name string) bool { return slices.Contains(t.placeholders, name) }

// Check reports a placeholder that names leave without a value, or a name
// no placeholder asks for, so a deploy can fail before it creates anything.
func (t *Template) Check(names []string) error {
	var missing, unknown []string
	for _, placeholder := range t.placeholders {
		if !slices.Contains(names, placeholder) {
			missing = append(missing, "${"+placeholder+"}")
		}
	}
	for _, name := range names {
		if !slices.Contains(t.placeholders, name) {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(missing) > 0 {
		return fmt.Errorf("workflow %q: no value for %s", t.Name, strings.Join(missing, ", "))
	}
	if len(unknown) > 0 {
		return fmt.Errorf("workflow %q has no placeholder for %s: it asks for %s", t.Name, strings.Join(unknown, ", "), strings.Join(t.placeholders, ", "))
	}
	return nil
}

// Render substitutes values into the placeholders and returns the definition
// Step Functions receives.
func (t *Template) Render(values map[string]string) (string, error) {
	if err := t.Check(slices.Collect(maps.Keys(values))); err != nil {
		return "", err
	}
	return placeholderPattern.ReplaceAllStringFunc(t.source, func(placeholder string) string {
		return jsonStringContent(values[placeholderPattern.FindStringSubmatch(placeholder)[1]])
	}), nil
}

// jsonStringContent escapes value for use between the quotes of a JSON string.
func jsonStringContent(value string) string {
	quoted, _ := json.Marshal(value) // a string always marshals
	return string(quoted[1 : len(quoted)-1])
}
