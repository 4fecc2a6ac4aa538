// Command hello-world is the workflow's second step: it upper-cases the
// payload, as the playground's Python hello-world function did.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"

	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/lambdas/unicodetext"
)

func handle(_ context.Context, event json.RawMessage) (envelope.Response, error) {
	return envelope.Apply(event, unicodetext.Upper)
}

func main() {
	lambda.Start(handle)
}
