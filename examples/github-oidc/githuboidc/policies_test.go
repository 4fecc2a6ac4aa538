package githuboidc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
)

// TestReadOnlyStatementsKeepResourcesAndConditions: a read cut out of a
// statement keeps that statement's resources and conditions (dropping a
// condition would widen the read), denies and write-only statements go.
func TestReadOnlyStatementsKeepResourcesAndConditions(t *testing.T) {
	got, err := readOnlyStatements(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Mixed","Effect":"Allow","Action":["sqs:CreateQueue","sqs:GetQueueUrl"],"Resource":"arn:*:sqs:*:*:p-*"},
		{"Sid":"Conditioned","Effect":"Allow","Action":"iam:GetRole","Resource":["arn:*:iam::*:role/p-*"],"Condition":{"StringEquals":{"aws:ResourceTag/project":"p"}}},
		{"Sid":"WritesOnly","Effect":"Allow","Action":["sns:Subscribe"],"Resource":"*"},
		{"Sid":"Guard","Effect":"Deny","Action":["iam:GetRole"],"Resource":"*"}]}`)
	require.NoError(t, err)
	assert.Equal(t, []infra.Statement{
		{Sid: "ReadMixed", Effect: "Allow", Action: []string{"sqs:GetQueueUrl"}, Resource: []string{"arn:*:sqs:*:*:p-*"}},
		{Sid: "ReadConditioned", Effect: "Allow", Action: []string{"iam:GetRole"}, Resource: []string{"arn:*:iam::*:role/p-*"},
			Condition: map[string]map[string][]string{"StringEquals": {"aws:ResourceTag/project": {"p"}}}},
	}, got)

	for name, policy := range map[string]string{
		"no reads":     `{"Statement":[{"Effect":"Allow","Action":"sqs:CreateQueue","Resource":"*"}]}`,
		"not a policy": `{"Statement":"everything"}`,
	} {
		_, err := readOnlyStatements(policy)
		assert.Error(t, err, name)
	}
}
