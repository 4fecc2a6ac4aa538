package infra

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingMocks echo every resource's inputs and keep those of the alarms.
type recordingMocks struct {
	mu     sync.Mutex
	alarms []resource.PropertyMap
}

func (m *recordingMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.TypeToken == "aws:cloudwatch/metricAlarm:MetricAlarm" {
		m.mu.Lock()
		m.alarms = append(m.alarms, args.Inputs)
		m.mu.Unlock()
	}
	return args.Name + "-id", args.Inputs, nil
}

func (*recordingMocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestWorkflowAlarmsWatchTheAliasTheyAreGiven: with an alias, each of a
// workflow's alarms carries the dimensions Step Functions publishes an
// alias's executions under, StateMachineArn and Alias; without one, the
// state machine's ARN alone.
func TestWorkflowAlarmsWatchTheAliasTheyAreGiven(t *testing.T) {
	const machineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:p-s-w"
	tests := []struct {
		alias string
		want  map[string]any
	}{
		{"", map[string]any{"StateMachineArn": machineArn}},
		{"live", map[string]any{"StateMachineArn": machineArn, "Alias": "live"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("alias %q", tt.alias), func(t *testing.T) {
			m := &recordingMocks{}
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				_, err := NewAlarms(ctx, AlarmsArgs{
					Workflows: []WatchedWorkflow{{Workflow: "w", StateMachineArn: pulumi.String(machineArn).ToStringOutput(), Alias: tt.alias}},
					Config:    Config{Names: Names{Prefix: "p-s"}},
				})
				return err
			}, pulumi.WithMocks("project", "stack", m))
			require.NoError(t, err)
			require.Len(t, m.alarms, len(workflowMetrics))
			for _, alarm := range m.alarms {
				assert.Equal(t, tt.want, alarm["dimensions"].Mappable(), alarm["name"].StringValue())
			}
		})
	}
}

// TestAlarmNamesAtCloudWatchsLimit: an alarm name is held to CloudWatch's
// 255 characters, probed at 255 and 256.
func TestAlarmNamesAtCloudWatchsLimit(t *testing.T) {
	metric := workflowMetrics[0]
	for _, length := range []int{maxAlarmNameLength, maxAlarmNameLength + 1} {
		t.Run(fmt.Sprintf("%d characters", length), func(t *testing.T) {
			// "<prefix>-w-<metric>"
			prefix := strings.Repeat("p", length-len("-w-")-len(metric.Name))
			err := pulumi.RunErr(func(ctx *pulumi.Context) error {
				topic, err := sns.NewTopic(ctx, "alarms", &sns.TopicArgs{})
				if err != nil {
					return err
				}
				_, err = newAlarm(ctx, "w", metric, pulumi.StringMap{}, topic, Config{Names: Names{Prefix: prefix}})
				return err
			}, pulumi.WithMocks("project", "stack", &recordingMocks{}))
			if length <= maxAlarmNameLength {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "has 256 characters; CloudWatch allows 255")
		})
	}
}
