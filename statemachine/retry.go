package statemachine

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Retrier is one entry of a Task's Retry, with the fields this project sets.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds int
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds int
	JitterStrategy  string
}

// LambdaRetry is the stack's retry policy, which every Task that invokes a
// function carries: the transient errors AWS recommends retrying for
// lambda:invoke, and throttling, retried after 2 s, doubling, 6 times, each
// wait capped at 20 s and fully jittered so that executions failing together
// do not retry together. A function's own error, such as
// InvalidInputError, is not retried: the same input fails the same way.
var LambdaRetry = Retrier{
	ErrorEquals: []string{
		"Lambda.ClientExecutionTimeoutException",
		"Lambda.ServiceException",
		"Lambda.AWSLambdaException",
		"Lambda.SdkClientException",
		"Lambda.TooManyRequestsException",
	},
	IntervalSeconds: 2,
	MaxAttempts:     6,
	BackoffRate:     2,
	MaxDelaySeconds: 20,
	JitterStrategy:  "FULL",
}

// UnmarshalJSON reads a retrier with ASL's defaults for the fields it
// leaves out, so that a retrier means the same here as in Step Functions:
// three attempts, one second apart at first, doubling.
func (r *Retrier) UnmarshalJSON(data []byte) error {
	type fields Retrier // without this method
	decoded := fields{IntervalSeconds: defaultIntervalSeconds, MaxAttempts: defaultMaxAttempts, BackoffRate: defaultBackoffRate}
	if err := json.Unmarshal(data, &decoded); err != nil {
		return err
	}
	*r = Retrier(decoded)
	return nil
}

// String is the retrier as ASL JSON, ready to paste into a Retry.
func (r Retrier) String() string {
	text, _ := json.Marshal(r) // strings and numbers always marshal
	return string(text)
}

// equal reports whether r and other are the same policy, whatever the order
// of their errors.
func (r Retrier) equal(other Retrier) bool {
	return slices.Equal(slices.Sorted(slices.Values(r.ErrorEquals)), slices.Sorted(slices.Values(other.ErrorEquals))) &&
		r.IntervalSeconds == other.IntervalSeconds && r.MaxAttempts == other.MaxAttempts &&
		r.BackoffRate == other.BackoffRate && r.MaxDelaySeconds == other.MaxDelaySeconds &&
		r.JitterStrategy == other.JitterStrategy
}

// checkRetry holds the Task called state in workflow name to the project's
// retry rules, keyed on the end of its Resource so that any partition in
// the ARN matches:
//   - a Task that invokes a function carries LambdaRetry;
//   - a Task that waits for a task token retries nothing. Each attempt
//     sends another message with a new token while the first may still
//     reach the worker, so the work would run twice. The queue already
//     redelivers a message the worker could not handle, and the Task's
//     HeartbeatSeconds and TimeoutSeconds end the wait for a lost one.
func checkRetry(name, state, resource string, retry []Retrier) error {
	task := Task{Resource: resource}
	switch {
	case task.InvokesLambda() && !slices.ContainsFunc(retry, LambdaRetry.equal):
		return fmt.Errorf("statemachine/%s%s: Task %q invokes Lambda without the stack's retry policy: add %s to its Retry", name, extension, state, LambdaRetry)
	case task.WaitsForToken() && len(retry) > 0:
		return fmt.Errorf("statemachine/%s%s: Task %q waits for a task token and must not retry: a retry sends another message with a new token while the first may still reach the worker; remove its Retry", name, extension, state)
	}
	return nil
}
