package asl

import (
	"context"
	"fmt"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

func (t *thread) parallel(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, retryCount, "")
	var branchInput any
	var p pathScope
	var states *value.Object
	if st.QueryLanguage == JSONata {
		states = statesVar(input, ctxObj)
		branchInput = input
		if st.HasArguments {
			var err *stateserror.Error
			if branchInput, err = t.evaluate(ctx, "Arguments", st.Arguments, jsonataScope{states: states, vars: vars}); err != nil {
				return step{}, err
			}
		}
		t.inspect("afterArguments", branchInput)
	} else {
		p = pathScope{input: input, context: ctxObj, vars: vars}
		effective, err := t.inputPath(st, p)
		if err != nil {
			return step{}, err
		}
		p.input = effective
		branchInput = effective
		if st.HasParameters {
			if branchInput, err = t.template(st.Parameters, p); err != nil {
				return step{}, err
			}
		}
		t.inspect("afterParameters", branchInput)
	}
	var result any
	var err *stateserror.Error
	if tr := t.mocked(); tr != nil {
		result, err = tr.outcome()
	} else {
		result, err = t.branches(ctx, st, branchInput)
	}
	if err != nil {
		return step{}, err
	}
	return t.finishFanOut(ctx, st, result, states, vars, input, p)
}

// branches runs every branch on input; the result is their outputs in
// order.
func (t *thread) branches(ctx context.Context, st *State, branchInput any) (any, *stateserror.Error) {
	startedID := t.emit("ParallelStateStarted", nil)
	children := make([]child, len(st.Branches))
	for i, b := range st.Branches {
		children[i] = child{
			graph:   b,
			input:   branchInput,
			started: func(int64) int64 { return startedID },
			ended:   func(int64, *stateserror.Error) {},
		}
	}
	results, last, err := t.fanOut(ctx, children, 0, startedID)
	if err != nil {
		if err.Name != errCanceledName {
			t.cursor = t.exec.history.add(last, "ParallelStateFailed", nil)
		}
		return nil, err
	}
	t.exec.history.add(last, "ParallelStateSucceeded", nil)
	t.cursor = last
	return results, nil
}

// finishFanOut ends a Map or Parallel state with the result its iterations
// or branches gave: the size check, then the state's output and
// assignments in its query language.
func (t *thread) finishFanOut(ctx context.Context, st *State, result any, states *value.Object, vars map[string]any, input any, p pathScope) (step, *stateserror.Error) {
	t.inspect("result", result)
	if err := checkSize(fmt.Sprintf("The result of %s state '%s'", st.Type, st.Name), result); err != nil {
		return step{}, err
	}
	if st.QueryLanguage == JSONata {
		states.Set("result", result)
		return t.finishJSONata(ctx, st, states, vars, result, st.Assign)
	}
	return t.finishJSONPath(st, input, result, p)
}
