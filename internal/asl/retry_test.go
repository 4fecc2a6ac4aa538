package asl

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

const invoke = "arn:aws:states:::lambda:invoke"

// failing is an integration that fails with the given errors, one per call,
// then returns {"ok": true}; calls counts the calls.
func failing(calls *atomic.Int32, errs ...error) Integration {
	return func(ctx context.Context, call TaskCall) (any, error) {
		n := int(calls.Add(1))
		if n <= len(errs) {
			return nil, errs[n-1]
		}
		return map[string]any{"ok": true}, nil
	}
}

func named(name string) error { return &stateserror.Error{Name: name, Cause: "cause of " + name} }

func taskWith(retry, catch string) string {
	return `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "` + invoke + `", "Retry": ` + retry + `, "Catch": ` + catch + `, "End": true},
		"Caught": {"Type": "Pass", "End": true}}}`
}

func TestRetry(t *testing.T) {
	svc := named("Lambda.ServiceException")
	tests := []struct {
		name      string
		retry     string
		errs      []error
		random    float64
		wantCalls int32
		wantTime  time.Duration
		wantError string // "" succeeds
	}{
		{"backoff doubles the interval", `[{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}]`,
			[]error{svc, svc}, 0, 3, 6 * time.Second, ""},
		{"defaults: 1 s, ×2, 3 attempts", `[{"ErrorEquals": ["States.ALL"]}]`,
			[]error{svc, svc, svc}, 0, 4, 7 * time.Second, ""},
		{"attempts run out", `[{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2}]`,
			[]error{svc, svc, svc}, 0, 3, 3 * time.Second, "Lambda.ServiceException"},
		{"MaxAttempts 0 never retries", `[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}]`,
			[]error{svc}, 0, 1, 0, "Lambda.ServiceException"},
		{"MaxDelaySeconds caps the delay", `[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3, "MaxDelaySeconds": 5}]`,
			[]error{svc, svc, svc}, 0, 4, 12 * time.Second, ""},
		{"JitterStrategy FULL scales each delay by the random source", `[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "MaxAttempts": 2, "JitterStrategy": "FULL"}]`,
			[]error{svc, svc}, 0.25, 3, 3 * time.Second, ""},
		{"an error no retrier names is not retried", `[{"ErrorEquals": ["Other"]}]`,
			[]error{svc}, 0, 1, 0, "Lambda.ServiceException"},
		{"each retrier counts its own attempts", `[{"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1}, {"ErrorEquals": ["B"], "MaxAttempts": 1, "IntervalSeconds": 10}]`,
			[]error{named("A"), named("B"), named("A")}, 0, 3, 11 * time.Second, "A"},
		{"a plain Go error is States.TaskFailed", `[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}]`,
			[]error{errors.New("connection reset")}, 0, 2, time.Second, ""},
		{"States.TaskFailed does not match States.Timeout", `[{"ErrorEquals": ["States.TaskFailed"]}]`,
			[]error{named(stateserror.Timeout)}, 0, 1, 0, stateserror.Timeout},
		{"States.ALL does not retry States.Runtime", `[{"ErrorEquals": ["States.ALL"]}]`,
			[]error{named(stateserror.Runtime)}, 0, 1, 0, stateserror.Runtime},
		{"nothing retries States.Runtime, even by name", `[{"ErrorEquals": ["States.Runtime"]}]`,
			[]error{named(stateserror.Runtime)}, 0, 1, 0, stateserror.Runtime},
		{"States.ALL does not retry States.DataLimitExceeded", `[{"ErrorEquals": ["States.ALL"]}]`,
			[]error{named(stateserror.DataLimitExceeded)}, 0, 1, 0, stateserror.DataLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			s := setup{integrations: IntegrationMap{invoke: failing(&calls, tt.errs...)}, random: func() float64 { return tt.random }}
			r := s.run(t, taskWith(tt.retry, `[]`), `{}`)
			require.Equal(t, tt.wantCalls, calls.Load())
			require.Equal(t, tt.wantTime, r.elapsed)
			if tt.wantError == "" {
				requireOutput(t, r, `{"ok": true}`)
			} else {
				requireError(t, r, tt.wantError)
			}
		})
	}
}

func TestCatch(t *testing.T) {
	tests := []struct {
		name, catch string
		err         error
		want        string // output, or "" when the execution fails
	}{
		{"States.ALL with ResultPath", `[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]`,
			named("Custom"), `{"in": 1, "error": {"Error": "Custom", "Cause": "cause of Custom"}}`},
		{"default ResultPath replaces the input", `[{"ErrorEquals": ["Custom"], "Next": "Caught"}]`,
			named("Custom"), `{"Error": "Custom", "Cause": "cause of Custom"}`},
		{"ResultPath null keeps the input", `[{"ErrorEquals": ["Custom"], "ResultPath": null, "Next": "Caught"}]`,
			named("Custom"), `{"in": 1}`},
		{"the first matching catcher wins", `[{"ErrorEquals": ["Other"], "Next": "T"}, {"ErrorEquals": ["Custom"], "ResultPath": "$.c", "Next": "Caught"}, {"ErrorEquals": ["States.ALL"], "Next": "T"}]`,
			named("Custom"), `{"in": 1, "c": {"Error": "Custom", "Cause": "cause of Custom"}}`},
		{"States.ALL does not catch States.DataLimitExceeded", `[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]`,
			named(stateserror.DataLimitExceeded), ""},
		{"States.ALL does not catch States.Runtime", `[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]`,
			named(stateserror.Runtime), ""},
		{"States.TaskFailed catches a task's error", `[{"ErrorEquals": ["States.TaskFailed"], "ResultPath": null, "Next": "Caught"}]`,
			named("Custom"), `{"in": 1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			s := setup{integrations: IntegrationMap{invoke: failing(&calls, tt.err, tt.err, tt.err, tt.err)}}
			r := s.run(t, taskWith(`[]`, tt.catch), `{"in": 1}`)
			if tt.want == "" {
				require.Equal(t, Failed, r.result.Status)
				return
			}
			requireOutput(t, r, tt.want)
		})
	}
}

func TestDataLimit(t *testing.T) {
	big := strings.Repeat("x", payloadLimit)
	huge := func(context.Context, TaskCall) (any, error) { return big, nil }
	t.Run("a task result over 256 KiB fails the task and States.ALL does not catch it", func(t *testing.T) {
		s := setup{integrations: IntegrationMap{invoke: huge}}
		r := s.run(t, taskWith(`[{"ErrorEquals": ["States.ALL"]}]`, `[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}]`), `{}`)
		requireError(t, r, stateserror.DataLimitExceeded)
		require.Contains(t, eventTypes(r.history), "TaskFailed")
	})
	t.Run("a state output over 256 KiB", func(t *testing.T) {
		r := setup{}.run(t, oneState(`{"Type": "Pass", "Result": "`+big+`", "End": true}`), `{}`)
		requireError(t, r, stateserror.DataLimitExceeded)
	})
	t.Run("a Map result over 256 KiB", func(t *testing.T) {
		half := strings.Repeat("y", payloadLimit/2)
		r := setup{}.run(t, oneState(`{"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Result": "`+half+`", "End": true}}}, "ResultPath": null, "End": true}`), `[1, 2, 3]`)
		requireError(t, r, stateserror.DataLimitExceeded)
	})
	t.Run("a Parallel result over 256 KiB", func(t *testing.T) {
		half := strings.Repeat("y", payloadLimit/2)
		branch := `{"StartAt": "I", "States": {"I": {"Type": "Pass", "Result": "` + half + `", "End": true}}}`
		r := setup{}.run(t, oneState(`{"Type": "Parallel", "Branches": [`+branch+`,`+branch+`], "ResultPath": null, "End": true}`), `{}`)
		requireError(t, r, stateserror.DataLimitExceeded)
	})
	t.Run("an execution input over 256 KiB", func(t *testing.T) {
		r := setup{}.run(t, oneState(`{"Type": "Pass", "End": true}`), `"`+big+`"`)
		requireError(t, r, stateserror.DataLimitExceeded)
		require.Equal(t, []string{"ExecutionStarted", "ExecutionFailed"}, eventTypes(r.history))
	})
	t.Run("a task input over 256 KiB after Parameters", func(t *testing.T) {
		var calls atomic.Int32
		s := setup{integrations: IntegrationMap{invoke: failing(&calls)}}
		half := strings.Repeat("y", payloadLimit/2+10)
		def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", "Parameters": {"a.$": "$.s", "b.$": "$.s"}, "End": true}}}`
		r := s.run(t, def, `{"s": "`+half+`"}`)
		requireError(t, r, stateserror.DataLimitExceeded)
		require.Zero(t, calls.Load())
	})
}

func TestJSONataCatch(t *testing.T) {
	var calls atomic.Int32
	s := setup{integrations: IntegrationMap{invoke: failing(&calls, named("Custom"))}}
	def := `{"QueryLanguage": "JSONata", "StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "` + invoke + `", "Catch": [{"ErrorEquals": ["States.ALL"], "Output": {"e": "{% $states.errorOutput.Error %}", "in": "{% $states.input.in %}"}, "Assign": {"lastError": "{% $states.errorOutput.Cause %}"}, "Next": "After"}], "End": true},
		"After": {"Type": "Pass", "Output": {"out": "{% $states.input %}", "v": "{% $lastError %}"}, "End": true}}}`
	requireOutput(t, s.run(t, def, `{"in": 1}`), `{"out": {"e": "Custom", "in": 1}, "v": "cause of Custom"}`)
}

func TestParallelRetryAndCatch(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
		{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "BranchError", "Cause": "c"}}}],
		"Retry": [{"ErrorEquals": ["BranchError"], "MaxAttempts": 2, "IntervalSeconds": 3, "BackoffRate": 1}],
		"Catch": [{"ErrorEquals": ["BranchError"], "Next": "Caught"}], "End": true},
		"Caught": {"Type": "Pass", "End": true}}}`
	r := setup{}.run(t, def, `{}`)
	requireOutput(t, r, `{"Error": "BranchError", "Cause": "c"}`)
	require.Equal(t, 6*time.Second, r.elapsed)
	started := 0
	for _, e := range r.history {
		if e.Type == "ParallelStateStarted" {
			started++
		}
	}
	require.Equal(t, 3, started)
}

// panicking is a JSONata evaluator that panics.
type panicking struct{}

func (panicking) Evaluate(context.Context, string, map[string]any) (any, error) {
	panic("evaluator bug")
}

func TestAnEvaluatorPanicFailsTheExecution(t *testing.T) {
	opts := setup{}.options(t)
	opts.JSONata = panicking{}
	m, err := Load([]byte(`{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": "{% 1 %}", "End": true}}}, "End": true}}}`), opts)
	require.NoError(t, err)
	r := m.Start(context.Background(), []any{"a"}, testInfo).Wait()
	require.Equal(t, Failed, r.Status)
	require.Equal(t, stateserror.Runtime, r.Error.Name)
	require.Contains(t, r.Error.Cause, "internal error in state 'P': evaluator bug")
}
