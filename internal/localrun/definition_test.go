package localrun

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/statemachine"
)

func TestEveryDefinitionPassesASLValidator(t *testing.T) {
	tools := testTools(t)
	for _, name := range statemachine.Names() {
		t.Run(name, func(t *testing.T) {
			template, err := statemachine.Load(name)
			require.NoError(t, err)
			_, values, unresolved := localResources(template)
			for _, placeholder := range unresolved {
				// A stand-in for what only a later integration will provide:
				// the validator checks the structure, not these values.
				name := strings.Trim(placeholder, "${}")
				values[name] = "local-" + name
			}
			definition, err := template.Render(values)
			require.NoError(t, err)
			in, err := startInterpreter(t.Context(), tools, definition, interpreterOverrides{}, lambdaOnly())
			require.NoError(t, err)
			in.stop()
		})
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
	definition := `{"StartAt":"Wait for approval","States":{"Wait for approval":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"https://example.invalid/q","MessageBody":{"token.$":"$$.Task.Token"}},
		"TimeoutSeconds":30,"End":true}}}`
	in, err := startInterpreter(t.Context(), testTools(t), definition, interpreterOverrides{}, lambdaOnly())
	require.NoError(t, err)
	t.Cleanup(in.stop)
	err = in.checkIntegrations()
	var setupErr *SetupError
	require.ErrorAs(t, err, &setupErr)
	require.ErrorContains(t, err, `Task "Wait for approval" uses Resource arn:aws:states:::sqs:sendMessage.waitForTaskToken`)
}
