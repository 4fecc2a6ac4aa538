package localrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
)

// Created machines and mock config test cases on the stack's own endpoint:
// one server for the file (starting the functions is the slow part). Steps
// and functions are found from statemachine/ and lambdas/, never named.
func TestMachinesOnTheStacksEndpoint(t *testing.T) {
	main, _ := workflowOf(t, "main")
	callback, _ := workflowOf(t, "callback")
	project, err := projectName(t.Context())
	require.NoError(t, err)
	first := functionSteps(t, main)[0]
	waiting := waitingStep(t, callback)

	// A test case per stack workflow, in Step Functions Local's format: the
	// main workflow's first function step fails twice with an error its
	// Retry retries, then with one it does not; the callback workflow's
	// token wait is answered by its mocked response.
	mockConfig := map[string]any{
		"StateMachines": map[string]any{
			project + "-" + localStack + "-main-standard": map[string]any{"TestCases": map[string]any{"Fails": map[string]string{first.State.Name: "RetriedThenFailed"}}},
			project + "-" + localStack + "-callback":      map[string]any{"TestCases": map[string]any{"Answered": map[string]string{waiting.Name: "Answer"}}},
		},
		"MockedResponses": map[string]any{
			"RetriedThenFailed": map[string]any{
				"0-1": map[string]any{"Throw": map[string]string{"Error": "Lambda.ServiceException", "Cause": "mocked outage"}},
				"2":   map[string]any{"Throw": map[string]string{"Error": "Mocked.Error", "Cause": "mocked failure"}},
			},
			"Answer": map[string]any{"0": map[string]any{"Return": map[string]any{"mocked": true}}},
		},
	}
	text, err := json.Marshal(mockConfig)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "MockConfigFile.json")
	require.NoError(t, os.WriteFile(path, text, 0o600))
	server, client := startServer(t, ServeConfig{MockConfig: path, Sessions: Config{RetryInterval: 10 * time.Millisecond}})
	mainArn, callbackArn := server.StateMachineARNs[0], server.StateMachineARNs[1]
	require.Equal(t, []string{"main", "callback"}, server.Workflows)

	t.Run("a created machine invokes the stack's function by ARN and by lambda:invoke", func(t *testing.T) {
		// What the stack's own execution gave the first function and got
		// back is the oracle.
		stackRun := runToEnd(t, client, mainArn, `{"payload": "hi mom"}`)
		require.Equal(t, types.ExecutionStatusSucceeded, stackRun.Status)
		event, result := firstInvocation(t, client, stackRun.ExecutionArn)

		fn, ok := main.FunctionOf(first.State)
		require.True(t, ok)
		definition := map[string]any{
			"StartAt": "Both",
			"States": map[string]any{"Both": map[string]any{"Type": "Parallel", "End": true, "Branches": []any{
				map[string]any{"StartAt": "ByArn", "States": map[string]any{"ByArn": map[string]any{"Type": "Task", "Resource": localFunctionARN(fn), "End": true}}},
				map[string]any{"StartAt": "ByName", "States": map[string]any{"ByName": map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
					"Parameters": map[string]any{"FunctionName": fn.Name, "Payload.$": "$"}, "OutputPath": "$.Payload", "End": true}}},
			}}},
		}
		text, err := json.Marshal(definition)
		require.NoError(t, err)
		arn := createMachine(t, client, "calls-"+fn.Name, string(text))
		ran := runToEnd(t, client, arn, event)
		require.Equal(t, types.ExecutionStatusSucceeded, ran.Status, "%s: %s", aws.ToString(ran.Error), aws.ToString(ran.Cause))
		assert.JSONEq(t, "["+result+","+result+"]", *ran.Output)
		assert.Contains(t, historyTypes(t, client, ran.ExecutionArn), "LambdaFunctionSucceeded", "the ARN Task is a Lambda function Task, as on AWS")
	})

	t.Run("a created machine naming a function the stack lacks is refused", func(t *testing.T) {
		missing := localFunctionARN(lambdas.Function{Name: "no-such-function"})
		_, err := client.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String("lacks"), RoleArn: aws.String(testRole),
			Definition: aws.String(`{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "` + missing + `", "End": true}}}`)})
		var invalid *types.InvalidDefinition
		require.ErrorAs(t, err, &invalid)
		assert.Contains(t, *invalid.Message, missing)
		assert.Contains(t, *invalid.Message, localFunctionARN(lambdas.Function{Name: first.Function}), "the message lists what is served")
	})

	t.Run("a mock config test case on the stack's main workflow", func(t *testing.T) {
		ran := runToEnd(t, client, mainArn+"#Fails", `{"payload": "hi mom"}`)
		history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: ran.ExecutionArn, MaxResults: 1000})
		require.NoError(t, err)
		var failures, entered []string
		for _, event := range history.Events {
			if d := event.TaskFailedEventDetails; d != nil {
				failures = append(failures, *d.Error+": "+*d.Cause)
			}
			if d := event.StateEnteredEventDetails; d != nil {
				entered = append(entered, *d.Name)
			}
		}
		assert.Equal(t, []string{"Lambda.ServiceException: mocked outage", "Lambda.ServiceException: mocked outage", "Mocked.Error: mocked failure"}, failures)
		var want []string
		for _, state := range afterCatch(t, main, first.State.Name) {
			want = append(want, state.Name)
		}
		require.NotEmpty(t, entered)
		assert.Equal(t, first.State.Name, entered[0])
		assert.Equal(t, want, entered[1:], "the Catch's path follows")
	})

	t.Run("a mock config test case answers the callback workflow's token wait", func(t *testing.T) {
		ran := runToEnd(t, client, callbackArn+"#Answered", `{"payload": "hi mom"}`)
		history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: ran.ExecutionArn, MaxResults: 1000})
		require.NoError(t, err)
		var submitted, answered int
		for _, event := range history.Events {
			if event.Type == types.HistoryEventTypeTaskSubmitted {
				submitted++
			}
			if d := event.TaskSucceededEventDetails; d != nil && strings.Contains(*d.Output, "mocked") {
				answered++
				assert.JSONEq(t, `{"mocked": true}`, *d.Output)
			}
		}
		assert.Equal(t, 1, submitted)
		assert.Equal(t, 1, answered, "the token wait ends with the mocked response")
	})
}

// firstInvocation is the event the execution's first lambda:invoke Task
// sent its function, and the function's result, from the history.
func firstInvocation(t *testing.T, client *sfn.Client, executionArn *string) (event, result string) {
	t.Helper()
	history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: executionArn, MaxResults: 1000})
	require.NoError(t, err)
	for _, e := range history.Events {
		if d := e.TaskScheduledEventDetails; d != nil && event == "" {
			var parameters struct{ Payload json.RawMessage }
			require.NoError(t, json.Unmarshal([]byte(*d.Parameters), &parameters))
			event = string(parameters.Payload)
		}
		if d := e.TaskSucceededEventDetails; d != nil && event != "" {
			var output struct{ Payload json.RawMessage }
			require.NoError(t, json.Unmarshal([]byte(*d.Output), &output))
			return event, string(output.Payload)
		}
	}
	require.Fail(t, "no lambda:invoke Task succeeded in the execution")
	return "", ""
}
