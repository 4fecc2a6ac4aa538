package asl

import (
	"context"
	"fmt"
	"sync"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
)

// Parallel and Map run sub-graphs in threads of their own. Each thread has
// its own variable scope that reads the state's, and its own event chain:
// the history's previousEventId links each event to the one before it in
// the same branch or iteration, as Step Functions records them.

// fanOut runs children at most limit at a time (0: all at once) and stops
// the others when one fails.
type fanOut struct {
	mu       sync.Mutex
	results  []any
	failure  *stateserror.Error
	lastDone int64 // cursor of the child that finished last, or of the failing one
}

// child describes one branch or iteration.
type child struct {
	graph   *Graph
	input   any
	started func(cursor int64) int64 // records the child's start; returns its first cursor
	ended   func(cursor int64, err *stateserror.Error)
}

// It returns the results in order and the cursor the state goes on from.
func (t *thread) fanOut(ctx context.Context, children []child, limit int, startCursor int64) ([]any, int64, *stateserror.Error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	clock := t.opts().Clock
	f := &fanOut{results: make([]any, len(children)), lastDone: startCursor}
	if len(children) == 0 {
		return f.results, f.lastDone, nil
	}
	if limit <= 0 || limit > len(children) {
		limit = len(children)
	}
	// The slots hand the cursor of a finished child to the next one
	// started, as Step Functions links a Map iteration to the one it
	// waited for.
	slots := &slots{clock: clock}
	for range limit {
		slots.put(startCursor)
	}
	all := clock.NewAlarm()
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
	release := clock.Hold()
	go func() {
		defer release()
		for i, c := range children {
			cursor, ok := slots.take(ctx)
			if !ok {
				finished(len(children) - i)
				return
			}
			childRelease := clock.Hold()
			go func() {
				defer childRelease()
				th := t.child(c.started(cursor))
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
				c.ended(th.cursor, err)
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
		return nil, f.lastDone, f.failure
	}
	if ctx.Err() != nil {
		return nil, f.lastDone, canceled(ctx)
	}
	return f.results, f.lastDone, nil
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
