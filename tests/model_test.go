package tests

import (
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/statemachine"
)

// stackModel is what the stack must declare, derived from the workflow
// files and lambdas/ rather than written down: a new step or function is
// checked fully by the same tests.
type stackModel struct {
	// workflows are the enabled workflows, main first.
	workflows []*statemachine.Workflow
	// functions are the deployed functions.
	functions []lambdas.Function
	// queues are the queues the enabled workflows send to.
	queues []lambdas.Queue
}

// modelOf is the model with the callback workflow on or off.
func modelOf(t *testing.T, callbackWorkflow bool) stackModel {
	t.Helper()
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	names := []string{infra.MainWorkflow}
	if callbackWorkflow {
		names = append(names, infra.CallbackWorkflow)
	}
	var model stackModel
	for _, name := range names {
		workflow, err := project.Workflow(name)
		require.NoError(t, err)
		model.workflows = append(model.workflows, workflow)
		model.queues = append(model.queues, workflow.Queues...)
	}
	model.functions = project.Deployed(model.workflows...)
	require.NotEmpty(t, model.functions)
	return model
}

// stateMachineName is the physical name of a workflow's state machine in
// the default (STANDARD) configuration.
func stateMachineName(workflow string) string {
	if workflow == infra.MainWorkflow {
		return machineName
	}
	return prefix + "-" + workflow
}

func stateMachineArn(workflow string) string {
	return "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + stateMachineName(workflow)
}

// invokeResources is what a workflow's role may invoke: its functions and
// their versions, nothing else.
func invokeResources(workflow *statemachine.Workflow) []string {
	var resources []string
	for _, fn := range workflow.Functions {
		resources = append(resources, functionArn(fn.Name), functionArn(fn.Name)+":*")
	}
	return resources
}

// consumers are the functions that consume the model's queues.
func (m stackModel) consumers() []string {
	var names []string
	for _, queue := range m.queues {
		names = append(names, queue.Consumer)
	}
	return names
}
