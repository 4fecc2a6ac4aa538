package statemachine

import (
	"os"
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
// (the AWS Toolkit's) and asl-validator over every workflow file and every
// JSONata twin, filled with plausible values, and over a definition with a
// placeholder inside a JSONata expression, and requires no diagnostic at
// all. asl-validator is the judge of the JSONata ones: the language service
// accepts any JSONata state.
func TestEveryTemplatePassesAWSsASLValidator(t *testing.T) {
	templates := []*Template{placeholderInExpression(t)}
	for _, name := range Names() {
		template, err := Load(name)
		require.NoError(t, err)
		templates = append(templates, template)
	}
	if _, err := os.Stat(twinsDir); err == nil {
		for _, pair := range twins(t) {
			templates = append(templates, pair.jsonata)
		}
	}
	var definitions []judges.Definition
	for _, template := range templates {
		values := map[string]string{}
		for _, placeholder := range template.Placeholders() {
			values[placeholder] = plausible(placeholder)
		}
		rendered, err := template.Render(values)
		require.NoError(t, err)
		definitions = append(definitions, judges.Definition{Name: "statemachine/" + template.Name + extension, JSON: rendered})
	}
	diagnostics, err := judges.ValidateASL(t.Context(), definitions)
	require.NoError(t, err)
	for _, diagnostic := range diagnostics {
		t.Error(diagnostic)
	}
	t.Logf("%d definitions checked", len(definitions))
}
