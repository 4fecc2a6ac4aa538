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
	"stepfunctions-go/lambdas/unicodetext"
)

// handlers are the functions of lambdas/, run in-process. Each
// lambdas/<name>/main.go is a main package, which Go cannot import, so an
// entry is that file's handle body: the envelope with the text transform
// the function applies. A workflow that invokes a function missing here
// fails the test, naming it.
var handlers = map[string]func(event json.RawMessage) (envelope.Response, error){
	"hello-world": func(e json.RawMessage) (envelope.Response, error) { return envelope.Apply(e, unicodetext.Upper) },
	"reverse":     func(e json.RawMessage) (envelope.Response, error) { return envelope.Apply(e, unicodetext.Reverse) },
	// lambdas/callback-worker reverses the message's event (its reverse)
	// and reports the response with SendTaskSuccess.
	"callback-worker": func(e json.RawMessage) (envelope.Response, error) { return envelope.Apply(e, unicodetext.Reverse) },
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

// answer is a task token's outcome, sent by the queue's consumer.
type answer struct {
	token  string
	output json.RawMessage
}

// twinIntegrations serve lambda:invoke with the handlers (the result in
// the Lambda integration's shape) and sqs:sendMessage.waitForTaskToken with
// the queue's consumer, whose SendTaskSuccess arrives on answers.
func twinIntegrations(t *testing.T, answers chan<- answer) asl.IntegrationMap {
	handler := func(name string) func(json.RawMessage) (envelope.Response, error) {
		h, ok := handlers[name]
		if !ok {
			t.Errorf("no in-process handler for lambdas/%s: add it to handlers in %s", name, "statemachine/twins_run_test.go")
		}
		return h
	}
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
// in-process functions and queue: both must end with the example's output,
// byte for byte (field order included), and record the same history shape
// (the same events, naming the same states, in the same order).
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
			output, hasOutput := example.(*value.Object).Get("output")
			require.True(t, hasInput && hasOutput, "the example has an input and an output")
			want, err := value.Marshal(output)
			require.NoError(t, err)

			var shapes [2][]string
			for i, template := range []*Template{pair.original, pair.jsonata} {
				got, shape := runTwin(t, template, worker, input)
				require.Equal(t, string(want), got, "%s ends with the example's output", template.Name)
				shapes[i] = shape
			}
			require.Equal(t, shapes[0], shapes[1], "the twin's history has the workflow's shape")
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
