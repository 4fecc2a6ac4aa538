// Package consumer is a Pulumi program that starts the stepfunctions-go
// workflow on an EventBridge Scheduler schedule. It finds the workflow through
// a StackReference, so the two stacks are deployed and destroyed separately
// and the consumer never hard-codes an ARN.
package consumer

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"stepfunctions-go/lambdas/envelope"
)

// StateMachineArnOutput is the producer stack output this program depends on;
// renaming it there breaks every consumer, which is why it is part of the
// producer's output contract.
const StateMachineArnOutput = "stateMachineArn"

// maxNameLength is the limit AWS sets on both IAM role and schedule names.
const maxNameLength = 64

type settings struct {
	producerStack      string
	scheduleExpression string
	payload            string
}

// Program declares the schedule, its role and its group, and exports
// scheduleArn, scheduleName, scheduleGroupName and schedulerRoleArn.
func Program(ctx *pulumi.Context) error {
	// Everything that can be checked locally is checked before the first
	// resource is registered, so a typo never leaves a half-made stack.
	s, err := loadSettings(ctx)
	if err != nil {
		return err
	}
	prefix := ctx.Project() + "-" + ctx.Stack()
	roleName, err := physicalName(prefix, "scheduler")
	if err != nil {
		return err
	}
	scheduleName, err := physicalName(prefix, "start-workflow")
	if err != nil {
		return err
	}
	tags := pulumi.StringMap{"project": pulumi.String(ctx.Project()), "stack": pulumi.String(ctx.Stack())}

	caller, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("looking up the AWS account to restrict the scheduler role to: %w", err)
	}

	producer, err := pulumi.NewStackReference(ctx, "producer", &pulumi.StackReferenceArgs{
		Name: pulumi.String(s.producerStack),
	})
	if err != nil {
		return fmt.Errorf("referencing stack %q: %w", s.producerStack, err)
	}
	stateMachineArn := requireStateMachineArn(producer, s.producerStack, configKey(ctx, "producerStack"))

	trust, err := json.Marshal(schedulerTrustPolicy(caller.AccountId))
	if err != nil {
		return fmt.Errorf("encoding the scheduler role's trust policy: %w", err)
	}
	role, err := iam.NewRole(ctx, "scheduler", &iam.RoleArgs{
		Name:             pulumi.String(roleName),
		Description:      pulumi.String("Lets EventBridge Scheduler start executions of " + s.producerStack + "'s state machine"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tags,
	})
	if err != nil {
		return err
	}
	startExecution, err := iam.NewRolePolicy(ctx, "start-execution", &iam.RolePolicyArgs{
		Role: role.Name,
		Policy: stateMachineArn.ApplyT(func(arn string) (string, error) {
			doc, err := json.Marshal(startExecutionPolicy(arn))
			return string(doc), err
		}).(pulumi.StringOutput),
	})
	if err != nil {
		return err
	}

	// Schedules cannot carry tags; their group can, so the group is what
	// makes the schedule findable by project and stack.
	group, err := scheduler.NewScheduleGroup(ctx, "schedules", &scheduler.ScheduleGroupArgs{
		Name: pulumi.String(prefix),
		Tags: tags,
	})
	if err != nil {
		return err
	}
	schedule, err := scheduler.NewSchedule(ctx, "start-workflow", &scheduler.ScheduleArgs{
		Name:               pulumi.String(scheduleName),
		GroupName:          group.Name,
		Description:        pulumi.String("Starts an execution of " + s.producerStack + "'s state machine"),
		ScheduleExpression: pulumi.String(s.scheduleExpression),
		FlexibleTimeWindow: scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		Target: scheduler.ScheduleTargetArgs{
			Arn:     stateMachineArn,
			RoleArn: role.Arn,
			Input:   pulumi.String(s.payload),
		},
		// A schedule that fires before its permission exists fails that run.
	}, pulumi.DependsOn([]pulumi.Resource{startExecution}))
	if err != nil {
		return err
	}

	ctx.Export("scheduleArn", schedule.Arn)
	ctx.Export("scheduleName", schedule.Name)
	ctx.Export("scheduleGroupName", group.Name)
	ctx.Export("schedulerRoleArn", role.Arn)
	return nil
}

func loadSettings(ctx *pulumi.Context) (settings, error) {
	cfg := config.New(ctx, "")
	// Pulumi.yaml declares a default for each key, so the CLI always supplies
	// them; a missing one means the program runs outside this project.
	get := func(key string) (string, error) {
		v, err := cfg.Try(key)
		if err != nil || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("config key %s is not set: declare it in Pulumi.yaml or `pulumi config set %s <value>`", configKey(ctx, key), key)
		}
		return v, nil
	}
	var s settings
	var err error
	if s.producerStack, err = get("producerStack"); err != nil {
		return s, err
	}
	if s.scheduleExpression, err = get("scheduleExpression"); err != nil {
		return s, err
	}
	if err := validateScheduleExpression(s.scheduleExpression); err != nil {
		return s, fmt.Errorf("config key %s: %w", configKey(ctx, "scheduleExpression"), err)
	}
	if s.payload, err = get("payload"); err != nil {
		return s, err
	}
	if err := validatePayload(s.payload); err != nil {
		return s, fmt.Errorf("config key %s: %w", configKey(ctx, "payload"), err)
	}
	return s, nil
}

func configKey(ctx *pulumi.Context, key string) string {
	return ctx.Project() + ":" + key
}

func validateScheduleExpression(expr string) error {
	for _, kind := range []string{"rate(", "cron(", "at("} {
		if strings.HasPrefix(expr, kind) && strings.HasSuffix(expr, ")") {
			return nil
		}
	}
	return fmt.Errorf("schedule expression %q is not rate(...), cron(...) or at(...), e.g. rate(1 day)", expr)
}

// validatePayload holds the payload to the rule the workflow's functions
// apply to their event (lambdas/envelope): the first step receives the
// execution input whole, so anything the envelope refuses, an extra field
// included, would be accepted by Scheduler and fail every run.
func validatePayload(payload string) error {
	if _, err := envelope.DecodePayload(json.RawMessage(payload)); err != nil {
		return fmt.Errorf(`payload %q would fail every execution, the workflow refuses it: %w; want e.g. {"payload":"hi mom"}`, payload, err)
	}
	return nil
}

func physicalName(prefix, suffix string) (string, error) {
	name := prefix + "-" + suffix
	if len(name) > maxNameLength {
		return "", fmt.Errorf("name %q is %d characters, AWS allows at most %d: use a shorter stack name", name, len(name), maxNameLength)
	}
	return name, nil
}

// requireStateMachineArn turns the nil a StackReference yields for a missing
// output into an error that says what to fix, instead of an empty target ARN
// that AWS would reject with a message about neither stack.
func requireStateMachineArn(ref *pulumi.StackReference, stack, stackConfigKey string) pulumi.StringOutput {
	return ref.GetOutput(pulumi.String(StateMachineArnOutput)).ApplyT(func(v any) (string, error) {
		if v == nil {
			return "", fmt.Errorf("stack %q has no output %q: deploy it first, or check the stack name in config key %s",
				stack, StateMachineArnOutput, stackConfigKey)
		}
		arn, ok := v.(string)
		if !ok || !isStateMachineArn(arn) {
			return "", fmt.Errorf("stack %q output %q is %#v, want a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)",
				stack, StateMachineArnOutput, v)
		}
		return arn, nil
	}).(pulumi.StringOutput)
}

func isStateMachineArn(s string) bool {
	parts := strings.Split(s, ":")
	return len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "stateMachine" && parts[6] != ""
}

type policyDocument struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

type statement struct {
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

// schedulerTrustPolicy names the account so that schedules in other accounts
// cannot use this role (the confused-deputy guard AWS recommends).
func schedulerTrustPolicy(accountID string) policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Principal: map[string]string{"Service": "scheduler.amazonaws.com"},
		Action:    "sts:AssumeRole",
		Condition: map[string]map[string]string{"StringEquals": {"aws:SourceAccount": accountID}},
	}}}
}

func startExecutionPolicy(stateMachineArn string) policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:   "Allow",
		Action:   "states:StartExecution",
		Resource: stateMachineArn,
	}}}
}
