package localrun

import (
	"fmt"
	"io"
	"strings"
	"time"

	"stepfunctions-go/internal/asl"
)

// progressReport prints an execution's history events for people, as they
// are recorded, and counts its state transitions. The engine reports each
// event once, in order (asl.ExecutionInfo.OnEvent).
type progressReport struct {
	out         io.Writer
	states      eventStates
	retries     map[int64]int // by the id of the StateEntered event
	transitions int
}

func newProgressReport(out io.Writer) *progressReport {
	return &progressReport{out: out, states: eventStates{}, retries: map[int64]int{}}
}

func (p *progressReport) event(e asl.Event) {
	p.states.observe(e)
	previous := p.states[e.PreviousEventID]
	switch {
	case strings.HasSuffix(e.Type, "StateEntered"):
		p.transitions++
		if exited := previous; strings.HasSuffix(exited.kind, "StateExited") && isFailure(p.states[exited.previous].kind) {
			fmt.Fprintf(p.out, "⤷ %s caught, next %s\n", exited.state, e.Details["name"])
		}
		fmt.Fprintf(p.out, "→ %s\n", e.Details["name"])
	case strings.HasSuffix(e.Type, "StateExited"):
		fmt.Fprintf(p.out, "← %s (%s)\n", e.Details["name"], p.since(e))
	case e.Type == "ExecutionFailed" && previous.kind == "FailStateEntered":
		fmt.Fprintf(p.out, "■ %s ends the execution with %s\n", previous.state, e.Details["error"])
	case isFailure(e.Type) && e.Details["error"] != nil && !strings.HasPrefix(e.Type, "Execution"):
		fmt.Fprintf(p.out, "✗ %s failed with %s (%s)\n", p.states[e.ID].state, e.Details["error"], p.since(e))
	case isFailure(previous.kind) && (strings.HasSuffix(e.Type, "Scheduled") || strings.HasSuffix(e.Type, "StateStarted")):
		// A retry is a transition of its own in Step Functions' count.
		p.transitions++
		entered := p.states[e.ID].entered
		p.retries[entered]++
		fmt.Fprintf(p.out, "↻ %s retry %d\n", p.states[e.ID].state, p.retries[entered])
	}
}

// since is the time from the state's entry to e.
func (p *progressReport) since(e asl.Event) time.Duration {
	entered := p.states[p.states[e.ID].entered]
	return e.Timestamp.Sub(entered.at).Round(10 * time.Microsecond)
}

func (p *progressReport) count() int { return p.transitions }

func (p *progressReport) finish(execution *Execution) {
	outcome := "succeeded"
	if execution.Failure != nil {
		outcome = "failed with " + execution.Failure.Error
	}
	fmt.Fprintf(p.out, "local: execution %s in %s, %d state transitions\n", outcome, execution.Duration.Round(10*time.Microsecond), execution.Transitions)
}

// isFailure tells the events that end an attempt with an error: TaskFailed,
// TaskTimedOut, LambdaFunctionFailed, MapStateFailed and the like.
func isFailure(kind string) bool {
	return strings.HasSuffix(kind, "Failed") || strings.HasSuffix(kind, "TimedOut")
}

// eventStates places each event of a history in the state it belongs to,
// by previousEventId, so that concurrent Map iterations and Parallel
// branches are told apart: a StateEntered event opens a state; an event
// that names a state (StateExited, MapIteration…) belongs to the nearest
// state of that name it follows from; a Map or Parallel state's own end
// (MapStateSucceeded…), which follows from its iterations' or branches'
// last events, to the state that encloses those; any other event to the
// state of the event before it.
type eventStates map[int64]eventState

type eventState struct {
	kind     string
	previous int64
	state    string    // the state's name
	entered  int64     // the id of the state's StateEntered event
	parent   int64     // for a StateEntered event, its Map's or Parallel's
	at       time.Time // the event's timestamp
}

func (s eventStates) observe(e asl.Event) {
	placed := eventState{kind: e.Type, previous: e.PreviousEventID, at: e.Timestamp}
	from := s[e.PreviousEventID]
	name, named := e.Details["name"].(string)
	switch {
	case strings.HasSuffix(e.Type, "StateEntered"):
		placed.state, placed.entered = name, e.ID
		if from.kind == "MapIterationStarted" || from.kind == "ParallelStateStarted" {
			placed.parent = from.entered
		} else { // after a sibling, or first in the execution
			placed.parent = s[from.entered].parent
		}
		s[e.ID] = placed
		return
	case named:
		entered := from.entered
		for entered != 0 && s[entered].state != name {
			entered = s[entered].parent
		}
		placed.entered = entered
	case (strings.HasPrefix(e.Type, "MapState") || strings.HasPrefix(e.Type, "ParallelState")) && !strings.HasSuffix(e.Type, "Started") &&
		from.kind != "MapStateStarted" && from.kind != "ParallelStateStarted" && !strings.HasPrefix(from.kind, "MapIteration"):
		placed.entered = s[from.entered].parent
	default:
		placed.entered = from.entered
	}
	placed.state = s[placed.entered].state
	s[e.ID] = placed
}
