package asl

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

// oneState is a definition whose only state is state (named S).
func oneState(state string) string {
	return `{"StartAt": "S", "States": {"S": ` + state + `}}`
}

func TestJSONPathDataFlow(t *testing.T) {
	tests := []struct {
		name, state, input, want string
	}{
		{"Pass passes its input", `{"Type": "Pass", "End": true}`, `{"a": 1}`, `{"a": 1}`},
		{"Pass Result wins over Parameters", `{"Type": "Pass", "Parameters": {"p": 1}, "Result": "r", "End": true}`, `{}`, `"r"`},
		{"Pass Result replaces the input", `{"Type": "Pass", "Result": {"x": 1}, "End": true}`, `{"a": 1}`, `{"x": 1}`},
		{"ResultPath places the result", `{"Type": "Pass", "Result": 2, "ResultPath": "$.b", "End": true}`, `{"a": 1}`, `{"a": 1, "b": 2}`},
		{"ResultPath null discards the result", `{"Type": "Pass", "Result": 2, "ResultPath": null, "End": true}`, `{"a": 1}`, `{"a": 1}`},
		{"InputPath selects", `{"Type": "Pass", "InputPath": "$.a", "End": true}`, `{"a": {"b": 1}}`, `{"b": 1}`},
		{"InputPath null gives {}", `{"Type": "Pass", "InputPath": null, "End": true}`, `{"a": 1}`, `{}`},
		{"OutputPath selects", `{"Type": "Pass", "OutputPath": "$.a", "End": true}`, `{"a": [1]}`, `[1]`},
		{"OutputPath null gives {}", `{"Type": "Pass", "OutputPath": null, "End": true}`, `{"a": 1}`, `{}`},
		{"Parameters is a template over the effective input", `{"Type": "Pass", "InputPath": "$.in", "Parameters": {"v.$": "$.x", "k": "lit", "ctx.$": "$$.State.Name"}, "End": true}`, `{"in": {"x": 5}}`, `{"v": 5, "k": "lit", "ctx": "S"}`},
		{"ResultPath writes into the raw input, not the InputPath's", `{"Type": "Pass", "InputPath": "$.in", "ResultPath": "$.out", "End": true}`, `{"in": 1}`, `{"in": 1, "out": 1}`},
		{"Succeed applies InputPath and OutputPath", `{"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}`, `{"a": {"b": 3}}`, `3`},
		{"context object", `{"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id", "retry.$": "$$.State.RetryCount", "entered.$": "$$.State.EnteredTime", "sm.$": "$$.StateMachine.Name"}, "End": true}`, `{}`,
			`{"id": "arn:aws:states:us-east-1:123456789012:execution:sm:ex", "retry": 0, "entered": "2026-03-14T01:00:00.000Z", "sm": "sm"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireOutput(t, setup{}.run(t, oneState(tt.state), tt.input), tt.want)
		})
	}
}

func TestJSONPathFailures(t *testing.T) {
	tests := []struct {
		name, state, input, error string
	}{
		{"InputPath selecting nothing", `{"Type": "Pass", "InputPath": "$.missing", "End": true}`, `{}`, stateserror.Runtime},
		{"OutputPath selecting nothing", `{"Type": "Pass", "OutputPath": "$.missing", "End": true}`, `{}`, stateserror.Runtime},
		{"Parameters path selecting nothing", `{"Type": "Pass", "Parameters": {"a.$": "$.missing"}, "End": true}`, `{}`, stateserror.Runtime},
		{"ResultPath into a non-object", `{"Type": "Pass", "Result": 1, "ResultPath": "$.a", "End": true}`, `"text"`, stateserror.ResultPathMatchFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireError(t, setup{}.run(t, oneState(tt.state), tt.input), tt.error)
		})
	}
}

func TestFail(t *testing.T) {
	tests := []struct {
		name, state, input, error, cause string
	}{
		{"literal", `{"Type": "Fail", "Error": "E", "Cause": "C"}`, `{}`, "E", "C"},
		{"paths", `{"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}`, `{"e": "E2", "c": "C2"}`, "E2", "C2"},
		{"no error or cause", `{"Type": "Fail"}`, `{}`, "", ""},
		{"an intrinsic in CausePath", `{"Type": "Fail", "Error": "E", "CausePath": "States.Format('bad {}', $.n)"}`, `{"n": 7}`, "E", "bad 7"},
		{"JSONata", `{"Type": "Fail", "QueryLanguage": "JSONata", "Error": "{% $states.input.e %}", "Cause": "{% 'because ' & $states.input.c %}"}`, `{"e": "E3", "c": "x"}`, "E3", "because x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup{}.run(t, oneState(tt.state), tt.input)
			require.Equal(t, Failed, r.result.Status)
			require.Equal(t, tt.error, r.result.Error.Name)
			require.Equal(t, tt.cause, r.result.Error.Cause)
			require.Equal(t, []string{"ExecutionStarted", "FailStateEntered", "ExecutionFailed"}, eventTypes(r.history))
		})
	}
}

// choiceOn runs a Choice state with one rule; the output says which way it
// went.
func choiceOn(t *testing.T, rule, input string) run {
	t.Helper()
	def := `{"StartAt": "C", "States": {
		"C": {"Type": "Choice", "Choices": [` + rule + `], "Default": "No"},
		"Yes": {"Type": "Pass", "Result": "yes", "End": true},
		"No": {"Type": "Pass", "Result": "no", "End": true}}}`
	return setup{}.run(t, def, input)
}

func TestChoiceOperators(t *testing.T) {
	input := `{"s": "abc", "n": 10, "f": 2.5, "b": true, "t": "2026-03-14T01:59:00Z", "z": null, "other": "abd", "ten": 10, "star": "a*c", "back": "a\\c"}`
	tests := []struct {
		rule string
		want bool
	}{
		{`"Variable": "$.s", "StringEquals": "abc"`, true},
		{`"Variable": "$.s", "StringEquals": "abd"`, false},
		{`"Variable": "$.n", "StringEquals": "10"`, false}, // a number is no string
		{`"Variable": "$.s", "StringLessThan": "abd"`, true},
		{`"Variable": "$.s", "StringGreaterThan": "abd"`, false},
		{`"Variable": "$.s", "StringLessThanEquals": "abc"`, true},
		{`"Variable": "$.s", "StringGreaterThanEquals": "abc"`, true},
		{`"Variable": "$.s", "StringEqualsPath": "$.other"`, false},
		{`"Variable": "$.s", "StringLessThanPath": "$.other"`, true},
		{`"Variable": "$.n", "NumericEquals": 10`, true},
		{`"Variable": "$.n", "NumericEquals": 10.0`, true},
		{`"Variable": "$.f", "NumericLessThan": 3`, true},
		{`"Variable": "$.f", "NumericGreaterThan": 2.5`, false},
		{`"Variable": "$.f", "NumericGreaterThanEquals": 2.5`, true},
		{`"Variable": "$.f", "NumericLessThanEquals": 2.4`, false},
		{`"Variable": "$.n", "NumericEqualsPath": "$.ten"`, true},
		{`"Variable": "$.f", "NumericLessThanPath": "$.ten"`, true},
		{`"Variable": "$.s", "NumericEquals": 10`, false},
		{`"Variable": "$.b", "BooleanEquals": true`, true},
		{`"Variable": "$.b", "BooleanEqualsPath": "$.b"`, true},
		{`"Variable": "$.t", "TimestampEquals": "2026-03-14T01:59:00Z"`, true},
		{`"Variable": "$.t", "TimestampEquals": "2026-03-14T02:59:00+01:00"`, true},
		{`"Variable": "$.t", "TimestampLessThan": "2026-03-14T02:00:00Z"`, true},
		{`"Variable": "$.t", "TimestampGreaterThan": "2026-03-14T02:00:00Z"`, false},
		{`"Variable": "$.t", "TimestampLessThanEquals": "2026-03-14T01:59:00Z"`, true},
		{`"Variable": "$.t", "TimestampGreaterThanEquals": "2026-03-14T01:59:01Z"`, false},
		{`"Variable": "$.t", "TimestampEqualsPath": "$.t"`, true},
		{`"Variable": "$.s", "TimestampEquals": "2026-03-14T01:59:00Z"`, false},
		{`"Variable": "$.z", "IsNull": true`, true},
		{`"Variable": "$.s", "IsNull": true`, false},
		{`"Variable": "$.s", "IsPresent": true`, true},
		{`"Variable": "$.missing", "IsPresent": false`, true},
		{`"Variable": "$.n", "IsNumeric": true`, true},
		{`"Variable": "$.s", "IsNumeric": false`, true},
		{`"Variable": "$.s", "IsString": true`, true},
		{`"Variable": "$.b", "IsBoolean": true`, true},
		{`"Variable": "$.t", "IsTimestamp": true`, true},
		{`"Variable": "$.s", "IsTimestamp": true`, false},
		{`"Variable": "$.s", "StringMatches": "a*"`, true},
		{`"Variable": "$.s", "StringMatches": "*c"`, true},
		{`"Variable": "$.s", "StringMatches": "a*d"`, false},
		{`"Variable": "$.star", "StringMatches": "a\\*c"`, true},
		{`"Variable": "$.s", "StringMatches": "a\\*c"`, false},
		{`"Variable": "$.back", "StringMatches": "a\\\\c"`, true},
		{`"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.b", "BooleanEquals": true}]`, true},
		{`"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.b", "BooleanEquals": false}]`, false},
		{`"Or": [{"Variable": "$.n", "NumericEquals": 11}, {"Variable": "$.b", "BooleanEquals": true}]`, true},
		{`"Not": {"Variable": "$.n", "NumericEquals": 11}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			want := `"no"`
			if tt.want {
				want = `"yes"`
			}
			requireOutput(t, choiceOn(t, `{`+tt.rule+`, "Next": "Yes"}`, input), want)
		})
	}
}

func TestChoiceReadsVariablesAndContext(t *testing.T) {
	def := `{"StartAt": "A", "States": {
		"A": {"Type": "Pass", "Assign": {"limit": 5}, "Next": "C"},
		"C": {"Type": "Choice", "Choices": [{"And": [
			{"Variable": "$limit", "NumericEquals": 5},
			{"Variable": "$.n", "NumericLessThanPath": "$limit"},
			{"Variable": "$$.State.Name", "StringEquals": "C"}], "Next": "Yes"}], "Default": "No"},
		"Yes": {"Type": "Pass", "Result": "yes", "End": true},
		"No": {"Type": "Pass", "Result": "no", "End": true}}}`
	requireOutput(t, setup{}.run(t, def, `{"n": 4}`), `"yes"`)
	requireOutput(t, setup{}.run(t, def, `{"n": 5}`), `"no"`)
}

func TestChoiceFailures(t *testing.T) {
	t.Run("a path that selects nothing is States.Runtime", func(t *testing.T) {
		requireError(t, choiceOn(t, `{"Variable": "$.missing", "StringEquals": "x", "Next": "Yes"}`, `{}`), stateserror.Runtime)
	})
	t.Run("no match and no Default is States.NoChoiceMatched", func(t *testing.T) {
		def := oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": true, "Next": "S"}]}`)
		requireError(t, setup{}.run(t, def, `{}`), stateserror.NoChoiceMatched)
	})
}

func TestWait(t *testing.T) {
	tests := []struct {
		name, state, input string
		want               time.Duration
	}{
		{"Seconds", `{"Type": "Wait", "Seconds": 90, "End": true}`, `{}`, 90 * time.Second},
		{"Seconds 0", `{"Type": "Wait", "Seconds": 0, "End": true}`, `{}`, 0},
		{"SecondsPath", `{"Type": "Wait", "SecondsPath": "$.s", "End": true}`, `{"s": 7}`, 7 * time.Second},
		{"Timestamp", `{"Type": "Wait", "Timestamp": "2026-03-14T02:00:00Z", "End": true}`, `{}`, time.Hour},
		{"Timestamp in the past", `{"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z", "End": true}`, `{}`, 0},
		{"TimestampPath", `{"Type": "Wait", "TimestampPath": "$.t", "End": true}`, `{"t": "2026-03-14T01:00:30Z"}`, 30 * time.Second},
		{"JSONata Seconds", `{"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% $states.input.s + 1 %}", "End": true}`, `{"s": 4}`, 5 * time.Second},
		{"JSONata Timestamp", `{"Type": "Wait", "QueryLanguage": "JSONata", "Timestamp": "{% $states.input.t %}", "End": true}`, `{"t": "2026-03-14T01:01:00Z"}`, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup{}.run(t, oneState(tt.state), tt.input)
			requireOutput(t, r, tt.input)
			require.Equal(t, tt.want, r.elapsed)
		})
	}
	bad := []struct{ name, state, input, error string }{
		{"SecondsPath not a number", `{"Type": "Wait", "SecondsPath": "$.s", "End": true}`, `{"s": "x"}`, stateserror.Runtime},
		{"SecondsPath negative", `{"Type": "Wait", "SecondsPath": "$.s", "End": true}`, `{"s": -1}`, stateserror.Runtime},
		{"TimestampPath not a timestamp", `{"Type": "Wait", "TimestampPath": "$.t", "End": true}`, `{"t": "soon"}`, stateserror.Runtime},
		{"JSONata Seconds not a number", `{"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% 'x' %}", "End": true}`, `{}`, stateserror.QueryEvaluationError},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			requireError(t, setup{}.run(t, oneState(tt.state), tt.input), tt.error)
		})
	}
}

func TestJSONataStates(t *testing.T) {
	tests := []struct {
		name, def, input, want string
	}{
		{"Pass without Output passes its input", oneState(`{"Type": "Pass", "End": true}`), `{"a": 1}`, `{"a": 1}`},
		{"Output with expressions anywhere", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": {"sum": "{% $states.input.a + 1 %}", "list": ["{% $states.context.State.Name %}", 2], "plain": "text"}, "End": true}}}`,
			`{"a": 1}`, `{"sum": 2, "list": ["S", 2], "plain": "text"}`},
		{"Choice Condition", `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 5 %}", "Next": "Big", "Output": {"size": "big"}}], "Default": "Small"},
			"Big": {"Type": "Pass", "End": true}, "Small": {"Type": "Pass", "Output": "small", "End": true}}}`, `{"n": 6}`, `{"size": "big"}`},
		{"Choice Default", `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {
			"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 5 %}", "Next": "Big"}], "Default": "Small"},
			"Big": {"Type": "Pass", "End": true}, "Small": {"Type": "Pass", "Output": "small", "End": true}}}`, `{"n": 1}`, `"small"`},
		{"Succeed Output", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Succeed", "Output": "{% $states.input.a %}"}}}`, `{"a": [1]}`, `[1]`},
		{"per-state QueryLanguage", `{"StartAt": "S", "States": {"S": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input.a %}", "End": true}}}`, `{"a": 3}`, `3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireOutput(t, setup{}.run(t, tt.def, tt.input), tt.want)
		})
	}
	t.Run("a Condition that is no boolean", func(t *testing.T) {
		def := `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "C"}]}}}`
		requireError(t, setup{}.run(t, def, `{"n": 1}`), stateserror.QueryEvaluationError)
	})
}

func TestParallel(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "ResultPath": "$.out", "Branches": [
		{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 5, "Next": "A2"}, "A2": {"Type": "Pass", "Result": "a", "End": true}}},
		{"StartAt": "B", "States": {"B": {"Type": "Pass", "InputPath": "$.x", "End": true}}}
	], "End": true}}}`
	r := setup{}.run(t, def, `{"x": 1}`)
	requireOutput(t, r, `{"x": 1, "out": ["a", 1]}`)
	require.Equal(t, 5*time.Second, r.elapsed)

	t.Run("a failing branch fails the state with its error and stops the others", func(t *testing.T) {
		def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 100, "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "Next": "F"}, "F": {"Type": "Fail", "Error": "Boom"}}}
		], "End": true}}}`
		r := setup{}.run(t, def, `{}`)
		requireError(t, r, "Boom")
		require.Equal(t, time.Second, r.elapsed)
		require.Contains(t, eventTypes(r.history), "ParallelStateFailed")
		require.Contains(t, eventTypes(r.history), "WaitStateAborted", "the other branch's Wait is stopped")
	})
	t.Run("JSONata Arguments and Output", func(t *testing.T) {
		def := `{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Parallel", "Arguments": {"v": "{% $states.input.x %}"}, "Output": {"r": "{% $states.result %}"}, "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input.v + 1 %}", "End": true}}}
		], "End": true}}}`
		requireOutput(t, setup{}.run(t, def, `{"x": 1}`), `{"r": [2]}`)
	})
}

func TestMap(t *testing.T) {
	tests := []struct {
		name, state, input, want string
	}{
		{"ItemsPath and ResultPath", `{"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.out", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": true}}}, "End": true}`,
			`{"items": [1, 2]}`, `{"items": [1, 2], "out": [{"v": 1}, {"v": 2}]}`},
		{"ItemSelector with $$.Map.Item", `{"Type": "Map", "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"}, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "ItemsPath": "$.items", "End": true}`,
			`{"items": ["a", "b"], "k": 0}`, `[{"i": 0, "v": "a", "k": 0}, {"i": 1, "v": "b", "k": 0}]`},
		{"legacy Iterator and Parameters", `{"Type": "Map", "Parameters": {"v.$": "$$.Map.Item.Value"}, "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`,
			`[1]`, `[{"v": 1}]`},
		{"empty items", `{"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`, `[]`, `[]`},
		{"JSONata Items and ItemSelector", `{"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.xs %}", "ItemSelector": {"n": "{% $states.context.Map.Item.Value + 10 %}"}, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Output": "{% $states.input.n %}", "End": true}}}, "End": true}`,
			`{"xs": [1, 2]}`, `[11, 12]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			requireOutput(t, setup{}.run(t, oneState(tt.state), tt.input), tt.want)
		})
	}
	t.Run("MaxConcurrencyPath", func(t *testing.T) {
		state := `{"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrencyPath": "$.n", "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}, "End": true}`
		r := setup{}.run(t, oneState(state), `{"xs": [1, 2, 3, 4], "n": 2}`)
		requireOutput(t, r, `[1, 2, 3, 4]`)
		require.Equal(t, 2*time.Second, r.elapsed)
	})
	t.Run("JSONata Output and Assign read the results", func(t *testing.T) {
		def := `{"QueryLanguage": "JSONata", "StartAt": "M", "States": {
			"M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "Output": {"all": "{% $states.result %}"}, "Assign": {"first": "{% $states.result[0] %}"}, "Next": "N"},
			"N": {"Type": "Pass", "Output": {"in": "{% $states.input %}", "first": "{% $first %}"}, "End": true}}}`
		requireOutput(t, setup{}.run(t, def, `[7, 8]`), `{"in": {"all": [7, 8]}, "first": 7}`)
	})
	t.Run("ItemsPath selecting nothing", func(t *testing.T) {
		r := setup{}.run(t, oneState(`{"Type": "Map", "ItemsPath": "$.none", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`), `{}`)
		requireError(t, r, stateserror.Runtime)
	})
	t.Run("JSONata Items that are not an array", func(t *testing.T) {
		r := setup{}.run(t, oneState(`{"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input %}", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`), `{"a": 1}`)
		requireError(t, r, stateserror.QueryEvaluationError)
	})
	t.Run("items that are not an array", func(t *testing.T) {
		r := setup{}.run(t, oneState(`{"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`), `{"a": 1}`)
		requireError(t, r, stateserror.Runtime)
	})
	// Each item waits its own index in seconds plus one: the total time shows
	// how many ran at once.
	for _, tt := range []struct {
		concurrency string
		want        time.Duration
	}{{"0", 3 * time.Second}, {"1", 6 * time.Second}, {"2", 4 * time.Second}} {
		t.Run("MaxConcurrency "+tt.concurrency, func(t *testing.T) {
			state := fmt.Sprintf(`{"Type": "Map", "MaxConcurrency": %s, "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$", "End": true}}}, "End": true}`, tt.concurrency)
			r := setup{}.run(t, oneState(state), `[1, 2, 3]`)
			requireOutput(t, r, `[1, 2, 3]`)
			require.Equal(t, tt.want, r.elapsed)
		})
	}
}

// An expression that gives nothing fails the state: JSON has no undefined.
// The cause is the one docs/engine-jsonata.md records from AWS.
func TestJSONataUndefinedFailsTheState(t *testing.T) {
	fields := []struct{ name, state string }{
		{"Output", `{"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"x": "{% $states.input.absent %}"}, "End": true}`},
		{"Assign", `{"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"x": "{% $states.input.absent %}"}, "End": true}`},
		{"Seconds", `{"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% $states.input.absent %}", "End": true}`},
	}
	for _, tt := range fields {
		t.Run(tt.name, func(t *testing.T) {
			r := setup{}.run(t, oneState(tt.state), `{"present": 1}`)
			requireError(t, r, stateserror.QueryEvaluationError)
			require.Contains(t, r.result.Error.Cause, "The JSONata expression '$states.input.absent' specified for the field '"+tt.name+"' returned nothing (undefined).")
		})
	}
}
