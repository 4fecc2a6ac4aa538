package asl

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

const sendAndWait = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

// slow is an integration that takes d of the clock's time (or until its
// context ends) and returns {"took": d}.
func slow(clock Clock, d time.Duration) Integration {
	return func(ctx context.Context, call TaskCall) (any, error) {
		if err := Sleep(ctx, clock, d); err != nil {
			return nil, err
		}
		return map[string]any{"took": d.String()}, nil
	}
}

func TestTaskTimeouts(t *testing.T) {
	tests := []struct {
		name, task, input string
		takes             time.Duration
		wantError         string
		wantTime          time.Duration
	}{
		{"within TimeoutSeconds", `"TimeoutSeconds": 30`, `{}`, 20 * time.Second, "", 20 * time.Second},
		{"past TimeoutSeconds", `"TimeoutSeconds": 30`, `{}`, 100 * time.Second, stateserror.Timeout, 30 * time.Second},
		{"TimeoutSecondsPath", `"TimeoutSecondsPath": "$.t"`, `{"t": 5}`, 100 * time.Second, stateserror.Timeout, 5 * time.Second},
		{"TimeoutSecondsPath not a positive number", `"TimeoutSecondsPath": "$.t"`, `{"t": 0}`, time.Second, stateserror.Runtime, 0},
		{"no TimeoutSeconds: no practical limit", ``, `{}`, 1000 * time.Hour, "", 1000 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewVirtualClock(epoch)
			s := setup{clock: clock, integrations: IntegrationMap{invoke: slow(clock, tt.takes)}}
			extra := tt.task
			if extra != "" {
				extra += ","
			}
			def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", ` + extra + ` "End": true}}}`
			r := s.run(t, def, tt.input)
			require.Equal(t, tt.wantTime, r.elapsed)
			if tt.wantError == "" {
				require.Equal(t, Succeeded, r.result.Status, "%v", r.result.Error)
				return
			}
			requireError(t, r, tt.wantError)
			if tt.wantError == stateserror.Timeout {
				require.Contains(t, eventTypes(r.history), "TaskTimedOut")
			}
		})
	}
}

// callback is a .waitForTaskToken integration: it hands each call's token
// to the test, holding the clock for it until the test calls done, so that
// time cannot pass between the message and the test's answer.
type callback struct {
	clock Clock
	calls chan callbackCall
}

type callbackCall struct {
	TaskCall
	done func()
}

func newCallback(clock Clock) *callback {
	return &callback{clock: clock, calls: make(chan callbackCall, 10)}
}

func (c *callback) integration(ctx context.Context, call TaskCall) (any, error) {
	c.calls <- callbackCall{TaskCall: call, done: c.clock.Hold()}
	return map[string]any{"MessageId": "m-1"}, nil
}

func startCallback(t *testing.T, task string) (*Execution, *callback, *VirtualClock) {
	t.Helper()
	return startCallbackOn(t, `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+sendAndWait+`", "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, `+task+` "End": true}}}`, `{}`)
}

func startCallbackOn(t *testing.T, def, input string) (*Execution, *callback, *VirtualClock) {
	t.Helper()
	clock := NewVirtualClock(epoch)
	cb := newCallback(clock)
	s := setup{clock: clock, integrations: IntegrationMap{sendAndWait: cb.integration}}
	exec := s.load(t, def).Start(context.Background(), decodeJSON(t, input), testInfo)
	return exec, cb, clock
}

func TestWaitForTaskToken(t *testing.T) {
	t.Run("SendTaskSuccess", func(t *testing.T) {
		exec, cb, _ := startCallback(t, `"HeartbeatSeconds": 10, "TimeoutSeconds": 60,`)
		call := <-cb.calls
		require.Equal(t, decodeJSON(t, `{"MessageBody": {"token": "`+call.TaskToken+`"}}`), call.Arguments)
		require.Equal(t, 10*time.Second, call.Heartbeat)
		require.NoError(t, exec.SendTaskSuccess(call.TaskToken, json.RawMessage(`{"r": "done", "a": 1}`)))
		call.done()
		r := exec.Wait()
		require.Equal(t, Succeeded, r.Status)
		require.Equal(t, decodeJSON(t, `{"r": "done", "a": 1}`), r.Output, "the output is the callback's, in its order")
		require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, eventTypes(exec.History()))
		require.ErrorIs(t, exec.SendTaskSuccess(call.TaskToken, nil), ErrTaskDoesNotExist)
	})
	t.Run("SendTaskFailure", func(t *testing.T) {
		exec, cb, _ := startCallback(t, ``)
		call := <-cb.calls
		require.NoError(t, exec.SendTaskFailure(call.TaskToken, "Worker.Broken", "bad input"))
		call.done()
		r := exec.Wait()
		require.Equal(t, Failed, r.Status)
		require.Equal(t, &stateserror.Error{Name: "Worker.Broken", Cause: "bad input"}, r.Error)
	})
	t.Run("no heartbeat within HeartbeatSeconds", func(t *testing.T) {
		exec, cb, clock := startCallback(t, `"HeartbeatSeconds": 10, "TimeoutSeconds": 60,`)
		call := <-cb.calls
		call.done()
		r := exec.Wait()
		require.Equal(t, stateserror.HeartbeatTimeout, r.Error.Name)
		require.Equal(t, 10*time.Second, clock.Now().Sub(epoch))
		require.Contains(t, eventTypes(exec.History()), "TaskTimedOut")
	})
	t.Run("heartbeats keep it alive until TimeoutSeconds", func(t *testing.T) {
		exec, cb, clock := startCallback(t, `"HeartbeatSeconds": 10, "TimeoutSeconds": 60,`)
		call := <-cb.calls
		go func() {
			defer call.done()
			for exec.SendTaskHeartbeat(call.TaskToken) == nil {
				if Sleep(context.Background(), clock, 8*time.Second) != nil {
					return
				}
			}
		}()
		r := exec.Wait()
		require.Equal(t, stateserror.Timeout, r.Error.Name)
		history := exec.History()
		require.Equal(t, 60*time.Second, history[len(history)-1].Timestamp.Sub(epoch))
	})
	t.Run("heartbeats, then success", func(t *testing.T) {
		exec, cb, clock := startCallback(t, `"HeartbeatSeconds": 10,`)
		call := <-cb.calls
		go func() {
			defer call.done()
			for range 3 {
				_ = Sleep(context.Background(), clock, 9*time.Second)
				_ = exec.SendTaskHeartbeat(call.TaskToken)
			}
			_ = exec.SendTaskSuccess(call.TaskToken, "ok")
		}()
		r := exec.Wait()
		require.Equal(t, Succeeded, r.Status, "%v", r.Error)
		require.Equal(t, 27*time.Second, clock.Now().Sub(epoch))
	})
	for _, tt := range []struct{ name, def string }{
		{"HeartbeatSecondsPath", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + sendAndWait + `", "HeartbeatSecondsPath": "$.hb", "TimeoutSecondsPath": "$.to", "End": true}}}`},
		{"JSONata HeartbeatSeconds", `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + sendAndWait + `", "Arguments": {"token": "{% $states.context.Task.Token %}"}, "HeartbeatSeconds": "{% $states.input.hb %}", "TimeoutSeconds": "{% $states.input.to %}", "End": true}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			exec, cb, clock := startCallbackOn(t, tt.def, `{"hb": 4, "to": 9}`)
			call := <-cb.calls
			require.Equal(t, 4*time.Second, call.Heartbeat)
			require.Equal(t, 9*time.Second, call.Timeout)
			call.done()
			require.Equal(t, stateserror.HeartbeatTimeout, exec.Wait().Error.Name)
			require.Equal(t, 4*time.Second, clock.Now().Sub(epoch))
		})
	}
	t.Run("an unknown token", func(t *testing.T) {
		exec, cb, _ := startCallback(t, `"TimeoutSeconds": 5,`)
		call := <-cb.calls
		require.ErrorIs(t, exec.SendTaskHeartbeat("nope"), ErrTaskDoesNotExist)
		call.done()
		require.Equal(t, stateserror.Timeout, exec.Wait().Error.Name)
	})
}

func TestTaskEvents(t *testing.T) {
	t.Run("service integration", func(t *testing.T) {
		s := setup{integrations: IntegrationMap{invoke: func(context.Context, TaskCall) (any, error) { return map[string]any{"Payload": 1}, nil }}}
		def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", "Parameters": {"FunctionName": "f"}, "TimeoutSeconds": 30, "HeartbeatSeconds": 10, "End": true}}}`
		r := s.run(t, def, `{}`)
		scheduled := r.history[2]
		require.Equal(t, "TaskScheduled", scheduled.Type)
		require.Equal(t, "taskScheduledEventDetails", scheduled.DetailsKey)
		require.Equal(t, map[string]any{"resourceType": "lambda", "resource": "invoke", "region": "us-east-1", "parameters": `{"FunctionName":"f"}`, "timeoutInSeconds": int64(30), "heartbeatInSeconds": int64(10)}, scheduled.Details)
		require.Equal(t, map[string]any{"resourceType": "lambda", "resource": "invoke", "output": `{"Payload":1}`, "outputDetails": notTruncated}, r.history[4].Details)
	})
	t.Run("a Lambda function ARN as Resource", func(t *testing.T) {
		arn := "arn:aws:lambda:us-east-1:123456789012:function:f"
		s := setup{integrations: IntegrationMap{arn: func(context.Context, TaskCall) (any, error) { return nil, named("Boom") }}}
		r := s.run(t, `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+arn+`", "End": true}}}`, `{"a": 1}`)
		require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionFailed", "ExecutionFailed"}, eventTypes(r.history))
		require.Equal(t, map[string]any{"resource": arn, "input": `{"a":1}`, "inputDetails": notTruncated}, r.history[2].Details)
		require.Equal(t, map[string]any{"error": "Boom", "cause": "cause of Boom"}, r.history[4].Details)
	})
	t.Run("a panicking integration fails the task", func(t *testing.T) {
		s := setup{integrations: IntegrationMap{invoke: func(context.Context, TaskCall) (any, error) { panic("oops") }}}
		r := s.run(t, taskWith(`[]`, `[]`), `{}`)
		requireError(t, r, stateserror.TaskFailed)
	})
	t.Run("JSONata Arguments, Output and TimeoutSeconds", func(t *testing.T) {
		var got TaskCall
		s := setup{integrations: IntegrationMap{invoke: func(_ context.Context, c TaskCall) (any, error) { got = c; return map[string]any{"Payload": "p"}, nil }}}
		def := `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", "Arguments": {"FunctionName": "f", "Payload": "{% $states.input.x %}"}, "Output": "{% $states.result.Payload %}", "TimeoutSeconds": "{% $states.input.t %}", "End": true}}}`
		requireOutput(t, s.run(t, def, `{"x": 1, "t": 7}`), `"p"`)
		require.Equal(t, decodeJSON(t, `{"FunctionName": "f", "Payload": 1}`), got.Arguments)
		require.Equal(t, 7*time.Second, got.Timeout)
	})
}

func TestStop(t *testing.T) {
	clock := NewVirtualClock(epoch)
	cb := newCallback(clock)
	opts := setup{clock: clock, integrations: IntegrationMap{sendAndWait: cb.integration}}.options(t)
	submitted := make(chan struct{})
	opts.OnEvent = func(e Event) {
		if e.Type == "TaskSubmitted" {
			close(submitted)
		}
	}
	m, err := Load([]byte(`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "`+sendAndWait+`", "End": true}}}`), opts)
	require.NoError(t, err)
	exec := m.Start(context.Background(), map[string]any{}, testInfo)
	call := <-cb.calls
	<-submitted // stopped while it waits for the token, not while the message is sent
	exec.Stop("Operator", "stopped by hand")
	call.done()
	r := exec.Wait()
	require.Equal(t, Aborted, r.Status)
	require.Equal(t, &stateserror.Error{Name: "Operator", Cause: "stopped by hand"}, r.Error)
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskStateAborted", "ExecutionAborted"}, eventTypes(exec.History()))
}

func TestExecutionTimeout(t *testing.T) {
	r := setup{}.run(t, `{"TimeoutSeconds": 10, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}`, `{}`)
	require.Equal(t, TimedOut, r.result.Status)
	require.Equal(t, 10*time.Second, r.elapsed)
	require.Equal(t, "ExecutionTimedOut", r.history[len(r.history)-1].Type)
}
