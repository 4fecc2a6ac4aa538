package localrun

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Each invocation runs in an emulator of its own, up to Concurrency per
// function; beyond it Lambda throttles with Lambda.TooManyRequestsException,
// which the workflow's Retry absorbs, as on AWS.
func TestConcurrencyPerFunction(t *testing.T) {
	// reverse is slow, so that the executions' calls overlap; the retries
	// (6 at 200 ms) outlast three of its calls one after the other.
	workflow, _ := workflowOf(t, "main")
	firstStep := stepFunction(t, workflow, 0)
	slowReverse := func(function string, call int) Fault {
		if function == firstStep {
			return Fault{Delay: 300 * time.Millisecond}
		}
		return Fault{}
	}
	tests := []struct {
		name          string
		concurrency   int
		executions    int
		wantEmulators int
		wantRetries   bool
	}{
		{name: "within the limit: an emulator each, no throttling", concurrency: 3, executions: 3, wantEmulators: 3},
		{name: "beyond the limit: throttled and retried", concurrency: 1, executions: 3, wantEmulators: 1, wantRetries: true},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			progress := &syncBuffer{}
			session := startSession(t, Config{Concurrency: test.concurrency, Faults: slowReverse, RetryInterval: 200 * time.Millisecond, Progress: progress})
			var wg sync.WaitGroup
			for range test.executions {
				wg.Go(func() {
					execution, err := session.Execute(t.Context(), json.RawMessage(seedInput(t)))
					if assert.NoError(t, err) && assert.Nil(t, execution.Failure) {
						assert.Equal(t, seedOutput(t), string(execution.Output))
					}
				})
			}
			wg.Wait()
			for _, pool := range session.pools {
				if pool.function.Name == firstStep {
					assert.Len(t, pool.emulators(), test.wantEmulators)
				}
			}
			assert.Equal(t, test.wantRetries, strings.Contains(progress.String(), "↻ Reverse retry"), "retries of Reverse")
		})
	}
}
