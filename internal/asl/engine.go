package asl

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"sync"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// Options are what the engine needs from its caller.
type Options struct {
	// Integrations serve the Task states' Resources; Load refuses a
	// Resource none serves.
	Integrations Integrations
	// JSONata evaluates {% %} expressions (internal/asl/jsonata); nil
	// refuses JSONata definitions at load.
	JSONata Evaluator
	// Clock defaults to the wall clock.
	Clock Clock
	// Random returns a number in [0, 1) for JitterStrategy FULL; defaults
	// to math/rand.
	Random func() float64
	// NewTaskToken defaults to 32 random bytes in hex.
	NewTaskToken func() string
	// OnEvent, if set, sees each history event as it is recorded, in order
	// (a runner's progress lines). It runs under the history's lock: it
	// must return quickly and not call back into the Execution.
	OnEvent func(Event)
}

func (o *Options) check() error {
	if o.Integrations == nil {
		return errors.New("asl: Options.Integrations is required (it decides which Task resources load)")
	}
	if o.Clock == nil {
		o.Clock = WallClock{}
	}
	if o.Random == nil {
		o.Random = mathrand.Float64
	}
	if o.NewTaskToken == nil {
		o.NewTaskToken = func() string {
			b := make([]byte, 32)
			_, _ = rand.Read(b)
			return hex.EncodeToString(b)
		}
	}
	return nil
}

// Integration performs one Task. It returns the task's result (any value
// encoding/json can write, as Start's input), or an error:
// a *stateserror.Error names the failure as Retry and Catch see it; any
// other error fails the task as States.TaskFailed. For a
// .waitForTaskToken resource the result is what TaskSubmitted records and
// the engine then waits for the token.
type Integration func(ctx context.Context, call TaskCall) (any, error)

// TaskCall is what an Integration gets.
type TaskCall struct {
	StateName string
	Resource  string
	Arguments any
	TaskToken string // set for .waitForTaskToken
	Timeout   time.Duration
	Heartbeat time.Duration // 0: none
}

// Integrations finds the Integration that serves a Resource.
type Integrations interface {
	Lookup(resource string) (Integration, bool)
}

// IntegrationMap serves exactly the resources it names.
type IntegrationMap map[string]Integration

func (m IntegrationMap) Lookup(resource string) (Integration, bool) {
	i, ok := m[resource]
	return i, ok
}

// Evaluator evaluates one JSONata expression (the text inside {% %});
// bindings map names without the $ ("states", each variable) to values.
// An expression that evaluates to nothing returns value.Undefined.
type Evaluator interface {
	Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error)
}

// ExecutionInfo names an execution for the context object and history.
type ExecutionInfo struct {
	ID, Name, RoleArn                string
	StateMachineID, StateMachineName string
	Region                           string // taskScheduledEventDetails.region
	// OnEvent, if set, sees this execution's events after Options.OnEvent,
	// on the same terms: a runner that starts executions concurrently on
	// one Machine tells their events apart with it.
	OnEvent func(Event)
}

// Status of an execution.
const (
	Running   = "RUNNING"
	Succeeded = "SUCCEEDED"
	Failed    = "FAILED"
	TimedOut  = "TIMED_OUT"
	Aborted   = "ABORTED"
)

// Result is how an execution ended.
type Result struct {
	Status string
	Output any                // Succeeded
	Error  *stateserror.Error // Failed, TimedOut, Aborted
}

// Execution is one run of a Machine.
type Execution struct {
	machine  *Machine
	info     ExecutionInfo
	input    any
	badInput error // input is not JSON
	start    time.Time
	cancel   context.CancelCauseFunc
	done     chan struct{}
	result   Result

	history history
	tokens  tokens
	test    *testRun // set while TestState runs one state
}

// errStopped ends an execution that Stop aborted.
var errStopped = errors.New("execution stopped")

// Start runs the machine on input in its own goroutine. input is any
// value encoding/json can write (value.From): a json.RawMessage, or what
// value.Decode returns, keeps its objects' field order in the output; a Go
// map has no order and comes in sorted.
func (m *Machine) Start(ctx context.Context, input any, info ExecutionInfo) *Execution {
	ctx, cancel := context.WithCancelCause(ctx)
	in, badInput := value.From(input)
	e := &Execution{machine: m, info: info, input: in, badInput: badInput, cancel: cancel, done: make(chan struct{})}
	e.tokens.pending = map[string]*pendingTask{}
	e.history.clock, e.history.onEvent = m.opts.Clock, m.opts.OnEvent
	if info.OnEvent != nil {
		e.history.onEvent = func(event Event) {
			if m.opts.OnEvent != nil {
				m.opts.OnEvent(event)
			}
			info.OnEvent(event)
		}
	}
	e.start = m.opts.Clock.Now()
	release := m.opts.Clock.Hold()
	go func() {
		defer close(e.done)
		defer release()
		e.result = e.run(ctx)
	}()
	return e
}

// Wait blocks until the execution ends.
func (e *Execution) Wait() Result {
	<-e.done
	return e.result
}

// Done is closed when the execution ends.
func (e *Execution) Done() <-chan struct{} { return e.done }

// Stop aborts a running execution (StopExecution).
func (e *Execution) Stop(errorName, cause string) {
	e.cancel(&stopCause{stateserror.Error{Name: errorName, Cause: cause}})
}

type stopCause struct{ reason stateserror.Error }

func (s *stopCause) Error() string { return errStopped.Error() }

// History is a copy of the events so far.
func (e *Execution) History() []Event { return e.history.snapshot() }

func (e *Execution) run(ctx context.Context) Result {
	m := e.machine
	e.history.add(0, "ExecutionStarted", map[string]any{"input": jsonText(e.input), "inputDetails": notTruncated, "roleArn": e.info.RoleArn})
	if e.badInput != nil {
		return e.finish(0, Result{Status: Failed, Error: stateserror.New(stateserror.Runtime, "The execution input is not JSON: %v", e.badInput)})
	}
	if err := checkSize("the execution input", e.input); err != nil {
		return e.finish(0, Result{Status: Failed, Error: err})
	}
	runCtx := ctx
	if m.TimeoutSeconds > 0 {
		var cancel context.CancelCauseFunc
		runCtx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		alarm := m.opts.Clock.NewAlarm()
		deadline := e.start.Add(time.Duration(m.TimeoutSeconds) * time.Second)
		stopWatch := m.opts.Clock.Hold()
		go func() {
			defer stopWatch()
			if rung, err := alarm.Wait(runCtx, deadline); !rung && err == nil {
				cancel(errExecutionTimeout)
			}
		}()
		defer alarm.Ring()
	}
	t := &thread{exec: e, vars: newScope(nil)}
	output, err := t.runGraph(runCtx, &m.Graph, e.input)
	switch {
	case context.Cause(runCtx) == errExecutionTimeout:
		return e.finish(t.cursor, Result{Status: TimedOut, Error: stateserror.New(stateserror.Timeout, "The execution timed out after %d seconds", m.TimeoutSeconds)})
	case ctx.Err() != nil:
		stop := &stateserror.Error{}
		var s *stopCause
		if errors.As(context.Cause(ctx), &s) {
			stop = &s.reason
		}
		return e.finish(t.cursor, Result{Status: Aborted, Error: stop})
	case err != nil:
		return e.finish(t.cursor, Result{Status: Failed, Error: err})
	}
	return e.finish(t.cursor, Result{Status: Succeeded, Output: output})
}

var errExecutionTimeout = errors.New("execution timed out")

func (e *Execution) finish(cursor int64, r Result) Result {
	switch r.Status {
	case Succeeded:
		e.history.add(cursor, "ExecutionSucceeded", map[string]any{"output": jsonText(r.Output), "outputDetails": notTruncated})
	case Failed:
		e.history.add(cursor, "ExecutionFailed", errorDetails(r.Error))
	case TimedOut:
		e.history.add(cursor, "ExecutionTimedOut", errorDetails(r.Error))
	case Aborted:
		e.history.add(cursor, "ExecutionAborted", errorDetails(r.Error))
	}
	return r
}

func errorDetails(err *stateserror.Error) map[string]any {
	details := map[string]any{}
	if err.Name != "" {
		details["error"] = err.Name
	}
	if err.Cause != "" {
		details["cause"] = err.Cause
	}
	return details
}

// tokens are the task tokens an execution waits on.
type tokens struct {
	mu      sync.Mutex
	pending map[string]*pendingTask
}

type pendingTask struct {
	alarm     Alarm // the task's current wait; every callback rings it
	heartbeat bool
	outcome   *taskOutcome
}

type taskOutcome struct {
	output any
	err    *stateserror.Error
}

// ErrTaskDoesNotExist is the answer to a callback with a token this
// execution does not wait on (TaskDoesNotExist in the API).
var ErrTaskDoesNotExist = errors.New("task does not exist")

func (e *Execution) deliver(token string, apply func(p *pendingTask)) error {
	e.tokens.mu.Lock()
	p, ok := e.tokens.pending[token]
	if !ok {
		e.tokens.mu.Unlock()
		return ErrTaskDoesNotExist
	}
	if p.outcome == nil {
		apply(p)
	}
	alarm := p.alarm
	e.tokens.mu.Unlock()
	alarm.Ring()
	return nil
}

// SendTaskSuccess completes the task waiting on token with output, any
// value encoding/json can write (as Start's input).
func (e *Execution) SendTaskSuccess(token string, output any) error {
	out, err := value.From(output)
	if err != nil {
		return fmt.Errorf("the task output is not JSON: %w", err)
	}
	return e.deliver(token, func(p *pendingTask) { p.outcome = &taskOutcome{output: out} })
}

// SendTaskFailure fails the task waiting on token.
func (e *Execution) SendTaskFailure(token, errorName, cause string) error {
	return e.deliver(token, func(p *pendingTask) {
		p.outcome = &taskOutcome{err: &stateserror.Error{Name: errorName, Cause: cause}}
	})
}

// SendTaskHeartbeat restarts the HeartbeatSeconds of the task waiting on
// token.
func (e *Execution) SendTaskHeartbeat(token string) error {
	return e.deliver(token, func(p *pendingTask) { p.heartbeat = true })
}
