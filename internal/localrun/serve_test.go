package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/seedcheck"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// startServer starts the endpoint on a free loopback port and, at cleanup,
// closes it and checks that nothing it started is left.
func startServer(t *testing.T, config ServeConfig) (*Server, *sfn.Client) {
	t.Helper()
	config.Address = "127.0.0.1:0"
	if config.Sessions.Arch == "" {
		config.Sessions.Arch = bundle.HostArch()
	}
	config.Sessions.Packages = packagesFor(t, config.Sessions.Arch)
	config.Sessions.Progress = testWriter{t}
	server, err := StartServer(t.Context(), config)
	require.NoError(t, err)
	t.Cleanup(func() {
		server.Close()
		for _, session := range server.sessions {
			requireNothingLeft(t, session)
		}
		_, err := http.Post(server.URL(), "application/x-amz-json-1.0", strings.NewReader("{}"))
		require.Error(t, err, "the endpoint still answers after Close")
	})
	// Any credentials do: these are not checked.
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(server.URL()), Region: localRegion, Credentials: aws.NewCredentialsCache(staticCredentials{}), HTTPClient: judgedHTTPClient(t)})
	return server, client
}

// withoutHostPrefix is what a client of a local endpoint needs for
// StartSyncExecution, whose requests the SDK sends to "sync-" + the
// endpoint's host, a name that does not resolve for 127.0.0.1.
func withoutHostPrefix(options *sfn.Options) {
	options.APIOptions = append(options.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableEndpointHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

type staticCredentials struct{}

func (staticCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "any", SecretAccessKey: "any"}, nil
}

// awaitEnd polls DescribeExecution, as an application would, until the
// execution leaves RUNNING.
func awaitEnd(t *testing.T, client *sfn.Client, arn *string) *sfn.DescribeExecutionOutput {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		described, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
		require.NoError(t, err)
		if described.Status != types.ExecutionStatusRunning {
			return described
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// aloneOutput is what the workflow behind arn gives for input when nothing
// else runs: one execution straight through its Session, without the API.
func aloneOutput(t *testing.T, server *Server, arn, input string) string {
	t.Helper()
	machine, err := server.endpoint.machine(arn)
	require.NoError(t, err)
	execution, err := machine.session.execute(t.Context(), json.RawMessage(input), io.Discard, nil)
	require.NoError(t, err)
	require.Nil(t, execution.Failure, "input %s", input)
	return string(execution.Output)
}

// Every workflow of statemachine/ through the AWS SDK: listed, described,
// and executed with its example's input and with bad input.
func TestServerRunsEveryWorkflow(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	listed, err := client.ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	var listedArns []string
	for _, m := range listed.StateMachines {
		listedArns = append(listedArns, aws.ToString(m.StateMachineArn))
		assert.Equal(t, types.StateMachineTypeStandard, m.Type)
	}
	assert.ElementsMatch(t, server.StateMachineARNs, listedArns)
	require.Len(t, server.StateMachineARNs, len(server.sessions), "one state machine per workflow")

	for _, arn := range server.StateMachineARNs {
		described, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
		require.NoError(t, err)
		definition := aws.ToString(described.Definition)
		assert.True(t, json.Valid([]byte(definition)))
		assert.NotContains(t, definition, "${", "rendered: no placeholder left")
		assert.Contains(t, definition, "arn:aws:lambda:"+localRegion+":"+localAccount+":function:", "with the local functions' ARNs")
		assert.Equal(t, "arn:aws:iam::"+localAccount+":role/"+aws.ToString(described.Name), aws.ToString(described.RoleArn))
		assert.Equal(t, types.LogLevelError, described.LoggingConfiguration.Level, "the stack's default logLevel")
	}

	type executionTest struct {
		name       string
		input      string
		wantStatus types.ExecutionStatus
		wantOutput string
		wantError  string
	}
	for i, arn := range server.StateMachineARNs {
		input, output := compactExample(t, server.Workflows[i])
		tests := []executionTest{
			{name: "its example", input: input, wantStatus: types.ExecutionStatusSucceeded, wantOutput: output},
			{name: "bad input", input: `{"payload": 42}`, wantStatus: types.ExecutionStatusFailed, wantError: "InvalidInputError"},
		}
		for _, test := range tests {
			t.Run(arn[strings.LastIndex(arn, ":")+1:]+"/"+test.name, func(t *testing.T) {
				started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(test.input)})
				require.NoError(t, err)
				ended := awaitEnd(t, client, started.ExecutionArn)
				assert.Equal(t, test.wantStatus, ended.Status, "cause: %s", aws.ToString(ended.Cause))
				assert.Equal(t, test.wantOutput, aws.ToString(ended.Output), "output byte for byte")
				assert.Equal(t, test.wantError, aws.ToString(ended.Error))
				assert.Equal(t, test.input, aws.ToString(ended.Input))
				assert.Equal(t, arn, aws.ToString(ended.StateMachineArn))
				assert.False(t, ended.StopDate.Before(*ended.StartDate))

				// StopExecution on an ended execution changes nothing.
				history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
				require.NoError(t, err)
				_, err = client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn, Error: aws.String("Late"), Cause: aws.String("after the end")})
				require.NoError(t, err)
				after := awaitEnd(t, client, started.ExecutionArn)
				assert.Equal(t, ended.Status, after.Status)
				assert.Equal(t, ended.Output, after.Output)
				assert.Equal(t, ended.Error, after.Error)
				assert.Equal(t, ended.StopDate, after.StopDate)
				historyAfter, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
				require.NoError(t, err)
				assert.Equal(t, history.Events, historyAfter.Events)
			})
		}
	}
}

// 24 executions of the main workflow and 8 of each other workflow at once,
// each with its own payload, each give what its input gives alone: nothing
// is shared between executions, and throttling (4 emulators per function)
// is absorbed by the workflows' Retry and the queue's mapping. The retries
// have a budget a loaded machine does not use up (throttleRetryAttempts):
// how long the emulators stay busy is not what this test is about.
func TestServerRunsConcurrentExecutions(t *testing.T) {
	server, client := startServer(t, ServeConfig{Sessions: Config{RetryInterval: throttleRetryInterval, RetryMaxAttempts: throttleRetryAttempts}})
	type run struct{ arn, input, want string }
	var runs []run
	perMachine := map[string]int{}
	for i, arn := range server.StateMachineARNs {
		n := 8
		if i == 0 {
			n = 24
		}
		perMachine[arn] = n
		wanted := map[string]bool{}
		for j := range n {
			input, err := json.Marshal(map[string]string{"payload": fmt.Sprintf("hi mom %02d", j)})
			require.NoError(t, err)
			want := aloneOutput(t, server, arn, string(input))
			require.False(t, wanted[want], "%s gives %s for two payloads: a mixed-up output would go unnoticed", arn, want)
			wanted[want] = true
			runs = append(runs, run{arn, string(input), want})
		}
	}
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Go(func() {
			started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(r.arn), Input: aws.String(r.input)})
			if !assert.NoError(t, err) {
				return
			}
			ended := awaitEnd(t, client, started.ExecutionArn)
			assert.Equal(t, types.ExecutionStatusSucceeded, ended.Status, "%s: %s", aws.ToString(ended.Error), aws.ToString(ended.Cause))
			assert.Equal(t, r.want, aws.ToString(ended.Output), "input %s", r.input)
		})
	}
	wg.Wait()
	for arn, n := range perMachine {
		listed, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(arn), StatusFilter: types.ExecutionStatusSucceeded})
		require.NoError(t, err)
		assert.Len(t, listed.Executions, n)
	}
}

// The API's rules for names, ARNs and input, and its error codes, as the
// SDK sees them.
func TestServerErrors(t *testing.T) {
	// Every call stalls, so executions of either workflow stay open until
	// stopped.
	stuck := make(chan struct{}) // never closed
	server, client := startServer(t, ServeConfig{Sessions: Config{Faults: func(function string, call int) Fault {
		return Fault{Hold: stuck}
	}}})
	main := server.StateMachineARNs[0]
	unknownMachine := strings.Replace(main, "main-standard", "nope", 1)
	start := func(name, input string) (*sfn.StartExecutionOutput, error) {
		return client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(main), Name: aws.String(name), Input: aws.String(input)})
	}
	open, err := start("open", seedInput(t))
	require.NoError(t, err)
	closed, err := start("closed", seedInput(t))
	require.NoError(t, err)
	_, err = client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: closed.ExecutionArn, Error: aws.String("Why"), Cause: aws.String("a test")})
	require.NoError(t, err)

	tests := []struct {
		name string
		call func() error
		want any // a pointer to the SDK's error type
	}{
		{"the same name and input while open", func() error {
			again, err := start("open", seedInput(t))
			if err == nil {
				assert.Equal(t, aws.ToString(open.ExecutionArn), aws.ToString(again.ExecutionArn), "the open execution's ARN")
			}
			return err
		}, nil},
		{"the same name, another input", func() error { _, err := start("open", `{"payload":"other"}`); return err }, new(*types.ExecutionAlreadyExists)},
		{"the name of a closed execution", func() error { _, err := start("closed", seedInput(t)); return err }, new(*types.ExecutionAlreadyExists)},
		{"a name with a space", func() error { _, err := start("two words", seedInput(t)); return err }, new(*types.InvalidName)},
		{"a name with a slash", func() error { _, err := start("a/b", seedInput(t)); return err }, new(*types.InvalidName)},
		{"input that is not JSON", func() error { _, err := start("bad-input", "{payload"); return err }, new(*types.InvalidExecutionInput)},
		{"input over 256 KiB in UTF-8, within the model's 262,144 characters", func() error {
			_, err := start("big-input", `{"payload":"`+strings.Repeat("é", PayloadLimit/2)+`"}`)
			return err
		}, new(*types.InvalidExecutionInput)},
		{"an unknown state machine", func() error {
			_, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(unknownMachine)})
			return err
		}, new(*types.StateMachineDoesNotExist)},
		{"a state machine ARN that is not one", func() error {
			_, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: open.ExecutionArn})
			return err
		}, new(*types.InvalidArn)},
		{"an execution ARN that is not one", func() error {
			_, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(main)})
			return err
		}, new(*types.InvalidArn)},
		{"an unknown execution", func() error {
			_, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(strings.Replace(aws.ToString(open.ExecutionArn), ":open", ":nope", 1))})
			return err
		}, new(*types.ExecutionDoesNotExist)},
		{"StartSyncExecution on a STANDARD machine", func() error {
			_, err := client.StartSyncExecution(t.Context(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(main)}, withoutHostPrefix)
			return err
		}, new(*types.StateMachineTypeNotSupported)},
		{"a task token never issued", func() error {
			_, err := client.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String("nope"), Output: aws.String("{}")})
			return err
		}, new(*types.InvalidToken)},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			err := test.call()
			if test.want == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorAs(t, err, test.want)
		})
	}

	t.Run("stopped execution is ABORTED with its error and cause", func(t *testing.T) {
		described, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: closed.ExecutionArn})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusAborted, described.Status)
		assert.Equal(t, "Why", aws.ToString(described.Error))
		assert.Equal(t, "a test", aws.ToString(described.Cause))
		history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: closed.ExecutionArn, ReverseOrder: true})
		require.NoError(t, err)
		require.NotEmpty(t, history.Events)
		last := history.Events[0]
		assert.Equal(t, types.HistoryEventTypeExecutionAborted, last.Type, "the history ends with the abort")
		assert.Equal(t, "Why", aws.ToString(last.ExecutionAbortedEventDetails.Error))
	})
	t.Run("ListExecutions filters by status", func(t *testing.T) {
		for status, want := range map[types.ExecutionStatus][]string{
			types.ExecutionStatusRunning:   {"open"},
			types.ExecutionStatusAborted:   {"closed"},
			types.ExecutionStatusSucceeded: nil,
			"":                             {"closed", "open"}, // newest first
		} {
			listed, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(main), StatusFilter: status})
			require.NoError(t, err)
			var names []string
			for _, e := range listed.Executions {
				names = append(names, aws.ToString(e.Name))
			}
			assert.Equal(t, want, names, "statusFilter %q", status)
		}
	})
	t.Run("errors are HTTP 400 with __type, as AWS JSON 1.0", func(t *testing.T) {
		request, err := http.NewRequest(http.MethodPost, server.URL(), strings.NewReader(`{"executionArn":"nope"}`))
		require.NoError(t, err)
		request.Header.Set("X-Amz-Target", "AWSStepFunctions.DescribeExecution")
		request.Header.Set("Content-Type", "application/x-amz-json-1.0")
		response, err := judgedHTTPClient(t).Do(request)
		require.NoError(t, err)
		defer response.Body.Close()
		body, err := io.ReadAll(response.Body)
		require.NoError(t, err)
		assert.Equal(t, http.StatusBadRequest, response.StatusCode)
		assert.Equal(t, "application/x-amz-json-1.0", response.Header.Get("Content-Type"))
		var apiErr map[string]string
		require.NoError(t, json.Unmarshal(body, &apiErr))
		assert.Equal(t, "InvalidArn", apiErr["__type"])
	})
}

func TestServerRefusesANonLoopbackAddress(t *testing.T) {
	for _, address := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "example.com:80", "no-port"} {
		t.Run(address, func(t *testing.T) {
			_, err := StartServer(t.Context(), ServeConfig{Address: address, Sessions: Config{Arch: bundle.HostArch()}})
			var setupErr *SetupError
			require.ErrorAs(t, err, &setupErr)
			assert.Contains(t, err.Error(), address)
		})
	}
}

// GetExecutionHistory gives the events Step Functions records, in order,
// numbered, for the workflows' states as statemachine/ defines them.
// Each workflow's history, derived from its path: its example passes
// through every state in order; bad input fails in the first state.
func TestServerExecutionHistory(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	type historyTest struct {
		name, machine, input string
		want                 []string
	}
	var tests []historyTest
	for i, arn := range server.StateMachineARNs {
		workflow, _ := workflowOf(t, server.Workflows[i])
		input, _ := compactExample(t, server.Workflows[i])
		succeeded := []string{"ExecutionStarted"}
		for _, state := range workflow.Path {
			succeeded = append(succeeded, stateEvents(state, string(types.HistoryEventTypeTaskSucceeded))...)
		}
		first := workflow.Path[0]
		failed := append([]string{"ExecutionStarted"}, stateEvents(first, withError(types.HistoryEventTypeTaskFailed, "InvalidInputError"))...)
		failed = append(failed, caughtEvents(afterCatch(t, workflow, first.Name))...)
		tests = append(tests, historyTest{
			name: server.Workflows[i] + ", its example", machine: arn, input: input,
			want: append(succeeded, "ExecutionSucceeded"),
		}, historyTest{
			name: server.Workflows[i] + ", bad input", machine: arn, input: `{"payload": 42}`,
			want: append(failed, withError(types.HistoryEventTypeExecutionFailed, "InvalidInputError")),
		})
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(test.machine), Input: aws.String(test.input)})
			require.NoError(t, err)
			ended := awaitEnd(t, client, started.ExecutionArn)
			history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
			require.NoError(t, err)
			var got []string
			for i, event := range history.Events {
				assert.Equal(t, int64(i+1), event.Id, "ids count from 1")
				// As AWS records a workflow without Map or Parallel: the first
				// state entered points at 0, every other event at the one
				// before.
				wantPrevious := int64(i)
				if i == 1 {
					wantPrevious = 0
				}
				assert.Equal(t, wantPrevious, event.PreviousEventId, "event %d %s", event.Id, event.Type)
				got = append(got, describeEvent(event))
			}
			assert.Equal(t, test.want, got)
			first, last := history.Events[0], history.Events[len(history.Events)-1]
			assert.Equal(t, test.input, aws.ToString(first.ExecutionStartedEventDetails.Input))
			if details := last.ExecutionSucceededEventDetails; details != nil {
				assert.Equal(t, aws.ToString(ended.Output), aws.ToString(details.Output))
			}
		})
	}
}

// describeEvent is an event's type with the state it enters or leaves, or
// the error it records.
func describeEvent(event types.HistoryEvent) string {
	switch {
	case event.StateEnteredEventDetails != nil:
		return string(event.Type) + " " + aws.ToString(event.StateEnteredEventDetails.Name)
	case event.StateExitedEventDetails != nil:
		return string(event.Type) + " " + aws.ToString(event.StateExitedEventDetails.Name)
	case event.TaskFailedEventDetails != nil:
		return string(event.Type) + " " + aws.ToString(event.TaskFailedEventDetails.Error)
	case event.TaskTimedOutEventDetails != nil:
		return string(event.Type) + " " + aws.ToString(event.TaskTimedOutEventDetails.Error)
	case event.ExecutionFailedEventDetails != nil:
		return string(event.Type) + " " + aws.ToString(event.ExecutionFailedEventDetails.Error)
	}
	return string(event.Type)
}

// With the main workflow EXPRESS, StartSyncExecution answers with the
// execution's end; the callback workflow stays STANDARD.
func TestServerStartSyncExecution(t *testing.T) {
	server, client := startServer(t, ServeConfig{MainType: "EXPRESS"})
	main := server.StateMachineARNs[0]
	assert.True(t, strings.HasSuffix(main, "-main-express"), "named as the stack names it: %s", main)
	tests := []struct {
		name, input string
		wantStatus  types.SyncExecutionStatus
		wantOutput  string
		wantError   string
	}{
		{name: "the seed's input", input: seedInput(t), wantStatus: types.SyncExecutionStatusSucceeded, wantOutput: seedOutput(t)},
		{name: "bad input", input: `{"payload": 42}`, wantStatus: types.SyncExecutionStatusFailed, wantError: "InvalidInputError"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			ended, err := client.StartSyncExecution(t.Context(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(main), Input: aws.String(test.input)}, withoutHostPrefix)
			require.NoError(t, err)
			assert.Equal(t, test.wantStatus, ended.Status)
			assert.Equal(t, test.wantOutput, aws.ToString(ended.Output))
			assert.Equal(t, test.wantError, aws.ToString(ended.Error))
			assert.Contains(t, aws.ToString(ended.ExecutionArn), ":express:")
		})
	}
	described, err := client.DescribeStateMachine(t.Context(), &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(main)})
	require.NoError(t, err)
	assert.Equal(t, types.StateMachineTypeExpress, described.Type)

	// As on AWS: an EXPRESS execution's ARN ends in an id of its own, its
	// name may repeat, and the API keeps no record of it to look up.
	machineName := main[strings.LastIndex(main, ":")+1:]
	arnForm := regexp.MustCompile(`^arn:aws:states:` + localRegion + `:` + localAccount + `:express:` + regexp.QuoteMeta(machineName) + `:twice:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	var arns []string
	for range 2 {
		ended, err := client.StartSyncExecution(t.Context(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(main), Name: aws.String("twice"), Input: aws.String(seedInput(t))}, withoutHostPrefix)
		require.NoError(t, err)
		assert.Regexp(t, arnForm, aws.ToString(ended.ExecutionArn))
		arns = append(arns, aws.ToString(ended.ExecutionArn))
	}
	assert.NotEqual(t, arns[0], arns[1], "each EXPRESS execution has its own ARN")
	lookups := map[string]func() error{
		"DescribeExecution": func() error {
			_, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arns[0])})
			return err
		},
		"GetExecutionHistory": func() error {
			_, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arns[0])})
			return err
		},
		"StopExecution": func() error {
			_, err := client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: aws.String(arns[0])})
			return err
		},
	}
	for operation, lookup := range lookups {
		t.Run(operation+" of an EXPRESS execution", func(t *testing.T) {
			assert.ErrorAs(t, lookup(), new(*types.InvalidArn))
		})
	}
	t.Run("ListExecutions of an EXPRESS machine", func(t *testing.T) {
		_, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: aws.String(main)})
		assert.ErrorAs(t, err, new(*types.StateMachineTypeNotSupported))
	})
}

// The acceptance test's own execution code (seedcheck.Run, which it runs
// against AWS) passes against the endpoint, for every workflow.
func TestServerPassesTheAcceptanceCheck(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	for i, arn := range server.StateMachineARNs {
		name := server.Workflows[i]
		t.Run(name, func(t *testing.T) {
			_, example := workflowOf(t, name)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			_, err := seedcheck.Run(ctx, client, arn, example, 10*time.Millisecond)
			require.NoError(t, err)
		})
	}
}

// stateEvents are the history events of a state on a workflow's path; a
// Task's outcome is taskOutcome, such as "TaskSucceeded". A
// .waitForTaskToken Task records TaskSubmitted once its message is sent.
func stateEvents(state statemachine.State, taskOutcome string) []string {
	if state.Type == "Task" {
		events := []string{"TaskStateEntered " + state.Name, "TaskScheduled", "TaskStarted"}
		if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
			events = append(events, "TaskSubmitted")
		}
		return append(events, taskOutcome, "TaskStateExited "+state.Name)
	}
	return []string{state.Type + "StateEntered " + state.Name, state.Type + "StateExited " + state.Name}
}

// caughtEvents are the history events of the states after a Catch, up to
// the Fail state that ends the execution, which is entered and not exited.
func caughtEvents(states []statemachine.State) []string {
	var events []string
	for _, state := range states {
		if state.Type == "Fail" {
			return append(events, state.Type+"StateEntered "+state.Name)
		}
		events = append(events, stateEvents(state, string(types.HistoryEventTypeTaskSucceeded))...)
	}
	return events
}

// withError is an event type with the error it records, as describeEvent
// writes it.
func withError(eventType types.HistoryEventType, err string) string {
	return string(eventType) + " " + err
}

// A task-token wait that times out is recorded as TaskTimedOut, then caught
// by the workflow's Catch into its Fail state.
func TestServerHistoryOfATimedOutTask(t *testing.T) {
	queue := lambdas.CallbackQueue
	stuck := make(chan struct{}) // never closed: the message never reaches the worker
	server, client := startServer(t, ServeConfig{Sessions: Config{
		// Every Task's TimeoutSeconds: the steps before the wait must end
		// well within it, cold starts on a loaded machine included.
		TaskTimeout: 4 * time.Second,
		Faults: func(function string, call int) Fault {
			if function == queue.Consumer {
				return Fault{Hold: stuck}
			}
			return Fault{}
		},
	}})
	waiting := 0
	for i, name := range server.Workflows {
		workflow, _ := workflowOf(t, name)
		if !workflow.Uses(queue.URLPlaceholder) {
			continue
		}
		waiting++
		t.Run(name, func(t *testing.T) {
			input, _ := compactExample(t, name)
			want := []string{"ExecutionStarted"}
			for _, state := range workflow.Path {
				if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
					want = append(want, stateEvents(state, withError(types.HistoryEventTypeTaskTimedOut, "States.Timeout"))...)
					want = append(want, caughtEvents(afterCatch(t, workflow, state.Name))...)
					break
				}
				want = append(want, stateEvents(state, string(types.HistoryEventTypeTaskSucceeded))...)
			}
			want = append(want, withError(types.HistoryEventTypeExecutionFailed, "States.Timeout"))

			started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(server.StateMachineARNs[i]), Input: aws.String(input)})
			require.NoError(t, err)
			ended := awaitEnd(t, client, started.ExecutionArn)
			assert.Equal(t, types.ExecutionStatusFailed, ended.Status)
			history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn})
			require.NoError(t, err)
			var got []string
			for _, event := range history.Events {
				got = append(got, describeEvent(event))
			}
			assert.Equal(t, want, got)
		})
	}
	require.NotZero(t, waiting, "no workflow sends to the %s queue: nothing waits on a task token", queue.Name)
}

// seedInput and seedOutput are the main workflow's example, which the
// endpoint must serve byte for byte.
func seedInput(t testing.TB) string {
	input, _ := compactExample(t, "main")
	return input
}

func seedOutput(t testing.TB) string {
	_, output := compactExample(t, "main")
	return output
}

// includeExecutionData false leaves every event's input and output out of
// the history, and only them.
func TestServerHistoryWithoutExecutionData(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(server.StateMachineARNs[0]), Input: aws.String(seedInput(t))})
	require.NoError(t, err)
	awaitEnd(t, client, started.ExecutionArn)
	history := func(withData bool) []types.HistoryEvent {
		got, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn, IncludeExecutionData: aws.Bool(withData)})
		require.NoError(t, err)
		return got.Events
	}
	with, without := history(true), history(false)
	require.Len(t, without, len(with))
	assert.Equal(t, seedInput(t), aws.ToString(with[0].ExecutionStartedEventDetails.Input))
	assert.JSONEq(t, seedOutput(t), aws.ToString(with[len(with)-1].ExecutionSucceededEventDetails.Output))
	for i, event := range without {
		data, err := json.Marshal(event)
		require.NoError(t, err)
		for _, member := range []string{`"Input":"`, `"Output":"`, `"InputDetails":{`, `"OutputDetails":{`} {
			assert.NotContains(t, string(data), member, "event %d %s", event.Id, event.Type)
		}
		assert.Equal(t, with[i].Type, event.Type)
	}
	assert.NotEmpty(t, aws.ToString(with[0].ExecutionStartedEventDetails.RoleArn))
	assert.Equal(t, aws.ToString(with[0].ExecutionStartedEventDetails.RoleArn), aws.ToString(without[0].ExecutionStartedEventDetails.RoleArn), "the rest stays")
}

// A lone surrogate in StartExecution's input, even as a character of the
// request's own string, reaches the first function as the escape, which
// it refuses, as on AWS (Java strings keep it); DescribeExecution and
// GetExecutionHistory write it back as the escape, not as U+FFFD.
func TestServerKeepsALoneSurrogate(t *testing.T) {
	server, client := startServer(t, ServeConfig{})
	request := `{"stateMachineArn":"` + server.StateMachineARNs[0] + `","input":"{\"payload\":\"a\ud800b\"}"}`
	response, body := postAPI(t, server.URL(), "StartExecution", []byte(request))
	require.Equal(t, http.StatusOK, response.StatusCode, "%s", body)
	var started struct {
		ExecutionArn string `json:"executionArn"`
	}
	require.NoError(t, json.Unmarshal(body, &started))
	described := awaitEnd(t, client, &started.ExecutionArn)
	assert.Equal(t, "InvalidInputError", aws.ToString(described.Error))
	assert.Contains(t, aws.ToString(described.Cause), `unpaired UTF-16 surrogate escape \\ud800 at byte offset 13`)
	for _, operation := range []string{"DescribeExecution", "GetExecutionHistory"} {
		_, body := postAPI(t, server.URL(), operation, []byte(`{"executionArn":"`+started.ExecutionArn+`"}`))
		assert.Contains(t, string(body), `"input":"{\"payload\":\"a\ud800b\"}"`, operation)
		assert.NotContains(t, string(body), "\uFFFD", operation)
		assert.NotContains(t, string(body), `\ufffd`, operation)
	}
}
