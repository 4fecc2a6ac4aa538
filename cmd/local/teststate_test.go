package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/statemachine"
)

// firstStateRun is what the main workflow's first state did in a real
// execution on the endpoint at address, with input: the state it passed to,
// its output and the parameters its Task was scheduled with.
func firstStateRun(t *testing.T, address, input string) (next, output, parameters string) {
	t.Helper()
	wiring, err := statemachine.LoadProject()
	require.NoError(t, err)
	first := wiring.Workflows["main"].Path[0].Name
	client := sfn.New(sfn.Options{BaseEndpoint: aws.String("http://" + address), Region: "us-east-1", Credentials: aws.AnonymousCredentials{}})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	machine := "arn:aws:states:us-east-1:000000000000:stateMachine:" + project(t) + "-local-main-standard"
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
	require.NoError(t, err)
	for {
		described, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		require.NoError(t, err)
		if described.Status != types.ExecutionStatusRunning {
			require.Equal(t, types.ExecutionStatusSucceeded, described.Status)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	history, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: started.ExecutionArn, MaxResults: 1000})
	require.NoError(t, err)
	inFirst := false
	for _, event := range history.Events {
		switch {
		case event.StateEnteredEventDetails != nil && inFirst:
			return aws.ToString(event.StateEnteredEventDetails.Name), output, parameters
		case event.StateEnteredEventDetails != nil:
			inFirst = aws.ToString(event.StateEnteredEventDetails.Name) == first
		case inFirst && event.TaskScheduledEventDetails != nil:
			parameters = aws.ToString(event.TaskScheduledEventDetails.Parameters)
		case inFirst && event.StateExitedEventDetails != nil:
			output = aws.ToString(event.StateExitedEventDetails.Output)
		}
	}
	require.Fail(t, "the main workflow's first state is not followed by another", "state %s", first)
	return "", "", ""
}

// The endpoint page's test-state block: with the AWS CLI v1, the main
// workflow's first state in its deployed definition gives, at each
// inspection level, what it gives in a real execution (its function runs),
// and the mocked Task prints what the page states; Debian's v2 does not
// know test-state, as the page says.
func TestReadmeTestStateWithTheAWSCLI(t *testing.T) {
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	const heading = "### TestState with the AWS CLI"
	block := codeBlockAfter(t, string(doc), heading)
	stated := fencedBlockAfter(t, string(doc), heading, "text")
	wiring, err := statemachine.LoadProject()
	require.NoError(t, err)
	require.Contains(t, block, "--state-name "+wiring.Workflows["main"].Path[0].Name+" ", "the block tests the main workflow's first state")
	blockInput := regexp.MustCompile(`--input '([^']*)'`).FindStringSubmatch(block)
	require.NotNil(t, blockInput, "the block gives the state an --input")
	exampleInput, _, _ := example(t, "main")
	require.JSONEq(t, exampleInput, blockInput[1], "the block's input is the main workflow's example input")

	clis := awsCLIs(t)
	address := startEndpoint(t)
	block = strings.ReplaceAll(block, "127.0.0.1:8083", address)
	t.Run("v1", func(t *testing.T) {
		next, output, parameters := firstStateRun(t, address, exampleInput)
		var want []string
		for _, inspected := range []string{"None", parameters, parameters} { // INFO, DEBUG, TRACE
			want = append(want, strings.Join([]string{"SUCCEEDED", next, output, inspected}, "\t"))
		}
		got, err := runWithAWSCLI(t, requireAWSCLI(t, clis, "v1"), block)
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		require.Len(t, lines, len(want)+3, "three lines for the deployed state, three for the mocked Task")
		assert.Equal(t, want, lines[:3], "the deployed state at INFO, DEBUG and TRACE")
		// The page states the mocked lines with spaces for the CLI's tabs.
		var statedLines [][]string
		for _, line := range strings.Split(strings.TrimSuffix(stated, "\n"), "\n") {
			statedLines = append(statedLines, strings.Fields(line))
		}
		var mocked [][]string
		for _, line := range lines[3:] {
			mocked = append(mocked, strings.Split(line, "\t"))
		}
		assert.Equal(t, statedLines, mocked, "the mocked Task at INFO, DEBUG and TRACE, as the page states")
		for _, fields := range mocked {
			for _, field := range fields[1:] {
				assert.True(t, field == "None" || json.Valid([]byte(field)), "%q is JSON or None", field)
			}
		}
	})
	t.Run("v2", func(t *testing.T) {
		cli := requireAWSCLI(t, clis, "v2")
		got, err := runWithAWSCLI(t, cli, block)
		require.Error(t, err, "%s now has test-state: docs/endpoint.md says Debian's v2 does not; update it", cli.version)
		assert.Contains(t, got, "Invalid choice", "the failure docs/endpoint.md describes")
	})
}
