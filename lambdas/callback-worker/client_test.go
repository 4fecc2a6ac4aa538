package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lambdaEnvironment is what Lambda sets for a function with an execution role.
func lambdaEnvironment(overrides map[string]string) func(string) string {
	env := map[string]string{
		"AWS_REGION":            "eu-west-1",
		"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLE",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "session",
	}
	for name, value := range overrides {
		env[name] = value
	}
	return func(name string) string { return env[name] }
}

func TestStepFunctionsClientComesFromLambdasEnvironment(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		wantEndpoint string // "" means the SDK resolves the regional endpoint
		wantError    string
	}{
		{name: "Lambda's environment"},
		{name: "service endpoint", env: map[string]string{"AWS_ENDPOINT_URL_SFN": "http://127.0.0.1:1"}, wantEndpoint: "http://127.0.0.1:1"},
		{name: "general endpoint", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:2"}, wantEndpoint: "http://127.0.0.1:2"},
		{name: "the service endpoint wins", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:2", "AWS_ENDPOINT_URL_SFN": "http://127.0.0.1:1"}, wantEndpoint: "http://127.0.0.1:1"},
		{name: "no region", env: map[string]string{"AWS_REGION": ""}, wantError: "environment variable(s) AWS_REGION not set"},
		{name: "no credentials", env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, wantError: "environment variable(s) AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := newStepFunctions(lambdaEnvironment(tt.env))
			if tt.wantError != "" {
				require.ErrorContains(t, err, tt.wantError)
				return
			}
			require.NoError(t, err)
			options := client.Options()
			assert.Equal(t, "eu-west-1", options.Region)
			assert.Equal(t, tt.wantEndpoint, aws.ToString(options.BaseEndpoint))
			credentials, err := options.Credentials.Retrieve(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "ASIAEXAMPLE", credentials.AccessKeyID)
			assert.Equal(t, "secret", credentials.SecretAccessKey)
			assert.Equal(t, "session", credentials.SessionToken)
		})
	}
}

// TestStepFunctionsClientSignsRetriesAndNamesErrors holds the client to what
// the worker needs from the SDK: requests signed for the region with the
// session token, a retried server error, and Step Functions' error types.
func TestStepFunctionsClientSignsRetriesAndNamesErrors(t *testing.T) {
	var mu sync.Mutex
	var requests []*http.Request
	answers := []func(http.ResponseWriter){
		func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
		func(w http.ResponseWriter) { w.Write([]byte(`{}`)) },
		func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"__type":"com.amazonaws.swf.service.v2.model#InvalidToken","message":"Invalid token"}`))
		},
	}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		requests = append(requests, r)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		answers[len(requests)-1](w)
	}))
	defer server.Close()

	client, err := newStepFunctions(lambdaEnvironment(map[string]string{"AWS_ENDPOINT_URL_SFN": server.URL}))
	require.NoError(t, err)
	_, err = client.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: aws.String("t"), Output: aws.String("{}")})
	require.NoError(t, err, "the 503 is retried")
	_, err = client.SendTaskFailure(context.Background(), &sfn.SendTaskFailureInput{TaskToken: aws.String("t")})
	var invalid *types.InvalidToken
	require.ErrorAs(t, err, &invalid)

	require.Len(t, requests, 3)
	for _, r := range requests {
		assert.Contains(t, r.Header.Get("Authorization"), "Credential=ASIAEXAMPLE/")
		assert.Contains(t, r.Header.Get("Authorization"), "/eu-west-1/states/aws4_request")
		assert.Equal(t, "session", r.Header.Get("X-Amz-Security-Token"))
	}
	assert.Equal(t, "AWSStepFunctions.SendTaskSuccess", requests[1].Header.Get("X-Amz-Target"))
	assert.Equal(t, "AWSStepFunctions.SendTaskFailure", requests[2].Header.Get("X-Amz-Target"))
}
