package localrun

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// Every workflow turns its example's input into its example's output, one
// state transition per state on its path.
func TestEveryWorkflowGivesItsExampleOutput(t *testing.T) {
	for _, name := range statemachine.Names() {
		workflow, example := workflowOf(t, name)
		for _, arch := range bundle.Arches {
			t.Run(name+"/"+string(arch), func(t *testing.T) {
				requireArch(t, arch)
				session := startSession(t, Config{Workflow: name, Arch: arch})
				// Bounded: a callback that never comes would wait for the Task's 600 s.
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				execution, err := session.Execute(ctx, example.Input)
				require.NoError(t, err)
				require.Nil(t, execution.Failure)
				assert.JSONEq(t, string(example.Output), string(execution.Output))
				assert.Equal(t, len(workflow.Path), execution.Transitions, "one transition per state, nothing retried")
			})
		}
	}
}

// callLog is a FaultPlan that records the invocations and injects the
// faults of plan (none when nil).
type callLog struct {
	mu    sync.Mutex
	calls map[string]int
	plan  FaultPlan
}

func (c *callLog) fault(function string, call int) Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[function] = call
	if c.plan == nil {
		return Fault{}
	}
	return c.plan(function, call)
}

func (c *callLog) count(function string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[function]
}

func TestBadInputFailsThroughCatchWithTheFunctionsError(t *testing.T) {
	workflow, _ := workflowOf(t, "main")
	first := stepFunction(t, workflow, 0)
	log := &callLog{}
	session := startSession(t, Config{Faults: log.fault})
	for name, input := range map[string]string{
		"payload not a string": `{"payload": 1}`,
		"payload missing":      `{}`,
		"unexpected field":     `{"payload": "hi", "extra": true}`,
		"not an object":        `["hi mom"]`,
	} {
		t.Run(name, func(t *testing.T) {
			before := log.count(first)
			execution, err := session.Execute(t.Context(), json.RawMessage(input))
			require.NoError(t, err)
			require.NotNil(t, execution.Failure, "output %s", execution.Output)
			assert.Equal(t, "InvalidInputError", execution.Failure.Error)
			var cause struct{ ErrorType, ErrorMessage string }
			require.NoError(t, json.Unmarshal([]byte(execution.Failure.Cause), &cause), "the cause is the function's error document")
			assert.Equal(t, "InvalidInputError", cause.ErrorType)
			assert.Contains(t, cause.ErrorMessage, "invalid input")
			assert.Equal(t, 1, log.count(first)-before, "a function's own error is not retried")
			assert.Equal(t, 2, execution.Transitions, "the first step, then Failed")
			assert.Less(t, execution.Duration, 5*time.Second)
		})
	}
}

func TestTransientFaults(t *testing.T) {
	workflow, example := workflowOf(t, "main")
	first, second, steps := stepFunction(t, workflow, 0), stepFunction(t, workflow, 1), len(workflow.Path)
	throttled := &TaskError{Name: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException)"}
	serviceError := &TaskError{Name: "Lambda.ServiceException", Cause: "Internal error. (Service: AWSLambda; Status Code: 500; Error Code: ServiceException)"}
	failFirst := func(function string, calls int, err *TaskError) FaultPlan {
		return func(fn string, call int) Fault {
			if fn == function && call <= calls {
				return Fault{Err: err}
			}
			return Fault{}
		}
	}
	tests := []struct {
		name   string
		config Config
		plan   FaultPlan
		// want is the failure's error name; empty for a successful execution.
		want string
		// wantFirstCalls counts the invocations of the first step's function.
		wantFirstCalls  int
		wantTransitions int
		maxDuration     time.Duration
	}{{
		name:            "throttled twice, then succeeds",
		config:          Config{RetryInterval: time.Millisecond},
		plan:            failFirst(first, 2, throttled),
		wantFirstCalls:  3,
		wantTransitions: steps + 2,
		maxDuration:     5 * time.Second,
	}, {
		name:            "service error on the second step, then succeeds",
		config:          Config{RetryInterval: time.Millisecond},
		plan:            failFirst(second, 1, serviceError),
		wantFirstCalls:  1,
		wantTransitions: steps + 1,
		maxDuration:     5 * time.Second,
	}, {
		// Without an override the definition's own backoff applies: FULL
		// jitter waits between 0 and IntervalSeconds (2 s) before the retry.
		name:            "throttled once, definition's backoff",
		plan:            failFirst(first, 1, throttled),
		wantFirstCalls:  2,
		wantTransitions: steps + 1,
		maxDuration:     4 * time.Second,
	}, {
		name:            "retries exhausted reach the Catch",
		config:          Config{RetryInterval: time.Millisecond},
		plan:            failFirst(first, 100, serviceError),
		want:            "Lambda.ServiceException",
		wantFirstCalls:  7, // the first attempt and MaxAttempts 6
		wantTransitions: 1 + 6 + 1,
		maxDuration:     5 * time.Second,
	}, {
		name:   "a task past its timeout fails with States.Timeout",
		config: Config{TaskTimeout: time.Second},
		plan: func(fn string, call int) Fault {
			return Fault{Delay: 3 * time.Second}
		},
		want:            "States.Timeout",
		wantFirstCalls:  1, // States.Timeout is not in the Retry's ErrorEquals
		wantTransitions: 2,
		maxDuration:     2500 * time.Millisecond,
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			log := &callLog{plan: test.plan}
			test.config.Faults = log.fault
			session := startSession(t, test.config)
			execution, err := session.Execute(t.Context(), example.Input)
			require.NoError(t, err)
			if test.want == "" {
				require.Nil(t, execution.Failure)
				assert.JSONEq(t, string(example.Output), string(execution.Output))
			} else {
				require.NotNil(t, execution.Failure, "output %s", execution.Output)
				assert.Equal(t, test.want, execution.Failure.Error)
			}
			assert.Equal(t, test.wantFirstCalls, log.count(first))
			assert.Equal(t, test.wantTransitions, execution.Transitions)
			assert.Less(t, execution.Duration, test.maxDuration)
		})
	}
}

func TestInterruptedExecutionStopsPromptly(t *testing.T) {
	session := startSession(t, Config{Faults: func(string, int) Fault { return Fault{Delay: time.Minute} }})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := session.Execute(ctx, json.RawMessage(`{"payload":"hi"}`))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(started), 2*time.Second)
	// startSession's cleanup checks that Close stops every process.
}
