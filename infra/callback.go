package infra

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/statemachine"
)

// CallbackQueues carry the callback workflow's messages to its worker.
type CallbackQueues struct {
	pulumi.ResourceState

	// Spec is the queue in lambdas/ this deploys.
	Spec            lambdas.Queue
	Queue           *sqs.Queue
	DeadLetterQueue *sqs.Queue
}

// deadLetterRetentionSeconds is the SQS maximum: time to look into what failed.
const deadLetterRetentionSeconds = 14 * 24 * 60 * 60

// deadLetterQueueName is the short name of queue's dead-letter queue.
func deadLetterQueueName(queue string) string { return queue + "-dlq" }

// NewCallbackQueues declares the queue, its dead-letter queue and the
// policy that lets only this queue dead-letter into it. Both are encrypted
// with SQS-managed keys, which need no KMS permissions.
func NewCallbackQueues(ctx *pulumi.Context, spec lambdas.Queue, cfg Config, opts ...pulumi.ResourceOption) (*CallbackQueues, error) {
	component := &CallbackQueues{}
	name := spec.Name
	if err := ctx.RegisterComponentResource("stepfunctions:index:CallbackQueues", name, component, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(component)
	deadLetters, err := sqs.NewQueue(ctx, deadLetterQueueName(name), &sqs.QueueArgs{
		Name:                    pulumi.String(cfg.Names.Resource(deadLetterQueueName(name))),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(deadLetterRetentionSeconds),
		Tags:                    Tags(ctx),
	}, parent)
	if err != nil {
		return nil, err
	}
	queue, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		Name:                     pulumi.String(cfg.Names.Resource(name)),
		SqsManagedSseEnabled:     pulumi.Bool(true),
		VisibilityTimeoutSeconds: pulumi.Int(newConsumer(cfg.LambdaTimeoutSeconds).VisibilityTimeoutSeconds),
		RedrivePolicy: deadLetters.Arn.ApplyT(func(arn string) (string, error) {
			return jsonString(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": spec.MaxReceiveCount})
		}).(pulumi.StringOutput),
		Tags: Tags(ctx),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := sqs.NewRedriveAllowPolicy(ctx, deadLetterQueueName(name), &sqs.RedriveAllowPolicyArgs{
		QueueUrl: deadLetters.Url,
		RedriveAllowPolicy: queue.Arn.ApplyT(func(arn string) (string, error) {
			return jsonString(map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []string{arn}})
		}).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, err
	}
	component.Spec, component.Queue, component.DeadLetterQueue = spec, queue, deadLetters
	return component, ctx.RegisterResourceOutputs(component, pulumi.Map{
		"queueUrl":           queue.Url,
		"deadLetterQueueUrl": deadLetters.Url,
	})
}

// ConsumeQueue lets worker take messages from queue and report task results,
// and connects the two with an event source mapping that reports partial
// batch failures.
func ConsumeQueue(ctx *pulumi.Context, worker *GoFunction, queues *CallbackQueues, cfg Config) error {
	name := worker.Spec.Name
	consumer := newConsumer(cfg.LambdaTimeoutSeconds)
	policy, err := iam.NewRolePolicy(ctx, name+"-consume", &iam.RolePolicyArgs{
		Role: worker.Role.ID(),
		Policy: policyOutput([]Statement{
			// The Service Authorization Reference lists no resource type for
			// SendTaskSuccess, SendTaskFailure or SendTaskHeartbeat: the task
			// token is the capability, so AWS requires Resource "*".
			Allow("ReportTaskResults", []string{"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}, "*"),
		}, Grant{
			Sid:       "ConsumeCallbackQueue",
			Actions:   []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
			Resources: []pulumi.StringOutput{queues.Queue.Arn},
		}),
	}, pulumi.Parent(worker))
	if err != nil {
		return err
	}
	_, err = lambda.NewEventSourceMapping(ctx, name, &lambda.EventSourceMappingArgs{
		EventSourceArn:                 queues.Queue.Arn,
		FunctionName:                   worker.VerifiedQualifiedArn,
		BatchSize:                      pulumi.Int(consumer.BatchSize),
		MaximumBatchingWindowInSeconds: pulumi.Int(consumer.BatchingWindowSeconds),
		FunctionResponseTypes:          pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
		// A new account's concurrency quota can be small: the worker takes
		// at most this many of it (see lambdas.Queue).
		ScalingConfig: &lambda.EventSourceMappingScalingConfigArgs{MaximumConcurrency: pulumi.Int(queues.Spec.MaximumConcurrency)},
		Tags:          Tags(ctx),
	}, pulumi.Parent(worker), pulumi.DependsOn([]pulumi.Resource{policy}))
	return err
}

// newCallbackWorkflow declares the queue the workflow sends to, connects
// the queue's consumer to it and declares the state machine that sends to
// it and waits; stable is its stable version as the last update recorded.
func newCallbackWorkflow(ctx *pulumi.Context, workflow *statemachine.Workflow, deployed deployedFunctions, stable pulumi.StringOutput, account Account, cfg Config) (*Workflow, *CallbackQueues, error) {
	if len(workflow.Queues) != 1 {
		return nil, nil, fmt.Errorf("workflow %q must send to exactly one queue, ${%s}; it names %d", workflow.Name, lambdas.CallbackQueue.URLPlaceholder, len(workflow.Queues))
	}
	spec := workflow.Queues[0]
	if err := spec.Check(); err != nil {
		return nil, nil, err
	}
	queues, err := NewCallbackQueues(ctx, spec, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := ConsumeQueue(ctx, deployed[spec.Consumer], queues, cfg); err != nil {
		return nil, nil, err
	}
	substitutions := deployed.substitutions(workflow, account)
	substitutions[spec.URLPlaceholder] = queues.Queue.Url
	machine, err := NewWorkflow(ctx, CallbackWorkflow, WorkflowArgs{
		Template:      workflow.Template,
		Name:          cfg.Names.Resource(CallbackWorkflow),
		Type:          "STANDARD", // only Standard workflows can wait for a task token
		Substitutions: substitutions,
		Grants: []Grant{
			deployed.invokeGrant(workflow),
			{Sid: "SendToCallbackQueue", Actions: []string{"sqs:SendMessage"}, Resources: []pulumi.StringOutput{queues.Queue.Arn}},
		},
		StableVersion: stable,
		Account:       account,
		Config:        cfg,
	})
	return machine, queues, err
}

func jsonString(value any) (string, error) {
	encoded, err := json.Marshal(value)
	return string(encoded), err
}
