package infra

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/lambdas"
)

// exportOutputs publishes the stack outputs other stacks read through a
// StackReference. They are an API: the README documents each one and a
// test fails when the two disagree.
func exportOutputs(ctx *pulumi.Context, functions []lambdas.Function, deployed map[string]*GoFunction, machine *Workflow) {
	ctx.Export("stateMachineArn", machine.StateMachine.Arn)
	ctx.Export("stateMachineName", machine.StateMachine.Name)
	ctx.Export("stateMachineRoleArn", machine.Role.Arn)
	ctx.Export("stateMachineLogGroupName", machine.LogGroup.Name)
	for _, fn := range functions {
		stem := lowerFirst(fn.PascalName())
		ctx.Export(stem+"FunctionArn", deployed[fn.Name].Function.Arn)
		ctx.Export(stem+"FunctionName", deployed[fn.Name].Function.Name)
		ctx.Export(stem+"FunctionVersion", deployed[fn.Name].Function.Version)
		ctx.Export(stem+"LogGroupName", deployed[fn.Name].LogGroup.Name)
	}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
