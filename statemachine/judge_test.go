package statemachine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/judges"
)

// plausible fills a placeholder with a value of the kind its name ends
// with, so a new placeholder needs no edit here.
func plausible(placeholder string) string {
	switch {
	case strings.HasSuffix(placeholder, "FunctionArn"):
		return "arn:aws:lambda:us-east-1:123456789012:function:" + strings.ToLower(placeholder) + ":1"
	case strings.HasSuffix(placeholder, "QueueUrl"):
		return "https://sqs.us-east-1.amazonaws.com/123456789012/" + strings.ToLower(placeholder)
	case strings.HasSuffix(placeholder, "Partition"):
		return "aws"
	case strings.HasSuffix(placeholder, "Arn"):
		return "arn:aws:states:us-east-1:123456789012:stateMachine:" + strings.ToLower(placeholder)
	default:
		return strings.ToLower(placeholder)
	}
}

// TestEveryTemplatePassesAWSsASLValidator runs AWS's own language service
// (the AWS Toolkit's) over every workflow file, filled with plausible
// values, and requires no diagnostic at all.
func TestEveryTemplatePassesAWSsASLValidator(t *testing.T) {
	var definitions []judges.Definition
	for _, name := range Names() {
		template, err := Load(name)
		require.NoError(t, err)
		values := map[string]string{}
		for _, placeholder := range template.Placeholders() {
			values[placeholder] = plausible(placeholder)
		}
		rendered, err := template.Render(values)
		require.NoError(t, err)
		definitions = append(definitions, judges.Definition{Name: "statemachine/" + name + extension, JSON: rendered})
	}
	diagnostics, err := judges.ValidateASL(t.Context(), definitions)
	require.NoError(t, err)
	for _, diagnostic := range diagnostics {
		t.Error(diagnostic)
	}
	t.Logf("%d workflow files checked", len(definitions))
}
