// Package seedcheck runs the seed's execution through the Step Functions
// API and checks its output: the same code runs against AWS in the
// acceptance test and against the local endpoint in go test.
package seedcheck

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"stepfunctions-go/internal/seed"
)

// Run starts an execution of the state machine with the seed's input, polls
// DescribeExecution every poll until it ends, and fails unless it
// succeeded with the seed's output byte for byte. It returns the
// execution's ARN.
func Run(ctx context.Context, client *sfn.Client, stateMachineArn string, poll time.Duration) (string, error) {
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &stateMachineArn, Input: aws.String(seed.Input)})
	if err != nil {
		return "", fmt.Errorf("starting an execution of %s: %w", stateMachineArn, err)
	}
	arn := aws.ToString(started.ExecutionArn)
	for {
		described, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			return arn, fmt.Errorf("describing execution %s: %w", arn, err)
		}
		switch {
		case described.Status == types.ExecutionStatusRunning:
		case described.Status != types.ExecutionStatusSucceeded:
			return arn, fmt.Errorf("execution %s ended %s: error %q, cause %q", arn, described.Status, aws.ToString(described.Error), aws.ToString(described.Cause))
		case aws.ToString(described.Output) != seed.Output:
			return arn, fmt.Errorf("execution %s succeeded with output %s, not the seed's %s", arn, aws.ToString(described.Output), seed.Output)
		default:
			return arn, nil
		}
		select {
		case <-ctx.Done():
			return arn, fmt.Errorf("execution %s is still %s: %w", arn, described.Status, ctx.Err())
		case <-time.After(poll):
		}
	}
}
