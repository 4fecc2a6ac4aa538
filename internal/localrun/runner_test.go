package localrun

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
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
				// Bounded: a callback that never comes would wait for the
				// Task's 600 s. Generous: on a loaded machine the callback
				// workflow under qemu has taken 8 s.
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
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
	first := functionSteps(t, workflow)[0]
	log := &callLog{}
	session := startSession(t, Config{Faults: log.fault})
	for name, input := range map[string]string{
		"payload not a string": `{"payload": 1}`,
		"payload missing":      `{}`,
		"unexpected field":     `{"payload": "hi", "extra": true}`,
		"not an object":        `["hi mom"]`,
	} {
		t.Run(name, func(t *testing.T) {
			before := log.count(first.Function)
			execution, err := session.Execute(t.Context(), json.RawMessage(input))
			require.NoError(t, err)
			require.NotNil(t, execution.Failure, "output %s", execution.Output)
			assert.Equal(t, "InvalidInputError", execution.Failure.Error)
			var cause struct{ ErrorType, ErrorMessage string }
			require.NoError(t, json.Unmarshal([]byte(execution.Failure.Cause), &cause), "the cause is the function's error document")
			assert.Equal(t, "InvalidInputError", cause.ErrorType)
			assert.Contains(t, cause.ErrorMessage, "invalid input")
			assert.Equal(t, 1, log.count(first.Function)-before, "a function's own error is not retried")
			assert.Equal(t, 1+len(afterCatch(t, workflow, first.State.Name)), execution.Transitions, "the first step, then the states after its Catch")
		})
	}
}

func TestTransientFaults(t *testing.T) {
	workflow, example := workflowOf(t, "main")
	steps := functionSteps(t, workflow)
	first, last := steps[0], steps[len(steps)-1]
	// A first step that fails for good goes on to the states after its Catch.
	caughtTransitions := 1 + len(afterCatch(t, workflow, first.State.Name))
	throttled := &stateserror.Error{Name: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException)"}
	serviceError := &stateserror.Error{Name: "Lambda.ServiceException", Cause: "Internal error. (Service: AWSLambda; Status Code: 500; Error Code: ServiceException)"}
	failFirst := func(function string, calls int, err *stateserror.Error) FaultPlan {
		return func(fn string, call int) Fault {
			if fn == function && call <= calls {
				return Fault{Err: err}
			}
			return Fault{}
		}
	}
	stuck := make(chan struct{}) // never closed: a call that never ends
	tests := []struct {
		name   string
		config Config
		// target is the function the faults hit.
		target string
		plan   FaultPlan
		// want is the failure's error name; empty for a successful execution.
		want string
		// wantTargetCalls counts the invocations of target.
		wantTargetCalls int
		wantTransitions int
	}{{
		name:            "throttled twice, then succeeds",
		config:          Config{RetryInterval: time.Millisecond},
		target:          first.Function,
		plan:            failFirst(first.Function, 2, throttled),
		wantTargetCalls: invocationsOf(t, workflow, first.Function) + 2,
		wantTransitions: len(workflow.Path) + 2,
	}, {
		name:            "service error on the last step, then succeeds",
		config:          Config{RetryInterval: time.Millisecond},
		target:          last.Function,
		plan:            failFirst(last.Function, 1, serviceError),
		wantTargetCalls: invocationsOf(t, workflow, last.Function) + 1,
		wantTransitions: len(workflow.Path) + 1,
	}, {
		// Without an override the definition's own backoff applies: FULL
		// jitter waits between 0 and IntervalSeconds (2 s) before the retry.
		name:            "throttled once, definition's backoff",
		target:          first.Function,
		plan:            failFirst(first.Function, 1, throttled),
		wantTargetCalls: invocationsOf(t, workflow, first.Function) + 1,
		wantTransitions: len(workflow.Path) + 1,
	}, {
		// The retry policy itself: its real MaxAttempts, only its waits shortened.
		name:            "retries exhausted reach the Catch",
		config:          Config{RetryInterval: time.Millisecond},
		target:          first.Function,
		plan:            failFirst(first.Function, 100, serviceError),
		want:            "Lambda.ServiceException",
		wantTargetCalls: 1 + statemachine.LambdaRetry.MaxAttempts,
		wantTransitions: caughtTransitions + statemachine.LambdaRetry.MaxAttempts,
	}, {
		name:   "a task past its timeout fails with States.Timeout",
		config: Config{TaskTimeout: time.Second},
		target: first.Function,
		plan: func(fn string, call int) Fault {
			return Fault{Hold: stuck}
		},
		want:            "States.Timeout",
		wantTargetCalls: 1, // States.Timeout is not in the Retry's ErrorEquals
		wantTransitions: caughtTransitions,
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			t.Parallel()
			log := &callLog{plan: test.plan}
			test.config.Faults = log.fault
			session := startSession(t, test.config)
			// Bounded: the stuck call would otherwise hold the execution
			// until the Task's own TimeoutSeconds.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			execution, err := session.Execute(ctx, example.Input)
			require.NoError(t, err)
			if test.want == "" {
				require.Nil(t, execution.Failure)
				assert.JSONEq(t, string(example.Output), string(execution.Output))
			} else {
				require.NotNil(t, execution.Failure, "output %s", execution.Output)
				assert.Equal(t, test.want, execution.Failure.Error)
			}
			assert.Equal(t, test.wantTargetCalls, log.count(test.target))
			assert.Equal(t, test.wantTransitions, execution.Transitions)
		})
	}
}

// An execution whose context ends while a call is under way returns at
// once with the context's error, without waiting for the call, which here
// never ends.
func TestInterruptedExecutionStopsPromptly(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var canceled time.Time
	stuck := make(chan struct{}) // never closed
	interrupt := sync.OnceFunc(func() {
		canceled = time.Now()
		cancel()
	})
	session := startSession(t, Config{Faults: func(string, int) Fault {
		interrupt() // the call is under way
		return Fault{Hold: stuck}
	}})
	_, err := session.Execute(ctx, json.RawMessage(seedInput(t)))
	require.ErrorIs(t, err, context.Canceled)
	// Promptly: in milliseconds on an idle machine; the bound leaves a
	// loaded one room, and is nothing next to a call that never ends.
	assert.Less(t, time.Since(canceled), 10*time.Second)
	// startSession's cleanup checks that Close stops every process.
}
