// Package lambdas lists the workflow's Go functions. Every consumer (the
// Pulumi program, cmd/package and cmd/local) builds from this one list.
package lambdas

import "strings"

// Function is one Lambda function built from a main package in this module.
type Function struct {
	// Name is the short name used in resource names, zip names and outputs.
	Name string
	// Dir is the main package's directory, relative to the module root.
	Dir string
	// Description is shown on the function in the Lambda console.
	Description string
}

var (
	// HelloWorld upper-cases the payload.
	HelloWorld = Function{Name: "hello-world", Dir: "lambdas/hello-world", Description: "Upper-cases the payload (full Unicode case mapping)."}
	// Reverse reverses the payload.
	Reverse = Function{Name: "reverse", Dir: "lambdas/reverse", Description: "Reverses the payload by grapheme cluster."}
	// CallbackWorker completes the callback workflow's waiting task.
	CallbackWorker = Function{Name: "callback-worker", Dir: "lambdas/callback-worker", Description: "Reverses queued payloads and reports them to the waiting workflow."}
)

// Queue is an SQS queue a workflow sends to and a function consumes through
// an event source mapping. The stack and the local runner both read it here,
// so the queue run locally is the queue deployed.
type Queue struct {
	// Name is the short name used in resource names.
	Name string
	// URLPlaceholder is the workflow placeholder that receives the queue's URL.
	URLPlaceholder string
	// Consumer is the function its messages are delivered to.
	Consumer Function
	// MaxReceiveCount is how often a message is received without success
	// before the redrive policy moves it to the dead-letter queue.
	MaxReceiveCount int
}

// CallbackQueue carries the callback workflow's task tokens to CallbackWorker.
var CallbackQueue = Queue{Name: "callback", URLPlaceholder: "CallbackQueueUrl", Consumer: CallbackWorker, MaxReceiveCount: 3}

// Queues is every queue a workflow can send to.
func Queues() []Queue {
	return []Queue{CallbackQueue}
}

// The stack's default memory and timeout for every function. They live here,
// beside the functions, so that cmd/local runs the functions as deployed
// without linking the Pulumi SDK; infra's config defaults are these.
const (
	DefaultMemoryMB       = 128
	DefaultTimeoutSeconds = 10
)

// All is every function the stack can deploy.
func All() []Function {
	return []Function{HelloWorld, Reverse, CallbackWorker}
}

// PascalName is Name in PascalCase ("hello-world" → "HelloWorld"): the stem
// of the function's ${...FunctionArn} placeholder and, with a lower-case
// first letter, of its stack outputs.
func (f Function) PascalName() string {
	var pascal strings.Builder
	for _, word := range strings.Split(f.Name, "-") {
		if word != "" {
			pascal.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	return pascal.String()
}

// ArnPlaceholder is the workflow placeholder that receives the ARN of the
// function's published version.
func (f Function) ArnPlaceholder() string { return f.PascalName() + "FunctionArn" }
