package localrun

import (
	"maps"
	"slices"
	"strings"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/value"
)

// localIntegrations are the Task Resources the local runner serves, as the
// engine's asl.Integrations: lambda:invoke and the workflow's own function
// ARNs through the emulators (lambda.go), and
// sqs:sendMessage.waitForTaskToken through the local queues (sqs.go). The
// engine refuses any other Resource when it loads the definition.
type localIntegrations struct {
	lambda *lambdaInvoke
	// functionARNs are the ARNs of the functions the session runs, which a
	// Task may name as its Resource.
	functionARNs map[string]bool
	sqs          *sendMessageAndWait
}

func (l localIntegrations) Lookup(resource string) (asl.Integration, bool) {
	switch {
	case resource == lambdaInvokeResource:
		return l.lambda.invokeTask, true
	case resource == sqsSendMessageWaitResource:
		return l.sqs.call, true
	case l.functionARNs[resource]:
		return l.lambda.invokeFunction, true
	}
	return nil, false
}

// served names what Lookup serves, for the message that refuses a
// definition.
func (l localIntegrations) served() string {
	return strings.Join(append([]string{lambdaInvokeResource, sqsSendMessageWaitResource}, slices.Sorted(maps.Keys(l.functionARNs))...), ", ")
}

// jsonText is a value of the engine as JSON text, as Step Functions writes
// it: compact, fields in order, with <, > and & as they are.
func jsonText(v any) string {
	text, err := value.Marshal(v)
	if err != nil {
		return "null" // the engine's values are JSON values
	}
	return string(text)
}

// argument is the field name of a Task's arguments, an object of the
// engine's values, and whether it is there.
func argument(arguments any, name string) (any, bool) {
	object, _ := arguments.(*value.Object)
	if object == nil {
		return nil, false
	}
	return object.Get(name)
}
