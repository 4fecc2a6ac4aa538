package asl

import (
	"context"
	"math"
	"slices"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// withRetryAndCatch runs a Task, Parallel or Map state: each attempt is the
// whole state, the Retry policy repeats it, and a Catch turns its final
// error into a transition.
func (t *thread) withRetryAndCatch(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (step, *stateserror.Error) {
	attempts := make([]int, len(st.Retry))
	for retryCount := 0; ; retryCount++ {
		s, err := t.attempt(ctx, st, input, entered, retryCount, vars)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil {
			return step{}, canceled(ctx)
		}
		if i := slices.IndexFunc(st.Retry, func(r Retrier) bool { return errorMatches(r.ErrorEquals, err.Name) }); i >= 0 && attempts[i] < st.Retry[i].MaxAttempts {
			delay := st.Retry[i].delay(attempts[i], t.opts().Random)
			attempts[i]++
			if delay > 0 {
				if err := Sleep(ctx, t.opts().Clock, delay); err != nil {
					return step{}, canceled(ctx)
				}
			}
			continue
		}
		return t.catch(ctx, st, input, entered, vars, err)
	}
}

// delay is the wait before retry number attempt (0 for the first):
// IntervalSeconds × BackoffRate^attempt, at most MaxDelaySeconds, and with
// JitterStrategy FULL a random share of that.
func (r Retrier) delay(attempt int, random func() float64) time.Duration {
	seconds := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(attempt))
	if r.MaxDelaySeconds > 0 && seconds > r.MaxDelaySeconds {
		seconds = r.MaxDelaySeconds
	}
	if r.JitterFull {
		seconds *= random()
	}
	return time.Duration(seconds * float64(time.Second))
}

// errorMatches reports whether a Retrier or Catcher with errorEquals
// handles the error name. States.ALL matches every error except
// States.DataLimitExceeded and States.Runtime ("The States.ALL error type
// ... can't catch the States.DataLimitExceeded terminal error type and
// runtime error types"), and "A States.Runtime error isn't retriable, and
// will always cause the execution to fail". States.TaskFailed matches any
// error except States.Timeout (the specification's appendix A).
func errorMatches(errorEquals []string, name string) bool {
	if name == stateserror.Runtime || name == errCanceledName {
		return false
	}
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == stateserror.ALL && name != stateserror.DataLimitExceeded:
			return true
		case e == stateserror.TaskFailed && name != stateserror.Timeout && name != stateserror.DataLimitExceeded:
			return true
		}
	}
	return false
}

// catch hands err to the first Catcher that matches it: the state then
// ends with the error output {Error, Cause} placed by ResultPath (JSONPath)
// or shaped by Output (JSONata), and goes to the catcher's Next.
func (t *thread) catch(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any, err *stateserror.Error) (step, *stateserror.Error) {
	i := slices.IndexFunc(st.Catch, func(c Catcher) bool { return errorMatches(c.ErrorEquals, err.Name) })
	if i < 0 {
		return step{}, err
	}
	c := st.Catch[i]
	errorOutput := value.NewObject(2).With("Error", err.Name).With("Cause", err.Cause)
	ctxObj := t.contextObject(st, entered, 0, "")
	if st.QueryLanguage == JSONata {
		states := statesVar(input, ctxObj).With("errorOutput", errorOutput)
		j := jsonataScope{states: states, vars: vars}
		output := any(errorOutput)
		if c.HasOutput {
			var err *stateserror.Error
			if output, err = t.evaluate(ctx, "Output", c.Output, j); err != nil {
				return step{}, err
			}
		}
		assigned, err := t.assignJSONata(ctx, c.Assign, j)
		return step{output: output, next: c.Next, assigned: assigned}, err
	}
	p := pathScope{input: errorOutput, context: ctxObj, vars: vars}
	assigned, aerr := t.assignJSONPath(c.Assign, withStates(p, value.NewObject(3).With("input", input).With("errorOutput", errorOutput)))
	if aerr != nil {
		return step{}, aerr
	}
	output, rerr := t.resultPath(c.ResultPath, input, errorOutput)
	return step{output: output, next: c.Next, assigned: assigned}, rerr
}
