// Command callback-worker completes the callback workflow's waiting task: it
// reads {payload, taskToken} messages from SQS, reverses the payload with the
// reverse function's code, and reports the result to Step Functions.
package main

import (
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	tasks, err := newStepFunctions(os.Getenv)
	if err != nil {
		log.Fatalf("creating the Step Functions client: %v", err)
	}
	lambda.Start(worker{tasks: tasks}.handle)
}
