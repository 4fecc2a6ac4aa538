package statemachine

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNamesListsEveryWorkflow(t *testing.T) {
	assert.Contains(t, Names(), "main")
	for _, name := range Names() {
		_, err := Load(name)
		assert.NoError(t, err, name)
	}
}

func TestLoadUnknownWorkflowNamesTheChoices(t *testing.T) {
	_, err := Load("nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no workflow "nope"`)
	assert.Contains(t, err.Error(), "main")
}

func TestRenderRejectsMissingAndUnknownValues(t *testing.T) {
	template, err := Load("main")
	require.NoError(t, err)
	every := func() map[string]string {
		values := map[string]string{}
		for _, placeholder := range template.Placeholders() {
			values[placeholder] = "x"
		}
		return values
	}
	_, err = template.Render(every())
	require.NoError(t, err, "a value for every placeholder renders")
	left := template.Placeholders()[0]
	missing := every()
	delete(missing, left)
	unknown := every()
	unknown["Typo"] = "x"
	tests := []struct {
		name   string
		values map[string]string
		want   string
	}{
		{"missing", missing, "no value for ${" + left + "}"},
		{"unknown", unknown, "no placeholder for Typo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := template.Render(tt.values)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestRenderEscapesValues(t *testing.T) {
	template, err := parse("t", []byte(`{"TimeoutSeconds":1,"States":{},"X":"${A}"}`))
	require.NoError(t, err)
	rendered, err := template.Render(map[string]string{"A": `say "hi"`})
	require.NoError(t, err)
	assert.JSONEq(t, `{"TimeoutSeconds":1,"States":{},"X":"say \"hi\""}`, rendered)
}

func TestParseRejectsUnsafeDefinitions(t *testing.T) {
	tests := []struct{ name, source, want string }{
		{"not JSON", `{`, "not valid JSON"},
		{"no execution timeout", `{"States":{}}`, "top-level TimeoutSeconds"},
		{"task without timeout", `{"TimeoutSeconds":9,"States":{"T":{"Type":"Task"}}}`, `Task "T" needs a TimeoutSeconds`},
		{"malformed placeholder", `{"TimeoutSeconds":9,"States":{},"X":"${a-b}"}`, "not of the form ${Name}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("t", []byte(tt.source))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestShortestTaskTimeoutIsTheSmallestOfEveryTask(t *testing.T) {
	tests := []struct {
		name     string
		timeouts []int
		want     int
	}{
		{"one task", []int{30}, 30},
		{"smallest first", []int{10, 30, 60}, 10},
		{"smallest last", []int{600, 180, 30}, 30},
		{"smallest in the middle", []int{45, 5, 900}, 5},
		{"a tie", []int{30, 30}, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			states := map[string]any{"Done": map[string]any{"Type": "Succeed"}}
			for i, timeout := range tt.timeouts {
				states[fmt.Sprintf("Task%d", i)] = map[string]any{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": timeout}
			}
			source, err := json.Marshal(map[string]any{"TimeoutSeconds": 1000, "States": states})
			require.NoError(t, err)
			template, err := parse("t", source)
			require.NoError(t, err)
			assert.Equal(t, tt.want, template.ShortestTaskTimeout)
		})
	}
}

// A Task inside a Parallel branch or a Map is held to the same rules as one
// at the top, however deep it sits, in either query language.
func TestRulesReachNestedTasks(t *testing.T) {
	for _, language := range []string{JSONPath, JSONata} {
		t.Run(language, func(t *testing.T) { testRulesReachNestedTasks(t, language) })
	}
}

func testRulesReachNestedTasks(t *testing.T, language string) {
	arguments := map[string]map[string]any{
		JSONPath: {"Parameters": map[string]any{"FunctionName": "${ShoutFunctionArn}", "Payload.$": "$"}},
		JSONata:  {"Arguments": map[string]any{"FunctionName": "${ShoutFunctionArn}", "Payload": "{% $states.input %}"}},
	}[language]
	lambdaTask := func(timeout int, retry bool) map[string]any {
		task := map[string]any{"Type": "Task", "Resource": "arn:${Partition}:states:::lambda:invoke", "End": true}
		for field, value := range arguments {
			task[field] = value
		}
		if timeout > 0 {
			task["TimeoutSeconds"] = timeout
		}
		if retry {
			task["Retry"] = []Retrier{LambdaRetry}
		}
		return task
	}
	branch := func(task map[string]any) map[string]any {
		return map[string]any{"StartAt": "Inner", "States": map[string]any{"Inner": task}}
	}
	parallel := func(task map[string]any) map[string]any {
		return map[string]any{"Type": "Parallel", "End": true, "Branches": []any{branch(lambdaTask(9, true)), branch(task)}}
	}
	mapOf := func(field string, task map[string]any) map[string]any {
		return map[string]any{"Type": "Map", "End": true, field: branch(task)}
	}
	dynamic := func(task map[string]any) map[string]any {
		task[map[string]string{JSONPath: "Parameters", JSONata: "Arguments"}[language]] = map[string]any{
			JSONPath: map[string]any{"FunctionName.$": "$.function"},
			JSONata:  map[string]any{"FunctionName": "{% $states.input.function %}"},
		}[language]
		return task
	}
	tests := []struct {
		name         string
		outer        map[string]any
		wantErr      string
		wantShortest int
	}{
		{"Parallel branch, a Task as at the top", parallel(lambdaTask(7, true)), "", 7},
		{"Parallel branch, no Retry", parallel(lambdaTask(7, false)), `Task "Inner" invokes Lambda without the stack's retry policy`, 0},
		{"Map ItemProcessor, no TimeoutSeconds", mapOf("ItemProcessor", lambdaTask(0, true)), `Task "Inner" needs a TimeoutSeconds`, 0},
		{"Map Iterator, no Retry", mapOf("Iterator", lambdaTask(5, false)), `Task "Inner" invokes Lambda without the stack's retry policy`, 0},
		{"Map in a Parallel branch, no Retry", parallel(mapOf("ItemProcessor", lambdaTask(5, false))), `Task "Inner" invokes Lambda without the stack's retry policy`, 0},
		{"Map ItemProcessor, a Task as at the top", mapOf("ItemProcessor", lambdaTask(3, true)), "", 3},
		{"Map in a Parallel branch, a function chosen at run time", parallel(mapOf("ItemProcessor", dynamic(lambdaTask(5, true)))), `Task "Inner" ` + map[string]string{
			JSONPath: "takes Parameters.FunctionName.$ from a path", JSONata: "computes Arguments.FunctionName with a JSONata expression",
		}[language], 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			source, err := json.Marshal(map[string]any{"TimeoutSeconds": 60, "QueryLanguage": language, "StartAt": "Outer", "States": map[string]any{"Outer": tt.outer}})
			require.NoError(t, err)
			template, err := parse("t", source)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, "statemachine/t.asl.json: "+tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantShortest, template.ShortestTaskTimeout)
		})
	}
}
