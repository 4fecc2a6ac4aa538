package localrun

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"

	"stepfunctions-go/internal/asl"
)

// Each invocation runs in an emulator of its own, up to Concurrency per
// function; beyond it Lambda throttles with Lambda.TooManyRequestsException,
// which the workflow's Retry absorbs, as on AWS. The first step's calls are
// held until they overlap as each case needs, not for a time, so the outcome
// does not depend on how fast the machine is.
func TestConcurrencyPerFunction(t *testing.T) {
	workflow, example := workflowOf(t, "main")
	first := functionSteps(t, workflow)[0]
	tests := []struct {
		name        string
		concurrency int
		executions  int
		// wantEmulators is how many emulators the first step's function
		// ends up with.
		wantEmulators int
		wantThrottled bool
	}{
		// Every call is held until all of them have arrived: they can only
		// all arrive in emulators of their own.
		{name: "within the limit: an emulator each, no throttling", concurrency: 3, executions: 3, wantEmulators: 3},
		// The first call holds the only emulator until every other
		// execution has been throttled; they then get it in turn.
		{name: "beyond the limit: throttled and retried", concurrency: 1, executions: 3, wantEmulators: 1, wantThrottled: true},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			release := make(chan struct{})
			releaseOnce := sync.OnceFunc(func() { close(release) })
			var mu sync.Mutex
			arrived := 0
			throttled := map[int]bool{} // executions throttled at least once
			plan := func(function string, call int) Fault {
				if function != first.Function {
					return Fault{}
				}
				mu.Lock()
				defer mu.Unlock()
				arrived++
				if !test.wantThrottled && arrived == test.executions {
					releaseOnce()
				}
				return Fault{Hold: release}
			}
			session := startSession(t, Config{Concurrency: test.concurrency, Faults: plan,
				RetryInterval: throttleRetryInterval, RetryMaxAttempts: throttleRetryAttempts})
			defer releaseOnce() // a failed case must not hold its calls until Close
			// Bounded: held calls that never overlap would wait for ever.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			for i := range test.executions {
				wg.Go(func() {
					states := eventStates{}
					record := func(e asl.Event) {
						states.observe(e)
						if e.Type != string(types.HistoryEventTypeTaskFailed) || states[e.ID].state != first.State.Name || e.Details["error"] != throttledError {
							return
						}
						mu.Lock()
						defer mu.Unlock()
						throttled[i] = true
						// Every execution but the one holding the emulator.
						if len(throttled) == test.executions-1 {
							releaseOnce()
						}
					}
					execution, err := session.execute(ctx, example.Input, testWriter{t}, record)
					if assert.NoError(t, err, "execution %d", i) && assert.Nil(t, execution.Failure, "execution %d", i) {
						assert.JSONEq(t, string(example.Output), string(execution.Output), "execution %d", i)
					}
				})
			}
			wg.Wait()
			for _, pool := range session.pools {
				if pool.function.Name == first.Function {
					assert.Len(t, pool.emulators(), test.wantEmulators)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			wantThrottled := 0
			if test.wantThrottled {
				wantThrottled = test.executions - 1
			}
			assert.Len(t, throttled, wantThrottled, "executions whose %s calls were throttled, then retried", first.State.Name)
		})
	}
}
