package localrun

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/value"
	"stepfunctions-go/statemachine"
)

// Definitions the stack does not deploy, created on the endpoint, run on
// the stack's real functions: each workflow's JSONata twin, and a workflow
// that uses every kind of state around the main workflow's own states.
func TestServerRunsCreatedWorkflows(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	project, err := statemachine.LoadProject()
	require.NoError(t, err)

	// Each twin ends with its workflow's example output, as the stack's
	// machine does, and records the same history shape.
	twins, err := filepath.Glob("../../statemachine/testdata/jsonata/*.asl.json")
	require.NoError(t, err)
	if len(twins) == 0 {
		t.Log("no JSONata twins in statemachine/testdata/jsonata: a project written in JSONata has its workflows only")
	}
	for _, path := range twins {
		name := strings.TrimSuffix(filepath.Base(path), ".asl.json")
		t.Run("JSONata twin of "+name, func(t *testing.T) {
			workflow, err := project.Workflow(name)
			require.NoError(t, err, "%s is the twin of no workflow", path)
			source, err := os.ReadFile(path)
			require.NoError(t, err)
			twin := createMachine(t, client, "twin-"+name, renderLocally(t, project, workflow, string(source)))
			stack := server.StateMachineARNs[slices.Index(server.Workflows, name)]

			input, output := compactExample(t, name)
			var histories [2][]string
			for i, arn := range []string{stack, twin} {
				ended := runToEnd(t, client, arn, input)
				history := fullHistory(t, client, ended)
				assert.Equal(t, types.ExecutionStatusSucceeded, ended.Status, "%s: %s %s", arn, aws.ToString(ended.Error), aws.ToString(ended.Cause))
				assert.Equal(t, output, aws.ToString(ended.Output), "%s ends with the example's output, byte for byte", arn)
				for _, event := range history {
					histories[i] = append(histories[i], describeEvent(event))
				}
			}
			assert.Equal(t, histories[0], histories[1], "the twin's history has its workflow's shape")
		})
	}

	t.Run("every kind of state", func(t *testing.T) {
		main := server.StateMachineARNs[slices.Index(server.Workflows, "main")]
		described, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(main)})
		require.NoError(t, err)
		definition, err := value.Decode([]byte(aws.ToString(described.Definition)))
		require.NoError(t, err)
		mainGraph := definition.(*value.Object)

		// Choice (with Assign), Wait, a Map whose iterations run the main
		// workflow's states, a Parallel whose branch runs them too, and a
		// Pass that reads the variable the Choice assigned.
		payloads := []string{"hi mom", "step functions"}
		everyKind := fmt.Sprintf(`{"StartAt": "Route", "States": {
			"Route": {"Type": "Choice", "Choices": [{"Variable": "$.payloads[0]", "IsPresent": true, "Assign": {"route": "payloads"}, "Next": "Pause"}], "Default": "NoPayloads"},
			"NoPayloads": {"Type": "Fail", "Error": "NoPayloads"},
			"Pause": {"Type": "Wait", "Seconds": 1, "Next": "Each"},
			"Each": {"Type": "Map", "ItemsPath": "$.payloads", "MaxConcurrency": 1, "ItemSelector": {"payload.$": "$$.Map.Item.Value"},
				"ItemProcessor": %s, "ResultPath": "$.each", "Next": "Both"},
			"Both": {"Type": "Parallel", "Parameters": {"payload.$": "$.payloads[0]"}, "Branches": [%s], "ResultPath": "$.both", "Next": "Done"},
			"Done": {"Type": "Pass", "Parameters": {"route.$": "$route", "each.$": "$.each", "both.$": "$.both"}, "End": true}}}`,
			graphJSON(t, mainGraph, "Each"), graphJSON(t, mainGraph, "Left"))
		arn := createMachine(t, client, "every-kind", everyKind)
		input, err := json.Marshal(map[string]any{"payloads": payloads})
		require.NoError(t, err)

		ended := runToEnd(t, client, arn, string(input))
		history := fullHistory(t, client, ended)
		require.Equal(t, types.ExecutionStatusSucceeded, ended.Status, "%s %s", aws.ToString(ended.Error), aws.ToString(ended.Cause))
		var each []string
		for _, payload := range payloads {
			each = append(each, aloneOutput(t, server, main, fmt.Sprintf(`{"payload":%q}`, payload)))
		}
		assert.Equal(t, `{"route":"payloads","each":[`+strings.Join(each, ",")+`],"both":[`+each[0]+`]}`, aws.ToString(ended.Output))

		// The events, and each event's previousEventId as Step Functions
		// records it (the rules of internal/asl's TestHistoryShape).
		workflow, err := project.Workflow("main")
		require.NoError(t, err)
		mainEvents := func(prefix string) []string {
			var events []string
			for _, state := range workflow.Path {
				state.Name = prefix + state.Name
				events = append(events, stateEvents(state, string(types.HistoryEventTypeTaskSucceeded))...)
			}
			return events
		}
		want := []string{"ExecutionStarted", "ChoiceStateEntered Route", "ChoiceStateExited Route", "WaitStateEntered Pause", "WaitStateExited Pause",
			"MapStateEntered Each", "MapStateStarted"}
		for range payloads {
			want = append(append(append(want, "MapIterationStarted"), mainEvents("Each")...), "MapIterationSucceeded")
		}
		want = append(want, "MapStateSucceeded", "MapStateExited Each", "ParallelStateEntered Both", "ParallelStateStarted")
		want = append(append(want, mainEvents("Left")...), "ParallelStateSucceeded", "ParallelStateExited Both",
			"PassStateEntered Done", "PassStateExited Done", "ExecutionSucceeded")
		var got []string
		for i, event := range history {
			got = append(got, describeEvent(event))
			require.Equal(t, int64(i+1), event.Id)
			var previous int64 = event.Id - 1
			switch {
			case i < 2: // ExecutionStarted and the first state entered
				previous = 0
			case slices.Contains([]types.HistoryEventType{types.HistoryEventTypeMapStateSucceeded, types.HistoryEventTypeParallelStateSucceeded}, history[i-1].Type):
				previous = event.Id - 2 // the state's Exited points where its Succeeded does
			case event.Type == types.HistoryEventTypeMapIterationStarted && history[i-1].Type == types.HistoryEventTypeMapIterationSucceeded:
				previous = event.Id - 2 // from the last state event of the iteration it waited for
			}
			assert.Equal(t, previous, event.PreviousEventId, "event %d, %s", event.Id, event.Type)
		}
		assert.Equal(t, want, got)
	})
}

// renderLocally fills a definition's placeholders as the endpoint fills
// workflow's: the local functions' ARNs, queues' URLs and partition.
func renderLocally(t *testing.T, project *statemachine.Project, workflow *statemachine.Workflow, definition string) string {
	t.Helper()
	for placeholder, local := range localResourcesOf(workflow, project.Deployed(workflow)).values {
		definition = strings.ReplaceAll(definition, "${"+placeholder+"}", local)
	}
	require.NotContains(t, definition, "${", "every placeholder has a local value")
	return definition
}

// fullHistory is an ended execution's whole history.
func fullHistory(t *testing.T, client *sfn.Client, ended *sfn.DescribeExecutionOutput) []types.HistoryEvent {
	t.Helper()
	history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: ended.ExecutionArn, MaxResults: 1000})
	require.NoError(t, err)
	return history.Events
}

// graphJSON is definition's StartAt and States, each state renamed with
// prefix (and every transition with it), as a Map's ItemProcessor or a
// Parallel branch: state names are unique across a whole state machine.
func graphJSON(t *testing.T, definition *value.Object, prefix string) string {
	t.Helper()
	startAt, _ := definition.Get("StartAt")
	states, _ := definition.Get("States")
	renamed := value.NewObject(0)
	for name, state := range states.(*value.Object).All() {
		renamed.Set(prefix+name, renameTransitions(state, prefix))
	}
	graph := value.NewObject(2)
	graph.Set("StartAt", prefix+startAt.(string))
	graph.Set("States", renamed)
	text, err := value.Marshal(graph)
	require.NoError(t, err)
	return string(text)
}

// renameTransitions prefixes every Next and Default in v, a state with its
// Choices and Catchers.
func renameTransitions(v any, prefix string) any {
	switch v := v.(type) {
	case *value.Object:
		out := value.NewObject(v.Len())
		for key, field := range v.All() {
			if name, ok := field.(string); ok && (key == "Next" || key == "Default") {
				field = prefix + name
			}
			out.Set(key, renameTransitions(field, prefix))
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = renameTransitions(item, prefix)
		}
		return out
	}
	return v
}
