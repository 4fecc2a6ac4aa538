package localrun

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A function's answer of this size makes a task result just over the
// limit; one of limitSized fits with the lambda:invoke envelope around it.
func answerOf(bytes int) json.RawMessage {
	return json.RawMessage(`{"statusCode":200,"body":{"payload":"` + strings.Repeat("x", bytes) + `"}}`)
}

// firstStepAnswers makes the main workflow's first step answer with
// answer instead of running.
func firstStepAnswers(t *testing.T, answer json.RawMessage) FaultPlan {
	workflow, _ := workflowOf(t, "main")
	firstStep := stepFunction(t, workflow, 0)
	return func(function string, call int) Fault {
		if function == firstStep {
			return Fault{Answer: answer}
		}
		return Fault{}
	}
}

// A task result over 256 KiB fails the execution with
// States.DataLimitExceeded, in the one-shot run and through the endpoint;
// one under it does not.
func TestDataLimit(t *testing.T) {
	tests := []struct {
		name      string
		answer    json.RawMessage
		wantError string
	}{
		{name: "a result over 256 KiB", answer: answerOf(PayloadLimit), wantError: "States.DataLimitExceeded"},
		{name: "a result well under 256 KiB", answer: answerOf(PayloadLimit / 2)},
	}
	for _, test := range tests {
		t.Run("one-shot/"+test.name, func(t *testing.T) {
			session := startSession(t, Config{Faults: firstStepAnswers(t, test.answer)})
			execution, err := session.Execute(t.Context(), json.RawMessage(seedInput(t)))
			require.NoError(t, err)
			if test.wantError == "" {
				assert.Nil(t, execution.Failure)
				return
			}
			require.NotNil(t, execution.Failure)
			assert.Equal(t, test.wantError, execution.Failure.Error)
			assert.Contains(t, execution.Failure.Cause, "The result of the task of state")
		})
		t.Run("endpoint/"+test.name, func(t *testing.T) {
			server, client := startServer(t, ServeConfig{Sessions: Config{Faults: firstStepAnswers(t, test.answer)}})
			started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(server.StateMachineARNs[0]), Input: aws.String(seedInput(t))})
			require.NoError(t, err)
			ended := awaitEnd(t, client, started.ExecutionArn)
			if test.wantError == "" {
				assert.Equal(t, types.ExecutionStatusSucceeded, ended.Status)
				return
			}
			assert.Equal(t, types.ExecutionStatusFailed, ended.Status)
			assert.Equal(t, test.wantError, aws.ToString(ended.Error))
			assert.Contains(t, aws.ToString(ended.Cause), "The result of the task of state")
		})
	}
	t.Run("one-shot/an execution input over 256 KiB", func(t *testing.T) {
		session := startSession(t, Config{})
		_, err := session.Execute(t.Context(), json.RawMessage(`{"payload":"`+strings.Repeat("x", PayloadLimit)+`"}`))
		var setupErr *SetupError
		require.ErrorAs(t, err, &setupErr)
		assert.Contains(t, err.Error(), "256 KiB")
	})
}
