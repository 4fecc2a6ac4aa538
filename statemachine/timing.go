package statemachine

import (
	"fmt"
	"math"
	"strings"
)

// Task is one Task state, as the timing rules read it.
type Task struct {
	Name, Resource string
	// QueueURL is Parameters.QueueUrl as written, e.g. "${CallbackQueueUrl}";
	// empty for a Task that sends to no queue.
	QueueURL                         string
	TimeoutSeconds, HeartbeatSeconds int
}

// WaitsForToken reports whether the Task waits for SendTaskSuccess or
// SendTaskFailure with its task token.
func (t Task) WaitsForToken() bool { return strings.HasSuffix(t.Resource, ".waitForTaskToken") }

// InvokesLambda reports whether the Task is a lambda:invoke.
func (t Task) InvokesLambda() bool { return strings.HasSuffix(t.Resource, ":states:::lambda:invoke") }

// QuietSeconds is the longest the Task waits without word from its worker
// before it fails: HeartbeatSeconds when set, else TimeoutSeconds.
func (t Task) QuietSeconds() int {
	if t.HeartbeatSeconds > 0 {
		return t.HeartbeatSeconds
	}
	return t.TimeoutSeconds
}

// checkTaskTimeouts holds a Task's own timeouts to each other and to the
// machine's. Step Functions requires HeartbeatSeconds below TimeoutSeconds.
// A Task timeout at or above the machine's can never fire: the Task starts
// after the execution does, so the execution times out first, with
// States.Timeout for the whole execution instead of one the Task's Catch
// could handle.
func (t *Template) checkTaskTimeouts(task Task) error {
	where := fmt.Sprintf("statemachine/%s%s: Task %q", t.Name, extension, task.Name)
	if task.HeartbeatSeconds < 0 || task.HeartbeatSeconds > 0 && task.HeartbeatSeconds >= task.TimeoutSeconds {
		return fmt.Errorf("%s has HeartbeatSeconds %d and TimeoutSeconds %d: HeartbeatSeconds must be from 1 to %d, below TimeoutSeconds, or left out",
			where, task.HeartbeatSeconds, task.TimeoutSeconds, task.TimeoutSeconds-1)
	}
	if task.TimeoutSeconds >= t.TimeoutSeconds {
		return fmt.Errorf("%s has TimeoutSeconds %d, not below the machine's TimeoutSeconds %d, so it can never fire (the execution times out first): use at most %d, or raise the machine's TimeoutSeconds above %d",
			where, task.TimeoutSeconds, t.TimeoutSeconds, t.TimeoutSeconds-1, task.TimeoutSeconds)
	}
	return nil
}

// ASL's defaults for a Retrier's fields that a definition leaves out.
const (
	defaultIntervalSeconds = 1
	defaultMaxAttempts     = 3
	defaultBackoffRate     = 2.0
)

// worstWaitSeconds is the longest the retrier waits in all before its
// retries: the n-th wait is IntervalSeconds × BackoffRate^(n-1), capped at
// MaxDelaySeconds when set. JitterStrategy FULL only shortens a wait (to a
// random share of it), so the worst case is the same.
func (r Retrier) worstWaitSeconds() float64 {
	total, wait := 0.0, float64(r.IntervalSeconds)
	for range r.MaxAttempts {
		if r.MaxDelaySeconds > 0 {
			wait = min(wait, float64(r.MaxDelaySeconds))
		}
		total += wait
		wait *= r.BackoffRate
	}
	return total
}

// span is the worst case of a state or a path, and how it adds up.
type span struct {
	seconds float64
	// steps explain it, one per state that takes time.
	steps []string
}

func (s span) then(next span) span {
	return span{seconds: s.seconds + next.seconds, steps: append(append([]string(nil), s.steps...), next.steps...)}
}

// WorstCase is the longest an execution can take along any path from
// StartAt (Next, Catch, Choices, Default), when every state takes as long as
// it may: each Task (and Parallel or Map) its worst attempt times its
// attempts (one plus each retrier's MaxAttempts) plus the retriers' capped
// backoff, each Wait its Seconds. A lambda:invoke attempt ends when the
// function does, so it lasts at most min(the Task's TimeoutSeconds,
// functionTimeout); functionTimeout 0 counts the Task's TimeoutSeconds
// alone. A Parallel takes its slowest branch; a Map one iteration, as its
// items run side by side and their number comes with the input.
//
// A loop, or a Wait on SecondsPath or a timestamp, has no worst case
// known at load: an error names the state.
func (t *Template) WorstCase(functionTimeout int) (seconds int, steps []string, err error) {
	worst, err := worstPath(t.graph, functionTimeout)
	if err != nil {
		return 0, nil, fmt.Errorf("statemachine/%s%s: %w", t.Name, extension, err)
	}
	return int(math.Ceil(worst.seconds)), worst.steps, nil
}

// worstPath is the longest path through list from its StartAt.
func worstPath(list states, functionTimeout int) (span, error) {
	memo := map[string]span{}
	visiting := map[string]bool{}
	if list.StartAt == "" {
		return span{}, nil // no states to run
	}
	var from func(name string) (span, error)
	from = func(name string) (span, error) {
		if done, ok := memo[name]; ok {
			return done, nil
		}
		if visiting[name] {
			return span{}, fmt.Errorf("state %q is on a loop: the worst case of an execution cannot be bounded at load; end the loop or leave it out", name)
		}
		state, ok := list.States[name]
		if !ok {
			return span{}, fmt.Errorf("no state %q, which a transition names", name)
		}
		visiting[name] = true
		defer delete(visiting, name)
		own, err := worstState(name, state, functionTimeout)
		if err != nil {
			return span{}, err
		}
		var longest span
		for _, next := range successors(state) {
			rest, err := from(next)
			if err != nil {
				return span{}, err
			}
			if rest.seconds > longest.seconds {
				longest = rest
			}
		}
		memo[name] = own.then(longest)
		return memo[name], nil
	}
	return from(list.StartAt)
}

// successors are the states a state may hand on to.
func successors(s state) []string {
	var next []string
	for _, name := range []string{s.Next, s.Default} {
		if name != "" {
			next = append(next, name)
		}
	}
	for _, transitions := range [][]struct{ Next string }{s.Catch, s.Choices} {
		for _, transition := range transitions {
			if transition.Next != "" {
				next = append(next, transition.Next)
			}
		}
	}
	return next
}

// worstState is the worst case of one state, retries included.
func worstState(name string, s state, functionTimeout int) (span, error) {
	var attempt float64
	switch s.Type {
	case "Task":
		attempt = float64(s.TimeoutSeconds)
		if (Task{Resource: s.Resource}).InvokesLambda() && functionTimeout > 0 {
			attempt = min(attempt, float64(functionTimeout))
		}
	case "Wait":
		if s.Seconds == nil {
			return span{}, fmt.Errorf("state %q waits without Seconds: a Wait on SecondsPath or a timestamp has no worst case known at load", name)
		}
		return span{seconds: float64(*s.Seconds), steps: []string{fmt.Sprintf("%s: %d s", name, *s.Seconds)}}, nil
	case "Parallel", "Map":
		branches := s.Branches
		for _, items := range []*states{s.ItemProcessor, s.Iterator} {
			if items != nil {
				branches = append(branches, *items)
			}
		}
		for _, branch := range branches {
			worst, err := worstPath(branch, functionTimeout)
			if err != nil {
				return span{}, err
			}
			attempt = max(attempt, worst.seconds)
		}
	default:
		return span{}, nil // Pass, Choice, Succeed and Fail take no time
	}
	attempts, waits := 1, 0.0
	for _, retrier := range s.Retry {
		attempts += retrier.MaxAttempts
		waits += retrier.worstWaitSeconds()
	}
	step := fmt.Sprintf("%s: %d × %g s", name, attempts, attempt)
	if waits > 0 {
		step += fmt.Sprintf(" + %g s backoff", waits)
	}
	return span{seconds: float64(attempts)*attempt + waits, steps: []string{step}}, nil
}

// CheckDuration holds the machine's TimeoutSeconds to the worst case of its
// paths when functions time out after functionTimeout seconds. A machine
// that times out first cuts retries short that the definition asks for,
// and ends with States.Timeout instead of the Task's own error. The error
// names both values and what would fit: the TimeoutSeconds the worst case
// needs, and the longest function timeout the current TimeoutSeconds
// allows.
func (t *Template) CheckDuration(functionTimeout int) error {
	worst, steps, err := t.WorstCase(functionTimeout)
	if err != nil {
		return err
	}
	if worst <= t.TimeoutSeconds {
		return nil
	}
	fits := "no function timeout fits it"
	for shorter := functionTimeout - 1; shorter >= 1; shorter-- {
		if seconds, _, _ := t.WorstCase(shorter); seconds <= t.TimeoutSeconds {
			fits = fmt.Sprintf("functions time out after at most %d s", shorter)
			break
		}
	}
	return fmt.Errorf("statemachine/%s%s: the machine's TimeoutSeconds %d is below the worst case of its path, %d s with functions that time out after %d s (%s): raise TimeoutSeconds to at least %d, or make sure %s",
		t.Name, extension, t.TimeoutSeconds, worst, functionTimeout, strings.Join(steps, ", "), worst, fits)
}
