package tests

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/lambdas"
)

var (
	callbackMachineArn = "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + prefix + "-callback"
	callbackQueueArn   = "arn:aws:sqs:" + region + ":" + accountID + ":" + prefix + "-callback"
	callbackQueueURL   = "https://sqs." + region + ".amazonaws.com/" + accountID + "/" + prefix + "-callback"
	deadLetterQueueArn = "arn:aws:sqs:" + region + ":" + accountID + ":" + prefix + "-callback-dlq"
)

func TestCallbackQueues(t *testing.T) {
	d := deployDefault(t)
	queue := d.one(t, queueType, "callback")
	assert.Equal(t, prefix+"-callback", queue.str("name"))
	assert.True(t, queue.Inputs["sqsManagedSseEnabled"].BoolValue(), "encrypted at rest")
	assert.Equal(t, float64(60), queue.Inputs["visibilityTimeoutSeconds"].NumberValue(), "six times the worker's 10 s timeout")
	var redrive struct {
		DeadLetterTargetArn string
		MaxReceiveCount     int
	}
	require.NoError(t, json.Unmarshal([]byte(queue.str("redrivePolicy")), &redrive))
	assert.Equal(t, deadLetterQueueArn, redrive.DeadLetterTargetArn)
	// AWS: at least 5 for a queue Lambda consumes (services-sqs-configure).
	assert.GreaterOrEqual(t, redrive.MaxReceiveCount, 5, "the redrive policy's maxReceiveCount")

	deadLetters := d.one(t, queueType, "callback-dlq")
	assert.True(t, deadLetters.Inputs["sqsManagedSseEnabled"].BoolValue())
	assert.Equal(t, float64(14*24*3600), deadLetters.Inputs["messageRetentionSeconds"].NumberValue())

	allow := d.one(t, redriveAllowPolicyType, "callback-dlq")
	assert.Equal(t, deadLetters.str("name"), lastPathSegment(allow.str("queueUrl")))
	assert.JSONEq(t, `{"redrivePermission":"byQueue","sourceQueueArns":["`+callbackQueueArn+`"]}`, allow.str("redriveAllowPolicy"))

	timeout := mustDeploy(t, map[string]string{"lambdaTimeoutSeconds": "25"}).one(t, queueType, "callback")
	assert.Equal(t, float64(150), timeout.Inputs["visibilityTimeoutSeconds"].NumberValue())
}

// waitingState is the state on a workflow's path that waits for a task
// token, read from the workflow so that renaming it breaks no test.
func waitingState(t *testing.T, workflow string) string {
	t.Helper()
	read, _ := readWorkflow(t, "../statemachine/"+workflow+".asl.json")
	require.Len(t, read.waiting, 1, "workflow %s: the states that wait for a task token", workflow)
	return read.waiting[0]
}

func lastPathSegment(url string) string {
	for i := len(url) - 1; i >= 0; i-- {
		if url[i] == '/' {
			return url[i+1:]
		}
	}
	return url
}

func TestCallbackWorkerConsumesOnlyItsQueue(t *testing.T) {
	d := deployDefault(t)
	worker := lambdas.CallbackQueue.Consumer
	mapping := d.one(t, eventSourceMappingType, worker)
	assert.Equal(t, callbackQueueArn, mapping.str("eventSourceArn"))
	assert.Equal(t, functionArn(worker)+":7", mapping.str("functionName"), "the mapping invokes the published version")
	assert.Equal(t, []any{"ReportBatchItemFailures"}, mapping.Inputs["functionResponseTypes"].Mappable())

	consume := d.one(t, rolePolicyType, worker+"-consume")
	assert.Equal(t, worker+"-id", consume.str("role"))
	assert.Equal(t, []infra.Statement{
		{Sid: "ReportTaskResults", Effect: "Allow", Action: []string{"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}, Resource: []string{"*"}},
		{Sid: "ConsumeCallbackQueue", Effect: "Allow", Action: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}, Resource: []string{callbackQueueArn}},
	}, consume.policy(t, "policy").Statement)
}

func TestCallbackStateMachine(t *testing.T) {
	d := deployDefault(t)
	machine := d.one(t, stateMachineType, "callback")
	assert.Equal(t, prefix+"-callback", machine.str("name"))
	assert.Equal(t, "STANDARD", machine.str("type"))

	var definition struct{ States map[string]deployedTask }
	require.NoError(t, json.Unmarshal([]byte(machine.str("definition")), &definition))
	wait := definition.States[waitingState(t, "callback")]
	assert.Equal(t, "arn:aws:states:::sqs:sendMessage.waitForTaskToken", wait.Resource)
	assert.Equal(t, callbackQueueURL, wait.arguments()["QueueUrl"])
	// The worker reads {payload, taskToken}, however the workflow is written.
	message := map[string]any{"payload.$": "$.payload", "taskToken.$": "$$.Task.Token"}
	if wait.Arguments != nil {
		message = map[string]any{"payload": "{% $states.input.payload %}", "taskToken": "{% $states.context.Task.Token %}"}
	}
	assert.Equal(t, message, wait.arguments()["MessageBody"])
	assert.Positive(t, wait.HeartbeatSeconds)
	assert.Greater(t, wait.TimeoutSeconds, wait.HeartbeatSeconds)

	role := d.one(t, roleType, "callback")
	assert.Equal(t, []string{callbackMachineArn, callbackMachineArn + ":*"}, role.policy(t, "assumeRolePolicy").Statement[0].Condition["ArnLike"]["aws:SourceArn"])
	statements := d.one(t, rolePolicyType, "callback").policy(t, "policy").Statement
	assert.Equal(t, []string{"WriteTraces", "DeliverLogs", "InvokeWorkflowFunctions", "SendToCallbackQueue"}, sids(statements))
	send := statementBySid(t, statements, "SendToCallbackQueue")
	assert.Equal(t, []string{"sqs:SendMessage"}, send.Action)
	assert.Equal(t, []string{callbackQueueArn}, send.Resource)
}

// TestEveryQueueConsumerIsCapped holds every event source mapping to a
// maximum concurrency within what Lambda allows for SQS (2 to 1000,
// services-sqs-scaling), so no consumer can take a new account's whole
// concurrency quota.
func TestEveryQueueConsumerIsCapped(t *testing.T) {
	mappings := deployDefault(t).ofType(eventSourceMappingType)
	require.NotEmpty(t, mappings)
	for _, mapping := range mappings {
		scaling, ok := mapping.Inputs["scalingConfig"]
		require.True(t, ok && scaling.IsObject(), "event source mapping %s has no scalingConfig: set MaximumConcurrency (2 to 1000)", mapping.Name)
		limit := scaling.ObjectValue()["maximumConcurrency"]
		require.True(t, limit.IsNumber(), "event source mapping %s: scalingConfig.maximumConcurrency is not set; use 2 to 1000", mapping.Name)
		assert.GreaterOrEqual(t, limit.NumberValue(), float64(2), "event source mapping %s: maximumConcurrency below Lambda's minimum 2", mapping.Name)
		assert.LessOrEqual(t, limit.NumberValue(), float64(1000), "event source mapping %s: maximumConcurrency above Lambda's maximum 1000", mapping.Name)
	}
}
