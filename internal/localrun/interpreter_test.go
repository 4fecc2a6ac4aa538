package localrun

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// throttledCalls is an integration that throttles each state's first
// `throttles` calls, then succeeds, counting the calls per state.
type throttledCalls struct {
	throttles int
	mu        sync.Mutex
	calls     map[string]int
}

func (c *throttledCalls) call(ctx context.Context, task taskCall) (json.RawMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[task.State]++
	if c.calls[task.State] <= c.throttles {
		return nil, &TaskError{Name: throttledError, Cause: "Rate Exceeded."}
	}
	return json.RawMessage(`"done"`), nil
}

// The retry overrides reach every Retry rule, in Parallel branches and Map
// item processors too: RetryMaxAttempts gives tests that throttle on purpose
// a retry budget for a busy machine, while without it the definition's
// MaxAttempts still decides.
func TestRetryOverridesReachNestedStates(t *testing.T) {
	// Synthetic states, each allowed two retries by the definition.
	const definition = `{"StartAt":"Fork","States":{
		"Fork":{"Type":"Parallel","ResultPath":null,"Next":"Items","Branches":[{"StartAt":"InABranch","States":{
			"InABranch":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSeconds":30,
				"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":2}],"End":true}}}]},
		"Items":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{"StartAt":"ForAnItem","States":{
			"ForAnItem":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSeconds":30,
				"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":2}],"End":true}}}}}}`
	tests := []struct {
		name      string
		overrides interpreterOverrides
		// wantError is the execution's error; empty when it succeeds.
		wantError string
		wantCalls map[string]int
	}{{
		name:      "the definition's MaxAttempts: the first call and 2 retries, then the error",
		overrides: interpreterOverrides{RetryInterval: time.Millisecond},
		wantError: throttledError,
		wantCalls: map[string]int{"InABranch": 3},
	}, {
		name:      "RetryMaxAttempts outlasts the throttling",
		overrides: interpreterOverrides{RetryInterval: time.Millisecond, RetryMaxAttempts: 10},
		wantCalls: map[string]int{"InABranch": 6, "ForAnItem": 6},
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			throttling := &throttledCalls{throttles: 5, calls: map[string]int{}}
			in, err := startInterpreter(t.Context(), testTools(t), definition, test.overrides, map[string]integration{lambdaInvokeResource: throttling})
			require.NoError(t, err)
			t.Cleanup(in.stop)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			done, err := in.execute(ctx, json.RawMessage(`{"items":[1]}`), func(Event) {})
			require.NoError(t, err)
			assert.Equal(t, test.wantError, done.Error, "cause: %s", done.Cause)
			assert.Equal(t, test.wantCalls, throttling.calls)
		})
	}
}
