package consumer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/judges"
)

// TestSchedulerRoleStartsOnlyThroughTheAlias runs the scheduler role's
// policy through the IAM simulator on AWS's authorization data: Step
// Functions authorizes StartExecution on the state machine's unqualified
// ARN and names the alias or version in states:StateMachineQualifier, so
// the role may start the live alias and nothing else.
func TestSchedulerRoleStartsOnlyThroughTheAlias(t *testing.T) {
	r := run(t, nil, producerWith(aliasArn))
	require.NoError(t, r.err)
	policy := []judges.Policy{{Name: "start-execution", Document: str(t, r.registered["aws:iam/rolePolicy:RolePolicy"], "policy")}}
	session := "arn:aws:sts::" + account + ":assumed-role/" + project + "-" + stack + "-scheduler/session"
	cases := []struct {
		name, action, resource, qualifier string
		allow                             bool
	}{
		{"starts the live alias", "states:StartExecution", machineArn, "live", true},
		{"starts the unqualified machine", "states:StartExecution", machineArn, "", false},
		{"starts a version directly", "states:StartExecution", machineArn, "3", false},
		{"starts another alias", "states:StartExecution", machineArn, "test", false},
		{"starts another state machine's live alias", "states:StartExecution", machineArn + "-other", "live", false},
		{"moves the alias", "states:UpdateStateMachineAlias", machineArn, "live", false},
	}
	requests := make([]judges.Request, len(cases))
	for i, c := range cases {
		requests[i] = judges.Request{Principal: session, Action: c.action, Resource: c.resource, ResourceAccount: account, IdentityPolicies: policy}
		if c.qualifier != "" {
			requests[i].Context = map[string]string{"states:StateMachineQualifier": c.qualifier}
		}
	}
	decisions, err := judges.SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
	for i, c := range cases {
		assert.Equal(t, c.allow, decisions[i].Result == "Allowed", "%s: %s (decisive: %v)", c.name, decisions[i].Result, decisions[i].Decisive)
	}
}
