package localrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
	"stepfunctions-go/lambdas"
)

// lambdaInvokeResource is the lambda:invoke service integration; a Lambda
// function ARN as the Resource is served too (lambdaInvoke.invokeFunction).
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
	Err *stateserror.Error
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

// invokeTask serves lambda:invoke: Arguments (Parameters or JSONata
// Arguments) name the function and carry its Payload; the result is the
// Invoke API's response, the function's result in its Payload.
func (l *lambdaInvoke) invokeTask(ctx context.Context, task asl.TaskCall) (any, error) {
	field, _ := argument(task.Arguments, "FunctionName")
	name, _ := field.(string)
	if name == "" {
		return nil, stateserror.New(stateserror.Runtime, "lambda:invoke needs arguments with a FunctionName string, got %s", jsonText(task.Arguments))
	}
	event := []byte("{}")
	if payload, ok := argument(task.Arguments, "Payload"); ok {
		event = []byte(jsonText(payload))
	}
	answer, err := l.invokeForResult(ctx, name, event)
	if err != nil {
		return nil, err
	}
	return invokeResult(answer), nil
}

// invokeFunction serves a Lambda function ARN as the Resource: the
// arguments are the event, and the result is the function's own.
func (l *lambdaInvoke) invokeFunction(ctx context.Context, task asl.TaskCall) (any, error) {
	answer, err := l.invokeForResult(ctx, task.Resource, []byte(jsonText(task.Arguments)))
	if err != nil {
		return nil, err
	}
	return resultValue(answer), nil
}

// invokeForResult is one invocation whose function error fails the Task.
func (l *lambdaInvoke) invokeForResult(ctx context.Context, nameOrARN string, event []byte) ([]byte, error) {
	answer, err := l.invoke(ctx, nameOrARN, event)
	if err != nil {
		return nil, err
	}
	if taskErr := functionError(answer); taskErr != nil {
		return nil, taskErr
	}
	return answer, nil
}

// invoke runs one invocation of the function as the Lambda service would,
// faults included, for the lambda:invoke integration and for the queues'
// event source mappings alike. The answer may be a function error document.
func (l *lambdaInvoke) invoke(ctx context.Context, nameOrARN string, event []byte) ([]byte, error) {
	name := functionName(nameOrARN)
	pool, ok := l.pools[name]
	if !ok {
		return nil, &stateserror.Error{Name: "Lambda.ResourceNotFoundException", Cause: "Function not found: " + nameOrARN}
	}
	// A call holds its execution environment while it runs, however slow.
	emulator, err := pool.acquire(ctx)
	if errors.Is(err, errThrottled) {
		return nil, &stateserror.Error{Name: throttledError, Cause: fmt.Sprintf("Rate Exceeded. (%s is running %d invocations, its local concurrency limit)", name, pool.limit)}
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
func functionError(answer []byte) *stateserror.Error {
	if !bytes.Contains(answer, []byte(`"errorType"`)) { // most answers: no need to decode
		return nil
	}
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
	return &stateserror.Error{Name: errorType, Cause: string(answer)}
}

// invokeResult is what lambda:invoke returns to the state machine: the
// function's result as Payload inside the Invoke API's response.
func invokeResult(answer []byte) *value.Object {
	requestID := rand.Text()
	return value.NewObject(5).
		With("ExecutedVersion", "$LATEST").
		With("Payload", resultValue(answer)).
		With("SdkHttpMetadata", value.NewObject(2).
			With("HttpHeaders", value.NewObject(3).
				With("Content-Type", "application/json").
				With("X-Amz-Executed-Version", "$LATEST").
				With("x-amzn-RequestId", requestID)).
			With("HttpStatusCode", json.Number("200"))).
		With("SdkResponseMetadata", value.NewObject(1).With("RequestId", requestID)).
		With("StatusCode", json.Number("200"))
}

// resultValue is a function's answer as a value of the engine: Step
// Functions passes a result that is not JSON on as a string.
func resultValue(answer []byte) any {
	decoded, err := value.Decode(answer)
	if err != nil {
		return string(answer)
	}
	return decoded
}
