package tests

import (
	"cmp"
	"encoding/json"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
)

// stackModel is what the stack must declare, derived here from the workflow
// files and the directories of lambdas/, with code of the tests' own rather
// than the statemachine and lambdas packages the program deploys with: a new
// step or function is checked fully by the same tests, and a mistake in the
// program's wiring cannot also be in the expectation.
type stackModel struct {
	// workflows are the enabled workflows, main first.
	workflows []modelWorkflow
	// functions are the deployed functions, sorted by name.
	functions []modelFunction
	// queues are the queues the enabled workflows send to.
	queues []lambdas.Queue
}

// modelWorkflow is one workflow file as the tests read it.
type modelWorkflow struct {
	// Name is the file's name without .asl.json.
	Name string
	// StartAt is the definition's first state.
	StartAt string
	// invokes maps each top-level state that invokes a function to the
	// function's directory in lambdas/.
	invokes map[string]string
	// functions are the directories of the functions the file names.
	functions []string
	// waiting are the top-level states that wait for a task token.
	waiting []string
}

// modelFunction is a main package in lambdas/: its directory and the first
// sentence of its package comment.
type modelFunction struct {
	Name, Description string
}

// The workflow the callbackWorkflow setting switches, by its file name;
// every other file in statemachine/ is always deployed.
const callbackWorkflowFile = "callback"

var placeholderPattern = regexp.MustCompile(`\$\{([A-Za-z0-9]+)\}`)

// modelOf is the model with the callback workflow on or off.
func modelOf(t *testing.T, callbackWorkflow bool) stackModel {
	t.Helper()
	paths, err := filepath.Glob("../statemachine/*.asl.json")
	require.NoError(t, err)
	// main first, then the others in name order.
	slices.SortStableFunc(paths, func(a, b string) int { return cmp.Compare(mainFirst(a), mainFirst(b)) })
	available := mainPackages(t)
	var model stackModel
	deployed := map[string]bool{}
	for _, path := range paths {
		if workflowName(path) == callbackWorkflowFile && !callbackWorkflow {
			continue
		}
		workflow, queues := readWorkflow(t, path)
		model.workflows = append(model.workflows, workflow)
		model.queues = append(model.queues, queues...)
		for _, fn := range workflow.functions {
			deployed[fn] = true
		}
		for _, queue := range queues {
			deployed[queue.Consumer] = true
		}
	}
	for name := range deployed {
		description, ok := available[name]
		require.True(t, ok, "a workflow needs lambdas/%s, which is not a main package", name)
		model.functions = append(model.functions, modelFunction{Name: name, Description: description})
	}
	slices.SortFunc(model.functions, func(a, b modelFunction) int { return strings.Compare(a.Name, b.Name) })
	require.NotEmpty(t, model.functions)
	return model
}

func mainFirst(path string) int {
	if workflowName(path) == "main" {
		return 0
	}
	return 1
}

func workflowName(path string) string {
	return strings.TrimSuffix(filepath.Base(path), ".asl.json")
}

// readWorkflow reads a workflow file: its functions from the
// ${<Pascal>FunctionArn} placeholders, its queues from the queues' URL
// placeholders that lambdas/ declares.
func readWorkflow(t *testing.T, path string) (modelWorkflow, []lambdas.Queue) {
	t.Helper()
	source, err := os.ReadFile(path)
	require.NoError(t, err)
	var definition struct {
		StartAt string
		States  map[string]struct {
			Resource string
			// A JSONPath Task names its function in Parameters, a JSONata
			// one in Arguments.
			Parameters, Arguments struct{ FunctionName string }
		}
	}
	require.NoError(t, json.Unmarshal(source, &definition), path)
	workflow := modelWorkflow{Name: workflowName(path), StartAt: definition.StartAt, invokes: map[string]string{}}
	for name, state := range definition.States {
		if match := placeholderPattern.FindStringSubmatch(state.Parameters.FunctionName + state.Arguments.FunctionName); match != nil {
			workflow.invokes[name] = functionDir(t, match[1])
		}
		if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
			workflow.waiting = append(workflow.waiting, name)
		}
	}
	var queues []lambdas.Queue
	for _, match := range placeholderPattern.FindAllStringSubmatch(string(source), -1) {
		placeholder := match[1]
		queue := slices.IndexFunc(lambdas.Queues(), func(q lambdas.Queue) bool { return q.URLPlaceholder == placeholder })
		switch {
		case placeholder == "Partition":
		case strings.HasSuffix(placeholder, "FunctionArn"):
			if fn := functionDir(t, placeholder); !slices.Contains(workflow.functions, fn) {
				workflow.functions = append(workflow.functions, fn)
			}
		case queue >= 0:
			if !slices.Contains(queues, lambdas.Queues()[queue]) {
				queues = append(queues, lambdas.Queues()[queue])
			}
		default:
			require.Fail(t, "unknown placeholder", "%s names ${%s}", path, placeholder)
		}
	}
	slices.Sort(workflow.functions)
	return workflow, queues
}

// functionDir is the lambdas/ directory a ${<Pascal>FunctionArn}
// placeholder names: "HelloWorldFunctionArn" → "hello-world".
func functionDir(t *testing.T, placeholder string) string {
	t.Helper()
	stem, ok := strings.CutSuffix(placeholder, "FunctionArn")
	require.True(t, ok, "${%s} names no function", placeholder)
	var dir strings.Builder
	for i, r := range stem {
		if 'A' <= r && r <= 'Z' {
			if i > 0 {
				dir.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		dir.WriteRune(r)
	}
	return dir.String()
}

// pascalCase is a function directory's PascalCase form: "hello-world" →
// "HelloWorld".
func pascalCase(dir string) string {
	var pascal strings.Builder
	for _, word := range strings.Split(dir, "-") {
		pascal.WriteString(strings.ToUpper(word[:1]) + word[1:])
	}
	return pascal.String()
}

// mainPackages maps each directory of lambdas/ that holds a main package to
// the first sentence of its package comment.
func mainPackages(t *testing.T) map[string]string {
	t.Helper()
	entries, err := os.ReadDir("../lambdas")
	require.NoError(t, err)
	packages := map[string]string{}
	for _, entry := range entries {
		if !entry.IsDir() {
			continue
		}
		files, err := filepath.Glob(filepath.Join("../lambdas", entry.Name(), "*.go"))
		require.NoError(t, err)
		isMain, comment := false, ""
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly|parser.ParseComments)
			require.NoError(t, err)
			isMain = parsed.Name.Name == "main"
			if parsed.Doc != nil {
				comment += parsed.Doc.Text()
			}
		}
		if isMain {
			packages[entry.Name()] = new(doc.Package).Synopsis(comment)
		}
	}
	require.NotEmpty(t, packages, "no main package in lambdas/")
	return packages
}

// stateMachineName is the physical name of a workflow's state machine in
// the default (STANDARD) configuration.
func stateMachineName(workflow string) string {
	if workflow == "main" {
		return machineName
	}
	return prefix + "-" + workflow
}

// invokeResources is what a workflow's role may invoke: its functions and
// their versions, nothing else.
func invokeResources(workflow modelWorkflow) []string {
	var resources []string
	for _, fn := range workflow.functions {
		resources = append(resources, functionArn(fn), functionArn(fn)+":*")
	}
	return resources
}

// deployedTask is the part of a deployed Task state these tests read.
type deployedTask struct {
	Resource                         string
	HeartbeatSeconds, TimeoutSeconds int
	// Parameters (JSONPath) or Arguments (JSONata) are what the Task sends
	// its resource.
	Parameters, Arguments map[string]any
}

// arguments is what the Task sends its resource, in either query language.
func (task deployedTask) arguments() map[string]any {
	if task.Arguments != nil {
		return task.Arguments
	}
	return task.Parameters
}

// argumentsOf is what a decoded Task state sends its resource: its
// Arguments if it is JSONata, else its Parameters.
func argumentsOf(state map[string]any) map[string]any {
	if arguments, ok := state["Arguments"].(map[string]any); ok {
		return arguments
	}
	parameters, _ := state["Parameters"].(map[string]any)
	return parameters
}
