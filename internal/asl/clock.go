package asl

import (
	"context"
	"sync"
	"time"
)

// Clock is all the time an execution sees: Wait states, Retry backoff,
// TimeoutSeconds and HeartbeatSeconds, and the timestamps of its history.
type Clock interface {
	Now() time.Time
	// NewAlarm is a one-shot wake-up for one waiter.
	NewAlarm() Alarm
	// Hold registers a goroutine that takes part in an execution (the
	// engine's own, or a test's that will send a task token); the
	// VirtualClock only moves while every holder is waiting on an Alarm.
	// The returned func ends the hold.
	Hold() (release func())
}

// Alarm wakes one waiter when it is rung or when its deadline passes.
type Alarm interface {
	// Wait blocks until Ring is called (rung is true), the deadline passes
	// (a zero deadline never passes) or ctx ends (err is ctx.Err()). A Ring
	// that came before Wait makes Wait return at once.
	Wait(ctx context.Context, deadline time.Time) (rung bool, err error)
	Ring()
}

// Sleep waits on clock for d, or until ctx ends.
func Sleep(ctx context.Context, clock Clock, d time.Duration) error {
	_, err := clock.NewAlarm().Wait(ctx, clock.Now().Add(d))
	return err
}

// WallClock is real time.
type WallClock struct{}

func (WallClock) Now() time.Time  { return time.Now() }
func (WallClock) Hold() func()    { return func() {} }
func (WallClock) NewAlarm() Alarm { return &wallAlarm{rung: make(chan struct{})} }

type wallAlarm struct {
	once sync.Once
	rung chan struct{}
}

func (a *wallAlarm) Ring() { a.once.Do(func() { close(a.rung) }) }

func (a *wallAlarm) Wait(ctx context.Context, deadline time.Time) (bool, error) {
	var expired <-chan time.Time
	if !deadline.IsZero() {
		timer := time.NewTimer(time.Until(deadline))
		defer timer.Stop()
		expired = timer.C
	}
	// A ring wins over a deadline or an end that happen at the same time.
	select {
	case <-a.rung:
		return true, nil
	default:
	}
	select {
	case <-a.rung:
		return true, nil
	case <-expired:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// VirtualClock is time for tests: it stands still while any holder runs
// and jumps to the earliest deadline the moment every holder waits, so Wait
// states, backoff and timeouts take no real time and land on exact seconds.
// Goroutines that wake an execution from outside (a test sending a task
// token) must Hold the clock, or the execution may time out before they act.
type VirtualClock struct {
	mu      sync.Mutex
	now     time.Time
	holders int
	waiting map[*virtualAlarm]struct{}
}

// NewVirtualClock starts at start.
func NewVirtualClock(start time.Time) *VirtualClock {
	return &VirtualClock{now: start, waiting: map[*virtualAlarm]struct{}{}}
}

func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *VirtualClock) Hold() func() {
	c.mu.Lock()
	c.holders++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.holders--
			c.advanceLocked()
			c.mu.Unlock()
		})
	}
}

func (c *VirtualClock) NewAlarm() Alarm {
	return &virtualAlarm{clock: c, wake: make(chan bool, 1)}
}

// advanceLocked moves time to the earliest deadline and fires every alarm
// due then, when all holders wait.
func (c *VirtualClock) advanceLocked() {
	if len(c.waiting) == 0 || len(c.waiting) < c.holders {
		return
	}
	var next time.Time
	for a := range c.waiting {
		if a.ctx.Err() != nil {
			// Canceled and about to wake: it is not waiting any more.
			return
		}
		if !a.deadline.IsZero() && (next.IsZero() || a.deadline.Before(next)) {
			next = a.deadline
		}
	}
	if next.IsZero() {
		return // everyone waits on a ring that only an outsider can give
	}
	if next.After(c.now) {
		c.now = next
	}
	for a := range c.waiting {
		if !a.deadline.IsZero() && !a.deadline.After(c.now) {
			delete(c.waiting, a)
			a.wake <- false
		}
	}
}

type virtualAlarm struct {
	clock    *VirtualClock
	ctx      context.Context
	deadline time.Time
	rung     bool // Ring came while nobody waited
	wake     chan bool
}

func (a *virtualAlarm) Ring() {
	c := a.clock
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.waiting[a]; ok {
		// The waiter stops counting as waiting here, under the lock, so
		// time cannot jump between this ring and the waiter running again.
		delete(c.waiting, a)
		a.wake <- true
		return
	}
	a.rung = true
}

func (a *virtualAlarm) Wait(ctx context.Context, deadline time.Time) (bool, error) {
	c := a.clock
	c.mu.Lock()
	if a.rung {
		a.rung = false
		c.mu.Unlock()
		return true, nil
	}
	if !deadline.IsZero() && !deadline.After(c.now) {
		c.mu.Unlock()
		return false, nil
	}
	a.deadline, a.ctx = deadline, ctx
	c.waiting[a] = struct{}{}
	c.advanceLocked()
	c.mu.Unlock()
	select {
	case rung := <-a.wake:
		return rung, nil
	case <-ctx.Done():
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.waiting[a]; ok {
			delete(c.waiting, a)
			c.advanceLocked()
			return false, ctx.Err()
		}
		return <-a.wake, nil
	}
}
