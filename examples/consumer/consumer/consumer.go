// Package consumer is a Pulumi program that starts the workflow of the
// project it sits in on an EventBridge Scheduler schedule. It finds the workflow's live
// alias through a StackReference, so the two stacks are deployed and
// destroyed separately, the consumer never hard-codes an ARN, and each run
// starts whatever version the producer's alias routes to.
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

	"stepfunctions-go/internal/projectname"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/envelope"
)

// StateMachineAliasArnOutput is the producer stack output this program
// depends on; renaming it there breaks every consumer, which is why it is
// part of the producer's output contract.
const StateMachineAliasArnOutput = "stateMachineAliasArn"

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
	aliasArn := requireAliasArn(producer, s.producerStack, configKey(ctx, "producerStack"))

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
		Policy: aliasArn.ApplyT(func(arn string) (string, error) {
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
			Arn:     aliasArn,
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
	if s.producerStack = strings.TrimSpace(cfg.Get("producerStack")); s.producerStack == "" {
		if s.producerStack, err = defaultProducerStack(ctx); err != nil {
			return s, err
		}
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

// defaultProducerStack is the stack of the project this example sits in
// (the Pulumi.yaml at its Go module's root) with this stack's name, on a
// self-managed backend: Pulumi.yaml cannot spell the project's name, which
// `pulumi new` chooses, so the program reads it.
func defaultProducerStack(ctx *pulumi.Context) (string, error) {
	root, err := bundle.ModuleRoot(ctx.Context())
	if err == nil {
		var producer string
		if producer, err = projectname.Read(root); err == nil {
			return "organization/" + producer + "/" + ctx.Stack(), nil
		}
	}
	return "", fmt.Errorf("config key %s is not set, and the project it defaults to cannot be read: %w; `pulumi config set producerStack <org>/<project>/<stack>`", configKey(ctx, "producerStack"), err)
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

// requireAliasArn turns the nil a StackReference yields for a missing
// output into an error that says what to fix, instead of an empty target ARN
// that AWS would reject with a message about neither stack.
func requireAliasArn(ref *pulumi.StackReference, stack, stackConfigKey string) pulumi.StringOutput {
	return ref.GetOutput(pulumi.String(StateMachineAliasArnOutput)).ApplyT(func(v any) (string, error) {
		if v == nil {
			return "", fmt.Errorf("stack %q has no output %q: deploy it first (a stack deployed before it had aliases needs one more `pulumi up`), or check the stack name in config key %s",
				stack, StateMachineAliasArnOutput, stackConfigKey)
		}
		arn, ok := v.(string)
		if _, _, valid := splitAliasArn(arn); !ok || !valid {
			return "", fmt.Errorf("stack %q output %q is %#v, want a state machine alias ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>:<alias>)",
				stack, StateMachineAliasArnOutput, v)
		}
		return arn, nil
	}).(pulumi.StringOutput)
}

// splitAliasArn splits a state machine alias ARN into the state machine's
// unqualified ARN and the alias name.
func splitAliasArn(s string) (machineArn, alias string, ok bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[2] != "states" || parts[5] != "stateMachine" || parts[6] == "" || parts[7] == "" {
		return "", "", false
	}
	return strings.Join(parts[:7], ":"), parts[7], true
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

// startExecutionPolicy allows starting executions through the alias only.
// Step Functions authorizes a call on an alias against the state machine's
// unqualified ARN, and names the alias in the condition key
// states:StateMachineQualifier
// (https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html),
// so the role can start neither the unqualified machine (its latest,
// unpublished revision) nor a version directly. The key is multivalued
// (ArrayOfString in the Service Authorization Reference), hence
// ForAnyValue, as in AWS's example; a request without a qualifier has no
// value and matches nothing. The alias ARN was checked by requireAliasArn.
func startExecutionPolicy(aliasArn string) policyDocument {
	machineArn, alias, _ := splitAliasArn(aliasArn)
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Effect:    "Allow",
		Action:    "states:StartExecution",
		Resource:  machineArn,
		Condition: map[string]map[string]string{"ForAnyValue:StringEquals": {"states:StateMachineQualifier": alias}},
	}}}
}
