package localrun

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testStateRole is a role ARN for the requests that mock nothing, which
// AWS requires one of; the endpoint only checks its form.
const testStateRole = "arn:aws:iam::" + localAccount + ":role/test-state"

// testStateWant is what a TestState request should get.
type testStateWant struct {
	refused    string // the API error's code; the rest is unset then
	status     types.TestExecutionStatus
	output     string // JSON; "" when the status carries none
	nextState  string
	err, cause string
	// inspection is every member of inspectionData, as JSON text; nil
	// when the level is INFO and there is none.
	inspection map[string]string
}

// check holds a TestState answer to want.
func (want testStateWant) check(t *testing.T, got *sfn.TestStateOutput, err error) {
	t.Helper()
	if want.refused != "" {
		assert.True(t, hasCode(want.refused)(err), "want %s, got error %v", want.refused, err)
		return
	}
	require.NoError(t, err)
	assert.Equal(t, want.status, got.Status, "error %s: %s", aws.ToString(got.Error), aws.ToString(got.Cause))
	if want.output == "" {
		assert.Nil(t, got.Output, "output")
	} else if assert.NotNil(t, got.Output, "output") {
		assert.JSONEq(t, want.output, *got.Output)
	}
	assert.Equal(t, want.nextState, aws.ToString(got.NextState), "nextState")
	assert.Equal(t, want.err, aws.ToString(got.Error), "error")
	assert.Equal(t, want.cause, aws.ToString(got.Cause), "cause")
	if want.inspection == nil {
		assert.Nil(t, got.InspectionData, "inspectionData at INFO")
		return
	}
	require.NotNil(t, got.InspectionData)
	members := inspectionMembers(got.InspectionData)
	assert.ElementsMatch(t, keysOf(want.inspection), keysOf(members), "the members of inspectionData")
	for member, text := range want.inspection {
		if got, ok := members[member]; ok {
			assert.JSONEq(t, text, got, "inspectionData.%s", member)
		}
	}
}

func keysOf(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// inspectionMembers are the members inspectionData carries, each as JSON
// text, by their names in the API.
func inspectionMembers(d *types.InspectionData) map[string]string {
	members := map[string]string{}
	for name, text := range map[string]*string{
		"input": d.Input, "afterInputPath": d.AfterInputPath, "afterParameters": d.AfterParameters,
		"afterArguments": d.AfterArguments, "result": d.Result, "afterResultSelector": d.AfterResultSelector,
		"afterResultPath": d.AfterResultPath, "afterItemsPath": d.AfterItemsPath, "afterItemSelector": d.AfterItemSelector,
		"afterItemBatcher": d.AfterItemBatcher, "afterItemsPointer": d.AfterItemsPointer, "variables": d.Variables,
	} {
		if text != nil {
			members[name] = *text
		}
	}
	encode := func(v any) string {
		text, _ := json.Marshal(v)
		return string(text)
	}
	if d.ErrorDetails != nil {
		members["errorDetails"] = encode(d.ErrorDetails)
	}
	if d.MaxConcurrency != nil {
		members["maxConcurrency"] = encode(d.MaxConcurrency)
	}
	if d.Request != nil {
		members["request"] = encode(d.Request)
	}
	if d.Response != nil {
		members["response"] = encode(d.Response)
	}
	if d.ToleratedFailureCount != nil {
		members["toleratedFailureCount"] = encode(d.ToleratedFailureCount)
	}
	if d.ToleratedFailurePercentage != nil {
		members["toleratedFailurePercentage"] = encode(d.ToleratedFailurePercentage)
	}
	return members
}

// errorDetails is inspectionData.errorDetails as the SDK's type encodes.
func errorDetails(catchIndex, retryIndex, backoff *int32) string {
	text, _ := json.Marshal(&types.InspectionErrorDetails{CatchIndex: catchIndex, RetryIndex: retryIndex, RetryBackoffIntervalSeconds: backoff})
	return string(text)
}

// invocations counts each function's invocations, as a FaultPlan that
// injects no fault.
type invocations struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *invocations) plan(function string, _ int) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[function]++
	return Fault{}
}

func (c *invocations) of(function string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[function]
}

// stateRun is what a state did in an execution, from its history.
type stateRun struct {
	input, output string
	parameters    string // a Task's
	result        string // a Task's
	next          string // the state entered next; "" at the end
}

// stateRuns reads each state's run from an execution's history.
func stateRuns(events []types.HistoryEvent) map[string]*stateRun {
	runs := map[string]*stateRun{}
	var current *stateRun
	for _, event := range events {
		switch {
		case event.StateEnteredEventDetails != nil:
			name := aws.ToString(event.StateEnteredEventDetails.Name)
			if current != nil {
				current.next = name
			}
			current = &stateRun{input: aws.ToString(event.StateEnteredEventDetails.Input)}
			runs[name] = current
		case event.TaskScheduledEventDetails != nil:
			current.parameters = aws.ToString(event.TaskScheduledEventDetails.Parameters)
		case event.TaskSucceededEventDetails != nil:
			current.result = aws.ToString(event.TaskSucceededEventDetails.Output)
		case event.StateExitedEventDetails != nil:
			current.output = aws.ToString(event.StateExitedEventDetails.Output)
		}
	}
	return runs
}

// TestState through the Go SDK on one endpoint, every exchange judged by
// the service model: single states and states of whole definitions, each
// inspection level, mocks and their validation, every status, AWS's
// refusals, and the stack's own states, whose functions really run unless
// mocked.
func TestStateThroughTheSDK(t *testing.T) {
	calls := &invocations{calls: map[string]int{}}
	server, _ := startServer(t, ServeConfig{Sessions: Config{Faults: calls.plan}})
	// TestState goes to the sync- host, as StartSyncExecution does.
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(server.URL()), Region: localRegion, Credentials: aws.NewCredentialsCache(staticCredentials{}), HTTPClient: judgedHTTPClient(t)}, withoutHostPrefix)
	testState := func(t *testing.T, in sfn.TestStateInput) (*sfn.TestStateOutput, error) {
		t.Helper()
		return client.TestState(t.Context(), &in)
	}

	t.Run("requests", func(t *testing.T) {
		for _, test := range testStateCases() {
			t.Run(test.name, func(t *testing.T) {
				got, err := testState(t, test.in)
				test.want.check(t, got, err)
			})
		}
	})

	// The context object names the test's execution and state machine as
	// this endpoint names executions, and the request's role.
	t.Run("the context object", func(t *testing.T) {
		got, err := testState(t, sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","Parameters":{"execution.$":"$$.Execution.Id","machine.$":"$$.StateMachine.Id","role.$":"$$.Execution.RoleArn"},"End":true}`),
			RoleArn:    aws.String(testStateRole),
		})
		require.NoError(t, err)
		var context struct{ Execution, Machine, Role string }
		require.NoError(t, json.Unmarshal([]byte(aws.ToString(got.Output)), &context))
		execution := arnPattern.FindStringSubmatch(context.Execution)
		require.NotNil(t, execution, "an execution ARN: %s", context.Execution)
		assert.Equal(t, "execution", execution[1])
		assert.Equal(t, "arn:aws:states:"+localRegion+":"+localAccount+":stateMachine:"+execution[2], context.Machine)
		assert.Equal(t, testStateRole, context.Role)
	})

	// Every state on each workflow's path, tested alone in the deployed
	// definition with the input it had in a real execution, gives the
	// output and next state it gave there: mocked with the result its Task
	// had, invoking nothing; unmocked, invoking its function once, or
	// refused when it waits for a task token, as AWS refuses it.
	for i, arn := range server.StateMachineARNs {
		t.Run(server.Workflows[i], func(t *testing.T) {
			workflow, _ := workflowOf(t, server.Workflows[i])
			input, _ := compactExample(t, server.Workflows[i])
			described, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
			require.NoError(t, err)
			started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)})
			require.NoError(t, err)
			require.Equal(t, types.ExecutionStatusSucceeded, awaitEnd(t, client, started.ExecutionArn).Status)
			history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn, MaxResults: 1000})
			require.NoError(t, err)
			runs := stateRuns(history.Events)
			for _, state := range workflow.Path {
				run := runs[state.Name]
				require.NotNil(t, run, "state %s is on the path but not in the history", state.Name)
				fn, invokes := workflow.FunctionOf(state)
				asRun := testStateWant{status: types.TestExecutionStatusSucceeded, output: run.output, nextState: run.next}
				in := sfn.TestStateInput{Definition: described.Definition, StateName: aws.String(state.Name), Input: aws.String(run.input)}
				if state.Type == "Task" {
					t.Run(state.Name+" mocked with its result", func(t *testing.T) {
						before := calls.of(fn.Name)
						mocked := in
						mocked.Mock = &types.MockInput{Result: aws.String(run.result)}
						got, err := testState(t, mocked)
						asRun.check(t, got, err)
						assert.Equal(t, before, calls.of(fn.Name), "a mocked Task invokes nothing")
					})
				}
				t.Run(state.Name+" unmocked", func(t *testing.T) {
					real := in
					real.RoleArn = aws.String(testStateRole)
					before := calls.of(fn.Name)
					got, err := testState(t, real)
					switch {
					case invokes:
						asRun.check(t, got, err)
						assert.Equal(t, before+1, calls.of(fn.Name), "the Task invokes %s once", fn.Name)
					case strings.HasSuffix(state.Resource, ".waitForTaskToken"):
						testStateWant{refused: "ValidationException"}.check(t, got, err)
					case state.Type == "Task":
						t.Skipf("no rule here for a Task that neither invokes a function nor waits for a token (%s)", state.Resource)
					default:
						asRun.check(t, got, err)
					}
				})
				if !invokes {
					continue
				}
				t.Run(state.Name+"'s function as the Resource", func(t *testing.T) {
					var parameters struct {
						FunctionName string
						Payload      json.RawMessage
					}
					require.NoError(t, json.Unmarshal([]byte(run.parameters), &parameters))
					var result struct{ Payload json.RawMessage }
					require.NoError(t, json.Unmarshal([]byte(run.result), &result))
					definition, err := json.Marshal(map[string]any{"Type": "Task", "Resource": parameters.FunctionName, "End": true})
					require.NoError(t, err)
					before := calls.of(fn.Name)
					got, err := testState(t, sfn.TestStateInput{Definition: aws.String(string(definition)), Input: aws.String(string(parameters.Payload)), RoleArn: aws.String(testStateRole)})
					testStateWant{status: types.TestExecutionStatusSucceeded, output: string(result.Payload)}.check(t, got, err)
					assert.Equal(t, before+1, calls.of(fn.Name), "the Task invokes %s once", fn.Name)
				})
			}
		})
	}
}

// testStateCase is a TestState request and what it should get.
type testStateCase struct {
	name string
	in   sfn.TestStateInput
	want testStateWant
}

// testStateCases are requests whose answers the Amazon States Language
// and the TestState API reference decide, whatever the stack deploys.
func testStateCases() []testStateCase {
	var cases []testStateCase
	add := func(c testStateCase) { cases = append(cases, c) }
	role := aws.String(testStateRole)
	mockResult := func(result string, mode types.MockResponseValidationMode) *types.MockInput {
		return &types.MockInput{Result: aws.String(result), FieldValidationMode: mode}
	}
	mockError := func(name, cause string) *types.MockInput {
		return &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String(name), Cause: aws.String(cause)}}
	}
	succeeded := types.TestExecutionStatusSucceeded

	// A Pass state's processing, step by step, at each level: TRACE adds
	// only an HTTP Task's request and response, and there is none here. As
	// in the guide's DEBUG example, a state without ResultSelector shows its
	// result unchanged as afterResultSelector.
	pass := `{"Type":"Pass","InputPath":"$.order","Parameters":{"item.$":"$.item","seed.$":"$seed"},"ResultPath":"$.shipped","OutputPath":"$.shipped","Assign":{"count":2},"Next":"Ship"}`
	passInput := `{"order":{"item":"book"}}`
	passOutput := `{"item":"book","seed":1}`
	passInspection := map[string]string{
		"input":               passInput,
		"afterInputPath":      `{"item":"book"}`,
		"afterParameters":     passOutput,
		"afterResultSelector": passOutput,
		"afterResultPath":     `{"order":{"item":"book"},"shipped":{"item":"book","seed":1}}`,
		"variables":           `{"seed":1,"count":2}`,
	}
	for level, inspection := range map[types.InspectionLevel]map[string]string{
		types.InspectionLevelInfo: nil, types.InspectionLevelDebug: passInspection, types.InspectionLevelTrace: passInspection,
	} {
		add(testStateCase{
			name: "a Pass state alone at " + string(level),
			in:   sfn.TestStateInput{Definition: aws.String(pass), Input: aws.String(passInput), Variables: aws.String(`{"seed":1}`), InspectionLevel: level, RoleArn: role},
			want: testStateWant{status: succeeded, output: passOutput, nextState: "Ship", inspection: inspection},
		})
	}

	// A mocked Task: the result goes through ResultSelector and ResultPath.
	task := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"any-function","Payload.$":"$"},"ResultSelector":{"greeting.$":"$.Payload.greeting"},"ResultPath":"$.answer","End":true}`
	add(testStateCase{
		name: "a mocked Task at DEBUG",
		in:   sfn.TestStateInput{Definition: aws.String(task), Input: aws.String(`{"name":"Ada"}`), InspectionLevel: types.InspectionLevelDebug, Mock: mockResult(`{"StatusCode":200,"Payload":{"greeting":"hello Ada"}}`, "")},
		want: testStateWant{status: succeeded, output: `{"name":"Ada","answer":{"greeting":"hello Ada"}}`, inspection: map[string]string{
			"input":               `{"name":"Ada"}`,
			"afterInputPath":      `{"name":"Ada"}`,
			"afterParameters":     `{"FunctionName":"any-function","Payload":{"name":"Ada"}}`,
			"result":              `{"StatusCode":200,"Payload":{"greeting":"hello Ada"}}`,
			"afterResultSelector": `{"greeting":"hello Ada"}`,
			"afterResultPath":     `{"name":"Ada","answer":{"greeting":"hello Ada"}}`,
			"variables":           `{}`,
		}},
	})
	// context lays itself over the context object: a .waitForTaskToken
	// Task, which runs only mocked, sees the token it is given.
	add(testStateCase{
		name: "a mocked .waitForTaskToken Task with a context",
		in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"any-queue","MessageBody":{"token.$":"$$.Task.Token"}},"ResultPath":null,"End":true}`),
			Context:    aws.String(`{"Task":{"Token":"token-1"}}`),
			Mock:       mockResult(`{"done":true}`, ""), InspectionLevel: types.InspectionLevelDebug,
		},
		want: testStateWant{status: succeeded, output: `{}`, inspection: map[string]string{
			"input": `{}`, "afterInputPath": `{}`, "afterParameters": `{"QueueUrl":"any-queue","MessageBody":{"token":"token-1"}}`,
			"result": `{"done":true}`, "afterResultSelector": `{"done":true}`, "afterResultPath": `{}`, "variables": `{}`,
		}},
	})

	// fieldValidationMode against the service's model: STRICT (the default)
	// wants the required members and the right types, PRESENT the right
	// types of the members present, NONE nothing.
	lambdaTask := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"any-function"},"End":true}`
	startTask := `{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{"StateMachineArn":"any-machine"},"End":true}`
	wrongType := `{"StatusCode":"two hundred"}`
	withoutRequired := `{"executionArn":"arn:aws:states:us-east-1:000000000000:execution:any-machine:any-execution"}`
	for _, test := range []struct {
		definition, result, what string
		mode                     types.MockResponseValidationMode
		accepted                 bool
	}{
		{lambdaTask, wrongType, "a member of the wrong type", "", false},
		{lambdaTask, wrongType, "a member of the wrong type", types.MockResponseValidationModeStrict, false},
		{lambdaTask, wrongType, "a member of the wrong type", types.MockResponseValidationModePresent, false},
		{lambdaTask, wrongType, "a member of the wrong type", types.MockResponseValidationModeNone, true},
		{startTask, withoutRequired, "a required member missing", "", false},
		{startTask, withoutRequired, "a required member missing", types.MockResponseValidationModeStrict, false},
		{startTask, withoutRequired, "a required member missing", types.MockResponseValidationModePresent, true},
		{startTask, withoutRequired, "a required member missing", types.MockResponseValidationModeNone, true},
	} {
		want := testStateWant{refused: "ValidationException"}
		if test.accepted {
			want = testStateWant{status: succeeded, output: test.result}
		}
		add(testStateCase{
			name: fmt.Sprintf("a mocked result with %s, fieldValidationMode %q", test.what, test.mode),
			in:   sfn.TestStateInput{Definition: aws.String(test.definition), Mock: mockResult(test.result, test.mode)},
			want: want,
		})
	}

	// A mocked error through Retry and Catch: RETRIABLE while the retrier
	// has attempts left (stateConfiguration.retrierRetryCount says how many
	// were made), then CAUGHT_ERROR; FAILED when nothing handles it.
	handled := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"any-function"},` +
		`"Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":2}],` +
		`"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"Recover"}],"Next":"Proceed"}`
	errorInspection := func(details string) map[string]string {
		return map[string]string{"input": `{"id":7}`, "afterInputPath": `{"id":7}`, "afterParameters": `{"FunctionName":"any-function"}`, "variables": `{}`, "errorDetails": details}
	}
	caught := `{"id":7,"caught":{"Error":"Flaky","Cause":"try again"}}`
	for _, test := range []struct {
		name    string
		retries *int32
		want    testStateWant
	}{
		{"a first attempt", nil, testStateWant{status: types.TestExecutionStatusRetriable, err: "Flaky", cause: "try again", inspection: errorInspection(errorDetails(nil, aws.Int32(0), aws.Int32(3)))}},
		{"a second attempt", aws.Int32(1), testStateWant{status: types.TestExecutionStatusRetriable, err: "Flaky", cause: "try again", inspection: errorInspection(errorDetails(nil, aws.Int32(0), aws.Int32(6)))}},
		{"the retries used up", aws.Int32(2), testStateWant{status: types.TestExecutionStatusCaughtError, err: "Flaky", cause: "try again", output: caught, nextState: "Recover", inspection: errorInspection(errorDetails(aws.Int32(0), nil, nil))}},
	} {
		in := sfn.TestStateInput{Definition: aws.String(handled), Input: aws.String(`{"id":7}`), InspectionLevel: types.InspectionLevelDebug, Mock: mockError("Flaky", "try again")}
		if test.retries != nil {
			in.StateConfiguration = &types.TestStateConfiguration{RetrierRetryCount: test.retries}
		}
		add(testStateCase{name: "a retried error, " + test.name, in: in, want: test.want})
	}
	add(testStateCase{
		name: "an error no retrier matches, caught",
		in:   sfn.TestStateInput{Definition: aws.String(handled), Input: aws.String(`{"id":7}`), Mock: mockError("Broken", "for good")},
		want: testStateWant{status: types.TestExecutionStatusCaughtError, err: "Broken", cause: "for good", output: `{"id":7,"caught":{"Error":"Broken","Cause":"for good"}}`, nextState: "Recover"},
	})
	add(testStateCase{
		name: "an error nothing handles",
		in:   sfn.TestStateInput{Definition: aws.String(lambdaTask), Mock: mockError("Broken", "for good")},
		want: testStateWant{status: types.TestExecutionStatusFailed, err: "Broken", cause: "for good"},
	})

	// One state of a whole definition, at the top or in a Parallel branch.
	whole := `{"StartAt":"Greet","States":{` +
		`"Greet":{"Type":"Pass","Result":{"greeting":"hi"},"ResultPath":"$.said","Next":"Fork"},` +
		`"Fork":{"Type":"Parallel","Branches":[{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","Parameters":{"echo.$":"$.said.greeting"},"End":true}}}],"Next":"Finish"},` +
		`"Finish":{"Type":"Succeed"}}}`
	for _, test := range []struct {
		state, input, what string
		mock               *types.MockInput
		want               testStateWant
	}{
		{"Greet", `{}`, "at the top", nil, testStateWant{status: succeeded, output: `{"said":{"greeting":"hi"}}`, nextState: "Fork"}},
		{"Echo", `{"said":{"greeting":"hi"}}`, "in a Parallel branch", nil, testStateWant{status: succeeded, output: `{"echo":"hi"}`}},
		{"Fork", `{}`, "mocked, one result per branch", mockResult(`[{"echo":"hi"}]`, ""), testStateWant{status: succeeded, output: `[{"echo":"hi"}]`, nextState: "Finish"}},
		{"Fork", `{}`, "mocked, more results than branches", mockResult(`[{"echo":"hi"},{"echo":"again"}]`, ""), testStateWant{refused: "ValidationException"}},
		{"Fork", `{}`, "unmocked: a Parallel state runs only mocked", nil, testStateWant{refused: "ValidationException"}},
		{"Finish", `{"any":1}`, "a Succeed state", nil, testStateWant{status: succeeded, output: `{"any":1}`}},
		{"Nowhere", `{}`, "not in the definition", nil, testStateWant{refused: "ValidationException"}},
	} {
		in := sfn.TestStateInput{Definition: aws.String(whole), StateName: aws.String(test.state), Input: aws.String(test.input), Mock: test.mock}
		if test.mock == nil {
			in.RoleArn = role
		}
		add(testStateCase{name: fmt.Sprintf("state %s of a whole definition, %s", test.state, test.what), in: in, want: test.want})
	}

	// JSONata: Output and Assign, and a Task's Arguments.
	add(testStateCase{
		name: "a JSONata Pass state",
		in: sfn.TestStateInput{
			Definition:      aws.String(`{"QueryLanguage":"JSONata","Type":"Pass","Output":{"double":"{% $states.input.n * 2 %}"},"Assign":{"last":"{% $states.input.n %}"},"Next":"Report"}`),
			Input:           aws.String(`{"n":21}`),
			InspectionLevel: types.InspectionLevelDebug, RoleArn: role,
		},
		want: testStateWant{status: succeeded, output: `{"double":42}`, nextState: "Report", inspection: map[string]string{"input": `{"n":21}`, "variables": `{"last":21}`}},
	})
	add(testStateCase{
		name: "a mocked JSONata Task",
		in: sfn.TestStateInput{
			Definition:      aws.String(`{"QueryLanguage":"JSONata","Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"any-function","Payload":"{% $states.input %}"},"Output":"{% $states.result.Payload %}","End":true}`),
			Input:           aws.String(`{"n":1}`),
			InspectionLevel: types.InspectionLevelDebug, Mock: mockResult(`{"Payload":{"ok":true}}`, ""),
		},
		want: testStateWant{status: succeeded, output: `{"ok":true}`, inspection: map[string]string{
			"input": `{"n":1}`, "afterArguments": `{"FunctionName":"any-function","Payload":{"n":1}}`, "result": `{"Payload":{"ok":true}}`, "variables": `{}`,
		}},
	})

	// What the API refuses, with the errors its reference lists.
	for _, test := range []struct {
		name, code string
		in         sfn.TestStateInput
	}{
		{"a definition that is not JSON", "InvalidDefinition", sfn.TestStateInput{Definition: aws.String(`{"Type":`), RoleArn: role}},
		{"a state type ASL does not have", "InvalidDefinition", sfn.TestStateInput{Definition: aws.String(`{"Type":"Teleport","End":true}`), RoleArn: role}},
		{"an unmocked Task whose Resource the stack does not serve", "InvalidDefinition", sfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem","Parameters":{},"End":true}`), RoleArn: role}},
		{"a whole definition without stateName", "ValidationException", sfn.TestStateInput{Definition: aws.String(whole), RoleArn: role}},
		{"a mock on a Pass state", "ValidationException", sfn.TestStateInput{Definition: aws.String(pass), Mock: mockResult(`{}`, "")}},
		{"neither a mock nor a roleArn", "ValidationException", sfn.TestStateInput{Definition: aws.String(pass)}},
		{"a context without a mock", "ValidationException", sfn.TestStateInput{Definition: aws.String(pass), RoleArn: role, Context: aws.String(`{}`)}},
		{"a mock with both a result and an error", "ValidationException", sfn.TestStateInput{Definition: aws.String(lambdaTask), Mock: &types.MockInput{Result: aws.String(`{}`), ErrorOutput: &types.MockErrorOutput{Error: aws.String("E")}}}},
		{"an unmocked .waitForTaskToken Task", "ValidationException", sfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{},"End":true}`), RoleArn: role}},
		{"a roleArn that is not a role's", "InvalidArn", sfn.TestStateInput{Definition: aws.String(pass), RoleArn: aws.String("any-role")}},
		{"an input that is not JSON", "InvalidExecutionInput", sfn.TestStateInput{Definition: aws.String(pass), RoleArn: role, Input: aws.String(`{"order":`)}},
		{"a mocked error of 257 characters", "ValidationException", sfn.TestStateInput{Definition: aws.String(lambdaTask), Mock: mockError(strings.Repeat("e", 257), "")}},
	} {
		add(testStateCase{name: "refused: " + test.name, in: test.in, want: testStateWant{refused: test.code}})
	}
	return cases
}

// Until the stack's functions are served, TestState answers
// ServiceUnavailable (which SDKs retry), as the execution API does: a Task
// naming one of them would otherwise be refused as unknown.
func TestStateWaitsForTheStack(t *testing.T) {
	endpoint := startBareEndpoint(t)
	request := map[string]any{"definition": `{"Type":"Pass","End":true}`, "roleArn": testStateRole}
	answer := callAPI(t, endpoint.url, "TestState", request)
	assert.Equal(t, "ServiceUnavailable", answer.errorType, answer.message)
	endpoint.serve(nil)
	answer = callAPI(t, endpoint.url, "TestState", request)
	assert.Equal(t, string(types.TestExecutionStatusSucceeded), answer.body["status"], answer.message)
}
