package statemachine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/asl/value"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/envelope"
)

// stepFunction stands in for the function in lambdas/<name>/: it answers
// with the functions' envelope, its payload marked with the function's
// name, so that an output shows which functions ran in which order. The
// real functions run on the twins in tests/addstep's JSONata copy, through
// the local runner; here the two definitions are held to each other.
func stepFunction(name string) func(json.RawMessage) (envelope.Response, error) {
	return func(event json.RawMessage) (envelope.Response, error) {
		return envelope.Apply(event, func(text string) string { return text + " > " + name })
	}
}

const (
	twinRegion  = "us-east-1"
	twinAccount = "123456789012"
)

// twinValues fills a workflow's placeholders with local values: function
// ARNs and queue URLs that name the function or queue.
func twinValues(t *testing.T, template *Template) map[string]string {
	functions, err := lambdas.All()
	require.NoError(t, err)
	values := map[string]string{}
	for _, placeholder := range template.Placeholders() {
		fn := slices.IndexFunc(functions, func(f lambdas.Function) bool { return f.ArnPlaceholder() == placeholder })
		queue := slices.IndexFunc(lambdas.Queues(), func(q lambdas.Queue) bool { return q.URLPlaceholder == placeholder })
		switch {
		case placeholder == PartitionPlaceholder:
			values[placeholder] = "aws"
		case fn >= 0:
			values[placeholder] = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", twinRegion, twinAccount, functions[fn].Name)
		case queue >= 0:
			values[placeholder] = fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", twinRegion, twinAccount, lambdas.Queues()[queue].Name)
		default:
			t.Fatalf("workflow %s: no local value for ${%s}", template.Name, placeholder)
		}
	}
	return values
}

// functionsCalled are the functions a workflow's placeholders bring in:
// those it invokes and those that consume its queues.
func functionsCalled(t *testing.T, template *Template) []string {
	functions, err := lambdas.All()
	require.NoError(t, err)
	var called []string
	for _, placeholder := range template.Placeholders() {
		if fn := slices.IndexFunc(functions, func(f lambdas.Function) bool { return f.ArnPlaceholder() == placeholder }); fn >= 0 {
			called = append(called, functions[fn].Name)
		}
		if queue := slices.IndexFunc(lambdas.Queues(), func(q lambdas.Queue) bool { return q.URLPlaceholder == placeholder }); queue >= 0 {
			called = append(called, lambdas.Queues()[queue].Consumer)
		}
	}
	require.NotEmpty(t, called, "workflow %s calls no function", template.Name)
	return called
}

// answer is a task token's outcome, sent by the queue's consumer.
type answer struct {
	token  string
	output json.RawMessage
}

// twinIntegrations serve lambda:invoke with the handlers (the result in
// the Lambda integration's shape) and sqs:sendMessage.waitForTaskToken with
// the queue's consumer, whose SendTaskSuccess arrives on answers.
func twinIntegrations(t *testing.T, answers chan<- answer) asl.IntegrationMap {
	handler := stepFunction
	argument := func(call asl.TaskCall, name string) any {
		args, _ := call.Arguments.(*value.Object)
		v, _ := args.Get(name)
		return v
	}

	return asl.IntegrationMap{
		"arn:aws:states:::lambda:invoke": func(_ context.Context, call asl.TaskCall) (any, error) {
			arn, _ := argument(call, "FunctionName").(string)
			h := handler(arn[strings.LastIndex(arn, ":")+1:])
			if h == nil {
				return nil, fmt.Errorf("no handler for %s", arn)
			}
			payload, err := value.Marshal(argument(call, "Payload"))
			if err != nil {
				return nil, err
			}
			response, err := h(payload)
			if err != nil {
				return nil, err
			}
			result, err := json.Marshal(response)
			if err != nil {
				return nil, err
			}
			return json.RawMessage(`{"ExecutedVersion":"$LATEST","Payload":` + string(result) + `,"StatusCode":200}`), nil
		},
		"arn:aws:states:::sqs:sendMessage.waitForTaskToken": func(_ context.Context, call asl.TaskCall) (any, error) {
			url, _ := argument(call, "QueueUrl").(string)
			queue := slices.IndexFunc(lambdas.Queues(), func(q lambdas.Queue) bool { return strings.HasSuffix(url, "/"+q.Name) })
			if queue < 0 {
				return nil, fmt.Errorf("no queue at %s", url)
			}
			h := handler(lambdas.Queues()[queue].Consumer)
			if h == nil {
				return nil, fmt.Errorf("no consumer for %s", url)
			}
			// The consumer's message is the body without its token.
			body, _ := argument(call, "MessageBody").(*value.Object)
			event := value.NewObject(body.Len())
			for k, v := range body.All() {
				if k != "taskToken" {
					event.Set(k, v)
				}
			}
			if token, _ := body.Get("taskToken"); token != call.TaskToken {
				return nil, fmt.Errorf("the message carries the token %v, not the task's %s", token, call.TaskToken)
			}
			message, err := value.Marshal(event)
			if err != nil {
				return nil, err
			}
			response, err := h(message)
			if err != nil {
				return nil, err
			}
			output, err := json.Marshal(response)
			if err != nil {
				return nil, err
			}
			answers <- answer{call.TaskToken, output}
			return json.RawMessage(`{"MessageId":"m-1","MD5OfMessageBody":"0"}`), nil
		},
	}
}

// TestTwinsRunAsTheirWorkflows runs each workflow and its JSONata twin
// through the engine on the workflow's example input, with the same
// in-process stand-ins for the functions and the queue: both must end with
// the same output, byte for byte (field order included), one that passed
// through every function of the workflow, and record the same history
// shape (the same events, naming the same states, in the same order).
func TestTwinsRunAsTheirWorkflows(t *testing.T) {
	worker, err := jsonata.New(t.Context(), jsonata.Options{})
	require.NoError(t, err, "starting the reference JSONata")
	t.Cleanup(func() { worker.Close() })

	for _, pair := range twins(t) {
		t.Run(pair.original.Name, func(t *testing.T) {
			exampleText, err := files.ReadFile(pair.original.Name + exampleExtension)
			require.NoError(t, err, "statemachine/%s%s holds the workflow's example input and output", pair.original.Name, exampleExtension)
			example, err := value.Decode(exampleText)
			require.NoError(t, err)
			input, hasInput := example.(*value.Object).Get("input")
			require.True(t, hasInput, "the example has an input")

			var outputs [2]string
			var shapes [2][]string
			for i, template := range []*Template{pair.original, pair.jsonata} {
				outputs[i], shapes[i] = runTwin(t, template, worker, input)
			}
			require.Equal(t, outputs[0], outputs[1], "the twin ends with the workflow's output")
			require.Equal(t, shapes[0], shapes[1], "the twin's history has the workflow's shape")
			for _, fn := range functionsCalled(t, pair.original) {
				require.Contains(t, outputs[0], " > "+fn, "the output passed through %s", fn)
			}
		})
	}
}

// runTwin runs one definition and returns its output as JSON text and its
// history as "EventType state" lines.
func runTwin(t *testing.T, template *Template, worker *jsonata.Worker, input any) (string, []string) {
	t.Helper()
	definition, err := template.Render(twinValues(t, template))
	require.NoError(t, err)
	answers := make(chan answer, 1)
	machine, err := asl.Load([]byte(definition), asl.Options{Integrations: twinIntegrations(t, answers), JSONata: worker})
	require.NoError(t, err, "%s loads", template.Name)
	exec := machine.Start(t.Context(), input, asl.ExecutionInfo{
		ID: "arn:aws:states:us-east-1:123456789012:execution:twin:1", Name: "1", Region: twinRegion,
		StateMachineID: "arn:aws:states:us-east-1:123456789012:stateMachine:twin", StateMachineName: "twin",
	})
	for waiting := true; waiting; {
		select {
		case a := <-answers:
			require.NoError(t, exec.SendTaskSuccess(a.token, a.output))
		case <-exec.Done():
			waiting = false
		}
	}
	result := exec.Wait()
	require.Equal(t, asl.Succeeded, result.Status, "%s: %v", template.Name, result.Error)
	out, err := value.Marshal(result.Output)
	require.NoError(t, err)
	var shape []string
	for _, e := range exec.History() {
		name, _ := e.Details["name"].(string)
		shape = append(shape, strings.TrimSpace(e.Type+" "+name))
	}
	return string(out), shape
}
