package asl

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkInlineMap1000 is the engine's share of the issue's target "a
// 1,000-item inline Map of Pass states with a JSONata Output runs in under
// 1 s", with the reference JSONata (the Node worker).
func BenchmarkInlineMap1000(b *testing.B) {
	def := `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {
		"P": {"Type": "Pass", "Output": {"v": "{% $states.input + 1 %}"}, "End": true}}}, "End": true}}}`
	opts := setup{}.options(b)
	opts.Clock = WallClock{}
	m, err := Load([]byte(def), opts)
	if err != nil {
		b.Fatal(err)
	}
	input := decodeJSON(b, "["+strings.TrimSuffix(strings.Repeat("1,", 1000), ",")+"]")
	b.ResetTimer()
	for range b.N {
		if r := m.Start(context.Background(), input, testInfo).Wait(); r.Status != Succeeded {
			b.Fatal(r.Error)
		}
	}
}

// BenchmarkTwoLambdaTasks is the engine's own cost of an execution shaped
// like the main workflow: two lambda:invoke Tasks with Parameters,
// ResultSelector, OutputPath, Retry and Catch, whose integration answers at
// once, on the wall clock. Set against the local runner's BenchmarkWorkflow
// and BenchmarkFunction (warm), it shows how much of an execution's latency
// is the engine and how much the functions' invocations.
func BenchmarkTwoLambdaTasks(b *testing.B) {
	task := func(next string) string {
		return `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f", "Payload.$": "$"},
			"ResultSelector": {"payload.$": "$.Payload.body.payload"}, "TimeoutSeconds": 30,
			"Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2, "JitterStrategy": "FULL"}],
			"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], ` + next + `}`
	}
	def := `{"StartAt": "CallOne", "TimeoutSeconds": 900, "States": {"CallOne": ` + task(`"Next": "CallTwo"`) + `, "CallTwo": ` + task(`"End": true`) + `,
		"Caught": {"Type": "Fail", "Error": "Caught"}}}`
	answer := func(context.Context, TaskCall) (any, error) {
		return decodeJSON(b, `{"StatusCode": 200, "Payload": {"statusCode": 200, "body": {"payload": "MOM IH"}}}`), nil
	}
	m, err := Load([]byte(def), Options{Integrations: IntegrationMap{"arn:aws:states:::lambda:invoke": answer}, Clock: WallClock{}})
	if err != nil {
		b.Fatal(err)
	}
	input := decodeJSON(b, `{"payload": "hi mom"}`)
	for b.Loop() {
		if r := m.Start(context.Background(), input, testInfo).Wait(); r.Status != Succeeded {
			b.Fatal(r.Error)
		}
	}
}
