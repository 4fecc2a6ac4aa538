package asl

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestVirtualClock(t *testing.T) {
	t.Run("sleepers wake in deadline order at their exact times", func(t *testing.T) {
		clock := NewVirtualClock(epoch)
		var mu sync.Mutex
		var woke []time.Duration
		var wg sync.WaitGroup
		durations := []time.Duration{3 * time.Second, time.Second, 2 * time.Second}
		// Every sleeper holds the clock before any starts, or the first one
		// could see time move for it alone.
		releases := make([]func(), len(durations))
		for i := range durations {
			releases[i] = clock.Hold()
		}
		for i, d := range durations {
			release := releases[i]
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer release()
				require.NoError(t, Sleep(context.Background(), clock, d))
				mu.Lock()
				woke = append(woke, clock.Now().Sub(epoch))
				mu.Unlock()
			}()
		}
		wg.Wait()
		require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}, woke)
	})
	t.Run("time stands still while a holder runs", func(t *testing.T) {
		clock := NewVirtualClock(epoch)
		busy := clock.Hold()
		done := make(chan struct{})
		sleeper := clock.Hold()
		go func() {
			defer close(done)
			defer sleeper()
			_ = Sleep(context.Background(), clock, time.Minute)
		}()
		for waiting(clock) == 0 {
			select {
			case <-done:
				t.Fatal("the sleeper woke while a holder was busy")
			default:
				runtime.Gosched()
			}
		}
		require.Equal(t, epoch, clock.Now(), "the sleeper waits, but a holder is busy")
		busy()
		<-done
		require.Equal(t, epoch.Add(time.Minute), clock.Now())
	})
	t.Run("a ring before the wait is kept", func(t *testing.T) {
		clock := NewVirtualClock(epoch)
		alarm := clock.NewAlarm()
		alarm.Ring()
		rung, err := alarm.Wait(context.Background(), epoch.Add(time.Hour))
		require.NoError(t, err)
		require.True(t, rung)
		require.Equal(t, epoch, clock.Now())
	})
	t.Run("a canceled waiter returns the context's error and time does not jump for it", func(t *testing.T) {
		clock := NewVirtualClock(epoch)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		release := clock.Hold()
		defer release()
		rung, err := clock.NewAlarm().Wait(ctx, epoch.Add(time.Hour))
		require.False(t, rung)
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, epoch, clock.Now())
	})
	t.Run("a past deadline returns at once", func(t *testing.T) {
		clock := NewVirtualClock(epoch)
		rung, err := clock.NewAlarm().Wait(context.Background(), epoch.Add(-time.Second))
		require.NoError(t, err)
		require.False(t, rung)
	})
}

func waiting(c *VirtualClock) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiting)
}

func TestWallClock(t *testing.T) {
	clock := WallClock{}
	alarm := clock.NewAlarm()
	alarm.Ring()
	rung, err := alarm.Wait(context.Background(), clock.Now().Add(time.Hour))
	require.NoError(t, err)
	require.True(t, rung)
	rung, err = clock.NewAlarm().Wait(context.Background(), clock.Now())
	require.NoError(t, err)
	require.False(t, rung, "a deadline that has passed")
}
