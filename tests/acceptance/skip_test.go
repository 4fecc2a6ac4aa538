// Package acceptance deploys the project to a real AWS account with the
// Automation API, runs the workflow once, and checks that destroy leaves
// nothing behind. It is opt-in (STEPFUNCTIONS_ACCEPTANCE=1) because it creates
// billable resources; everywhere else it skips and says why.
package acceptance

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// optInVar must be exactly "1": having credentials loaded is not consent to
// deploy, since developers often have them for unrelated work.
const optInVar = "STEPFUNCTIONS_ACCEPTANCE"

// skipReason says why the acceptance test cannot or must not run, or "" when
// it may. It reads the environment only through its arguments so that every
// combination is unit-testable.
func skipReason(getenv func(string) string, lookPath func(string) (string, error)) string {
	var reasons []string
	if getenv(optInVar) != "1" {
		reasons = append(reasons, optInVar+"=1 is not set: the test deploys real AWS resources (a few cents) and must be asked for")
	}
	if _, err := lookPath("pulumi"); err != nil {
		reasons = append(reasons, "no pulumi CLI on PATH: the Automation API runs it")
	}
	if !hasAWSCredentials(getenv) {
		reasons = append(reasons, "no AWS credentials in the environment: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "+
			"or AWS_PROFILE (AWS_PROFILE=default for ~/.aws/credentials), or AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, "+
			"or run where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI is set")
	}
	return strings.Join(reasons, "; ")
}

// hasAWSCredentials accepts only sources named in the environment; a shared
// credentials file or instance metadata counts once AWS_PROFILE names it, so
// the decision never depends on files or the network.
func hasAWSCredentials(getenv func(string) string) bool {
	set := func(names ...string) bool {
		for _, n := range names {
			if getenv(n) == "" {
				return false
			}
		}
		return true
	}
	return set("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") ||
		set("AWS_PROFILE") ||
		set("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN") ||
		set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") ||
		set("AWS_CONTAINER_CREDENTIALS_FULL_URI")
}

func TestSkipReason(t *testing.T) {
	const (
		optIn   = optInVar + "=1 is not set"
		noCLI   = "no pulumi CLI on PATH"
		noCreds = "no AWS credentials in the environment"
	)
	found := func(string) (string, error) { return "/usr/local/bin/pulumi", nil }
	missing := func(string) (string, error) { return "", exec.ErrNotFound }
	keys := map[string]string{optInVar: "1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "secret"}

	tests := []struct {
		name     string
		env      map[string]string
		lookPath func(string) (string, error)
		want     []string // substrings, all of which must appear; none means run
	}{
		{"everything present", keys, found, nil},
		{"profile", map[string]string{optInVar: "1", "AWS_PROFILE": "sandbox"}, found, nil},
		{"web identity", map[string]string{optInVar: "1", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/ci"}, found, nil},
		{"container relative URI", map[string]string{optInVar: "1", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}, found, nil},
		{"container full URI", map[string]string{optInVar: "1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1338/creds"}, found, nil},
		{"credentials but no opt-in", map[string]string{"AWS_PROFILE": "sandbox"}, found, []string{optIn}},
		{"opt-in not exactly 1", map[string]string{optInVar: "true", "AWS_PROFILE": "sandbox"}, found, []string{optIn}},
		{"no pulumi CLI", keys, missing, []string{noCLI}},
		{"no credentials", map[string]string{optInVar: "1"}, found, []string{noCreds}},
		{"access key without secret", map[string]string{optInVar: "1", "AWS_ACCESS_KEY_ID": "AKIA"}, found, []string{noCreds}},
		{"web identity token without role", map[string]string{optInVar: "1", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/token"}, found, []string{noCreds}},
		{"nothing at all names every reason", map[string]string{}, missing, []string{optIn, noCLI, noCreds}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := skipReason(func(k string) string { return tt.env[k] }, tt.lookPath)
			if len(tt.want) == 0 {
				assert.Empty(t, got)
				return
			}
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
}

func TestSkipReasonAsksForPulumiByName(t *testing.T) {
	var asked []string
	skipReason(func(string) string { return "" }, func(name string) (string, error) {
		asked = append(asked, name)
		return "", errors.New("not found")
	})
	assert.Equal(t, []string{"pulumi"}, asked)
}
