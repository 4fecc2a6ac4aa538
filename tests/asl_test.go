package tests

import (
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/judges"
)

// TestEveryDeployedDefinitionPassesAWSsASLValidator runs AWS's own language
// service (the AWS Toolkit's) and asl-validator over the definition each
// state machine receives, in whichever query language it is written, and
// requires no diagnostic at all.
func TestEveryDeployedDefinitionPassesAWSsASLValidator(t *testing.T) {
	var definitions []judges.Definition
	for _, machine := range deployDefault(t).ofType(stateMachineType) {
		definitions = append(definitions, judges.Definition{Name: machine.str("name"), JSON: machine.str("definition")})
	}
	require.NotEmpty(t, definitions)
	diagnostics, err := judges.ValidateASL(t.Context(), definitions)
	require.NoError(t, err)
	for _, diagnostic := range diagnostics {
		t.Error(diagnostic)
	}
	t.Logf("%d deployed definitions checked", len(definitions))
}
