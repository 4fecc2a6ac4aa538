package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/lambdas"
)

// The callback workflow's ways to fail, each through the real worker, its
// real SDK calls and the definition's Catch. What a case waits for is held
// (a delivery that never reaches the worker) rather than delayed, and its
// expectations do not depend on how long anything takes.
// caughtFailures are the events that end a state a Catch then leaves.
var caughtFailures = []string{"TaskFailed", "TaskTimedOut", "MapStateFailed", "ParallelStateFailed"}

func TestCallbackWorkflowFailures(t *testing.T) {
	workflow, example := workflowOf(t, "callback")
	first, waiting, worker := functionSteps(t, workflow)[0], waitingStep(t, workflow), lambdas.CallbackQueue.Consumer
	caughtBy := func(state string) caught {
		return caught{state: state, next: afterCatch(t, workflow, state)[0].Name}
	}
	input := string(example.Input)
	faultOf := func(function string, fault Fault) FaultPlan {
		return func(fn string, call int) Fault {
			if fn == function {
				return fault
			}
			return Fault{}
		}
	}
	swallowed := Fault{Hold: make(chan struct{})} // never closed: the delivery never reaches the worker
	tests := []struct {
		name   string
		input  string
		config Config
		plan   FaultPlan
		// want is the execution's error; wantCause is in its cause.
		want, wantCause string
		// wantCaught is the state whose Catch caught the error.
		wantCaught      caught
		wantWorkerCalls int
		wantProgress    []string
	}{{
		name:       "bad execution input stops at the first step",
		input:      `{"payload": 42}`,
		want:       "InvalidInputError",
		wantCaught: caughtBy(first.State.Name),
	}, {
		// The first step validates the input the worker would reject, so
		// only a misbehaving first step hands the worker a bad payload.
		name:            "a payload the worker rejects ends in its SendTaskFailure",
		input:           input,
		plan:            faultOf(first.Function, Fault{Answer: json.RawMessage(`{"statusCode":200,"body":{"payload":42}}`)}),
		want:            "InvalidInputError",
		wantCaught:      caughtBy(waiting.Name),
		wantWorkerCalls: 1,
		wantProgress:    []string{"sfn: SendTaskHeartbeat for " + waiting.Name, "sfn: SendTaskFailure for " + waiting.Name + ": InvalidInputError"},
	}, {
		name:            "a lone surrogate the worker is handed ends in its SendTaskFailure",
		input:           input,
		plan:            faultOf(first.Function, Fault{Answer: json.RawMessage(`{"statusCode":200,"body":{"payload":"a\ud800b"}}`)}),
		want:            "InvalidInputError",
		wantCause:       `the message body has an unpaired UTF-16 surrogate escape \ud800 at byte offset 13`,
		wantCaught:      caughtBy(waiting.Name),
		wantWorkerCalls: 1,
		wantProgress:    []string{"sfn: SendTaskFailure for " + waiting.Name + ": InvalidInputError"},
	}, {
		// The Task's TimeoutSeconds stays the definition's (minutes).
		name:            "a worker that never answers misses the heartbeat",
		input:           input,
		config:          Config{TaskHeartbeat: time.Second},
		plan:            faultOf(worker, swallowed),
		want:            "States.HeartbeatTimeout",
		wantCaught:      caughtBy(waiting.Name),
		wantWorkerCalls: 1,
	}, {
		// The Task's HeartbeatSeconds stay the definition's (minutes). The
		// override shortens the first step's TimeoutSeconds as well, and its
		// cold start must end well within it, however loaded the machine.
		name:            "a worker that never answers, within the heartbeat, reaches the timeout",
		input:           input,
		config:          Config{TaskTimeout: 4 * time.Second},
		plan:            faultOf(worker, swallowed),
		want:            "States.Timeout",
		wantCaught:      caughtBy(waiting.Name),
		wantWorkerCalls: 1,
	}, {
		name:            "deliveries that fail dead-letter the message, then the heartbeat expires",
		input:           input,
		config:          Config{TaskHeartbeat: 2 * time.Second},
		plan:            faultOf(worker, Fault{Err: &stateserror.Error{Name: "Lambda.ServiceException", Cause: "Internal error."}}),
		want:            "States.HeartbeatTimeout",
		wantCaught:      caughtBy(waiting.Name),
		wantWorkerCalls: lambdas.CallbackQueue.MaxReceiveCount,
		wantProgress:    []string{fmt.Sprintf("(receive %[1]d of %[1]d)", lambdas.CallbackQueue.MaxReceiveCount), "moved to the dead-letter queue"},
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			log := &callLog{plan: test.plan}
			progress := &syncBuffer{}
			test.config.Workflow, test.config.Faults, test.config.Progress = "callback", log.fault, progress
			session := startSession(t, test.config)
			// Bounded: a callback that never comes would wait for the Task's 600 s.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			var events []asl.Event
			execution, err := session.execute(ctx, json.RawMessage(test.input), progress, func(e asl.Event) { events = append(events, e) })
			require.NoError(t, err)
			require.NotNil(t, execution.Failure, "output %s", execution.Output)
			assert.Equal(t, test.want, execution.Failure.Error)
			assert.Contains(t, execution.Failure.Cause, test.wantCause)
			assert.Contains(t, caughtIn(events), test.wantCaught)
			// The queue's deliveries run beside the execution, and may end
			// after it: wait for what they must have done.
			assert.Eventually(t, func() bool {
				return log.count(worker) >= test.wantWorkerCalls && containsAll(progress.String(), test.wantProgress)
			}, time.Minute, 10*time.Millisecond, "the deliveries did not get there")
			assert.Equal(t, test.wantWorkerCalls, log.count(worker))
			for _, line := range test.wantProgress {
				assert.Contains(t, progress.String(), line)
			}
		})
	}
}

// caught is a Catch that caught an error: the state whose Catch it is, and
// the state it continues with.
type caught struct{ state, next string }

// caughtIn finds the Catches in a history: a state entered after a state
// that exited right after its task failed.
func caughtIn(events []asl.Event) []caught {
	byID := map[int64]asl.Event{}
	var found []caught
	for _, e := range events {
		byID[e.ID] = e
		exited, ok := byID[e.PreviousEventID]
		if !ok || !strings.HasSuffix(e.Type, "StateEntered") || !strings.HasSuffix(exited.Type, "StateExited") {
			continue
		}
		if failed := byID[exited.PreviousEventID]; slices.Contains(caughtFailures, failed.Type) {
			found = append(found, caught{exited.Details["name"].(string), e.Details["name"].(string)})
		}
	}
	return found
}

func containsAll(text string, parts []string) bool {
	for _, part := range parts {
		if !strings.Contains(text, part) {
			return false
		}
	}
	return true
}

// The real worker returns a message it cannot act on as a batch item
// failure; the queue delivers it again, MaxReceiveCount times in all, and
// then dead-letters it.
func TestAMessageWithoutATaskTokenIsDeadLettered(t *testing.T) {
	log := &callLog{}
	progress := &syncBuffer{}
	session := startSession(t, Config{Workflow: "callback", Faults: log.fault, Progress: progress})
	queue := session.queues[0]
	queue.send(t.Context(), `{"payload":"hi mom"}`)
	queue.close() // waits for the deliveries
	assert.Equal(t, lambdas.CallbackQueue.MaxReceiveCount, log.count(lambdas.CallbackQueue.Consumer))
	assert.Equal(t, lambdas.CallbackQueue.MaxReceiveCount, strings.Count(progress.String(), "the function returned it as a batch item failure"))
	assert.Contains(t, progress.String(), fmt.Sprintf("received %d times (the redrive policy's maxReceiveCount): moved to the dead-letter queue", lambdas.CallbackQueue.MaxReceiveCount))
}

// The endpoint speaks the protocol of the Go SDK the worker uses: its calls
// succeed, and its errors arrive as the SDK's typed errors.
func TestStepFunctionsEndpointAnswersTheSDK(t *testing.T) {
	endpoint, err := startStepFunctionsEndpoint("127.0.0.1:0", testWriter{t})
	require.NoError(t, err)
	t.Cleanup(endpoint.stop)
	client := sdkClient(t, endpoint)
	token := aws.String("token")
	success := func(ctx context.Context) error {
		_, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: token, Output: aws.String(`{"done":true}`)})
		return err
	}
	tests := []struct {
		name  string
		await bool // whether a task waits for the token
		call  func(context.Context) error
		// wantErr recognises the SDK's error; nil for success.
		wantErr     func(error) bool
		wantResult  string
		wantFailure *stateserror.Error
	}{{
		name:       "SendTaskSuccess completes the task with its output",
		await:      true,
		call:       success,
		wantResult: `{"done":true}`,
	}, {
		name:  "SendTaskFailure fails it with the error and cause",
		await: true,
		call: func(ctx context.Context) error {
			_, err := client.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: token, Error: aws.String("InvalidInputError"), Cause: aws.String("bad")})
			return err
		},
		wantFailure: &stateserror.Error{Name: "InvalidInputError", Cause: "bad"},
	}, {
		name:  "output that is not JSON",
		await: true,
		call: func(ctx context.Context) error {
			_, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: token, Output: aws.String(`{`)})
			return err
		},
		wantErr: isA[*types.InvalidOutput],
	}, {
		name:    "a token whose task has ended",
		call:    success,
		wantErr: isA[*types.TaskTimedOut],
	}, {
		name: "a heartbeat for a token whose task has ended",
		call: func(ctx context.Context) error {
			_, err := client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: token})
			return err
		},
		wantErr: isA[*types.TaskTimedOut],
	}, {
		name: "a token never issued",
		call: func(ctx context.Context) error {
			_, err := client.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String("never-issued"), Output: aws.String("{}")})
			return err
		},
		wantErr: isA[*types.InvalidToken],
	}, {
		name: "a heartbeat for a token never issued",
		call: func(ctx context.Context) error {
			_, err := client.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String("never-issued")})
			return err
		},
		wantErr: isA[*types.InvalidToken],
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			var waiting *run
			if test.await {
				waiting = waitOnToken(t, endpoint, *token, 60)
			}
			err := test.call(t.Context())
			if test.wantErr != nil {
				require.True(t, test.wantErr(err), "error %v", err)
				return
			}
			require.NoError(t, err)
			result := waiting.wait()
			if test.wantFailure != nil {
				require.Equal(t, asl.Failed, result.Status)
				require.Equal(t, test.wantFailure, result.Error)
				return
			}
			require.Equal(t, asl.Succeeded, result.Status, "error %v", result.Error)
			assert.JSONEq(t, test.wantResult, jsonText(result.Output))
		})
	}
}

// waitOnToken starts an execution whose one Task, with heartbeatSeconds as
// its HeartbeatSeconds, waits on token at endpoint, as the callback
// workflow's does; at cleanup it stops the execution if it still runs.
func waitOnToken(t *testing.T, endpoint *stepFunctionsEndpoint, token string, heartbeatSeconds int) *run {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r, err := startWaiting(ctx, endpoint, token, heartbeatSeconds)
	require.NoError(t, err)
	t.Cleanup(func() {
		cancel()
		r.wait()
	})
	return r
}

// startWaiting starts waitOnToken's execution until ctx ends, and returns
// once its Task waits on token.
func startWaiting(ctx context.Context, endpoint *stepFunctionsEndpoint, token string, heartbeatSeconds int) (*run, error) {
	definition := fmt.Sprintf(`{"StartAt":"Waiting","States":{"Waiting":{"Type":"Task","Resource":%q,
		"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"HeartbeatSeconds":%d,"TimeoutSeconds":600,"End":true}}}`,
		sqsSendMessageWaitResource, heartbeatSeconds)
	expected := make(chan struct{})
	sent := func(ctx context.Context, task asl.TaskCall) (any, error) {
		endpoint.expect(task.TaskToken, task.StateName, ctx.Value(runKey{}).(*run))
		close(expected)
		return "sent", nil
	}
	machine, err := asl.Load([]byte(definition), asl.Options{
		Integrations: asl.IntegrationMap{sqsSendMessageWaitResource: sent},
		NewTaskToken: func() string { return token },
	})
	if err != nil {
		return nil, err
	}
	session := &Session{machine: machine, workflow: "waiting", stepFunctions: endpoint}
	r, err := session.start(ctx, json.RawMessage(`{}`), session.executionInfo("waiting"), io.Discard, nil)
	if err != nil {
		return nil, err
	}
	// The Task runs on the execution's goroutine: a report sent before it
	// has registered the token would be InvalidToken.
	select {
	case <-expected:
		return r, nil
	case <-r.execution.Done():
		result := r.wait()
		return nil, fmt.Errorf("the waiting execution ended before its Task waited: %s %v", result.Status, result.Error)
	}
}

// isA is errors.As for the type T, as the worker tests its errors.
func isA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// Each SendTaskHeartbeat restarts the heartbeat clock: a worker that keeps
// reporting may take longer than HeartbeatSeconds in all.
func TestHeartbeatsKeepATaskWaiting(t *testing.T) {
	endpoint, err := startStepFunctionsEndpoint("127.0.0.1:0", testWriter{t})
	require.NoError(t, err)
	t.Cleanup(endpoint.stop)
	client := sdkClient(t, endpoint)
	token := aws.String("token")
	// Heartbeats go out every 50 ms until the task has waited half as long
	// again as HeartbeatSeconds: each has nearly all of HeartbeatSeconds for
	// its round trip, however loaded the machine.
	const heartbeat = 2 * time.Second
	waiting := waitOnToken(t, endpoint, *token, int(heartbeat/time.Second))
	go func() {
		started := time.Now()
		for time.Since(started) < heartbeat*3/2 {
			client.SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: token})
			time.Sleep(50 * time.Millisecond)
		}
		client.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: token, Output: aws.String(`"done"`)})
	}()
	result := waiting.wait()
	require.Equal(t, asl.Succeeded, result.Status, "error %v", result.Error)
	assert.JSONEq(t, `"done"`, jsonText(result.Output))
}

// sdkClient is the client the worker builds, pointed at endpoint; the
// service model judges its exchanges.
func sdkClient(t *testing.T, endpoint *stepFunctionsEndpoint) *sfn.Client {
	return sfn.New(sfn.Options{BaseEndpoint: aws.String(endpoint.url), Region: localRegion, Credentials: aws.AnonymousCredentials{}, HTTPClient: judgedHTTPClient(t)})
}
