package statemachine

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// definitionWith is a one-Task definition in the given top-level language
// ("" for none), the Task made of fields.
func definitionWith(t *testing.T, topLanguage string, fields map[string]any) []byte {
	t.Helper()
	task := map[string]any{"Type": "Task", "TimeoutSeconds": 5, "End": true}
	for key, value := range fields {
		task[key] = value
	}
	definition := map[string]any{"TimeoutSeconds": 9, "StartAt": "T", "States": map[string]any{"T": task}}
	if topLanguage != "" {
		definition["QueryLanguage"] = topLanguage
	}
	source, err := json.Marshal(definition)
	require.NoError(t, err)
	return source
}

// TestTasksNameTheirFunctionInEitherLanguage: the function a Task invokes
// is read from the field its language passes arguments in, whether the
// language is the definition's or the state's own.
func TestTasksNameTheirFunctionInEitherLanguage(t *testing.T) {
	const sqs = "arn:aws:states:::sqs:sendMessage"
	tests := []struct {
		name, topLanguage string
		task              map[string]any
		wantFunction      string
	}{
		{"JSONPath by default", "", map[string]any{"Resource": sqs, "Parameters": map[string]any{"FunctionName": "${ShoutFunctionArn}", "Payload.$": "$"}}, "${ShoutFunctionArn}"},
		{"JSONata at the top", JSONata, map[string]any{"Resource": sqs, "Arguments": map[string]any{"FunctionName": "${ShoutFunctionArn}", "Payload": "{% $states.input %}"}}, "${ShoutFunctionArn}"},
		{"JSONata on the state", JSONPath, map[string]any{"Resource": sqs, "QueryLanguage": JSONata, "Arguments": map[string]any{"FunctionName": "${ShoutFunctionArn}"}}, "${ShoutFunctionArn}"},
		{"JSONPath on the state under JSONata", JSONata, map[string]any{"Resource": sqs, "QueryLanguage": JSONPath, "Parameters": map[string]any{"FunctionName": "${ShoutFunctionArn}"}}, "${ShoutFunctionArn}"},
		{"a JSONata literal that only looks like a path", JSONata, map[string]any{"Resource": sqs, "Arguments": map[string]any{"FunctionName": "${ShoutFunctionArn}", "Payload.$": "$"}}, "${ShoutFunctionArn}"},
		{"a function's ARN as Resource, Arguments its payload", JSONata, map[string]any{"Resource": "${ShoutFunctionArn}", "Arguments": "{% $states.input %}"}, ""},
		{"no arguments", JSONata, map[string]any{"Resource": sqs}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template, err := parse("t", definitionWith(t, tt.topLanguage, tt.task))
			require.NoError(t, err)
			require.Len(t, template.Path, 1)
			assert.Equal(t, tt.wantFunction, template.Path[0].FunctionArn)
		})
	}
}

// TestWhatTheStackCannotResolveIsRefused: the stack deploys and grants what
// a definition names before it runs, so a function or a queue chosen at
// run time is refused at load, in either language, saying what to write.
func TestWhatTheStackCannotResolveIsRefused(t *testing.T) {
	const lambda = "arn:aws:states:::lambda:invoke"
	retry := []Retrier{LambdaRetry}
	tests := []struct {
		name, topLanguage string
		task              map[string]any
		want              string
	}{
		{"a JSONata FunctionName expression", JSONata,
			map[string]any{"Resource": lambda, "Retry": retry, "Arguments": map[string]any{"FunctionName": "{% '${ShoutFunctionArn}' %}"}},
			`Task "T" computes Arguments.FunctionName with a JSONata expression, known only at run time, but the stack deploys and grants what the definition names before it runs: write "FunctionName": "${<Name>FunctionArn}"`},
		{"a JSONata QueueUrl expression", JSONata,
			map[string]any{"Resource": "arn:aws:states:::sqs:sendMessage", "Arguments": map[string]any{"QueueUrl": "{% $states.input.queue %}"}},
			`Task "T" computes Arguments.QueueUrl with a JSONata expression`},
		{"a JSONPath FunctionName path", "",
			map[string]any{"Resource": lambda, "Retry": retry, "Parameters": map[string]any{"FunctionName.$": "$.function"}},
			`Task "T" takes Parameters.FunctionName.$ from a path, known only at run time`},
		{"a FunctionName that is no string", JSONata,
			map[string]any{"Resource": lambda, "Retry": retry, "Arguments": map[string]any{"FunctionName": map[string]any{"arn": "x"}}},
			`Task "T" gives Arguments.FunctionName a value that is not a string`},
		{"Arguments as one expression on an integration", JSONata,
			map[string]any{"Resource": lambda, "Retry": retry, "Arguments": "{% {'FunctionName': '${ShoutFunctionArn}'} %}"},
			`Task "T" has Arguments that are not an object, so the stack cannot see which function or queue it calls`},
		{"Parameters in a JSONata state", JSONata,
			map[string]any{"Resource": lambda, "Retry": retry, "Parameters": map[string]any{"FunctionName": "${ShoutFunctionArn}"}},
			`Task "T" is JSONata, which passes arguments in Arguments, not Parameters`},
		{"Arguments in a JSONPath state", "",
			map[string]any{"Resource": lambda, "Retry": retry, "Arguments": map[string]any{"FunctionName": "${ShoutFunctionArn}"}},
			`Task "T" is JSONPath, which passes arguments in Parameters, not Arguments`},
		{"an unknown language on a state", "",
			map[string]any{"Resource": lambda, "QueryLanguage": "jsonata"},
			`Task "T" has QueryLanguage "jsonata": use JSONPath or JSONata`},
		{"an unknown language at the top", "YAQL",
			map[string]any{"Resource": lambda},
			`statemachine/t.asl.json has QueryLanguage "YAQL": use JSONPath or JSONata`},
		{"a TimeoutSeconds expression", JSONata,
			map[string]any{"Resource": lambda, "Retry": retry, "TimeoutSeconds": "{% 30 %}"},
			"a TimeoutSeconds is a string, perhaps a {% %} expression: write a number of seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("t", definitionWith(t, tt.topLanguage, tt.task))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestPlaceholdersInsideJSONataExpressions: as SAM does, a placeholder in
// a {% %} string is asked for and filled in like any other; its value
// becomes text of the expression.
// (TestEveryTemplatePassesAWSsASLValidator judges the rendered expression.)
func TestPlaceholdersInsideJSONataExpressions(t *testing.T) {
	template := placeholderInExpression(t)
	assert.Equal(t, []string{PartitionPlaceholder}, template.Placeholders())
	rendered, err := template.Render(map[string]string{PartitionPlaceholder: "aws-cn"})
	require.NoError(t, err)
	var definition struct {
		States map[string]struct{ Output string }
	}
	require.NoError(t, json.Unmarshal([]byte(rendered), &definition))
	assert.Equal(t, "{% $states.result.MessageId & ' in aws-cn' %}", definition.States["T"].Output)
}

// placeholderInExpression is a JSONata workflow with ${Partition} inside a
// {% %} expression, written as a JSONata string.
func placeholderInExpression(t *testing.T) *Template {
	t.Helper()
	template, err := parse("placeholder-in-expression", definitionWith(t, JSONata, map[string]any{
		"Resource":  "arn:${Partition}:states:::sqs:sendMessage",
		"Arguments": map[string]any{"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody": "{% $states.input %}"},
		"Output":    "{% $states.result.MessageId & ' in ${Partition}' %}",
	}))
	require.NoError(t, err)
	return template
}
