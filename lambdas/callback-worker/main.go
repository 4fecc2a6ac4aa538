// Command callback-worker completes the callback workflow's waiting task: it
// reads {payload, taskToken} messages from SQS, reverses the payload with the
// reverse function's code, and reports the result to Step Functions.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

func main() {
	// LoadDefaultConfig honours AWS_ENDPOINT_URL_SFN, which the local runner
	// uses to point the worker at its own Step Functions endpoint.
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("loading the AWS SDK configuration: %v", err)
	}
	lambda.Start(worker{tasks: sfn.NewFromConfig(cfg)}.handle)
}
