package asl

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		name, def, input, want string
	}{
		{"JSONPath: Assign reads the state's result and the next state sees it", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Result": {"v": 5}, "Assign": {"a.$": "$.v", "lit": "x"}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"a.$": "$a", "lit.$": "$lit"}, "End": true}}}`, `{}`, `{"a": 5, "lit": "x"}`},
		{"JSONPath: Assign reads the result after ResultSelector, before ResultPath", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Parameters": {"inner": {"v": 1}}, "ResultSelector": {"w.$": "$.inner.v"}, "ResultPath": "$.r", "Assign": {"got.$": "$.w"}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"got.$": "$got", "in.$": "$"}, "End": true}}}`, `{"k": 0}`, `{"got": 1, "in": {"k": 0, "r": {"w": 1}}}`},
		{"an assignment is not visible in its own state", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"},
			"B": {"Type": "Pass", "Assign": {"x": 2, "old.$": "$x"}, "Parameters": {"x.$": "$x"}, "Next": "C"},
			"C": {"Type": "Pass", "Parameters": {"x.$": "$x", "old.$": "$old", "b.$": "$"}, "End": true}}}`, `{}`, `{"x": 2, "old": 1, "b": {"x": 1}}`},
		{"JSONata: Output and Assign read the values from state entry", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"n": 1}, "Next": "B"},
			"B": {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}"}, "Output": "{% $n %}", "Next": "C"},
			"C": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "n": "{% $n %}"}, "End": true}}}`, `{}`, `{"in": 1, "n": 2}`},
		{"Map iterations read outer variables and their own do not leak out", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"base": 10}, "Next": "M"},
			"M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
				"I": {"Type": "Pass", "Assign": {"inner": "{% $states.input %}"}, "Next": "J"},
				"J": {"Type": "Pass", "Output": "{% $inner + $base %}", "End": true}}}, "Next": "After"},
			"After": {"Type": "Pass", "Output": {"r": "{% $states.input %}"}, "End": true}}}`, `[1, 2]`, `{"r": [11, 12]}`},
		{"Parallel branches read outer variables", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"who": "outer"}, "Next": "P"},
			"P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"w.$": "$who"}, "End": true}}}], "End": true}}}`, `{}`, `[{"w": "outer"}]`},
		{"the matched Choice rule's Assign", `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Assign": {"path": "one"}, "Next": "D"}], "Default": "D", "Assign": {"path": "default"}},
			"D": {"Type": "Pass", "Parameters": {"p.$": "$path"}, "End": true}}}`, `{"n": 1}`, `{"p": "one"}`},
		{"the Choice state's Assign on Default", `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Assign": {"path": "one"}, "Next": "D"}], "Default": "D", "Assign": {"path": "default"}},
			"D": {"Type": "Pass", "Parameters": {"p.$": "$path"}, "End": true}}}`, `{"n": 2}`, `{"p": "default"}`},
		{"JSONata: the matched rule's Output, not the state's", `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Condition": true, "Next": "D"}], "Default": "D", "Output": "state-level"},
			"D": {"Type": "Pass", "End": true}}}`, `{"n": 1}`, `{"n": 1}`},
		{"JSONPath $states in Assign", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Result": "r", "Assign": {"in.$": "$states.input.k", "res.$": "$states.result"}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"in.$": "$in", "res.$": "$res"}, "End": true}}}`, `{"k": "v"}`, `{"in": "v", "res": "r"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireOutput(t, setup{}.run(t, tt.def, tt.input), tt.want)
		})
	}
}

func TestVariablesOutOfScope(t *testing.T) {
	t.Run("an iteration's variable is not defined after the Map", func(t *testing.T) {
		def := `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {
			"M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Assign": {"inner": 1}, "End": true}}}, "Next": "After"},
			"After": {"Type": "Pass", "Output": "{% $inner %}", "End": true}}}`
		requireError(t, setup{}.run(t, def, `[1]`), stateserror.QueryEvaluationError)
	})
	t.Run("a matched rule without Assign assigns nothing, not the state's Assign", func(t *testing.T) {
		def := `{"StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}], "Default": "D", "Assign": {"path": "default"}},
			"D": {"Type": "Pass", "End": true}}}`
		r := setup{}.run(t, def, `{"n": 1}`)
		requireOutput(t, r, `{"n": 1}`)
		require.Equal(t, "ChoiceStateExited", r.history[2].Type)
		require.NotContains(t, r.history[2].Details, "assignedVariables")
	})
}

func TestVariablesOnCatch(t *testing.T) {
	var calls atomic.Int32
	s := setup{integrations: IntegrationMap{invoke: failing(&calls, named("Custom"))}}
	def := `{"StartAt": "T", "States": {
		"T": {"Type": "Task", "Resource": "` + invoke + `", "Assign": {"never": 1}, "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "Next": "After"}], "End": true},
		"After": {"Type": "Pass", "Parameters": {"err.$": "$err", "in.$": "$"}, "End": true}}}`
	r := s.run(t, def, `{}`)
	requireOutput(t, r, `{"err": "Custom", "in": {"Error": "Custom", "Cause": "cause of Custom"}}`)
	exited := r.history[len(r.history)-4]
	require.Equal(t, "TaskStateExited", exited.Type)
	require.Equal(t, map[string]any{"err": `"Custom"`}, exited.Details["assignedVariables"], "the catcher's Assign, not the state's")
}

func TestVariableLimits(t *testing.T) {
	big := strings.Repeat("x", payloadLimit/2+1)
	tests := []struct{ name, assign string }{
		{"one variable over 256 KiB", `{"a.$": "$.big", "b.$": "$.big2"}`},
		{"one Assign over 256 KiB in total", `{"a.$": "$.big", "b.$": "$.big"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := `{"big": "` + big + `", "big2": "` + big + big + `"}`
			r := setup{}.run(t, oneState(`{"Type": "Pass", "ResultPath": null, "Assign": `+tt.assign+`, "End": true}`), input)
			requireError(t, r, stateserror.DataLimitExceeded)
		})
	}
}

func TestVariablesPerExecution(t *testing.T) {
	item := strings.Repeat("x", 250*1024)
	t.Run("10 MiB of variables fail the execution", func(t *testing.T) {
		states := make([]string, 0, 42)
		for i := range 42 {
			states = append(states, fmt.Sprintf(`"S%d": {"Type": "Pass", "Assign": {"v%d.$": "$.big"}, "Next": "S%d"}`, i, i, i+1))
		}
		states = append(states, `"S42": {"Type": "Succeed"}`)
		r := setup{}.run(t, `{"StartAt": "S0", "States": {`+strings.Join(states, ",")+`}}`, `{"big": "`+item+`"}`)
		requireError(t, r, stateserror.DataLimitExceeded)
		require.Equal(t, "PassStateEntered", r.history[len(r.history)-2].Type)
		require.Equal(t, map[string]any{"name": "S40", "input": jsonText(decodeJSON(t, `{"big": "`+item+`"}`)), "inputDetails": notTruncated}, r.history[len(r.history)-2].Details,
			"40 variables of 250 KiB fit, the 41st does not")
	})
	t.Run("an iteration's variables go out of scope when it ends", func(t *testing.T) {
		def := oneState(`{"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Result": "` + item + `", "Assign": {"v.$": "$"}, "ResultPath": null, "End": true}}}, "End": true}`)
		items := strings.TrimSuffix(strings.Repeat("1,", 50), ",")
		requireOutput(t, setup{}.run(t, def, `[`+items+`]`), `[`+items+`]`)
	})
}

func TestVariableScopesAtLoad(t *testing.T) {
	tests := []struct{ name, def, problem string }{
		{"a Map iteration assigns an outer variable", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
			"M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Assign": {"x": 2}, "End": true}}}, "End": true}}}`,
			`state "I": Assign: variable "x" is assigned by state "A" in an enclosing scope`},
		{"a Parallel branch catcher assigns an outer variable", `{"StartAt": "P", "States": {
			"P": {"Type": "Parallel", "Assign": {"y.$": "$"}, "Branches": [{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"y": 0}, "Next": "E"}], "End": true}, "E": {"Type": "Succeed"}}}], "End": true}}}`,
			`state "T": Assign: variable "y" is assigned by state "P" in an enclosing scope`},
		{"a reserved name", oneState(`{"Type": "Pass", "Assign": {"states": 1}, "End": true}`), `cannot assign $states`},
		{"not a name", oneState(`{"Type": "Pass", "Assign": {"1x": 1}, "End": true}`), `"1x", which is not a variable name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.def), setup{integrations: IntegrationMap{invoke: nil}}.options(t))
			require.ErrorContains(t, err, tt.problem)
		})
	}
	t.Run("sibling branches may use the same name", func(t *testing.T) {
		branch := `{"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"z": 1}, "End": true}}}`
		_, err := Load([]byte(oneState(`{"Type": "Parallel", "Branches": [`+branch+`, `+branch+`], "End": true}`)), setup{}.options(t))
		require.NoError(t, err)
	})
}
