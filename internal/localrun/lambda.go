package localrun

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/lambdas"
)

// TaskError fails a Task as Step Functions would: Name is the error that
// Retry and Catch match in ErrorEquals, Cause its detail.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// integration serves the Task states of one Resource, such as
// arn:aws:states:::lambda:invoke. A *TaskError fails the Task; any other
// error means the local machinery broke, and stops the run.
type integration interface {
	call(ctx context.Context, task taskCall) (json.RawMessage, error)
}

// taskCall is one execution of a Task state, as the interpreter hands it over.
type taskCall struct {
	State string
	// Parameters are the Task's effective parameters (after InputPath and
	// Parameters).
	Parameters json.RawMessage
	// TaskToken is the token of a .waitForTaskToken Task, already in
	// Parameters wherever the definition refers to $$.Task.Token.
	TaskToken string
	// Timeout and Heartbeat are the Task's effective TimeoutSeconds and
	// HeartbeatSeconds; zero when it has none.
	Timeout, Heartbeat time.Duration
}

const lambdaInvokeResource = "arn:aws:states:::lambda:invoke"

// throttledError is the error of an invocation beyond the function's
// concurrency, as Step Functions reports Lambda's 429.
const throttledError = "Lambda.TooManyRequestsException"

// localFunctionARN is the ARN the rendered definition names fn by; the
// lambda:invoke integration finds the emulator by the name in it.
func localFunctionARN(fn lambdas.Function) string {
	return "arn:" + localPartition + ":lambda:" + localRegion + ":" + localAccount + ":function:" + fn.Name
}

// Fault is what the Lambda service does to one invocation before, or
// instead of, running the function: tests throttle, fail and stall with it.
type Fault struct {
	// Delay holds the invocation back, as a slow or stuck call would.
	Delay time.Duration
	// Hold, when set, holds the invocation back until it is closed, after
	// Delay: tests that need calls to overlap hold them until they do,
	// whatever the machine's speed.
	Hold <-chan struct{}
	// Err, when set, is the Task's error instead of running the function.
	Err *TaskError
	// Answer, when set, is the function's answer instead of running it: a
	// stand-in for a function that returns something unexpected.
	Answer json.RawMessage
}

// FaultPlan chooses the fault for the call-th invocation (from 1) of the
// function named function; the zero Fault runs the function normally.
type FaultPlan func(function string, call int) Fault

// lambdaInvoke is the lambda:invoke integration over the emulators.
type lambdaInvoke struct {
	pools  map[string]*emulatorPool // by function name
	faults FaultPlan

	mu    sync.Mutex
	calls map[string]int
}

func newLambdaInvoke(faults FaultPlan) *lambdaInvoke {
	return &lambdaInvoke{pools: map[string]*emulatorPool{}, faults: faults, calls: map[string]int{}}
}

// use makes the pools' functions invokable; call it before the first
// execution.
func (l *lambdaInvoke) use(pools []*emulatorPool) {
	for _, p := range pools {
		l.pools[p.function.Name] = p
	}
}

func (l *lambdaInvoke) call(ctx context.Context, task taskCall) (json.RawMessage, error) {
	var request struct {
		FunctionName string
		Payload      json.RawMessage
	}
	if err := json.Unmarshal(task.Parameters, &request); err != nil || request.FunctionName == "" {
		return nil, &TaskError{Name: "States.Runtime", Cause: "lambda:invoke needs Parameters with a FunctionName string, got " + string(task.Parameters)}
	}
	event := []byte(request.Payload)
	if len(event) == 0 {
		event = []byte("{}")
	}
	answer, err := l.invoke(ctx, request.FunctionName, event)
	if err != nil {
		return nil, err
	}
	if taskErr := functionError(answer); taskErr != nil {
		return nil, taskErr
	}
	return invokeResult(answer)
}

// invoke runs one invocation of the function as the Lambda service would,
// faults included, for the lambda:invoke integration and for the queues'
// event source mappings alike. The answer may be a function error document.
func (l *lambdaInvoke) invoke(ctx context.Context, nameOrARN string, event []byte) ([]byte, error) {
	name := functionName(nameOrARN)
	pool, ok := l.pools[name]
	if !ok {
		return nil, &TaskError{Name: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + nameOrARN}
	}
	// A call holds its execution environment while it runs, however slow.
	emulator, err := pool.acquire(ctx)
	if errors.Is(err, errThrottled) {
		return nil, &TaskError{Name: throttledError, Cause: fmt.Sprintf("Rate Exceeded. (%s is running %d invocations, its local concurrency limit)", name, pool.limit)}
	}
	if err != nil {
		return nil, err
	}
	defer pool.release(emulator)
	fault := l.fault(name)
	if fault.Delay > 0 {
		select {
		case <-time.After(fault.Delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fault.Hold != nil {
		select {
		case <-fault.Hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	switch {
	case fault.Err != nil:
		return nil, fault.Err
	case fault.Answer != nil:
		return fault.Answer, nil
	}
	return emulator.invoke(ctx, event)
}

func (l *lambdaInvoke) fault(function string) Fault {
	if l.faults == nil {
		return Fault{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[function]++
	return l.faults(function, l.calls[function])
}

// functionName accepts what Lambda's FunctionName accepts: a name, a name
// with a version or alias, or a function ARN, qualified or not.
func functionName(nameOrARN string) string {
	parts := strings.Split(nameOrARN, ":")
	for i, part := range parts {
		if part == "function" && i+1 < len(parts) {
			return parts[i+1]
		}
	}
	return parts[0]
}

// functionError recognises the error document the runtime reports for a
// failed invocation. As on AWS, errorType becomes the error name and the
// whole document the Cause.
func functionError(answer []byte) *TaskError {
	var fields map[string]json.RawMessage
	if json.Unmarshal(answer, &fields) != nil {
		return nil
	}
	var errorType string
	if json.Unmarshal(fields["errorType"], &errorType) != nil || errorType == "" {
		return nil
	}
	for key := range fields {
		if key != "errorType" && key != "errorMessage" && key != "stackTrace" {
			return nil // a result that happens to have an errorType field
		}
	}
	return &TaskError{Name: errorType, Cause: string(answer)}
}

// invokeResult is what lambda:invoke returns to the state machine: the
// function's result as Payload inside the Invoke API's response.
func invokeResult(answer []byte) (json.RawMessage, error) {
	payload := json.RawMessage(answer)
	if !json.Valid(answer) {
		text, _ := json.Marshal(string(answer)) // Step Functions passes a non-JSON result on as a string
		payload = text
	}
	requestID := rand.Text()
	return json.Marshal(map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"HttpHeaders": map[string]string{
				"Content-Type":           "application/json",
				"X-Amz-Executed-Version": "$LATEST",
				"x-amzn-RequestId":       requestID,
			},
			"HttpStatusCode": 200,
		},
		"SdkResponseMetadata": map[string]string{"RequestId": requestID},
		"StatusCode":          200,
	})
}
