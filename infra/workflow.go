package infra

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/statemachine"
)

// Workflow is a state machine from statemachine/, with its log group, a
// role that only this state machine can assume, and the live alias clients
// start executions on.
type Workflow struct {
	pulumi.ResourceState

	StateMachine *sfn.StateMachine
	Role         *iam.Role
	LogGroup     *cloudwatch.LogGroup
	Alias        *sfn.Alias
	// StableVersionArn is the version the alias sends what a canary does
	// not take; the newest version when no canary runs.
	StableVersionArn pulumi.StringOutput
}

// WorkflowArgs describe one state machine.
type WorkflowArgs struct {
	Template *statemachine.Template
	// Name is the state machine's physical name; Type STANDARD or EXPRESS.
	Name, Type string
	// Substitutions fill the definition's ${...} placeholders.
	Substitutions map[string]pulumi.StringOutput
	// Grants are everything the workflow's tasks do, and nothing else.
	Grants []Grant
	// StableVersion is the stable version the stack's last update recorded
	// ("" for none): a canary shares new executions with it.
	StableVersion pulumi.StringOutput
	Account       Account
	Config        Config
}

// logDeliveryActions are what vended log delivery to CloudWatch Logs needs.
// AWS supports no resource narrower than "*" for these.
var logDeliveryActions = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// NewWorkflow declares the state machine, its role, policy and log group.
func NewWorkflow(ctx *pulumi.Context, resourceName string, args WorkflowArgs, opts ...pulumi.ResourceOption) (*Workflow, error) {
	cfg := args.Config
	component := &Workflow{}
	if err := ctx.RegisterComponentResource("stepfunctions:index:Workflow", resourceName, component, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(component)

	logGroup, err := newLogGroup(ctx, resourceName, "/aws/vendedlogs/states/"+args.Name, cfg.LogRetentionDays, parent)
	if err != nil {
		return nil, err
	}
	// The role may set up log delivery whatever logLevel says. Turning
	// logging on is an UpdateStateMachine that Step Functions validates
	// against the role at once; were the grant added in the same `pulumi up`,
	// the update would race IAM's eventual consistency, and the provider
	// retries that AccessDenied only on create, not on update
	// (terraform-provider-aws internal/service/sfn/state_machine.go). A
	// constant grant makes switching logging on or off a change of the state
	// machine alone. What it allows is configuring log delivery, on "*"
	// because AWS supports nothing narrower; it reads no log data.
	//
	// The X-Ray grant is constant for the same reason: switching tracing on
	// is then a change of the state machine alone, and its first traces do
	// not depend on a role policy that IAM may not have propagated yet. It
	// allows writing trace segments and reading sampling rules, on "*"
	// because X-Ray has no resource-level permissions; it reads no traces.
	// (The functions' roles keep theirs conditional on the tracing config.)
	static := []Statement{Allow("WriteTraces", xrayActions, "*"), Allow("DeliverLogs", logDeliveryActions, "*")}
	logsOn := cfg.LogLevel != "OFF"
	machineArn := args.Account.StateMachineArn(args.Name)
	role, policy, err := newServiceRole(ctx, resourceName, serviceRoleArgs{
		Name:                cfg.Names.Role(args.Name),
		Description:         "Runs the " + args.Name + " state machine.",
		Service:             "states.amazonaws.com",
		PermissionsBoundary: cfg.PermissionsBoundaryArn,
		// Only this state machine in this account may assume the role (the
		// seed trusted every state machine in the account). AWS's guidance
		// against the confused deputy sets aws:SourceArn and
		// aws:SourceAccount, its example with ArnLike
		// (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html,
		// "Prevent cross-service confused deputy issue").
		//
		// "<ARN>:*" is there because clients start executions on the live
		// alias, which runs a published version, and both are named after
		// the state machine: a version is "<ARN>:<version number>"
		// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html)
		// and an alias "<ARN>:<alias name>"
		// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-alias.html).
		// AWS does not document which of the two ARNs Step Functions passes
		// as aws:SourceArn for such an execution, so the role trusts the
		// unqualified ARN and every qualified one (unverified without AWS).
		// A state machine name cannot contain ":", so a machine whose name
		// only starts with this one's still does not match.
		Conditions: map[string]map[string][]string{
			"ArnLike":      {"aws:SourceArn": {machineArn, machineArn + ":*"}},
			"StringEquals": {"aws:SourceAccount": {args.Account.ID}},
		},
		Policy: policyOutput(static, args.Grants...),
	}, parent)
	if err != nil {
		return nil, err
	}
	logging := &sfn.StateMachineLoggingConfigurationArgs{
		Level:                pulumi.String(cfg.LogLevel),
		IncludeExecutionData: pulumi.Bool(cfg.IncludeExecutionData),
	}
	if logsOn {
		logging.LogDestination = pulumi.Sprintf("%s:*", logGroup.Arn)
	}
	machine, err := sfn.NewStateMachine(ctx, resourceName, &sfn.StateMachineArgs{
		Name: pulumi.String(args.Name),
		Type: pulumi.String(args.Type),
		// Every update that changes the definition (a new function version
		// changes it too) or the configuration publishes a version: the
		// provider passes publish to UpdateStateMachine and marks
		// stateMachineVersionArn unknown in the plan
		// (terraform-provider-aws internal/service/sfn/state_machine.go,
		// stateMachineUpdateComputedAttributesOnPublish).
		Publish:              pulumi.Bool(true),
		RoleArn:              role.Arn,
		Definition:           renderOutput(args.Template, args.Substitutions),
		LoggingConfiguration: logging,
		TracingConfiguration: &sfn.StateMachineTracingConfigurationArgs{Enabled: pulumi.Bool(cfg.Tracing)},
		Tags:                 Tags(ctx),
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy}))
	if err != nil {
		return nil, err
	}
	alias, stable, err := newLiveAlias(ctx, resourceName, machineArn, machine, args.StableVersion, cfg.CanaryPercent, parent)
	if err != nil {
		return nil, err
	}
	component.StateMachine, component.Role, component.LogGroup = machine, role, logGroup
	component.Alias, component.StableVersionArn = alias, stable
	return component, ctx.RegisterResourceOutputs(component, pulumi.Map{
		"stateMachineArn": machine.Arn,
		"aliasArn":        alias.Arn,
		"roleArn":         role.Arn,
		"logGroupName":    logGroup.Name,
	})
}

// renderOutput renders the definition once every substituted value is known.
func renderOutput(template *statemachine.Template, substitutions map[string]pulumi.StringOutput) pulumi.StringOutput {
	names := slices.Sorted(maps.Keys(substitutions))
	values := make([]any, len(names))
	for i, name := range names {
		values[i] = substitutions[name]
	}
	return pulumi.All(values...).ApplyT(func(resolved []any) (string, error) {
		byName := make(map[string]string, len(names))
		for i, name := range names {
			byName[name] = resolved[i].(string)
		}
		return template.Render(byName)
	}).(pulumi.StringOutput)
}
