// Package progress reports the steps of a setup that can take minutes on a
// first run (compiling, installing, starting processes), so that a person
// watching never faces a silence long enough to wonder whether it hangs.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Tick is how often a step still running says so; a variable so that
// tests can wait milliseconds instead.
var Tick = 10 * time.Second

// Step is one step under way.
type Step struct {
	out      io.Writer
	prefix   string
	what     string
	started  time.Time
	stopTick chan struct{}
	ticking  sync.WaitGroup
	endOnce  sync.Once
}

// Start prints "<tag>: <what>…" and then, every Tick until End, how long the
// step has been running.
func Start(out io.Writer, tag, what string) *Step {
	s := &Step{out: out, prefix: tag + ": ", what: what, started: time.Now(), stopTick: make(chan struct{})}
	fmt.Fprintf(out, "%s%s…\n", s.prefix, what)
	s.ticking.Go(s.tick)
	return s
}

func (s *Step) tick() {
	ticker := time.NewTicker(Tick)
	defer ticker.Stop()
	for {
		select {
		case <-s.stopTick:
			return
		case <-ticker.C:
			fmt.Fprintf(s.out, "%sstill %s (%s so far)\n", s.prefix, s.what, Seconds(time.Since(s.started)))
		}
	}
}

// End prints how long the step took, or that it failed after how long. It
// is safe to call more than once; only the first call prints.
func (s *Step) End(err error) {
	s.endOnce.Do(func() {
		close(s.stopTick)
		s.ticking.Wait() // no "still" line after the last one
		outcome := "done"
		if err != nil {
			outcome = "failed"
		}
		fmt.Fprintf(s.out, "%s%s: %s in %s\n", s.prefix, s.what, outcome, Seconds(time.Since(s.started)))
	})
}

// Seconds formats a duration for people: "0.4 s", "12.3 s", "150 s".
func Seconds(d time.Duration) string {
	if d < 100*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f s", d.Seconds())
}
