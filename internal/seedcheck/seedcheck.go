// Package seedcheck runs a workflow's example (statemachine/<name>.example.json,
// the seed's execution for the shipped workflows) through the Step
// Functions API and checks its output: the same code runs against AWS in
// the acceptance test and against the local endpoint in go test.
package seedcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"stepfunctions-go/statemachine"
)

// Run starts an execution of the state machine with the example's input,
// polls DescribeExecution every poll until it ends, and fails unless it
// succeeded with the example's output byte for byte (as compact JSON, the
// form Step Functions returns). It returns the execution's ARN.
func Run(ctx context.Context, client *sfn.Client, stateMachineArn string, example statemachine.Example, poll time.Duration) (string, error) {
	var want bytes.Buffer
	if err := json.Compact(&want, example.Output); err != nil {
		return "", fmt.Errorf("the example's output is not JSON: %w", err)
	}
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &stateMachineArn, Input: aws.String(string(example.Input))})
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
		case aws.ToString(described.Output) != want.String():
			return arn, fmt.Errorf("execution %s succeeded with output %s, not the example's %s", arn, aws.ToString(described.Output), want.String())
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
