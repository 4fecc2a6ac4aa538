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
	arn, described, err := startAndWait(ctx, client, stateMachineArn, example.Input, poll)
	switch {
	case err != nil:
		return arn, err
	case described.Status != types.ExecutionStatusSucceeded:
		return arn, fmt.Errorf("execution %s ended %s: error %q, cause %q", arn, described.Status, aws.ToString(described.Error), aws.ToString(described.Cause))
	case aws.ToString(described.Output) != want.String():
		return arn, fmt.Errorf("execution %s succeeded with output %s, not the example's %s", arn, aws.ToString(described.Output), want.String())
	}
	return arn, nil
}

// RunFailing starts an execution with input that the workflow must refuse,
// and fails unless the execution ended FAILED with the error wantError (a
// function's error type, as Retry and Catch see it). It returns the
// execution's ARN.
func RunFailing(ctx context.Context, client *sfn.Client, stateMachineArn string, input json.RawMessage, wantError string, poll time.Duration) (string, error) {
	arn, described, err := startAndWait(ctx, client, stateMachineArn, input, poll)
	switch {
	case err != nil:
		return arn, err
	case described.Status != types.ExecutionStatusFailed:
		return arn, fmt.Errorf("execution %s of input %s ended %s with output %s; it must fail with %s", arn, input, described.Status, aws.ToString(described.Output), wantError)
	case aws.ToString(described.Error) != wantError:
		return arn, fmt.Errorf("execution %s of input %s failed with error %q (cause %q), not %q", arn, input, aws.ToString(described.Error), aws.ToString(described.Cause), wantError)
	}
	return arn, nil
}

// startAndWait starts an execution with input and polls DescribeExecution
// every poll until it is no longer RUNNING.
func startAndWait(ctx context.Context, client *sfn.Client, stateMachineArn string, input json.RawMessage, poll time.Duration) (string, *sfn.DescribeExecutionOutput, error) {
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &stateMachineArn, Input: aws.String(string(input))})
	if err != nil {
		return "", nil, fmt.Errorf("starting an execution of %s: %w", stateMachineArn, err)
	}
	arn := aws.ToString(started.ExecutionArn)
	for {
		described, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		if err != nil {
			return arn, nil, fmt.Errorf("describing execution %s: %w", arn, err)
		}
		if described.Status != types.ExecutionStatusRunning {
			return arn, described, nil
		}
		select {
		case <-ctx.Done():
			return arn, nil, fmt.Errorf("execution %s is still %s: %w", arn, described.Status, ctx.Err())
		case <-time.After(poll):
		}
	}
}
