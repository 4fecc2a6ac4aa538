// Command reverse is the workflow's first step: it reverses the payload.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"

	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/lambdas/unicodetext"
)

func handle(_ context.Context, event json.RawMessage) (envelope.Response, error) {
	return envelope.Apply(event, unicodetext.Reverse)
}

func main() {
	lambda.Start(handle)
}
