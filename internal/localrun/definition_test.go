package localrun

import (
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/judges"
	"stepfunctions-go/statemachine"
)

func TestEveryDefinitionPassesASLValidator(t *testing.T) {
	tools := testTools(t)
	for _, name := range statemachine.Names() {
		t.Run(name, func(t *testing.T) {
			workflow, _ := workflowOf(t, name)
			definition, err := workflow.Render(localResourcesOf(workflow, nil).values)
			require.NoError(t, err, "the local runner provides every placeholder")
			in, err := startInterpreter(t.Context(), tools, definition, interpreterOverrides{}, map[string]integration{
				lambdaInvokeResource:       newLambdaInvoke(nil),
				sqsSendMessageWaitResource: &sendMessageAndWait{},
			})
			require.NoError(t, err)
			defer in.stop()
			require.NoError(t, in.checkIntegrations())
		})
	}
}

// AWS's own ASL service (internal/judges) finds nothing in any definition
// as the local runner renders it, beside asl-validator above.
func TestEveryLocalDefinitionPassesAWSsASLValidator(t *testing.T) {
	var definitions []judges.Definition
	for _, name := range statemachine.Names() {
		workflow, _ := workflowOf(t, name)
		definition, err := workflow.Render(localResourcesOf(workflow, nil).values)
		require.NoError(t, err)
		definitions = append(definitions, judges.Definition{Name: "local " + name, JSON: definition})
	}
	diagnostics, err := judges.ValidateASL(t.Context(), definitions)
	require.NoError(t, err)
	for _, diagnostic := range diagnostics {
		t.Error(diagnostic)
	}
}

func lambdaOnly() map[string]integration {
	return map[string]integration{lambdaInvokeResource: newLambdaInvoke(nil)}
}

// The validator is real: it rejects what the interpreter would run anyway.
func TestASLValidatorRejectsAnUnreachableState(t *testing.T) {
	definition := `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"Orphan":{"Type":"Pass","End":true}}}`
	in, err := startInterpreter(t.Context(), testTools(t), definition, interpreterOverrides{}, lambdaOnly())
	if in != nil {
		in.stop()
	}
	require.ErrorContains(t, err, "asl-validator rejects the rendered definition:\nMISSING_TRANSITION_TARGET: State Orphan is not reachable")
}

// Integrations are chosen per Resource: a Task whose Resource has none is a
// setup error before anything runs, not a Task that fails at run time.
func TestATaskWithoutIntegrationIsASetupError(t *testing.T) {
	definition := `{"StartAt":"Record","States":{"Record":{"Type":"Task",
		"Resource":"arn:aws:states:::dynamodb:putItem",
		"Parameters":{"TableName":"records","Item":{"id":{"S.$":"$.id"}}},
		"TimeoutSeconds":30,"End":true}}}`
	in, err := startInterpreter(t.Context(), testTools(t), definition, interpreterOverrides{}, lambdaOnly())
	require.NoError(t, err)
	t.Cleanup(in.stop)
	err = in.checkIntegrations()
	var setupErr *SetupError
	require.ErrorAs(t, err, &setupErr)
	require.ErrorContains(t, err, `Task "Record" uses Resource arn:aws:states:::dynamodb:putItem`)
}
