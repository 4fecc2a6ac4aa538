package infra

import (
	"errors"
	"fmt"
)

// consumer is how the event source mapping hands a queue's messages to its
// worker, and the queue's visibility timeout that goes with it. These
// values only matter together, so they are derived from the worker's
// timeout in one place and held to each other by check.
type consumer struct {
	BatchSize, BatchingWindowSeconds int
	VisibilityTimeoutSeconds         int
	// FunctionTimeoutSeconds is the worker's timeout (lambdaTimeoutSeconds).
	FunctionTimeoutSeconds int
}

// What AWS allows and advises for an SQS event source mapping (Lambda
// Developer Guide, "Using Lambda with Amazon SQS" and the
// CreateEventSourceMapping API reference):
//   - BatchSize 1 to 10,000 for a standard queue, but above 10 only with a
//     MaximumBatchingWindowInSeconds of at least 1;
//   - MaximumBatchingWindowInSeconds 0 to 300;
//   - a visibility timeout of at least six times the function's timeout
//     plus the batching window: messages are in flight while Lambda
//     gathers the batch, and a throttled or failed invocation is retried
//     within that time.
const (
	maxBatchSizeWithoutWindow          = 10
	maxBatchSize                       = 10000
	maxBatchingWindowSeconds           = 300
	visibilityTimeoutPerFunctionSecond = 6
)

// workerSecondsPerMessage is the share of its timeout the worker gets for
// each message of a batch. It handles them one after the other, and each
// costs two Step Functions calls (SendTaskHeartbeat, then SendTaskSuccess
// or SendTaskFailure); a batch that outlasts the timeout comes back whole
// after the visibility timeout. One second is a budget, not a measurement.
const workerSecondsPerMessage = 1

// newConsumer is the consumer for a worker that times out after
// functionTimeout seconds: as large a batch as its timeout has room for,
// up to what needs no batching window, and no window, so that a message
// reaches the worker as soon as it is sent.
func newConsumer(functionTimeout int) consumer {
	const window = 0
	return consumer{
		BatchSize:                min(maxBatchSizeWithoutWindow, functionTimeout/workerSecondsPerMessage),
		BatchingWindowSeconds:    window,
		VisibilityTimeoutSeconds: visibilityTimeoutPerFunctionSecond*functionTimeout + window,
		FunctionTimeoutSeconds:   functionTimeout,
	}
}

// check says which of the consumer's values do not fit each other, naming
// both and what would fit.
func (c consumer) check() error {
	var errs []error
	switch {
	case c.BatchingWindowSeconds < 0 || c.BatchingWindowSeconds > maxBatchingWindowSeconds:
		errs = append(errs, fmt.Errorf("the event source mapping's batching window of %d s is outside the 0 to %d s Lambda allows", c.BatchingWindowSeconds, maxBatchingWindowSeconds))
	case c.BatchSize < 1 || c.BatchSize > maxBatchSize:
		errs = append(errs, fmt.Errorf("the event source mapping's batch size %d is outside the 1 to %d Lambda allows for a standard queue", c.BatchSize, maxBatchSize))
	case c.BatchSize > maxBatchSizeWithoutWindow && c.BatchingWindowSeconds < 1:
		errs = append(errs, fmt.Errorf("the event source mapping's batch size %d needs a batching window of at least 1 s (it has %d s): Lambda allows more than %d messages a batch only with one; use a batch size of at most %d",
			c.BatchSize, c.BatchingWindowSeconds, maxBatchSizeWithoutWindow, maxBatchSizeWithoutWindow))
	}
	if fits := c.FunctionTimeoutSeconds / workerSecondsPerMessage; c.BatchSize > fits {
		errs = append(errs, fmt.Errorf("the event source mapping's batch size %d does not fit the worker's timeout of %d s at %d s a message: use a batch size of at most %d, or a worker timeout of at least %d s",
			c.BatchSize, c.FunctionTimeoutSeconds, workerSecondsPerMessage, fits, c.BatchSize*workerSecondsPerMessage))
	}
	if least := visibilityTimeoutPerFunctionSecond*c.FunctionTimeoutSeconds + c.BatchingWindowSeconds; c.VisibilityTimeoutSeconds < least {
		errs = append(errs, fmt.Errorf("the queue's visibility timeout of %d s is below %d × the worker's timeout of %d s + the batching window of %d s = %d s, what AWS advises so a message is not handed out again while a worker may still be on it: use at least %d s",
			c.VisibilityTimeoutSeconds, visibilityTimeoutPerFunctionSecond, c.FunctionTimeoutSeconds, c.BatchingWindowSeconds, least, least))
	}
	return errors.Join(errs...)
}

// redeliverySeconds is the longest a message can go without reaching a
// worker that heartbeats, when a delivery fails before the heartbeat (the
// batch was throttled, the worker crashed or could not reach Step
// Functions): the message becomes visible again only after the visibility
// timeout, waits up to the batching window for its next batch, and that
// worker takes up to its timeout to heartbeat.
func (c consumer) redeliverySeconds() int {
	return c.VisibilityTimeoutSeconds + c.BatchingWindowSeconds + c.FunctionTimeoutSeconds
}
