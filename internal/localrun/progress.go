package localrun

import (
	"fmt"
	"io"
	"time"
)

// progressReport prints an execution's events for people and counts its
// state transitions.
type progressReport struct {
	out         io.Writer
	entered     map[string]time.Time
	transitions int
}

func newProgressReport(out io.Writer) *progressReport {
	return &progressReport{out: out, entered: map[string]time.Time{}}
}

func (p *progressReport) event(e Event) {
	switch e.Type {
	case "StateEntered":
		p.transitions++
		p.entered[e.State] = e.At
		fmt.Fprintf(p.out, "→ %s\n", e.State)
	case "StateExited":
		fmt.Fprintf(p.out, "← %s (%s)\n", e.State, p.since(e))
	case "StateFailed":
		if e.StateType == "Fail" {
			fmt.Fprintf(p.out, "■ %s ends the execution with %s\n", e.State, e.Error)
			return
		}
		fmt.Fprintf(p.out, "✗ %s failed with %s (%s)\n", e.State, e.Error, p.since(e))
	case "StateRetried":
		// A retry is a transition of its own in Step Functions' count.
		p.transitions++
		p.entered[e.State] = e.At
		fmt.Fprintf(p.out, "↻ %s retry %d\n", e.State, e.Attempt)
	case "StateCaught":
		fmt.Fprintf(p.out, "⤷ %s caught, next %s\n", e.State, e.Next)
	}
}

func (p *progressReport) since(e Event) time.Duration {
	return e.At.Sub(p.entered[e.State]).Round(10 * time.Microsecond)
}

func (p *progressReport) finish(execution *Execution) {
	outcome := "succeeded"
	if execution.Failure != nil {
		outcome = "failed with " + execution.Failure.Error
	}
	fmt.Fprintf(p.out, "local: execution %s in %s, %d state transitions\n", outcome, execution.Duration.Round(10*time.Microsecond), execution.Transitions)
}
