package awsmodel

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireBotocore fails in CI and skips elsewhere when botocore's models
// cannot be found, saying what to install.
func requireBotocore(t *testing.T) {
	t.Helper()
	if _, err := botocoreData(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs botocore's service models: %v", err)
		}
		t.Skipf("no botocore: %v", err)
	}
}

func TestCheckResultKnowsWhichResourcesHaveAModel(t *testing.T) {
	requireBotocore(t)
	tests := []struct {
		resource  string
		validated bool
	}{
		{"arn:aws:states:::lambda:invoke", true},
		{"arn:aws:states:::aws-sdk:sfn:startExecution", true},
		{"arn:aws:states:::aws-sdk:dynamodb:getItem", true},
		{"arn:aws:states:::sqs:sendMessage", true},
		{"arn:aws:states:::sqs:sendMessage.waitForTaskToken", false},
		{"arn:aws:states:::states:startExecution.sync:2", false},
		{"arn:aws:states:::http:invoke", false},
		{"arn:aws:states:::apigateway:invoke", false},
		{"arn:aws:states:::eks:call", false},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", false},
		{"arn:aws:states:us-east-1:123456789012:activity:a", false},
		{"arn:aws:states:::aws-sdk:nosuchservice:doIt", false},
		{"arn:aws:states:::lambda:noSuchOperation", false},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			problems, validated, err := TaskResults{}.CheckResult(tt.resource, map[string]any{}, false)
			require.NoError(t, err)
			assert.Equal(t, tt.validated, validated)
			assert.Empty(t, problems)
		})
	}
}

func TestLoadNamesAMissingService(t *testing.T) {
	requireBotocore(t)
	_, err := Load("no-such-service")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `botocore has no service model named "no-such-service"`)
}
