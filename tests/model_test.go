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

// invokeResources is what a workflow's role may invoke: its functions and
// their versions, nothing else.
func invokeResources(workflow *statemachine.Workflow) []string {
	var resources []string
	for _, fn := range workflow.Functions {
		resources = append(resources, functionArn(fn.Name), functionArn(fn.Name)+":*")
	}
	return resources
}

// deployedTask is the part of a deployed Task state these tests read.
type deployedTask struct {
	Resource                         string
	HeartbeatSeconds, TimeoutSeconds int
	// Parameters (JSONPath) or Arguments (JSONata) are what the Task sends
	// its resource.
	Parameters, Arguments map[string]any
}

// arguments is what the Task sends its resource, in either query language.
func (task deployedTask) arguments() map[string]any {
	if task.Arguments != nil {
		return task.Arguments
	}
	return task.Parameters
}

// argumentsOf is what a decoded Task state sends its resource: its
// Arguments if it is JSONata, else its Parameters.
func argumentsOf(state map[string]any) map[string]any {
	if arguments, ok := state["Arguments"].(map[string]any); ok {
		return arguments
	}
	parameters, _ := state["Parameters"].(map[string]any)
	return parameters
}
