package infra

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Alarms are the stack's CloudWatch alarms and the SNS topic they publish
// to, with the address that config alarmEmail subscribes to it.
type Alarms struct {
	pulumi.ResourceState

	Topic *sns.Topic
	// Subscription is nil when alarmEmail is empty.
	Subscription *sns.TopicSubscription
	Alarms       []*cloudwatch.MetricAlarm
}

// AlarmsArgs are what the alarms watch: everything the stack deploys that
// can fail without anyone asking.
type AlarmsArgs struct {
	Workflows []WatchedWorkflow
	Functions deployedFunctions
	// Queues are nil when callbackWorkflow is off; their dead-letter queue
	// is watched.
	Queues *CallbackQueues
	Config Config
}

// WatchedWorkflow is a state machine as its alarms see it.
type WatchedWorkflow struct {
	// Workflow is its name in statemachine/ ("main"), which names its alarms.
	Workflow        string
	StateMachineArn pulumi.StringOutput
	// Alias, when set, narrows the alarms to executions started on that
	// alias. Step Functions publishes an alias's executions with the
	// dimensions StateMachineArn ("the ARN of the state machine whose
	// execution was started by an alias": taken here as the unqualified
	// ARN, unverified without AWS) and Alias, its name ("Dimensions for
	// executions with an alias",
	// https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html);
	// empty, the alarms watch the dimension StateMachineArn alone, the
	// executions started on the state machine's own ARN.
	Alias string
}

// watch is how the alarms see a deployed workflow.
func watch(workflow string, deployed *Workflow) WatchedWorkflow {
	return WatchedWorkflow{Workflow: workflow, StateMachineArn: deployed.StateMachine.Arn, Alias: LiveAlias}
}

// watchedWorkflows are the state machines the stack deploys.
func (o stackOutputs) watchedWorkflows() []WatchedWorkflow {
	watched := []WatchedWorkflow{watch(MainWorkflow, o.main)}
	if o.callback != nil {
		watched = append(watched, watch(CallbackWorkflow, o.callback))
	}
	return watched
}

// alarmMetric is a metric the stack alarms on when it rises above zero.
type alarmMetric struct {
	Namespace, Name, Statistic string
	// PeriodSeconds is how long one datapoint aggregates.
	PeriodSeconds int
	// TreatMissingData is what a period without a datapoint counts as.
	TreatMissingData string
	// Means says what a datapoint above zero means, for the notification.
	Means string
}

// countOfEvents is a metric that counts events: Step Functions and Lambda
// publish one datapoint a minute, and only in minutes where something ran.
// Any event is worth a look, so the alarm fires on a Sum above 0 in one
// minute (one period, one datapoint): the workflows already retry what is
// transient, so a failed execution is one a client saw. A minute without a
// datapoint is a minute without executions, which is healthy:
// notBreaching, so an idle stack shows OK rather than INSUFFICIENT_DATA.
func countOfEvents(namespace, name, means string) alarmMetric {
	return alarmMetric{Namespace: namespace, Name: name, Statistic: "Sum", PeriodSeconds: 60, TreatMissingData: "notBreaching", Means: means}
}

// The metrics each kind of resource is watched on. The names are AWS's
// (AWS/States: https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html;
// AWS/Lambda: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html;
// AWS/SQS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html).
var (
	workflowMetrics = []alarmMetric{
		countOfEvents("AWS/States", "ExecutionsFailed", "an execution failed"),
		countOfEvents("AWS/States", "ExecutionsTimedOut", "an execution timed out"),
		countOfEvents("AWS/States", "ExecutionThrottled", "Step Functions throttled a state transition"),
	}
	functionMetrics = []alarmMetric{
		countOfEvents("AWS/Lambda", "Errors", "an invocation returned an error or crashed (the workflow may have retried it)"),
		countOfEvents("AWS/Lambda", "Throttles", "Lambda refused an invocation for lack of concurrency"),
	}
	// deadLetterMetric counts messages the worker gave up on. It is a
	// gauge, so the statistic is Maximum: any message waiting is one too
	// many. SQS publishes it only while the queue is "active", which its
	// guide has defined as up to six hours after the last API call on it,
	// and nothing reads the dead-letter queue, so a message may sit there
	// without datapoints: missing data is ignored, keeping the alarm in
	// ALARM until someone deals with the message (see docs/alarms.md).
	// Five minutes is SQS's documented publishing interval at its coarsest.
	deadLetterMetric = alarmMetric{Namespace: "AWS/SQS", Name: "ApproximateNumberOfMessagesVisible", Statistic: "Maximum", PeriodSeconds: 300, TreatMissingData: "ignore",
		Means: "the callback worker gave up on a message; look into it, then redrive or purge the queue"}
)

// maxAlarmNameLength is what CloudWatch allows in an alarm name.
const maxAlarmNameLength = 255

// NewAlarms declares the topic, the email subscription and an alarm for
// every metric of every workflow, function and dead-letter queue in args,
// so a step added to a workflow file brings its function's alarms along.
func NewAlarms(ctx *pulumi.Context, args AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	cfg := args.Config
	component := &Alarms{}
	if err := ctx.RegisterComponentResource("stepfunctions:index:Alarms", "alarms", component, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(component)
	// Without KMS encryption: CloudWatch alarms may publish to a topic
	// encrypted with SNS's AWS managed key only through a customer managed
	// key whose policy admits them, and the notifications carry alarm names
	// and states, no workflow data. The topic's default access policy lets
	// the account's own CloudWatch alarms publish, so it needs no policy.
	topic, err := sns.NewTopic(ctx, "alarms", &sns.TopicArgs{
		Name: pulumi.String(cfg.Names.Resource("alarms")),
		Tags: Tags(ctx),
	}, parent)
	if err != nil {
		return nil, err
	}
	component.Topic = topic
	if cfg.AlarmEmail != "" {
		// AWS emails the address a link to confirm; nothing is delivered
		// until someone follows it.
		if component.Subscription, err = sns.NewTopicSubscription(ctx, "alarms-email", &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(cfg.AlarmEmail),
		}, parent); err != nil {
			return nil, err
		}
	}

	add := func(short string, metric alarmMetric, dimensions pulumi.StringMap) error {
		alarm, err := newAlarm(ctx, short, metric, dimensions, topic, cfg, parent)
		if err != nil {
			return err
		}
		component.Alarms = append(component.Alarms, alarm)
		return nil
	}
	for _, workflow := range args.Workflows {
		dimensions := pulumi.StringMap{"StateMachineArn": workflow.StateMachineArn}
		if workflow.Alias != "" {
			dimensions["Alias"] = pulumi.String(workflow.Alias)
		}
		for _, metric := range workflowMetrics {
			if err := add(workflow.Workflow, metric, dimensions); err != nil {
				return nil, err
			}
		}
	}
	// FunctionName alone, not with Resource: that dimension names one
	// version, a new one each deploy, while an execution that started before
	// a deploy keeps invoking the version it began with. FunctionName
	// aggregates every version and alias of the function
	// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html).
	for _, name := range slices.Sorted(maps.Keys(args.Functions)) {
		for _, metric := range functionMetrics {
			if err := add(name, metric, pulumi.StringMap{"FunctionName": args.Functions[name].Function.Name}); err != nil {
				return nil, err
			}
		}
	}
	if args.Queues != nil {
		if err := add(deadLetterQueueName(args.Queues.Spec.Name), deadLetterMetric, pulumi.StringMap{"QueueName": args.Queues.DeadLetterQueue.Name}); err != nil {
			return nil, err
		}
	}
	return component, ctx.RegisterResourceOutputs(component, pulumi.Map{"topicArn": topic.Arn})
}

// newAlarm declares the alarm on metric of the resource called short.
// It notifies the topic both when it fires and when it recovers, so an
// operator learns when a problem has stopped as well as when it began.
func newAlarm(ctx *pulumi.Context, short string, metric alarmMetric, dimensions pulumi.StringMap, topic *sns.Topic, cfg Config, opts ...pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	subject := cfg.Names.Resource(short)
	name := subject + "-" + metric.Name
	if len(name) > maxAlarmNameLength {
		return nil, fmt.Errorf("CloudWatch alarm name %q has %d characters; CloudWatch allows %d: choose a shorter stack name", name, len(name), maxAlarmNameLength)
	}
	return cloudwatch.NewMetricAlarm(ctx, short+"-"+metric.Name, &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(name),
		AlarmDescription:   pulumi.String(fmt.Sprintf("%s %s above 0: %s.", subject, metric.Name, metric.Means)),
		Namespace:          pulumi.String(metric.Namespace),
		MetricName:         pulumi.String(metric.Name),
		Dimensions:         dimensions,
		Statistic:          pulumi.String(metric.Statistic),
		Period:             pulumi.Int(metric.PeriodSeconds),
		EvaluationPeriods:  pulumi.Int(1),
		DatapointsToAlarm:  pulumi.Int(1),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		Threshold:          pulumi.Float64(0),
		TreatMissingData:   pulumi.String(metric.TreatMissingData),
		AlarmActions:       pulumi.Array{topic.Arn},
		OkActions:          pulumi.Array{topic.Arn},
		Tags:               Tags(ctx),
	}, opts...)
}
