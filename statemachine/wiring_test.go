package statemachine

import (
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
)

// definition is the part of a rendered workflow these rules read. A Task
// passes its arguments in Parameters (JSONPath) or Arguments (JSONata).
type definition struct {
	States map[string]struct {
		Type                  string
		Resource              string
		Parameters, Arguments map[string]any
	}
}

// TestEveryWorkflowInvokesWhatItNames holds for any workflow file and any
// JSONata twin: rendered with a value for each placeholder its wiring
// lists, no placeholder is left, every Task names the partition it is
// given, and the functions its Lambda tasks invoke are exactly the wired
// ones.
func TestEveryWorkflowInvokesWhatItNames(t *testing.T) {
	project, err := LoadProject()
	require.NoError(t, err)
	require.NotEmpty(t, project.Workflows)
	workflows := maps.Clone(project.Workflows)
	if _, err := os.Stat(twinsDir); err == nil {
		for _, pair := range twins(t) {
			workflows[pair.jsonata.Name], err = wire(pair.jsonata, project.Functions)
			require.NoError(t, err)
		}
	}
	for name, workflow := range workflows {
		t.Run(name, func(t *testing.T) {
			values := map[string]string{PartitionPlaceholder: "aws-test"}
			for _, fn := range workflow.Functions {
				values[fn.ArnPlaceholder()] = "arn:aws-test:lambda:r:1:function:" + fn.Name + ":7"
			}
			for _, queue := range workflow.Queues {
				values[queue.URLPlaceholder] = "https://queue/" + queue.Name
			}
			rendered, err := workflow.Render(values)
			require.NoError(t, err, "the wiring must cover every placeholder")
			assert.NotContains(t, rendered, "arn:aws:", "a template must not name a partition: use ${Partition}")

			var parsed definition
			require.NoError(t, json.Unmarshal([]byte(rendered), &parsed))
			invoked := map[string]bool{}
			for stateName, state := range parsed.States {
				if state.Type != "Task" {
					continue
				}
				assert.True(t, strings.HasPrefix(state.Resource, "arn:aws-test:states:::"), "%s: %s", stateName, state.Resource)
				if strings.HasSuffix(state.Resource, ":lambda:invoke") {
					arguments := state.Parameters
					if arguments == nil {
						arguments = state.Arguments
					}
					invoked[arguments["FunctionName"].(string)] = true
				}
			}
			want := map[string]bool{}
			for _, fn := range workflow.Functions {
				want[values[fn.ArnPlaceholder()]] = true
			}
			assert.Equal(t, want, invoked)
		})
	}
}

func TestWireResolvesPlaceholders(t *testing.T) {
	shout := lambdas.Function{Name: "shout", Dir: "lambdas/shout"}
	worker := lambdas.Function{Name: lambdas.CallbackQueue.Consumer}
	tests := []struct {
		name       string
		source     string
		functions  []lambdas.Function
		wantFns    []lambdas.Function
		wantQueues []lambdas.Queue
		wantErr    string
	}{{
		name:      "functions, queues and the partition",
		source:    `{"TimeoutSeconds":9,"States":{},"A":"arn:${Partition}:x","B":"${ShoutFunctionArn}","C":"${CallbackQueueUrl}"}`,
		functions: []lambdas.Function{shout, worker},
		wantFns:   []lambdas.Function{shout}, wantQueues: []lambdas.Queue{lambdas.CallbackQueue},
	}, {
		name:      "a function placeholder without a package names the package to create",
		source:    `{"TimeoutSeconds":9,"States":{},"B":"${WhisperSoftlyFunctionArn}"}`,
		functions: []lambdas.Function{shout},
		wantErr:   "statemachine/t.asl.json names ${WhisperSoftlyFunctionArn}, but there is no function for it: create lambdas/whisper-softly/ (a main package that calls lambda.Start), or fix the placeholder to one of ${ShoutFunctionArn}",
	}, {
		name:    "a queue whose consumer is missing",
		source:  `{"TimeoutSeconds":9,"States":{},"C":"${CallbackQueueUrl}"}`,
		wantErr: "sends to the callback queue, whose consumer lambdas/" + lambdas.CallbackQueue.Consumer + " is not a main package",
	}, {
		name:    "anything else",
		source:  `{"TimeoutSeconds":9,"States":{},"C":"${Region}"}`,
		wantErr: "names ${Region}, which nothing provides",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template, err := parse("t", []byte(tt.source))
			require.NoError(t, err)
			workflow, err := wire(template, tt.functions)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantFns, workflow.Functions)
			assert.Equal(t, tt.wantQueues, workflow.Queues)
		})
	}
}

// TestDeployedAndUnused: a workflow needs what it invokes and the consumers
// of its queues; a function no workflow needs is reported, by directory and
// by the placeholder that would use it.
func TestDeployedAndUnused(t *testing.T) {
	shout, upper, worker, spare := lambdas.Function{Name: "shout", Dir: "lambdas/shout"}, lambdas.Function{Name: "upper"},
		lambdas.Function{Name: lambdas.CallbackQueue.Consumer}, lambdas.Function{Name: "spare", Dir: "lambdas/spare"}
	first := &Workflow{Functions: []lambdas.Function{shout}}
	second := &Workflow{Functions: []lambdas.Function{upper}, Queues: []lambdas.Queue{lambdas.CallbackQueue}}
	project := &Project{Functions: []lambdas.Function{shout, upper, worker, spare}, Workflows: map[string]*Workflow{}}
	assert.Equal(t, []lambdas.Function{shout}, project.Deployed(first, nil))
	assert.Equal(t, []lambdas.Function{shout, upper, worker}, project.Deployed(first, second))

	project.Workflows["callback"], project.Workflows["main"] = second, first
	assert.Equal(t, []lambdas.Function{spare}, project.Unused())
	assert.Equal(t, "lambdas/spare: no workflow in statemachine/ names ${SpareFunctionArn}, so it is not deployed or run", project.UnusedWarning())
}

// TestEveryWorkflowHasAnExample: the expected result of each workflow
// lives beside it, for the local tests and the acceptance test.
func TestEveryWorkflowHasAnExample(t *testing.T) {
	for _, name := range Names() {
		example, err := LoadExample(name)
		require.NoError(t, err, name)
		assert.True(t, json.Valid(example.Input) && json.Valid(example.Output), name)
	}
	_, err := LoadExample("nope")
	assert.ErrorContains(t, err, `workflow "nope" has no statemachine/nope.example.json`)
}
