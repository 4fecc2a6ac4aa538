package tests

import (
	"fmt"
	"maps"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
)

// workflowOutput is a workflow's output name, as the README's Outputs
// table spells them: stateMachine… for main, <workflow>StateMachine… else.
func workflowOutput(workflow, suffix string) string {
	if workflow == infra.MainWorkflow {
		return "stateMachine" + suffix
	}
	return workflow + "StateMachine" + suffix
}

// routing is where an alias sends new executions: weight by version ARN.
func routing(t *testing.T, alias registered) map[string]float64 {
	t.Helper()
	weights := map[string]float64{}
	for _, route := range alias.Inputs["routingConfigurations"].ArrayValue() {
		object := route.ObjectValue()
		weights[object["stateMachineVersionArn"].StringValue()] = object["weight"].NumberValue()
	}
	return weights
}

// TestEveryWorkflowIsPublishedBehindTheLiveAlias: every state machine the
// stack deploys publishes versions, and an alias named live sends every new
// execution to the version just published; the outputs name the alias,
// that version and it again as the stable one.
func TestEveryWorkflowIsPublishedBehindTheLiveAlias(t *testing.T) {
	for _, callback := range []bool{true, false} {
		d := deployDefault(t)
		if !callback {
			d = mustDeploy(t, map[string]string{"callbackWorkflow": "false"})
		}
		for _, workflow := range modelOf(t, callback).workflows {
			t.Run(fmt.Sprintf("%s, callbackWorkflow=%t", workflow.Name, callback), func(t *testing.T) {
				machine := d.one(t, stateMachineType, workflow.Name)
				assert.True(t, machine.Inputs["publish"].BoolValue(), "state machine %s must publish a version on every change", workflow.Name)
				arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + stateMachineName(workflow.Name)
				alias := d.one(t, aliasType, workflow.Name)
				assert.Equal(t, "live", alias.str("name"))
				assert.Equal(t, map[string]float64{arn + ":1": 100}, routing(t, alias))
				assert.Equal(t, arn+":live", d.outputs[workflowOutput(workflow.Name, "AliasArn")])
				assert.Equal(t, arn+":1", d.outputs[workflowOutput(workflow.Name, "VersionArn")])
				assert.Equal(t, arn+":1", d.outputs[workflowOutput(workflow.Name, "StableVersionArn")])
			})
		}
	}
}

// update is one `pulumi up` of a sequence: its config, the function version
// Lambda publishes (a new one changes every definition) and what it must do.
type update struct {
	name            string
	canaryPercent   int
	functionVersion string
	// newest and stable are the version numbers the routing must name.
	newest, stable int
}

// TestCanaryThenPromote runs consecutive updates the way Pulumi does: each
// one reads the previous one's outputs through the stack's reference to
// itself, and Step Functions numbers versions across them (the mocks'
// ledger). A canary sends canaryPercent of new executions to the new
// version and the rest to the one before; an update that changes nothing
// keeps the canary; canaryPercent 0 promotes.
func TestCanaryThenPromote(t *testing.T) {
	sequence := []update{
		{name: "first update: nothing to share with", canaryPercent: 10, functionVersion: "1", newest: 1, stable: 1},
		{name: "new code under canary", canaryPercent: 10, functionVersion: "2", newest: 2, stable: 1},
		{name: "rerun during the canary keeps it", canaryPercent: 10, functionVersion: "2", newest: 2, stable: 1},
		{name: "wider canary at the maximum", canaryPercent: 99, functionVersion: "2", newest: 2, stable: 1},
		{name: "another change during the canary becomes the canary", canaryPercent: 10, functionVersion: "3", newest: 3, stable: 1},
		{name: "promote", canaryPercent: 0, functionVersion: "3", newest: 3, stable: 3},
		{name: "after promotion nothing changed: no canary", canaryPercent: 10, functionVersion: "3", newest: 3, stable: 3},
		{name: "newer code under canary against the promoted version", canaryPercent: 25, functionVersion: "4", newest: 4, stable: 3},
	}
	versions := &versionLedger{}
	var previous map[string]any
	for _, step := range sequence {
		t.Run(step.name, func(t *testing.T) {
			m := &mocks{versions: versions, functionVersion: step.functionVersion, lastUpdate: previous}
			d, err := deployWith(t, m, map[string]string{"canaryPercent": strconv.Itoa(step.canaryPercent)})
			require.NoError(t, err)
			references := d.ofType(stackReferenceType)
			if step.canaryPercent > 0 {
				// A canary reads the last update through a reference to
				// the stack itself, by its fully qualified name (the mocks
				// run without a Pulumi organization, as a DIY backend does).
				require.Len(t, references, 1)
				assert.Equal(t, "organization/"+project+"/"+stack, references[0].str("name"))
			} else {
				assert.Empty(t, references)
			}
			for _, workflow := range modelOf(t, true).workflows {
				arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + stateMachineName(workflow.Name)
				newest, stable := fmt.Sprintf("%s:%d", arn, step.newest), fmt.Sprintf("%s:%d", arn, step.stable)
				want := map[string]float64{newest: 100}
				if newest != stable {
					want = map[string]float64{newest: float64(step.canaryPercent), stable: float64(100 - step.canaryPercent)}
				}
				assert.Equal(t, want, routing(t, d.one(t, aliasType, workflow.Name)), workflow.Name)
				assert.Equal(t, newest, d.outputs[workflowOutput(workflow.Name, "VersionArn")], workflow.Name)
				assert.Equal(t, stable, d.outputs[workflowOutput(workflow.Name, "StableVersionArn")], workflow.Name)
			}
			previous = maps.Clone(d.outputs)
		})
	}
}

// TestCanaryAfterAReplacement: when the last update recorded a version of
// another state machine (workflowType changed, which replaces the main one
// under a new name), there is nothing to share with; the alias sends
// everything to the new machine's version instead of to a deleted one.
func TestCanaryAfterAReplacement(t *testing.T) {
	standard := mustDeploy(t, nil)
	m := &mocks{lastUpdate: standard.outputs}
	d, err := deployWith(t, m, map[string]string{"canaryPercent": "50", "workflowType": "EXPRESS", "callbackWorkflow": "false"})
	require.NoError(t, err)
	express := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + prefix + "-main-express"
	assert.Equal(t, map[string]float64{express + ":1": 100}, routing(t, d.one(t, aliasType, infra.MainWorkflow)))
	assert.Equal(t, express+":1", d.outputs["stateMachineStableVersionArn"])
}

// TestNoCanaryNoReference: with canaryPercent 0 (the default) nothing
// reads the stack's last update, so a backend that cannot resolve the
// stack's fully qualified name still deploys it.
func TestNoCanaryNoReference(t *testing.T) {
	assert.Empty(t, deployDefault(t).ofType(stackReferenceType))
}
