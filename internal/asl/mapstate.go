package asl

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

func (t *thread) mapState(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, retryCount, "")
	var (
		items  any
		states *value.Object
		p      pathScope
		j      jsonataScope
		limit  any = st.MaxConcurrency
		err    *stateserror.Error
	)
	errorName := stateserror.Runtime
	if st.QueryLanguage == JSONata {
		errorName = stateserror.QueryEvaluationError
		states = statesVar(input, ctxObj)
		j = jsonataScope{states: states, vars: vars}
		items = input
		if st.HasItems {
			if items, err = t.evaluate(ctx, "Items", st.Items, j); err != nil {
				return step{}, err
			}
		}
		if limit, err = t.evaluate(ctx, "MaxConcurrency", limit, j); err != nil {
			return step{}, err
		}
	} else {
		p = pathScope{input: input, context: ctxObj, vars: vars}
		effective, err := t.inputPath(st, p)
		if err != nil {
			return step{}, err
		}
		p.input = effective
		items = effective
		if st.ItemsPath != nil {
			if items, err = t.mustLookup(p, "ItemsPath", *st.ItemsPath); err != nil {
				return step{}, err
			}
		}
		t.inspect("afterItemsPath", items)
		if st.MaxConcurrencyPath != "" {
			if limit, err = t.mustLookup(p, "MaxConcurrencyPath", st.MaxConcurrencyPath); err != nil {
				return step{}, err
			}
		}
	}
	list, ok := items.([]any)
	if !ok {
		return step{}, stateserror.New(errorName, "The items of Map state '%s' must be a JSON array, not %s", st.Name, describe(items))
	}
	concurrency, cerr := maxConcurrency(st, limit, errorName)
	if cerr != nil {
		return step{}, cerr
	}
	inputs := make([]any, len(list))
	for i, item := range list {
		inputs[i] = item
		if !st.HasItemSelector {
			continue
		}
		itemCtx := t.contextObject(st, entered, retryCount, "")
		itemCtx.Set("Map", value.NewObject(1).With("Item", value.NewObject(2).With("Index", json.Number(strconv.Itoa(i))).With("Value", item)))
		if st.QueryLanguage == JSONata {
			itemStates := statesVar(input, itemCtx)
			inputs[i], err = t.evaluate(ctx, "ItemSelector", st.ItemSelector, jsonataScope{states: itemStates, vars: vars})
		} else {
			itemScope := p
			itemScope.context = itemCtx
			inputs[i], err = t.template(st.ItemSelector, itemScope)
		}
		if err != nil {
			return step{}, err
		}
	}
	t.inspect("afterItemSelector", inputs)
	t.inspect("maxConcurrency", concurrency)
	var result any
	if tr := t.mocked(); tr != nil {
		result, err = tr.mapOutcome(len(list))
	} else {
		result, err = t.iterations(ctx, st, inputs, concurrency)
	}
	if err != nil {
		return step{}, err
	}
	return t.finishFanOut(ctx, st, result, states, vars, input, p)
}

// iterations runs the item processor on each input, at most concurrency
// at a time (0: all); the result is their outputs in order.
func (t *thread) iterations(ctx context.Context, st *State, inputs []any, concurrency int) (any, *stateserror.Error) {
	startedID := t.emit("MapStateStarted", map[string]any{"length": len(inputs)})
	lastIteration := startedID
	children := make([]child, len(inputs))
	for i := range inputs {
		children[i] = child{
			graph: st.Processor,
			input: inputs[i],
			started: func(cursor int64) int64 {
				return t.exec.history.add(cursor, "MapIterationStarted", map[string]any{"name": st.Name, "index": i})
			},
			ended: func(cursor int64, err *stateserror.Error) {
				switch {
				case err == nil:
					lastIteration = t.exec.history.add(cursor, "MapIterationSucceeded", map[string]any{"name": st.Name, "index": i})
				case err.Name == errCanceledName:
					t.exec.history.add(cursor, "MapIterationAborted", map[string]any{"name": st.Name, "index": i})
				default:
					t.exec.history.add(cursor, "MapIterationFailed", map[string]any{"name": st.Name, "index": i})
				}
			},
		}
	}
	results, last, ferr := t.fanOut(ctx, children, concurrency, startedID)
	if ferr != nil {
		if ferr.Name != errCanceledName {
			t.cursor = t.exec.history.add(last, "MapStateFailed", nil)
		}
		return nil, ferr
	}
	t.exec.history.add(lastIteration, "MapStateSucceeded", nil)
	t.cursor = lastIteration
	return results, nil
}

// maxConcurrency reads MaxConcurrency (0: no limit).
func maxConcurrency(st *State, v any, errorName string) (int, *stateserror.Error) {
	switch n := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return int(n), nil
	case json.Number:
		if i, err := strconv.Atoi(n.String()); err == nil && i >= 0 {
			return i, nil
		}
	}
	return 0, stateserror.New(errorName, "The MaxConcurrency of Map state '%s' must be a whole number of at least 0, not %s", st.Name, describe(v))
}
