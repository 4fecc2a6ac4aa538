package statemachine

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestLambdaRetryIsAWSsRecommendation anchors LambdaRetry, which the other
// retry tests take as given, to what AWS's Step Functions guide recommends
// for a Task that invokes Lambda ("Handle transient Lambda service
// exceptions"): those four errors, retried after 2 s, doubling, 6 times;
// and to the throttling error Lambda reports (Lambda.TooManyRequestsException),
// which this stack retries too.
func TestLambdaRetryIsAWSsRecommendation(t *testing.T) {
	assert.Subset(t, LambdaRetry.ErrorEquals, []string{
		"Lambda.ClientExecutionTimeoutException",
		"Lambda.ServiceException",
		"Lambda.AWSLambdaException",
		"Lambda.SdkClientException",
		"Lambda.TooManyRequestsException",
	})
	assert.NotContains(t, LambdaRetry.ErrorEquals, "States.ALL", "a function's own error fails the same way again")
	assert.Equal(t, 2, LambdaRetry.IntervalSeconds)
	assert.Equal(t, 6, LambdaRetry.MaxAttempts)
	assert.Equal(t, 2.0, LambdaRetry.BackoffRate)
}
