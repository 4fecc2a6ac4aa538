package tests

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What the stack alarms on, from AWS's metric documentation and issue 16,
// written here once and not copied from infra/: every workflow, function
// and dead-letter queue the workflow files deploy carries these.
var (
	workflowAlarmMetrics   = []string{"ExecutionThrottled", "ExecutionsFailed", "ExecutionsTimedOut"} // AWS/States
	functionAlarmMetrics   = []string{"Errors", "Throttles"}                                          // AWS/Lambda
	deadLetterAlarmMetrics = []string{"ApproximateNumberOfMessagesVisible"}                           // AWS/SQS
)

// alarmTopicArn is the topic every alarm notifies.
var alarmTopicArn = "arn:aws:sns:" + region + ":" + accountID + ":" + prefix + "-alarms"

// maxAlarmName is CloudWatch's limit on an alarm name (PutMetricAlarm, AlarmName).
const maxAlarmName = 255

// alarmTarget is what an alarm watches: a namespace and its dimensions.
func alarmTarget(namespace string, dimensions map[string]string) string {
	encoded, _ := json.Marshal(dimensions) // a map of strings always encodes, with sorted keys
	return namespace + " " + string(encoded)
}

// expectedAlarms are the metric names each target must be alarmed on,
// derived from the workflow files and lambdas/.
func expectedAlarms(model stackModel) map[string][]string {
	want := map[string][]string{}
	for _, workflow := range model.workflows {
		want[alarmTarget("AWS/States", map[string]string{"StateMachineArn": "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + stateMachineName(workflow.Name), "Alias": "live"})] = workflowAlarmMetrics
	}
	for _, fn := range model.functions {
		want[alarmTarget("AWS/Lambda", map[string]string{"FunctionName": prefix + "-" + fn.Name})] = functionAlarmMetrics
	}
	for _, queue := range model.queues {
		want[alarmTarget("AWS/SQS", map[string]string{"QueueName": prefix + "-" + queue.Name + "-dlq"})] = deadLetterAlarmMetrics
	}
	return want
}

// declaredAlarms are the metric names the deployment alarms on, by target.
func declaredAlarms(t *testing.T, d deployment) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for _, alarm := range d.ofType(metricAlarmType) {
		dimensions := map[string]string{}
		for key, value := range alarm.Inputs["dimensions"].ObjectValue() {
			dimensions[string(key)] = value.StringValue()
		}
		target := alarmTarget(alarm.str("namespace"), dimensions)
		got[target] = append(got[target], alarm.str("metricName"))
	}
	for target := range got {
		slices.Sort(got[target])
	}
	return got
}

// TestAlarmsWatchEverythingTheStackDeploys: each workflow, function and
// dead-letter queue the workflow files deploy has its alarms, and nothing
// else has any, with the callback workflow on and off. A new step's
// function is checked by name in its own subtest, with no edit here.
func TestAlarmsWatchEverythingTheStackDeploys(t *testing.T) {
	for _, callback := range []bool{true, false} {
		t.Run(fmt.Sprintf("callbackWorkflow=%t", callback), func(t *testing.T) {
			d := deployDefault(t)
			if !callback {
				d = mustDeploy(t, map[string]string{"callbackWorkflow": "false"})
			}
			model := modelOf(t, callback)
			want, got := expectedAlarms(model), declaredAlarms(t, d)
			for _, fn := range model.functions {
				t.Run(fn.Name, func(t *testing.T) {
					target := alarmTarget("AWS/Lambda", map[string]string{"FunctionName": prefix + "-" + fn.Name})
					assert.Equal(t, functionAlarmMetrics, got[target])
				})
			}
			for _, workflow := range model.workflows {
				t.Run(workflow.Name, func(t *testing.T) {
					target := alarmTarget("AWS/States", map[string]string{"StateMachineArn": "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + stateMachineName(workflow.Name), "Alias": "live"})
					assert.Equal(t, workflowAlarmMetrics, got[target])
				})
			}
			assert.Equal(t, want, got)
			deadLetters := 0
			for target := range got {
				if strings.HasPrefix(target, "AWS/SQS ") {
					deadLetters++
				}
			}
			assert.Equal(t, callback, deadLetters > 0, "a dead-letter queue alarm exists exactly when the callback workflow does")
		})
	}
}

// TestEveryAlarmNotifiesTheTopic holds each alarm to the rules every alarm
// of the stack follows: a name of the stack within CloudWatch's limit, any
// datapoint above zero fires it, and firing and recovering both notify the
// stack's topic.
func TestEveryAlarmNotifiesTheTopic(t *testing.T) {
	d := deployDefault(t)
	alarms := d.ofType(metricAlarmType)
	require.NotEmpty(t, alarms)
	topics := d.ofType(topicType)
	require.Len(t, topics, 1)
	assert.Equal(t, alarmTopicArn, d.outputs["alarmTopicArn"])
	assert.Equal(t, strings.TrimPrefix(alarmTopicArn, "arn:aws:sns:"+region+":"+accountID+":"), topics[0].str("name"))
	names := map[string]bool{}
	for _, alarm := range alarms {
		name := alarm.str("name")
		t.Run(name, func(t *testing.T) {
			assert.False(t, names[name], "two alarms are named %s", name)
			names[name] = true
			assert.True(t, strings.HasPrefix(name, prefix+"-"), "the deployer policy allows only alarms named %s-*", project)
			assert.LessOrEqual(t, len(name), maxAlarmName)
			assert.Contains(t, name, alarm.str("metricName"), "the name says what the alarm watches")
			assert.NotEmpty(t, alarm.str("alarmDescription"))
			assert.Equal(t, []any{alarmTopicArn}, alarm.Inputs["alarmActions"].Mappable())
			assert.Equal(t, []any{alarmTopicArn}, alarm.Inputs["okActions"].Mappable())
			assert.Equal(t, "GreaterThanThreshold", alarm.str("comparisonOperator"))
			assert.Equal(t, float64(0), alarm.Inputs["threshold"].NumberValue())
			assert.Equal(t, float64(1), alarm.Inputs["evaluationPeriods"].NumberValue())
			assert.Equal(t, float64(1), alarm.Inputs["datapointsToAlarm"].NumberValue())
			if alarm.str("namespace") == "AWS/SQS" {
				// A message can sit in the dead-letter queue after SQS has
				// stopped publishing for an idle queue: the alarm must keep
				// its state then, not clear.
				assert.Equal(t, "ignore", alarm.str("treatMissingData"))
				assert.Equal(t, "Maximum", alarm.str("statistic"), "the queue's depth is a gauge")
			} else {
				// No executions, no datapoints: an idle stack is healthy.
				assert.Equal(t, "notBreaching", alarm.str("treatMissingData"))
				assert.Equal(t, "Sum", alarm.str("statistic"), "a count of events")
			}
		})
	}
}

// TestAlarmEmailSubscribesOneAddress: alarmEmail subscribes exactly that
// address, by email, to the alarms' topic; unset, nothing is subscribed.
// The longest address SMTP carries, 254 characters, is accepted; one more
// fails in TestInvalidConfigFailsBeforeAnyResource.
func TestAlarmEmailSubscribesOneAddress(t *testing.T) {
	longest := strings.Repeat("a", 254-len("@example.com")) + "@example.com"
	for _, email := range []string{"", "first.last+alarms@ops.example.co.uk", longest} {
		t.Run(fmt.Sprintf("%.20s", email), func(t *testing.T) {
			d := deployDefault(t)
			if email != "" {
				d = mustDeploy(t, map[string]string{"alarmEmail": email})
			}
			subscriptions := d.ofType(topicSubscriptionType)
			if email == "" {
				assert.Empty(t, subscriptions)
				return
			}
			require.Len(t, subscriptions, 1)
			assert.Equal(t, "email", subscriptions[0].str("protocol"))
			assert.Equal(t, email, subscriptions[0].str("endpoint"))
			assert.Equal(t, alarmTopicArn, subscriptions[0].str("topic"))
		})
	}
}
