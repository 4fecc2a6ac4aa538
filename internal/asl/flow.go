package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// The Choice and Wait states: they route and pause, and never fail the
// way a Task does, so they have no Retry or Catch.

func (t *thread) choice(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, 0, "")
	if st.QueryLanguage == JSONata {
		states := statesVar(input, ctxObj)
		j := jsonataScope{states: states, vars: vars}
		for _, r := range st.Choices {
			cond, err := t.evaluate(ctx, "Condition", r.Condition, j)
			if err != nil {
				return step{}, err
			}
			ok, isBool := cond.(bool)
			if !isBool {
				return step{}, stateserror.New(stateserror.QueryEvaluationError, "The Condition of a choice rule in state '%s' returned %s, not a boolean", st.Name, describe(cond))
			}
			if ok {
				return t.chosen(ctx, st, r, states, vars)
			}
		}
		if st.Default == "" {
			return step{}, noChoice(st)
		}
		s, err := t.finishJSONata(ctx, st, states, vars, input, st.Assign)
		s.next = st.Default
		return s, err
	}
	p := pathScope{input: input, context: ctxObj, vars: vars}
	effective, err := t.inputPath(st, p)
	if err != nil {
		return step{}, err
	}
	p.input = effective
	next, assign := st.Default, st.Assign
	matched := false
	for _, r := range st.Choices {
		ok, err := t.matches(r, p)
		if err != nil {
			return step{}, asStatesError(err, stateserror.Runtime)
		}
		if ok {
			next, matched, assign = r.Next, true, r.Assign
			break
		}
	}
	if !matched && next == "" {
		return step{}, noChoice(st)
	}
	assigned, err := t.assignJSONPath(assign, withStates(p, value.NewObject(3).With("input", input)))
	if err != nil {
		return step{}, err
	}
	output, err := t.outputPath(st, effective, p)
	return step{output: output, next: next, assigned: assigned}, err
}

// chosen finishes a JSONata Choice whose rule r matched: the rule's Output
// and Assign stand in for the state's ("If a rule matches, its
// Assign/Output are used, not the state-level ones").
func (t *thread) chosen(ctx context.Context, st *State, r *ChoiceRule, states *value.Object, vars map[string]any) (step, *stateserror.Error) {
	rule := *st
	rule.Output, rule.HasOutput = r.Output, r.HasOutput
	s, err := t.finishJSONata(ctx, &rule, states, vars, statesInput(states), r.Assign)
	s.next = r.Next
	return s, err
}

func noChoice(st *State) *stateserror.Error {
	return stateserror.New(stateserror.NoChoiceMatched, "No Choice rule of state '%s' matched and it has no Default", st.Name)
}

func (t *thread) wait(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, 0, "")
	var until time.Time
	var err *stateserror.Error
	var finish func() (step, *stateserror.Error)
	if st.QueryLanguage == JSONata {
		states := statesVar(input, ctxObj)
		j := jsonataScope{states: states, vars: vars}
		seconds, timestamp := st.Seconds, st.Timestamp
		if seconds != nil {
			if seconds, err = t.evaluate(ctx, "Seconds", seconds, j); err != nil {
				return step{}, err
			}
		}
		if timestamp != nil {
			if timestamp, err = t.evaluate(ctx, "Timestamp", timestamp, j); err != nil {
				return step{}, err
			}
		}
		if until, err = waitUntil(st, entered, seconds, timestamp, stateserror.QueryEvaluationError); err != nil {
			return step{}, err
		}
		finish = func() (step, *stateserror.Error) {
			return t.finishJSONata(ctx, st, states, vars, input, st.Assign)
		}
	} else {
		p := pathScope{input: input, context: ctxObj, vars: vars}
		effective, err := t.inputPath(st, p)
		if err != nil {
			return step{}, err
		}
		p.input = effective
		seconds, timestamp := st.Seconds, st.Timestamp
		if st.SecondsPath != "" {
			if seconds, err = t.mustLookup(p, "SecondsPath", st.SecondsPath); err != nil {
				return step{}, err
			}
		}
		if st.TimestampPath != "" {
			if timestamp, err = t.mustLookup(p, "TimestampPath", st.TimestampPath); err != nil {
				return step{}, err
			}
		}
		if until, err = waitUntil(st, entered, seconds, timestamp, stateserror.Runtime); err != nil {
			return step{}, err
		}
		finish = func() (step, *stateserror.Error) {
			assigned, err := t.assignJSONPath(st.Assign, withStates(p, value.NewObject(3).With("input", input)))
			if err != nil {
				return step{}, err
			}
			output, err := t.outputPath(st, effective, p)
			return step{output: output, next: st.Next, assigned: assigned}, err
		}
	}
	// TestState checks when a Wait would end and goes on at once.
	if until.After(entered) && t.exec.test == nil {
		if _, err := t.opts().Clock.NewAlarm().Wait(ctx, until); err != nil {
			return step{}, canceled(ctx)
		}
	}
	return finish()
}

// waitUntil is when a Wait state ends, from a number of seconds or a
// timestamp (already resolved from a path or an expression).
func waitUntil(st *State, entered time.Time, seconds, timestamp any, errorName string) (time.Time, *stateserror.Error) {
	switch {
	case seconds != nil:
		var x float64
		switch n := seconds.(type) {
		case int64:
			x = float64(n)
		case json.Number:
			f, err := n.Float64()
			if err != nil {
				x = -1
			} else {
				x = f
			}
		default:
			x = -1
		}
		if x < 0 || x != math.Trunc(x) || x > 99999999 {
			return time.Time{}, stateserror.New(errorName, "The Seconds of Wait state '%s' must be a whole number from 0 to 99999999, not %s", st.Name, describeValue(seconds))
		}
		return entered.Add(time.Duration(x) * time.Second), nil
	case timestamp != nil:
		if t, ok := timestamp.(time.Time); ok {
			return t, nil
		}
		s, ok := timestamp.(string)
		if ok {
			if t, err := parseTimestamp(s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, stateserror.New(errorName, "The Timestamp of Wait state '%s' must be an RFC 3339 timestamp, not %s", st.Name, describeValue(timestamp))
	}
	return entered, nil
}

func describeValue(v any) string {
	if n, ok := v.(int64); ok {
		return fmt.Sprintf("number %d", n)
	}
	return describe(v)
}
