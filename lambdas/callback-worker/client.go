package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// newStepFunctions builds the Step Functions client from the environment
// Lambda gives every function: AWS_REGION and the execution role's
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN).
// It does not use the SDK's config package: its credential chain (shared
// files, SSO, STS, IMDS) is a quarter of the zip and never used in Lambda.
//
// Lambda sets those variables when it starts an execution environment and
// replaces the whole environment rather than the credentials (AWS's Lambda
// guide: a permission change "forces running instances of your function,
// which have outdated credentials, to stop and be replaced"), so reading
// them once at start-up is enough.
//
// AWS_ENDPOINT_URL_SFN, else AWS_ENDPOINT_URL, overrides the endpoint as the
// SDKs document it; the local runner points the worker at its own Step
// Functions endpoint this way.
func newStepFunctions(getenv func(string) string) (*sfn.Client, error) {
	values := map[string]string{}
	var missing []string
	for _, name := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if values[name] = getenv(name); values[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("environment variable(s) %s not set: Lambda sets them for every function; to run the worker elsewhere, set the region and the credentials of a role that may call states:SendTask*", strings.Join(missing, ", "))
	}
	credentials := aws.Credentials{
		AccessKeyID:     values["AWS_ACCESS_KEY_ID"],
		SecretAccessKey: values["AWS_SECRET_ACCESS_KEY"],
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          "Lambda environment",
	}
	options := sfn.Options{
		Region: values["AWS_REGION"],
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return credentials, nil
		}),
	}
	for _, name := range []string{"AWS_ENDPOINT_URL_SFN", "AWS_ENDPOINT_URL"} {
		if endpoint := getenv(name); endpoint != "" {
			options.BaseEndpoint = aws.String(endpoint)
			break
		}
	}
	return sfn.New(options), nil
}
