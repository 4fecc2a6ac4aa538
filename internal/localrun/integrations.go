package localrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"

	"stepfunctions-go/internal/asl"
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
// it: compact, with <, > and & as they are.
func jsonText(value any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return "null" // the engine's values are JSON values
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// decodeValue is JSON text as a value of the engine: numbers keep their
// text (json.Number).
func decodeValue(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text after the JSON value")
	}
	return value, nil
}
