package statemachine

import (
	"encoding/json"
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

func TestMainWorkflow(t *testing.T) {
	template, err := Load("main")
	require.NoError(t, err)
	assert.Equal(t, []string{"HelloWorldFunctionArn", "ReverseFunctionArn"}, template.Placeholders())
	assert.Equal(t, 30, template.ShortestTaskTimeout)

	rendered, err := template.Render(map[string]string{
		"ReverseFunctionArn":    "arn:aws:lambda:us-east-1:123456789012:function:r:3",
		"HelloWorldFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:h:7",
	})
	require.NoError(t, err)
	var definition struct {
		StartAt string
		States  map[string]struct {
			Type       string
			Resource   string
			Next       string
			End        bool
			Parameters map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(rendered), &definition))
	assert.Equal(t, "Reverse", definition.StartAt)
	assert.Equal(t, "HelloWorld", definition.States["Reverse"].Next)
	assert.True(t, definition.States["HelloWorld"].End)
	assert.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:r:3", definition.States["Reverse"].Parameters["FunctionName"])
	assert.Equal(t, "arn:aws:lambda:us-east-1:123456789012:function:h:7", definition.States["HelloWorld"].Parameters["FunctionName"])
	for _, state := range []string{"Reverse", "HelloWorld"} {
		assert.Equal(t, "arn:aws:states:::lambda:invoke", definition.States[state].Resource, state)
	}
	assert.NotContains(t, rendered, "${")
}

func TestRenderRejectsMissingAndUnknownValues(t *testing.T) {
	template, err := Load("main")
	require.NoError(t, err)
	tests := []struct {
		name   string
		values map[string]string
		want   string
	}{
		{"missing", map[string]string{"ReverseFunctionArn": "a"}, `no value for ${HelloWorldFunctionArn}`},
		{"unknown", map[string]string{"ReverseFunctionArn": "a", "HelloWorldFunctionArn": "b", "Typo": "c"}, `no placeholder for Typo`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := template.Render(tt.values)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
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
