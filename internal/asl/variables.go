package asl

import (
	"sync"

	"stepfunctions-go/internal/asl/stateserror"
)

// scope holds the variables one level of the workflow assigned: the state
// machine's top level, a Parallel branch or a Map iteration. Inner scopes
// read outer ones; Load makes sure they never assign an outer name.
type scope struct {
	parent *scope
	store  *variableStore
	mu     sync.Mutex
	vars   map[string]any
	sizes  map[string]int
}

// variableStore counts the bytes of every variable an execution holds, for
// the quota of 10 MiB of variables per execution.
type variableStore struct {
	mu    sync.Mutex
	bytes int
}

const variablesPerExecution = 10 * 1024 * 1024

func newScope(parent *scope) *scope {
	s := &scope{parent: parent, vars: map[string]any{}, sizes: map[string]int{}}
	if parent != nil {
		s.store = parent.store
	} else {
		s.store = &variableStore{}
	}
	return s
}

// visible is every variable this scope sees.
func (s *scope) visible() map[string]any {
	out := map[string]any{}
	s.collect(out)
	return out
}

func (s *scope) collect(out map[string]any) {
	if s.parent != nil {
		s.parent.collect(out)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range s.vars {
		out[k] = v
	}
}

// assign stores the values a state assigned, within the execution's quota.
func (s *scope) assign(values map[string]any) *stateserror.Error {
	if len(values) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sizes := make(map[string]int, len(values))
	delta := 0
	for k, v := range values {
		sizes[k] = len(jsonText(v))
		delta += sizes[k] - s.sizes[k]
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if s.store.bytes+delta > variablesPerExecution {
		return stateserror.New(stateserror.DataLimitExceeded, "The execution's variables would hold %d bytes, over the %d-byte limit per execution", s.store.bytes+delta, variablesPerExecution)
	}
	s.store.bytes += delta
	for k, v := range values {
		s.vars[k] = v
		s.sizes[k] = sizes[k]
	}
	return nil
}

// close gives back the bytes of a branch's or iteration's variables, which
// go out of scope when it ends.
func (s *scope) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, n := range s.sizes {
		total += n
	}
	s.store.mu.Lock()
	s.store.bytes -= total
	s.store.mu.Unlock()
	s.vars, s.sizes = map[string]any{}, map[string]int{}
}
