package asl

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
)

// Parallel and Map run sub-graphs in threads of their own. Each thread has
// its own variable scope that reads the state's, and its own event chain:
// the history's previousEventId links each event to the one before it in
// the same branch or iteration, as Step Functions records them.

// fanOut runs n children at most limit at a time (0: all at once), stops
// the others when one fails, and returns the results in order.
type fanOut struct {
	t      *thread
	ctx    context.Context
	cancel context.CancelCauseFunc
	clock  Clock

	mu       sync.Mutex
	results  []any
	failure  *stateserror.Error
	lastDone int64 // cursor of the child that finished last
}

// child describes one branch or iteration.
type child struct {
	graph   *Graph
	input   any
	started func(f *fanOut, cursor int64) int64 // records the child's start; returns its first cursor
	ended   func(f *fanOut, cursor int64, err *stateserror.Error)
}

func (t *thread) fanOut(ctx context.Context, children []child, limit int, startCursor int64) (*fanOut, []any, *stateserror.Error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	f := &fanOut{t: t, ctx: ctx, cancel: cancel, clock: t.opts().Clock, results: make([]any, len(children)), lastDone: startCursor}
	if len(children) == 0 {
		return f, f.results, nil
	}
	if limit <= 0 || limit > len(children) {
		limit = len(children)
	}
	// The slots hand the cursor of a finished child to the next one
	// started, as Step Functions links a Map iteration to the one it
	// waited for.
	slots := &slots{clock: f.clock}
	for range limit {
		slots.put(startCursor)
	}
	all := f.clock.NewAlarm()
	remaining := len(children)
	finished := func(n int) {
		f.mu.Lock()
		remaining -= n
		done := remaining == 0
		f.mu.Unlock()
		if done {
			all.Ring()
		}
	}
	release := f.clock.Hold()
	go func() {
		defer release()
		for i, c := range children {
			cursor, ok := slots.take(ctx)
			if !ok {
				finished(len(children) - i)
				return
			}
			childRelease := f.clock.Hold()
			go func() {
				defer childRelease()
				th := t.child(c.started(f, cursor))
				out, err := th.runGraph(ctx, c.graph, c.input)
				th.vars.close()
				f.mu.Lock()
				switch {
				case err == nil:
					f.results[i] = out
				case err.Name != errCanceledName && f.failure == nil:
					f.failure = err
					cancel(fmt.Errorf("%s", err.Name))
				}
				if err == nil || f.failure == err {
					f.lastDone = th.cursor
				}
				c.ended(f, th.cursor, err)
				f.mu.Unlock()
				// Both wake-ups come before childRelease, so a virtual clock
				// never sees everyone waiting in between.
				slots.put(th.cursor)
				finished(1)
			}()
		}
	}()
	_, _ = all.Wait(context.WithoutCancel(ctx), time.Time{})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failure != nil {
		return f, nil, f.failure
	}
	if ctx.Err() != nil {
		return f, nil, canceled(ctx)
	}
	return f, f.results, nil
}

// slots is a queue of free places to start a child in, each carrying the
// cursor of the child that freed it.
type slots struct {
	clock  Clock
	mu     sync.Mutex
	free   []int64
	waiter Alarm
}

func (s *slots) put(cursor int64) {
	s.mu.Lock()
	s.free = append(s.free, cursor)
	w := s.waiter
	s.waiter = nil
	s.mu.Unlock()
	if w != nil {
		w.Ring()
	}
}

// take waits for a free slot; false when ctx ended first.
func (s *slots) take(ctx context.Context) (int64, bool) {
	for {
		s.mu.Lock()
		if ctx.Err() != nil {
			s.mu.Unlock()
			return 0, false
		}
		if len(s.free) > 0 {
			cursor := s.free[0]
			s.free = s.free[1:]
			s.mu.Unlock()
			return cursor, true
		}
		alarm := s.clock.NewAlarm()
		s.waiter = alarm
		s.mu.Unlock()
		// Every child that ends puts its slot back, a failing one too, so
		// this wakes after a cancel as well.
		_, _ = alarm.Wait(context.Background(), time.Time{})
	}
}

func (t *thread) parallel(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, retryCount, "")
	var branchInput any
	var p pathScope
	var states map[string]any
	if st.QueryLanguage == JSONata {
		states = map[string]any{"input": input, "context": ctxObj}
		branchInput = input
		if st.HasArguments {
			var err *stateserror.Error
			if branchInput, err = t.evaluate(ctx, st.Arguments, jsonataScope{states: states, vars: vars}); err != nil {
				return step{}, err
			}
		}
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
	}
	startedID := t.emit("ParallelStateStarted", nil)
	children := make([]child, len(st.Branches))
	for i, b := range st.Branches {
		children[i] = child{
			graph:   b,
			input:   branchInput,
			started: func(*fanOut, int64) int64 { return startedID },
			ended:   func(*fanOut, int64, *stateserror.Error) {},
		}
	}
	f, results, err := t.fanOut(ctx, children, 0, startedID)
	if err != nil {
		if err.Name != errCanceledName {
			t.cursor = t.exec.history.add(f.lastDone, "ParallelStateFailed", nil)
		}
		return step{}, err
	}
	t.exec.history.add(f.lastDone, "ParallelStateSucceeded", nil)
	t.cursor = f.lastDone
	result := any(results)
	if err := checkSize(fmt.Sprintf("The result of Parallel state '%s'", st.Name), result); err != nil {
		return step{}, err
	}
	if st.QueryLanguage == JSONata {
		states["result"] = result
		return t.finishJSONata(ctx, st, states, vars, result, st.Assign)
	}
	return t.finishJSONPath(st, input, result, p)
}

func (t *thread) mapState(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, retryCount, "")
	var (
		items  any
		states map[string]any
		p      pathScope
		j      jsonataScope
		limit  any = st.MaxConcurrency
		err    *stateserror.Error
	)
	errorName := stateserror.Runtime
	if st.QueryLanguage == JSONata {
		errorName = stateserror.QueryEvaluationError
		states = map[string]any{"input": input, "context": ctxObj}
		j = jsonataScope{states: states, vars: vars}
		items = input
		if st.HasItems {
			if items, err = t.evaluate(ctx, st.Items, j); err != nil {
				return step{}, err
			}
		}
		if limit, err = t.evaluate(ctx, limit, j); err != nil {
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
		itemCtx["Map"] = map[string]any{"Item": map[string]any{"Index": json.Number(strconv.Itoa(i)), "Value": item}}
		if st.QueryLanguage == JSONata {
			itemStates := map[string]any{"input": input, "context": itemCtx}
			inputs[i], err = t.evaluate(ctx, st.ItemSelector, jsonataScope{states: itemStates, vars: vars})
		} else {
			itemScope := p
			itemScope.context = itemCtx
			inputs[i], err = t.template(st.ItemSelector, itemScope)
		}
		if err != nil {
			return step{}, err
		}
	}
	startedID := t.emit("MapStateStarted", map[string]any{"length": len(list)})
	lastIteration := startedID
	children := make([]child, len(list))
	for i := range list {
		children[i] = child{
			graph: st.Processor,
			input: inputs[i],
			started: func(f *fanOut, cursor int64) int64 {
				return t.exec.history.add(cursor, "MapIterationStarted", map[string]any{"name": st.Name, "index": i})
			},
			ended: func(f *fanOut, cursor int64, err *stateserror.Error) {
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
	f, results, ferr := t.fanOut(ctx, children, concurrency, startedID)
	if ferr != nil {
		if ferr.Name != errCanceledName {
			t.cursor = t.exec.history.add(f.lastDone, "MapStateFailed", nil)
		}
		return step{}, ferr
	}
	t.exec.history.add(lastIteration, "MapStateSucceeded", nil)
	t.cursor = lastIteration
	result := any(results)
	if err := checkSize(fmt.Sprintf("The result of Map state '%s'", st.Name), result); err != nil {
		return step{}, err
	}
	if st.QueryLanguage == JSONata {
		states["result"] = result
		return t.finishJSONata(ctx, st, states, vars, result, st.Assign)
	}
	return t.finishJSONPath(st, input, result, p)
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
