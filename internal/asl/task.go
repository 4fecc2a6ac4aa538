package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

const waitForTaskToken = ".waitForTaskToken"

// defaultTaskTimeout is a Task's TimeoutSeconds when it sets none
// (99999999 seconds in the developer guide's Task state page).
const defaultTaskTimeout = 99999999 * time.Second

// task is one attempt of a Task state.
func (t *thread) task(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	token := ""
	if strings.HasSuffix(st.Resource, waitForTaskToken) {
		token = t.opts().NewTaskToken()
	}
	ctxObj := t.contextObject(st, entered, retryCount, token)
	var (
		args               any
		timeout, heartbeat time.Duration
		err                *stateserror.Error
	)
	if st.QueryLanguage == JSONata {
		states := statesVar(input, ctxObj)
		j := jsonataScope{states: states, vars: vars}
		args = input
		if st.HasArguments {
			if args, err = t.evaluate(ctx, "Arguments", st.Arguments, j); err != nil {
				return step{}, err
			}
		}
		t.inspect("afterArguments", args)
		if timeout, err = t.taskSeconds(ctx, st, "TimeoutSeconds", st.TimeoutSeconds, func(v any) (any, *stateserror.Error) { return t.evaluate(ctx, "TimeoutSeconds", v, j) }); err != nil {
			return step{}, err
		}
		if heartbeat, err = t.taskSeconds(ctx, st, "HeartbeatSeconds", st.HeartbeatSeconds, func(v any) (any, *stateserror.Error) { return t.evaluate(ctx, "HeartbeatSeconds", v, j) }); err != nil {
			return step{}, err
		}
		result, err := t.invoke(ctx, st, args, token, timeout, heartbeat)
		if err != nil {
			return step{}, err
		}
		t.inspect("result", result)
		states.Set("result", result)
		return t.finishJSONata(ctx, st, states, vars, result, st.Assign)
	}
	p := pathScope{input: input, context: ctxObj, vars: vars}
	effective, err := t.inputPath(st, p)
	if err != nil {
		return step{}, err
	}
	p.input = effective
	args = effective
	if st.HasParameters {
		if args, err = t.template(st.Parameters, p); err != nil {
			return step{}, err
		}
	}
	t.inspect("afterParameters", args)
	fromPath := func(field, path string) func(any) (any, *stateserror.Error) {
		return func(any) (any, *stateserror.Error) { return t.mustLookup(p, field, path) }
	}
	timeoutValue, heartbeatValue := st.TimeoutSeconds, st.HeartbeatSeconds
	if st.TimeoutSecondsPath != "" {
		timeoutValue = st.TimeoutSecondsPath
	}
	if st.HeartbeatSecondsPath != "" {
		heartbeatValue = st.HeartbeatSecondsPath
	}
	if timeout, err = t.taskSeconds(ctx, st, "TimeoutSecondsPath", timeoutValue, fromPath("TimeoutSecondsPath", st.TimeoutSecondsPath)); err != nil {
		return step{}, err
	}
	if heartbeat, err = t.taskSeconds(ctx, st, "HeartbeatSecondsPath", heartbeatValue, fromPath("HeartbeatSecondsPath", st.HeartbeatSecondsPath)); err != nil {
		return step{}, err
	}
	result, err := t.invoke(ctx, st, args, token, timeout, heartbeat)
	if err != nil {
		return step{}, err
	}
	t.inspect("result", result)
	return t.finishJSONPath(st, input, result, p)
}

// taskSeconds resolves TimeoutSeconds or HeartbeatSeconds: a literal
// number, or a path or expression that resolve gives a value for. 0 means
// unset.
func (t *thread) taskSeconds(ctx context.Context, st *State, field string, v any, resolve func(any) (any, *stateserror.Error)) (time.Duration, *stateserror.Error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return time.Duration(v) * time.Second, nil
	}
	resolved, err := resolve(v)
	if err != nil {
		return 0, err
	}
	n, ok := resolved.(json.Number)
	x, convErr := n.Float64()
	if !ok || convErr != nil || x <= 0 || x != math.Trunc(x) || x > 99999999 {
		name := stateserror.Runtime
		if st.QueryLanguage == JSONata {
			name = stateserror.QueryEvaluationError
		}
		return 0, stateserror.New(name, "The %s of state '%s' must resolve to a positive whole number of seconds, not %s", field, st.Name, describe(resolved))
	}
	return time.Duration(x) * time.Second, nil
}

// taskEvents names the events of one kind of Task: Task… events with
// resourceType and resource for service integrations, LambdaFunction…
// events for a Lambda function ARN as the Resource.
type taskEvents struct {
	lambda                 bool
	resourceType, resource string
}

func (e taskEvents) details(extra map[string]any) map[string]any {
	d := map[string]any{}
	if !e.lambda {
		d["resourceType"], d["resource"] = e.resourceType, e.resource
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func (e taskEvents) kind(event string) string {
	if e.lambda {
		return "LambdaFunction" + event
	}
	return "Task" + event
}

// invoke calls the state's integration with its timeouts, records the
// Task events, and for .waitForTaskToken waits for the token's outcome.
func (t *thread) invoke(ctx context.Context, st *State, args any, token string, timeout, heartbeat time.Duration) (any, *stateserror.Error) {
	argsText := jsonText(args)
	if err := checkTextSize(fmt.Sprintf("The input of the task of state '%s'", st.Name), argsText); err != nil {
		return nil, err
	}
	if tr := t.mocked(); tr != nil {
		return tr.outcome()
	}
	ev := taskEvents{lambda: isLambdaFunctionArn(st.Resource)}
	ev.resourceType, ev.resource = taskResource(st.Resource)
	scheduled := map[string]any{}
	if ev.lambda {
		scheduled["resource"] = st.Resource
		scheduled["input"] = argsText
		scheduled["inputDetails"] = notTruncated
	} else {
		scheduled["region"] = t.exec.info.Region
		scheduled["parameters"] = argsText
	}
	if timeout > 0 {
		scheduled["timeoutInSeconds"] = int64(timeout / time.Second)
	}
	if heartbeat > 0 && !ev.lambda {
		scheduled["heartbeatInSeconds"] = int64(heartbeat / time.Second)
	}
	if timeout == 0 {
		timeout = defaultTaskTimeout
	}
	t.emit(ev.kind("Scheduled"), ev.details(scheduled))
	var startedDetails map[string]any
	if !ev.lambda {
		startedDetails = ev.details(nil)
	}
	t.emit(ev.kind("Started"), startedDetails)
	clock := t.opts().Clock
	started := clock.Now()
	deadline := started.Add(timeout)
	failed := func(err *stateserror.Error) (any, *stateserror.Error) {
		kind := "Failed"
		if err.Name == stateserror.Timeout || err.Name == stateserror.HeartbeatTimeout {
			kind = "TimedOut"
		}
		t.emit(ev.kind(kind), ev.details(errorDetails(err)))
		return nil, err
	}

	var pending *pendingTask
	if token != "" {
		pending = &pendingTask{}
		t.exec.tokens.mu.Lock()
		t.exec.tokens.pending[token] = pending
		pending.alarm = clock.NewAlarm()
		t.exec.tokens.mu.Unlock()
		defer func() {
			t.exec.tokens.mu.Lock()
			delete(t.exec.tokens.pending, token)
			t.exec.tokens.mu.Unlock()
		}()
	}

	call := TaskCall{StateName: st.Name, Resource: st.Resource, Arguments: args, TaskToken: token, Timeout: timeout, Heartbeat: heartbeat}
	result, err := t.call(ctx, st.integration, call, deadline)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(ctx)
		}
		return failed(err)
	}
	result, notJSON := value.From(result)
	if notJSON != nil {
		return failed(stateserror.New(stateserror.TaskFailed, "The integration of state '%s' answered a value that is not JSON: %v", st.Name, notJSON))
	}
	if token == "" {
		resultText := jsonText(result)
		if err := checkTextSize(fmt.Sprintf("The result of the task of state '%s'", st.Name), resultText); err != nil {
			return failed(err)
		}
		t.emit(ev.kind("Succeeded"), ev.details(map[string]any{"output": resultText, "outputDetails": notTruncated}))
		return result, nil
	}
	t.emit("TaskSubmitted", ev.details(map[string]any{"output": jsonText(result), "outputDetails": notTruncated}))
	outcome, err := t.awaitToken(ctx, pending, started, deadline, heartbeat)
	if err != nil {
		if ctx.Err() != nil {
			return nil, canceled(ctx)
		}
		return failed(err)
	}
	if outcome.err != nil {
		return failed(outcome.err)
	}
	if err := checkSize(fmt.Sprintf("The result of the task of state '%s'", st.Name), outcome.output); err != nil {
		return failed(err)
	}
	t.emit("TaskSucceeded", ev.details(map[string]any{"output": jsonText(outcome.output), "outputDetails": notTruncated}))
	return outcome.output, nil
}

// call runs the integration until it answers or the deadline passes.
func (t *thread) call(ctx context.Context, integration Integration, call TaskCall, deadline time.Time) (any, *stateserror.Error) {
	clock := t.opts().Clock
	callCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	alarm := clock.NewAlarm()
	type answer struct {
		result any
		err    error
	}
	answered := make(chan answer, 1)
	release := clock.Hold()
	go func() {
		defer release()
		var a answer
		func() {
			defer func() {
				if r := recover(); r != nil {
					a.err = stateserror.New(stateserror.TaskFailed, "the integration for %s panicked: %v", call.Resource, r)
				}
			}()
			a.result, a.err = integration(callCtx, call)
		}()
		answered <- a
		alarm.Ring() // before release: the waiter is awake again before this goroutine stops counting
	}()
	rung, err := alarm.Wait(ctx, deadline)
	switch {
	case err != nil:
		return nil, canceled(ctx)
	case !rung:
		return nil, stateserror.New(stateserror.Timeout, "The task of state '%s' did not finish within %d seconds", call.StateName, int64(call.Timeout/time.Second))
	}
	a := <-answered
	if a.err != nil {
		return nil, asStatesError(a.err, stateserror.TaskFailed)
	}
	return a.result, nil
}

// awaitToken waits for SendTaskSuccess or SendTaskFailure, failing with
// States.HeartbeatTimeout when no callback comes within heartbeat and with
// States.Timeout at the deadline.
func (t *thread) awaitToken(ctx context.Context, p *pendingTask, started, deadline time.Time, heartbeat time.Duration) (*taskOutcome, *stateserror.Error) {
	clock := t.opts().Clock
	beat := started
	for {
		t.exec.tokens.mu.Lock()
		if p.outcome != nil {
			t.exec.tokens.mu.Unlock()
			return p.outcome, nil
		}
		if p.heartbeat {
			p.heartbeat = false
			beat = clock.Now()
		}
		alarm := clock.NewAlarm()
		p.alarm = alarm
		t.exec.tokens.mu.Unlock()
		until := deadline
		if heartbeat > 0 && beat.Add(heartbeat).Before(until) {
			until = beat.Add(heartbeat)
		}
		rung, err := alarm.Wait(ctx, until)
		switch {
		case err != nil:
			return nil, canceled(ctx)
		case rung:
			continue
		case until.Equal(deadline):
			return nil, stateserror.New(stateserror.Timeout, "The task timed out after %d seconds", int64(deadline.Sub(started)/time.Second))
		default:
			return nil, stateserror.New(stateserror.HeartbeatTimeout, "No heartbeat came for %d seconds", int64(heartbeat/time.Second))
		}
	}
}
