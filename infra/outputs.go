package infra

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// stackOutputs are the resources the stack outputs describe.
type stackOutputs struct {
	deployed deployedFunctions
	main     *Workflow
	// callback and queues are nil when callbackWorkflow is off.
	callback *Workflow
	queues   *CallbackQueues
	alarms   *Alarms
}

// export publishes the stack outputs other stacks read through a
// StackReference. They are an API: the README documents each one and a
// test fails when the two disagree.
func (o stackOutputs) export(ctx *pulumi.Context) {
	ctx.Export("stateMachineArn", o.main.StateMachine.Arn)
	ctx.Export("stateMachineName", o.main.StateMachine.Name)
	ctx.Export("stateMachineRoleArn", o.main.Role.Arn)
	ctx.Export("stateMachineLogGroupName", o.main.LogGroup.Name)
	ctx.Export("alarmTopicArn", o.alarms.Topic.Arn)
	exportVersions(ctx, MainWorkflow, o.main)
	for _, fn := range o.deployed {
		stem := lowerFirst(fn.Spec.PascalName())
		ctx.Export(stem+"FunctionArn", fn.Function.Arn)
		ctx.Export(stem+"FunctionName", fn.Function.Name)
		ctx.Export(stem+"FunctionVersion", fn.Function.Version)
		ctx.Export(stem+"FunctionRoleArn", fn.Role.Arn)
		ctx.Export(stem+"LogGroupName", fn.LogGroup.Name)
	}
	if o.callback != nil {
		ctx.Export("callbackStateMachineArn", o.callback.StateMachine.Arn)
		ctx.Export("callbackStateMachineName", o.callback.StateMachine.Name)
		ctx.Export("callbackStateMachineLogGroupName", o.callback.LogGroup.Name)
		exportVersions(ctx, CallbackWorkflow, o.callback)
		ctx.Export("callbackQueueUrl", o.queues.Queue.Url)
		ctx.Export("callbackQueueArn", o.queues.Queue.Arn)
		ctx.Export("deadLetterQueueUrl", o.queues.DeadLetterQueue.Url)
	}
}

// exportVersions publishes a workflow's alias and versions: the alias to
// start executions on, the version this update published and the stable
// version, which the next update reads back (see lastUpdate).
func exportVersions(ctx *pulumi.Context, workflow string, w *Workflow) {
	ctx.Export(workflowOutput(workflow, "AliasArn"), w.Alias.Arn)
	ctx.Export(workflowOutput(workflow, "VersionArn"), w.StateMachine.StateMachineVersionArn)
	ctx.Export(stableVersionOutput(workflow), w.StableVersionArn)
}

// stableVersionOutput is the output that records a workflow's stable version.
func stableVersionOutput(workflow string) string { return workflowOutput(workflow, "StableVersionArn") }

// workflowOutput names a workflow's output: "stateMachine<suffix>" for the
// main workflow, "<workflow>StateMachine<suffix>" for another.
func workflowOutput(workflow, suffix string) string {
	if workflow == MainWorkflow {
		return "stateMachine" + suffix
	}
	return workflow + "StateMachine" + suffix
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
