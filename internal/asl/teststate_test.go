package asl

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/awsmodel"
)

// A TestState case is a request as the API takes it (definition, input,
// mock and stateConfiguration as JSON) and what the response must say.
// The expectations come from the TestState API reference and the developer
// guide's "Testing state machines with TestState API" page, whose examples
// several cases reproduce.
type testStateCase struct {
	name                            string
	definition, stateName           string
	input, variables, context       string // JSON text; "" leaves the member out
	level                           string
	mock, config                    string // JSON objects; "" leaves them out
	noRole, revealSecrets           bool
	roleArn                         string
	wantStatus, wantNext, wantError string
	wantOutput                      string // JSON
	wantCause                       string // checked when set
	wantInspection                  map[string]string
	wantCalls                       int           // calls of the echo integration
	wantElapsed                     time.Duration // on the virtual clock
}

const (
	echo            = invoke                         // returns {"echo": its arguments}
	failingResource = "arn:aws:states:::sns:publish" // fails with Lambda.ServiceException
	slowResource    = "arn:aws:states:::ecs:runTask" // takes ten minutes
)

func (c testStateCase) request(t testing.TB) TestStateInput {
	t.Helper()
	body := map[string]any{"definition": c.definition}
	role := c.roleArn
	if role == "" {
		role = "arn:aws:iam::123456789012:role/test"
	}
	if !c.noRole {
		body["roleArn"] = role
	}
	for member, value := range map[string]string{"stateName": c.stateName, "input": c.input, "variables": c.variables, "context": c.context, "inspectionLevel": c.level} {
		if value != "" {
			body[member] = value
		}
	}
	for member, value := range map[string]string{"mock": c.mock, "stateConfiguration": c.config} {
		if value != "" {
			body[member] = json.RawMessage(value)
		}
	}
	if c.revealSecrets {
		body["revealSecrets"] = true
	}
	text, err := json.Marshal(body)
	require.NoError(t, err)
	var in TestStateInput
	require.NoError(t, json.Unmarshal(text, &in))
	return in
}

// testStateRig runs TestState with an echo and a failingResource integration on a
// virtual clock, counting the echo's calls.
type testStateRig struct {
	mu    sync.Mutex
	calls int
	clock *VirtualClock
}

func (r *testStateRig) options(t testing.TB, results ResultModels) TestStateOptions {
	r.clock = NewVirtualClock(epoch)
	opts := setup{clock: r.clock, integrations: IntegrationMap{
		echo: func(_ context.Context, call TaskCall) (any, error) {
			r.mu.Lock()
			r.calls++
			r.mu.Unlock()
			return map[string]any{"echo": call.Arguments}, nil
		},
		slowResource: func(ctx context.Context, _ TaskCall) (any, error) {
			return nil, Sleep(ctx, r.clock, 10*time.Minute)
		},
		failingResource: func(context.Context, TaskCall) (any, error) {
			return nil, &stateserror.Error{Name: "Lambda.ServiceException", Cause: "Service error"}
		},
	}}.options(t)
	return TestStateOptions{Options: opts, Execution: testInfo, Results: results}
}

func (c testStateCase) run(t testing.TB, results ResultModels) (*TestStateOutput, *testStateRig, error) {
	t.Helper()
	rig := &testStateRig{}
	out, err := TestState(context.Background(), c.request(t), rig.options(t, results))
	return out, rig, err
}

const (
	lambdaTask    = `{"Type": "Task", "Resource": "` + echo + `", "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "Next": "Done"}`
	retryAndCatch = `{"Type": "Task", "Resource": "` + echo + `", "Retry": [{"ErrorEquals": ["Other"]}, {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}], "Catch": [{"ErrorEquals": ["Nope"], "Next": "Never"}, {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "HandleIt"}], "Next": "Done"}`
	mapState      = `{"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"}, "MaxConcurrency": 2, "ItemProcessor": {"StartAt": "ProcessItem", "States": {"ProcessItem": {"Type": "Task", "Resource": "` + echo + `", "End": true}}}, "ResultPath": "$.results", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}], "End": true}`
	parallelState = `{"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}, {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "` + echo + `", "End": true}}}], "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Recover"}], "Next": "Done"}`
	// machine is a whole definition: a Task that reads a seeded variable
	// and the context, assigns a variable, and a Map whose item processor
	// holds a state tested by name.
	machine = `{"StartAt": "Fetch", "States": {
		"Fetch": {"Type": "Task", "Resource": "` + echo + `", "Parameters": {"who.$": "$who", "exec.$": "$$.Execution.Id", "retry.$": "$$.State.RetryCount"}, "Assign": {"fetched.$": "$.echo.who"}, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], "Next": "Each"},
		"Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Parameters": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"}, "End": true}}}, "End": true}}}`
	noMock    = ""
	errorMock = `{"errorOutput": {"error": "Lambda.ServiceException", "cause": "Service error"}}`
)

var testStateCases = []testStateCase{
	{
		name:       "Choice at INFO: the guide's example 1",
		definition: `{"Type": "Choice", "Choices": [{"Variable": "$.number", "NumericEquals": 1, "Next": "Equals 1"}, {"Variable": "$.number", "NumericEquals": 2, "Next": "Equals 2"}], "Default": "No Match"}`,
		input:      `{"number": 2}`,
		wantStatus: TestSucceeded, wantNext: "Equals 2", wantOutput: `{"number": 2}`,
	},
	{
		name:       "Pass at DEBUG: the guide's example 2",
		definition: `{"Type": "Pass", "InputPath": "$.payload", "Parameters": {"data": 1}, "ResultPath": "$.result", "OutputPath": "$.result.data", "Next": "Another State"}`,
		input:      `{"payload": {"foo": "bar"}}`, level: InspectDebug,
		wantStatus: TestSucceeded, wantNext: "Another State", wantOutput: `1`,
		wantInspection: map[string]string{
			"input": `{"payload": {"foo": "bar"}}`, "afterInputPath": `{"foo": "bar"}`, "afterParameters": `{"data": 1}`,
			"afterResultSelector": `{"data": 1}`, "afterResultPath": `{"payload": {"foo": "bar"}, "result": {"data": 1}}`, "variables": `{}`,
		},
	},
	{
		name:       "an unmocked Task runs its integration, every JSONPath step at DEBUG",
		definition: `{"Type": "Task", "Resource": "` + echo + `", "InputPath": "$.in", "Parameters": {"x.$": "$.x"}, "ResultSelector": {"got.$": "$.echo.x"}, "ResultPath": "$.out", "OutputPath": "$.out", "Assign": {"seen.$": "$.got"}, "Next": "Done"}`,
		input:      `{"in": {"x": 7}}`, level: InspectDebug,
		wantStatus: TestSucceeded, wantNext: "Done", wantOutput: `{"got": 7}`, wantCalls: 1,
		wantInspection: map[string]string{
			"input": `{"in": {"x": 7}}`, "afterInputPath": `{"x": 7}`, "afterParameters": `{"x": 7}`, "result": `{"echo": {"x": 7}}`,
			"afterResultSelector": `{"got": 7}`, "afterResultPath": `{"in": {"x": 7}, "out": {"got": 7}}`, "variables": `{"seen": 7}`,
		},
	},
	{
		name:       "TRACE shows what DEBUG shows (no HTTP Task here)",
		definition: lambdaTask, input: `{"k": "v"}`, level: InspectTrace,
		wantStatus: TestSucceeded, wantNext: "Done", wantOutput: `{"echo": {"FunctionName": "f", "Payload": {"k": "v"}}}`, wantCalls: 1,
		wantInspection: map[string]string{
			"input": `{"k": "v"}`, "afterInputPath": `{"k": "v"}`, "afterParameters": `{"FunctionName": "f", "Payload": {"k": "v"}}`,
			"result": `{"echo": {"FunctionName": "f", "Payload": {"k": "v"}}}`, "afterResultSelector": `{"echo": {"FunctionName": "f", "Payload": {"k": "v"}}}`,
			"afterResultPath": `{"echo": {"FunctionName": "f", "Payload": {"k": "v"}}}`, "variables": `{}`,
		},
	},
	{
		name:       "a mocked result stands in for the integration, which is not called",
		definition: lambdaTask, input: `{"k": "v"}`, noRole: true,
		mock:       `{"result": "{\"Payload\": {\"statusCode\": 200}}", "fieldValidationMode": "NONE"}`,
		wantStatus: TestSucceeded, wantNext: "Done", wantOutput: `{"Payload": {"statusCode": 200}}`,
	},
	{
		name:       "an activity runs only mocked, and then without a role",
		definition: `{"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work", "Next": "Done"}`, noRole: true,
		mock:       `{"result": "{\"done\": true}", "fieldValidationMode": "NONE"}`,
		wantStatus: TestSucceeded, wantNext: "Done", wantOutput: `{"done": true}`,
	},
	{
		name:       "a .sync integration runs only mocked",
		definition: `{"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}`, noRole: true,
		mock:       `{"result": "{\"Status\": \"SUCCEEDED\"}", "fieldValidationMode": "NONE"}`,
		wantStatus: TestSucceeded, wantOutput: `{"Status": "SUCCEEDED"}`,
	},
	{
		name:       "a mocked error that a retrier matches is RETRIABLE: the guide's retry example",
		definition: retryAndCatch, input: `{"data": "value"}`, level: InspectDebug, noRole: true,
		mock: errorMock, config: `{"retrierRetryCount": 1}`,
		wantStatus: TestRetriable, wantError: "Lambda.ServiceException", wantCause: "Service error",
		wantInspection: map[string]string{
			"input": `{"data": "value"}`, "afterInputPath": `{"data": "value"}`, "afterParameters": `{"data": "value"}`, "variables": `{}`,
			"errorDetails": `{"retryIndex": 1, "retryBackoffIntervalSeconds": 4}`,
		},
	},
	{
		name:       "a retrier's first attempt backs off IntervalSeconds",
		definition: retryAndCatch, input: `{}`, noRole: true, mock: errorMock, level: InspectDebug,
		wantStatus: TestRetriable, wantError: "Lambda.ServiceException",
		wantInspection: map[string]string{
			"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{}`, "variables": `{}`,
			"errorDetails": `{"retryIndex": 1, "retryBackoffIntervalSeconds": 2}`,
		},
	},
	{
		name:       "retries used up: the catcher takes the error, CAUGHT_ERROR with its Next",
		definition: retryAndCatch, input: `{"data": "value"}`, level: InspectDebug, noRole: true,
		mock: errorMock, config: `{"retrierRetryCount": 3}`,
		wantStatus: TestCaughtError, wantNext: "HandleIt", wantError: "Lambda.ServiceException", wantCause: "Service error",
		wantOutput: `{"data": "value", "error": {"Error": "Lambda.ServiceException", "Cause": "Service error"}}`,
		wantInspection: map[string]string{
			"input": `{"data": "value"}`, "afterInputPath": `{"data": "value"}`, "afterParameters": `{"data": "value"}`, "variables": `{}`,
			"errorDetails": `{"catchIndex": 1}`,
		},
	},
	{
		name:       "a real integration's error goes through Retry and Catch too",
		definition: `{"Type": "Task", "Resource": "` + failingResource + `", "Catch": [{"ErrorEquals": ["Lambda.ServiceException"], "Assign": {"why.$": "$.Cause"}, "Next": "Recover"}], "End": true}`,
		input:      `{}`, level: InspectDebug,
		wantStatus: TestCaughtError, wantNext: "Recover", wantError: "Lambda.ServiceException",
		wantOutput: `{"Error": "Lambda.ServiceException", "Cause": "Service error"}`,
		wantInspection: map[string]string{
			"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{}`, "variables": `{"why": "Service error"}`, "errorDetails": `{"catchIndex": 0}`,
		},
	},
	{
		name:       "a mocked error nothing handles FAILS the state",
		definition: lambdaTask, noRole: true, mock: `{"errorOutput": {"error": "Custom.Boom", "cause": "it broke"}}`, level: InspectDebug,
		wantStatus: TestFailed, wantError: "Custom.Boom", wantCause: "it broke",
		wantInspection: map[string]string{"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{"FunctionName": "f", "Payload": {}}`, "variables": `{}`},
	},
	{
		name:       "a state still running after five minutes fails with States.Timeout, which a retrier may match",
		definition: `{"Type": "Task", "Resource": "` + slowResource + `", "Retry": [{"ErrorEquals": ["States.Timeout"]}], "End": true}`,
		wantStatus: TestRetriable, wantError: stateserror.Timeout, wantElapsed: 5 * time.Minute,
	},
	{
		name:       "a Fail state FAILS with its Error and Cause",
		definition: `{"Type": "Fail", "Error": "Bad", "Cause": "very"}`,
		wantStatus: TestFailed, wantError: "Bad", wantCause: "very",
	},
	{
		name:       "a Wait state ends at once with its Next",
		definition: `{"Type": "Wait", "Seconds": 3600, "Next": "Later"}`, input: `{"a": 1}`,
		wantStatus: TestSucceeded, wantNext: "Later", wantOutput: `{"a": 1}`,
	},
	{
		name:       "Succeed has no next state",
		definition: `{"Type": "Succeed", "OutputPath": "$.a"}`, input: `{"a": [1]}`,
		wantStatus: TestSucceeded, wantOutput: `[1]`,
	},
	{
		name:       "a state of a whole definition, with variables and the context seeded",
		definition: machine, stateName: "Fetch", input: `{}`, level: InspectDebug,
		variables: `{"who": "ann"}`, context: `{"Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:M:seeded"}}`,
		mock: `{"result": "{\"echo\": {\"who\": \"mocked\"}}", "fieldValidationMode": "NONE"}`, config: `{"retrierRetryCount": 1}`,
		wantStatus: TestSucceeded, wantNext: "Each", wantOutput: `{"echo": {"who": "mocked"}}`,
		wantInspection: map[string]string{
			"input": `{}`, "afterInputPath": `{}`,
			"afterParameters": `{"who": "ann", "exec": "arn:aws:states:us-east-1:123456789012:execution:M:seeded", "retry": 1}`,
			"result":          `{"echo": {"who": "mocked"}}`, "afterResultSelector": `{"echo": {"who": "mocked"}}`, "afterResultPath": `{"echo": {"who": "mocked"}}`,
			"variables": `{"who": "ann", "fetched": "mocked"}`,
		},
	},
	{
		name:       "a state inside a Map gets the first item as $$.Map.Item",
		definition: machine, stateName: "Inner", input: `"x"`,
		wantStatus: TestSucceeded, wantOutput: `{"index": 0, "value": "x"}`,
	},
	{
		name:       "a mocked Map: items and ItemSelector at DEBUG, the mock as its result",
		definition: mapState, input: `{"items": ["a", "b"]}`, level: InspectDebug, noRole: true,
		mock:       `{"result": "[10, 20]"}`,
		wantStatus: TestSucceeded, wantOutput: `{"items": ["a", "b"], "results": [10, 20]}`,
		wantInspection: map[string]string{
			"input": `{"items": ["a", "b"]}`, "afterInputPath": `{"items": ["a", "b"]}`, "afterItemsPath": `["a", "b"]`,
			"afterItemSelector": `[{"value": "a", "index": 0}, {"value": "b", "index": 1}]`, "maxConcurrency": `2`,
			"result": `[10, 20]`, "afterResultSelector": `[10, 20]`, "afterResultPath": `{"items": ["a", "b"], "results": [10, 20]}`, "variables": `{}`,
		},
	},
	{
		name:       "failed Map iterations exceed what an inline Map tolerates",
		definition: mapState, input: `{"items": ["a", "b"]}`, noRole: true,
		mock: `{"result": "[1, 2]"}`, config: `{"mapIterationFailureCount": 1}`,
		wantStatus: TestCaughtError, wantNext: "Recover", wantError: stateserror.ExceedToleratedFailure,
		wantOutput: `{"Error": "States.ExceedToleratedFailureThreshold", "Cause": "The specified tolerated failure threshold was exceeded: 1 of 2 iterations failed, and an inline Map tolerates none"}`,
	},
	{
		name:       "a mocked error inside a Map reaches the Map's Catch",
		definition: mapState, input: `{"items": []}`, noRole: true,
		mock: `{"errorOutput": {"error": "States.TaskFailed", "cause": "Task execution failed"}}`, config: `{"errorCausedByState": "ProcessItem"}`,
		wantStatus: TestCaughtError, wantNext: "Recover", wantError: stateserror.TaskFailed,
		wantOutput: `{"Error": "States.TaskFailed", "Cause": "Task execution failed"}`,
	},
	{
		name:       "a mocked Parallel: one result per branch",
		definition: parallelState, input: `{"a": 1}`, noRole: true, level: InspectDebug,
		mock:       `{"result": "[{\"a\": 1}, {\"b\": 2}]"}`,
		wantStatus: TestSucceeded, wantNext: "Done", wantOutput: `[{"a": 1}, {"b": 2}]`,
		wantInspection: map[string]string{
			"input": `{"a": 1}`, "afterInputPath": `{"a": 1}`, "afterParameters": `{"a": 1}`, "result": `[{"a": 1}, {"b": 2}]`,
			"afterResultSelector": `[{"a": 1}, {"b": 2}]`, "afterResultPath": `[{"a": 1}, {"b": 2}]`, "variables": `{}`,
		},
	},
	{
		name:       "a mocked error in a Parallel branch reaches the Parallel's Catch",
		definition: parallelState, noRole: true,
		mock: `{"errorOutput": {"error": "States.TaskFailed", "cause": "branch B"}}`, config: `{"errorCausedByState": "B"}`,
		wantStatus: TestCaughtError, wantNext: "Recover", wantError: stateserror.TaskFailed,
		wantOutput: `{"Error": "States.TaskFailed", "Cause": "branch B"}`,
	},
	{
		name:       "a JSONata Task: Arguments, result and Assign at DEBUG",
		definition: `{"Type": "Task", "QueryLanguage": "JSONata", "Resource": "` + echo + `", "Arguments": {"n": "{% $states.input.n + 1 %}"}, "Output": "{% $states.result.echo %}", "Assign": {"last": "{% $states.result.echo.n %}"}, "End": true}`,
		input:      `{"n": 1}`, level: InspectDebug, variables: `{"old": true}`,
		wantStatus: TestSucceeded, wantOutput: `{"n": 2}`, wantCalls: 1,
		wantInspection: map[string]string{
			"input": `{"n": 1}`, "afterArguments": `{"n": 2}`, "result": `{"echo": {"n": 2}}`, "variables": `{"old": true, "last": 2}`,
		},
	},
}

func TestTestState(t *testing.T) {
	for _, c := range testStateCases {
		t.Run(c.name, func(t *testing.T) {
			out, rig, err := c.run(t, nil)
			require.NoError(t, err)
			assert.Equal(t, c.wantStatus, out.Status)
			assert.Equal(t, c.wantNext, out.NextState)
			assert.Equal(t, c.wantCalls, rig.calls, "calls of the integration")
			assert.Equal(t, c.wantElapsed, rig.clock.Now().Sub(epoch), "time on the clock")
			if c.wantOutput == "" {
				assert.Nil(t, out.Output)
			} else if assert.NotNil(t, out.Output) {
				assert.JSONEq(t, c.wantOutput, *out.Output)
			}
			if c.wantError == "" {
				assert.Nil(t, out.Error)
			} else if assert.NotNil(t, out.Error) {
				assert.Equal(t, c.wantError, *out.Error)
				if c.wantCause != "" {
					assert.Equal(t, c.wantCause, *out.Cause)
				}
			}
			requireInspection(t, c.wantInspection, out.InspectionData)
		})
	}
}

// requireInspection compares inspectionData member by member: the same
// members, each string member as JSON.
func requireInspection(t *testing.T, want map[string]string, got *InspectionData) {
	t.Helper()
	if want == nil {
		require.Nil(t, got, "INFO shows no inspectionData")
		return
	}
	require.NotNil(t, got)
	text, err := json.Marshal(got)
	require.NoError(t, err)
	var members map[string]any
	require.NoError(t, json.Unmarshal(text, &members))
	require.ElementsMatch(t, keys(want), keys(members))
	for name, value := range members {
		s, isString := value.(string)
		if !isString {
			b, _ := json.Marshal(value)
			s = string(b)
		}
		assert.JSONEq(t, want[name], s, name)
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The validation errors the API reference and the developer guide
// document for TestState, and the request members' own rules.
func TestTestStateRefuses(t *testing.T) {
	pass := `{"Type": "Pass", "End": true}`
	tests := []struct {
		testStateCase
		code, message string
	}{
		{testStateCase{definition: pass, noRole: true, mock: `{"result": "{}"}`}, CodeValidation, "State type 'Pass' is not supported when a mock is specified"},
		{testStateCase{definition: `{"Type": "Fail"}`, noRole: true, mock: `{"result": "{}"}`}, CodeValidation, "State type 'Fail' is not supported when a mock is specified"},
		{testStateCase{definition: `{"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "X"}]}`, noRole: true, mock: `{"result": "{}"}`}, CodeValidation, "State type 'Choice' is not supported"},
		{testStateCase{definition: mapState}, CodeValidation, "a Map state can only be tested with a mock"},
		{testStateCase{definition: parallelState}, CodeValidation, "a Parallel state can only be tested with a mock"},
		{testStateCase{definition: `{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}`}, CodeValidation, "can only be tested with a mock"},
		{testStateCase{definition: `{"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2", "End": true}`}, CodeValidation, "can only be tested with a mock"},
		{testStateCase{definition: `{"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work", "End": true}`}, CodeValidation, "can only be tested with a mock"},
		{testStateCase{definition: `{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": true}`}, CodeInvalidDef, "is not one this endpoint can run; mock it"},
		{testStateCase{definition: lambdaTask, mock: `{"result": "{}", "errorOutput": {"error": "E"}}`}, CodeValidation, "exactly one of result and errorOutput"},
		{testStateCase{definition: lambdaTask, mock: `{"fieldValidationMode": "NONE"}`}, CodeValidation, "exactly one of result and errorOutput"},
		{testStateCase{definition: lambdaTask, mock: `{"errorOutput": {"cause": "c"}}`}, CodeValidation, "mock.errorOutput.error is required"},
		{testStateCase{definition: lambdaTask, mock: `{"result": "not json"}`}, CodeValidation, "mock.result is not JSON"},
		{testStateCase{definition: lambdaTask, mock: `{"result": "{}", "fieldValidationMode": "LOOSE"}`}, CodeValidation, "fieldValidationMode must be STRICT, PRESENT or NONE"},
		{testStateCase{definition: lambdaTask, mock: `{"result": "{}"}`}, CodeValidation, "needs service models, and none were given"},
		{testStateCase{definition: lambdaTask, mock: errorMock, revealSecrets: true}, CodeValidation, "revealSecrets cannot be used with a mock"},
		{testStateCase{definition: pass, context: `{}`}, CodeValidation, "context may only be given with a mock"},
		{testStateCase{definition: pass, noRole: true}, CodeValidation, "roleArn is required unless a mock is given"},
		{testStateCase{definition: pass, roleArn: "arn:aws:iam::123456789012:user/me"}, CodeInvalidArn, "is not an IAM role ARN"},
		{testStateCase{definition: pass, input: `{"a": `}, CodeInvalidInput, "input is not JSON"},
		{testStateCase{definition: pass, variables: `[1]`}, CodeValidation, "variables must be a JSON object"},
		{testStateCase{definition: pass, variables: `{"1x": 1}`}, CodeValidation, `"1x" is not a variable name`},
		{testStateCase{definition: lambdaTask, mock: errorMock, context: `"ctx"`}, CodeValidation, "context must be a JSON object"},
		{testStateCase{definition: pass, level: "VERBOSE"}, CodeValidation, "inspectionLevel must be INFO, DEBUG or TRACE"},
		{testStateCase{definition: `{"Type": "Pass", "Bogus": 1, "End": true}`}, CodeInvalidDef, `unknown field "Bogus"`},
		{testStateCase{definition: `{"Type": "Pass",`}, CodeInvalidDef, "not JSON"},
		{testStateCase{definition: machine}, CodeValidation, "stateName is required when the definition is a whole state machine"},
		{testStateCase{definition: machine, stateName: "Nowhere"}, CodeValidation, `stateName "Nowhere" is not a state of the definition`},
		{testStateCase{definition: pass, stateName: "S"}, CodeValidation, "the definition must be a whole state machine"},
		{testStateCase{definition: pass, config: `{"retrierRetryCount": 1}`}, CodeValidation, "retrierRetryCount needs a state with Retry"},
		{testStateCase{definition: lambdaTask, mock: errorMock, config: `{"mapIterationFailureCount": 1}`}, CodeValidation, "mapIterationFailureCount applies to Map states, not Task"},
		{testStateCase{definition: mapState, input: `{"items": [1]}`, mock: `{"result": "[1]"}`, config: `{"mapIterationFailureCount": 2}`}, CodeValidation, "mapIterationFailureCount (2) cannot exceed the number of items (1)"},
		{testStateCase{definition: mapState, mock: `{"result": "[1]"}`, config: `{"mapItemReaderData": "a,b"}`}, CodeValidation, "mapItemReaderData applies to a distributed Map"},
		{testStateCase{definition: lambdaTask, mock: errorMock, config: `{"errorCausedByState": "X"}`}, CodeValidation, "errorCausedByState applies to Map and Parallel states, not Task"},
		{testStateCase{definition: mapState, mock: errorMock}, CodeValidation, "needs stateConfiguration.errorCausedByState"},
		{testStateCase{definition: mapState, mock: errorMock, config: `{"errorCausedByState": "Elsewhere"}`}, CodeValidation, `errorCausedByState "Elsewhere" is not a state inside Map state`},
		{testStateCase{definition: mapState, mock: `{"result": "[1]"}`, config: `{"errorCausedByState": "ProcessItem"}`}, CodeValidation, "errorCausedByState needs a mocked errorOutput"},
		{testStateCase{definition: mapState, mock: `{"result": "{}"}`}, CodeValidation, "the mocked result of a Map state must be a JSON array"},
		{testStateCase{definition: parallelState, mock: `{"result": "[1]"}`}, CodeValidation, "one element per branch (2)"},
		{testStateCase{definition: lambdaTask, config: `{"retrierRetryCount": -1}`}, CodeValidation, "must be at least 0"},
	}
	for _, tt := range tests {
		t.Run(tt.message, func(t *testing.T) {
			_, rig, err := tt.run(t, nil)
			var refused *TestStateError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, tt.code, refused.Code)
			assert.Contains(t, refused.Message, tt.message)
			assert.Zero(t, rig.calls, "a refused request runs nothing")
		})
	}
}

// stepFunctionsModel is botocore's Step Functions model: the test fails
// without it in CI and skips elsewhere, saying what to install.
func stepFunctionsModel(t *testing.T) *awsmodel.Model {
	t.Helper()
	model, err := awsmodel.Load("stepfunctions")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must check TestState against the service model: %v", err)
		}
		t.Skipf("no service model to check against: %v", err)
	}
	return model
}

// Every request the tests make and every response TestState gives fits the
// TestStateInput and TestStateOutput shapes of the Step Functions model;
// together the responses fill every InspectionData member that applies
// here.
func TestTestStateFitsTheServiceModel(t *testing.T) {
	model := stepFunctionsModel(t)
	filled := map[string]bool{}
	for _, c := range testStateCases {
		problems, err := model.CheckResponse("TestStateInput", c.request(t))
		require.NoError(t, err)
		assert.Empty(t, problems, "%s: the request", c.name)
		out, _, err := c.run(t, nil)
		require.NoError(t, err, c.name)
		problems, err = model.CheckResponse("TestStateOutput", out)
		require.NoError(t, err)
		assert.Empty(t, problems, "%s: the response", c.name)
		text, _ := json.Marshal(out.InspectionData)
		var members map[string]any
		_ = json.Unmarshal(text, &members)
		for name := range members {
			filled[name] = true
		}
	}
	// The members for a distributed Map and an HTTP Task, which this engine
	// does not run (docs/engine.md).
	notHere := []string{"afterItemBatcher", "afterItemsPointer", "toleratedFailureCount", "toleratedFailurePercentage", "request", "response"}
	var unfilled []string
	for name := range model.Shapes["InspectionData"].Members {
		if !filled[name] {
			unfilled = append(unfilled, name)
		}
	}
	assert.ElementsMatch(t, notHere, unfilled)
	assert.Equal(t, []string{TestSucceeded, TestFailed, TestRetriable, TestCaughtError}, model.Shapes["TestExecutionStatus"].Enum)
	assert.Equal(t, []string{InspectInfo, InspectDebug, InspectTrace}, model.Shapes["InspectionLevel"].Enum)
	assert.Equal(t, []string{ValidateStrict, ValidatePresent, ValidateNone}, model.Shapes["MockResponseValidationMode"].Enum)
	for _, code := range []string{CodeValidation, CodeInvalidDef, CodeInvalidInput, CodeInvalidArn} {
		assert.Contains(t, model.Shapes, code, "the model has the error %s", code)
	}
}

// fieldValidationMode checks a mocked result against botocore's model of
// the service the Task calls: Lambda's Invoke response for lambda:invoke,
// and an aws-sdk integration's response (Step Functions' own StartExecution,
// whose members are required) for what STRICT adds to PRESENT.
func TestTestStateValidatesMockedResults(t *testing.T) {
	stepFunctionsModel(t) // botocore is there, or the test skips or fails as it says
	startExecution := `{"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution", "End": true}`
	tests := []struct {
		name, definition, mock, problem string
	}{
		{"Lambda Invoke's members with their types", lambdaTask, `{"result": "{\"StatusCode\": 200, \"ExecutedVersion\": \"$LATEST\", \"Payload\": {\"any\": [1]}}"}`, ""},
		{"an integer member as a string", lambdaTask, `{"result": "{\"StatusCode\": \"200\"}"}`, "StatusCode: must be of type integer"},
		{"a string member under its minimum length", lambdaTask, `{"result": "{\"ExecutedVersion\": \"\"}", "fieldValidationMode": "PRESENT"}`, "ExecutedVersion: must have a length of at least 1"},
		{"members the model does not define are ignored", lambdaTask, `{"result": "{\"SdkHttpMetadata\": {}}"}`, ""},
		{"not an object", lambdaTask, `{"result": "[1]"}`, "the result: must be of type structure"},
		{"NONE checks nothing", lambdaTask, `{"result": "{\"StatusCode\": \"200\"}", "fieldValidationMode": "NONE"}`, ""},
		{"STRICT wants the required members", startExecution, `{"result": "{\"ExecutionArn\": \"arn:aws:states:us-east-1:123456789012:execution:M:e\"}"}`, "startDate: is required"},
		{"PRESENT does not", startExecution, `{"result": "{\"ExecutionArn\": \"arn:aws:states:us-east-1:123456789012:execution:M:e\"}", "fieldValidationMode": "PRESENT"}`, ""},
		{"an activity's result has no model", `{"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:work", "End": true}`, `{"result": "7"}`, ""},
		{"a .waitForTaskToken result is the callback's, with no model", `{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}`, `{"result": "[\"anything\"]"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testStateCase{definition: tt.definition, noRole: true, mock: tt.mock}
			out, _, err := c.run(t, awsmodel.TaskResults{})
			if tt.problem == "" {
				require.NoError(t, err)
				assert.Equal(t, TestSucceeded, out.Status)
				return
			}
			var refused *TestStateError
			require.ErrorAs(t, err, &refused)
			assert.Equal(t, CodeValidation, refused.Code)
			assert.Contains(t, refused.Message, tt.problem)
		})
	}
}

// The request and response types name the members the model names.
func TestTestStateTypesNameTheModelsMembers(t *testing.T) {
	model := stepFunctionsModel(t)
	for shape, value := range map[string]any{
		"TestStateInput": TestStateInput{}, "MockInput": TestStateMock{}, "MockErrorOutput": MockErrorOutput{},
		"TestStateConfiguration": TestStateConfiguration{}, "TestStateOutput": TestStateOutput{},
	} {
		var names []string
		typ := reflectJSONNames(value)
		for name := range model.Shapes[shape].Members {
			names = append(names, name)
		}
		assert.ElementsMatch(t, names, typ, shape)
	}
	var inspection []string
	for name := range model.Shapes["InspectionData"].Members {
		if !slices.Contains([]string{"afterItemBatcher", "afterItemsPointer", "toleratedFailureCount", "toleratedFailurePercentage", "request", "response"}, name) {
			inspection = append(inspection, name)
		}
	}
	assert.ElementsMatch(t, inspection, reflectJSONNames(InspectionData{}))
	var details []string
	for name := range model.Shapes["InspectionErrorDetails"].Members {
		details = append(details, name)
	}
	assert.ElementsMatch(t, details, reflectJSONNames(ErrorDetails{}))
}

// reflectJSONNames lists the JSON member names of a struct's fields.
func reflectJSONNames(v any) []string {
	typ := reflect.TypeOf(v)
	out := make([]string, 0, typ.NumField())
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}
