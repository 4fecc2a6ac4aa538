package asl

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func loadProblems(t testing.TB, definition string, opts Options) string {
	t.Helper()
	_, err := Load([]byte(definition), opts)
	if err == nil {
		return ""
	}
	var le *LoadError
	require.True(t, errors.As(err, &le), "%v", err)
	return err.Error()
}

func TestLoadRefuses(t *testing.T) {
	pass := `{"Type": "Pass", "End": true}`
	mapOf := func(extra string) string {
		return oneState(`{"Type": "Map", ` + extra + ` "ItemProcessor": {"StartAt": "I", "States": {"I": ` + pass + `}}, "End": true}`)
	}
	task := func(extra string) string {
		return oneState(`{"Type": "Task", "Resource": "` + invoke + `", ` + extra + ` "End": true}`)
	}
	tests := []struct{ name, def, problem string }{
		{"not JSON", `{`, "not JSON"},
		{"not an object", `[]`, "the definition: must be a JSON object"},
		{"no StartAt", `{"States": {"S": ` + pass + `}}`, `field "StartAt" is required`},
		{"StartAt names no state", `{"StartAt": "X", "States": {"S": ` + pass + `}}`, `field "StartAt" names "X"`},
		{"unknown top-level field", `{"StartAt": "S", "Foo": 1, "States": {"S": ` + pass + `}}`, `the definition: unknown field "Foo"`},
		{"unknown state field", oneState(`{"Type": "Pass", "Retry": [], "End": true}`), `state "S": unknown field "Retry"`},
		{"unknown Type", oneState(`{"Type": "Sleep", "End": true}`), `state "S": field "Type" must be one of`},
		{"Next to nowhere", oneState(`{"Type": "Pass", "Next": "Nowhere"}`), `state "S": field "Next" names "Nowhere"`},
		{"Next and End", oneState(`{"Type": "Pass", "Next": "S", "End": true}`), `state "S": field "End" cannot be set with Next`},
		{"neither Next nor End", oneState(`{"Type": "Pass"}`), `state "S": needs either Next or "End": true`},
		{"a branch leaving its branch", oneState(`{"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "S"}}}], "End": true}`), `state "B": field "Next" names "S", which is not a state here`},
		{"bad QueryLanguage", `{"QueryLanguage": "XPath", "StartAt": "S", "States": {"S": ` + pass + `}}`, `field "QueryLanguage" must be "JSONPath" or "JSONata"`},
		{"JSONPath state in a JSONata machine", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}`, `state "S": field "QueryLanguage" cannot be JSONPath when the state machine's QueryLanguage is JSONata`},
		{"JSONPath field in a JSONata state", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": {}, "End": true}}}`, `state "S": field "Parameters" is a JSONPath field; this state's QueryLanguage is JSONata`},
		{"JSONata field in a JSONPath state", task(`"Arguments": {},`), `state "S": field "Arguments" is a JSONata field; this state's QueryLanguage is JSONPath`},
		{"ItemsPath in a JSONata Map", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$", "ItemProcessor": {"StartAt": "I", "States": {"I": ` + pass + `}}, "End": true}}}`, `field "ItemsPath" is a JSONPath field`},
		{"Output in a JSONPath catcher", task(`"Catch": [{"ErrorEquals": ["States.ALL"], "Output": {}, "Next": "S"}],`), `state "S": Catch[0]: field "Output" is a JSONata field`},
		{"ResultPath in a JSONata catcher", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "` + invoke + `", "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$", "Next": "S"}], "End": true}}}`, `state "S": Catch[0]: field "ResultPath" is a JSONPath field`},
		{"JSONata without an evaluator", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": ` + pass + `}}`, `state "S": uses JSONata, and this engine was given no JSONata evaluator`},
		{"ItemReader", mapOf(`"ItemReader": {},`), `state "S": field "ItemReader" belongs to a distributed Map`},
		{"ItemBatcher", mapOf(`"ItemBatcher": {},`), `field "ItemBatcher" belongs to a distributed Map`},
		{"ResultWriter", mapOf(`"ResultWriter": {},`), `field "ResultWriter" belongs to a distributed Map`},
		{"ToleratedFailurePercentage", mapOf(`"ToleratedFailurePercentage": 5,`), `field "ToleratedFailurePercentage" belongs to a distributed Map`},
		{"ToleratedFailureCountPath", mapOf(`"ToleratedFailureCountPath": "$.n",`), `field "ToleratedFailureCountPath" belongs to a distributed Map`},
		{"DISTRIBUTED mode", oneState(`{"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"}, "StartAt": "I", "States": {"I": ` + pass + `}}, "End": true}`), `field "Mode" is "DISTRIBUTED"; this engine runs Map states INLINE only`},
		{"Map without ItemProcessor", oneState(`{"Type": "Map", "End": true}`), `state "S": field "ItemProcessor" is required`},
		{"Iterator and ItemProcessor", mapOf(`"Iterator": {},`), `field "Iterator" cannot be set with ItemProcessor`},
		{"Assign in a Succeed state", oneState(`{"Type": "Succeed", "Assign": {"a": 1}}`), `state "S": unknown field "Assign"`},
		{"no Branches", oneState(`{"Type": "Parallel", "Branches": [], "End": true}`), `state "S": field "Branches" must be a non-empty array`},
		{"a Resource nobody serves", oneState(`{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}`), `state "S": field "Resource" is "arn:aws:states:::dynamodb:putItem", which no integration serves here`},
		{"no Resource", oneState(`{"Type": "Task", "End": true}`), `state "S": field "Resource" is required`},
		{"States.ALL with others", task(`"Retry": [{"ErrorEquals": ["States.ALL", "X"]}],`), `state "S": Retry[0]: field "ErrorEquals" must hold States.ALL alone`},
		{"States.ALL not last", task(`"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "S"}, {"ErrorEquals": ["X"], "Next": "S"}],`), `Catch[0]: field "ErrorEquals" holds States.ALL, which must be in the last element of Catch`},
		{"no ErrorEquals", task(`"Retry": [{}],`), `Retry[0]: field "ErrorEquals" is required`},
		{"BackoffRate under 1", task(`"Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}],`), `field "BackoffRate" must be at least 1.0`},
		{"negative MaxAttempts", task(`"Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1}],`), `field "MaxAttempts" must be a whole number`},
		{"bad JitterStrategy", task(`"Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}],`), `field "JitterStrategy" must be FULL or NONE`},
		{"catcher without Next", task(`"Catch": [{"ErrorEquals": ["X"]}],`), `Catch[0]: field "Next" is required`},
		{"HeartbeatSeconds not under TimeoutSeconds", task(`"TimeoutSeconds": 10, "HeartbeatSeconds": 10,`), `field "HeartbeatSeconds" must be smaller than TimeoutSeconds (10), not 10`},
		{"TimeoutSeconds and its path", task(`"TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t",`), `field "TimeoutSecondsPath" cannot be set with TimeoutSeconds`},
		{"TimeoutSeconds 0", task(`"TimeoutSeconds": 0,`), `field "TimeoutSeconds" must be a positive whole number`},
		{"Wait with two durations", oneState(`{"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}`), `needs exactly one of Seconds, Timestamp`},
		{"Wait with none", oneState(`{"Type": "Wait", "End": true}`), `needs exactly one of Seconds, Timestamp`},
		{"Wait Seconds negative", oneState(`{"Type": "Wait", "Seconds": -1, "End": true}`), `field "Seconds" must be a whole number`},
		{"Wait Timestamp lowercase", oneState(`{"Type": "Wait", "Timestamp": "2026-03-14t01:59:00z", "End": true}`), `field "Timestamp" must be an RFC 3339 timestamp`},
		{"Fail Error and ErrorPath", oneState(`{"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}`), `field "ErrorPath" cannot be set with Error`},
		{"no Choices", oneState(`{"Type": "Choice", "Choices": []}`), `field "Choices" must be a non-empty array`},
		{"rule without Next", oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true}]}`), `Choices[0]: field "Next" is required`},
		{"rule with two operators", oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "IsString": true, "Next": "S"}]}`), `Choices[0]: needs exactly one of And, Or, Not or a comparison operator, found 2`},
		{"rule operand of the wrong type", oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": 1, "Next": "S"}]}`), `field "StringEquals" must be a string`},
		{"rule path operand not a path", oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEqualsPath": "a", "Next": "S"}]}`), `field "StringEqualsPath" must be a path`},
		{"rule without Variable", oneState(`{"Type": "Choice", "Choices": [{"IsNull": true, "Next": "S"}]}`), `field "Variable" is required with IsNull`},
		{"Condition in a JSONPath rule", oneState(`{"Type": "Choice", "Choices": [{"Condition": true, "Next": "S"}]}`), `field "Condition" is a JSONata field`},
		{"JSONata rule without Condition", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Choice", "Choices": [{"Next": "S"}]}}}`, `field "Condition" is required in a JSONata choice rule`},
		{"JSONata rule with Variable", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Choice", "Choices": [{"Condition": true, "Variable": "$", "Next": "S"}]}}}`, `Choices[0]: unknown field "Variable"`},
		{"an invalid InputPath", oneState(`{"Type": "Pass", "InputPath": "$.a[x]", "End": true}`), `state "S": field "InputPath" holds an invalid path`},
		{"a ResultPath that is no Reference Path", oneState(`{"Type": "Pass", "ResultPath": "$.a[*]", "End": true}`), `state "S": field "ResultPath" holds an invalid path: "$.a[*]" is not a Reference Path`},
		{"an invalid Parameters template", oneState(`{"Type": "Pass", "Parameters": {"a.$": "oops"}, "End": true}`), `state "S": field "Parameters" is an invalid template`},
		{"an invalid JSONPath Assign", oneState(`{"Type": "Pass", "Assign": {"a.$": "oops"}, "End": true}`), `state "S": field "Assign" is an invalid template`},
		{"an invalid ItemSelector", mapOf(`"ItemSelector": {"a.$": "oops"},`), `state "S": field "ItemSelector" is an invalid template`},
		{"an invalid choice operand path", oneState(`{"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEqualsPath": "$.b[*]", "Next": "S"}]}`), `field "StringEqualsPath" holds an invalid path`},
		{"a CausePath neither path nor intrinsic", oneState(`{"Type": "Fail", "CausePath": "cause"}`), `field "CausePath" must be a path starting with $ or an intrinsic function`},
		{"a state name over 80 characters", `{"StartAt": "S", "States": {"S": ` + pass + `, "` + strings.Repeat("n", 81) + `": ` + pass + `}}`, `a state name must have 1 to 80 characters`},
	}
	opts := setup{integrations: IntegrationMap{invoke: nil}}.options(t)
	noJSONata := opts
	noJSONata.JSONata = nil
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts
			if strings.Contains(tt.name, "without an evaluator") {
				o = noJSONata
			}
			require.Contains(t, loadProblems(t, tt.def, o), tt.problem)
		})
	}
}

func TestLoadAcceptsTheShippedWorkflows(t *testing.T) {
	files, err := filepath.Glob("../../statemachine/*.asl.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			def := strings.ReplaceAll(string(raw), "${Partition}", "aws")
			m, err := Load([]byte(def), Options{Integrations: servesAll{}})
			require.NoError(t, err)
			require.NotEmpty(t, m.States)
		})
	}
}

// servesAll serves every Resource with a task that returns its arguments.
type servesAll struct{}

func (servesAll) Lookup(string) (Integration, bool) {
	return func(_ context.Context, call TaskCall) (any, error) { return call.Arguments, nil }, true
}

// seedDefinitions are the fuzz tests' starting points: the shipped
// workflows and a few of every state type.
func seedDefinitions(f *testing.F) {
	files, _ := filepath.Glob("../../statemachine/*.asl.json")
	for _, file := range files {
		raw, _ := os.ReadFile(file)
		f.Add(raw)
	}
	for _, seed := range []string{
		oneState(`{"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "End": true}`),
		oneState(`{"Type": "Choice", "Choices": [{"And": [{"Not": {"Variable": "$.a", "IsNull": true}}], "Next": "S"}]}`),
		`{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Wait", "Seconds": "{% 1 %}", "End": true}}}`,
		oneState(`{"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Fail"}}}], "End": true}`),
		`{"StartAt": null, "States": []}`, `null`, `"x"`,
		`{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "r", "Parameters": {"a.$": "$.x"}, "ResultSelector": {"b.$": "$.a"}, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}], "Next": "W"}, "W": {"Type": "Wait", "SecondsPath": "$.b", "Next": "F"}, "F": {"Type": "Fail", "ErrorPath": "$.e"}}}`,
		`{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "Items": "{% $states.input %}", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Assign": {"v": "{% $states.input %}"}, "Output": "{% $v %}", "End": true}}}, "Next": "C"}, "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input = 1 %}", "Next": "M"}], "Default": "S"}, "S": {"Type": "Succeed"}}}`,
	} {
		f.Add([]byte(seed))
	}
}

func FuzzLoad(f *testing.F) {
	seedDefinitions(f)
	opts := Options{Integrations: servesAll{}, JSONata: jsonataWorker(f)}
	f.Fuzz(func(t *testing.T, definition []byte) {
		m, err := Load(definition, opts)
		if err != nil {
			var le *LoadError
			require.True(t, errors.As(err, &le), "%v", err)
			require.NotEmpty(t, le.Problems)
			return
		}
		require.NotNil(t, m.States[m.StartAt])
	})
}

// FuzzRun runs whatever loads, on a few inputs: no definition and no input
// may panic the engine or leave it hanging. A run is stopped after 500
// events, since a definition may loop for ever as on AWS.
func FuzzRun(f *testing.F) {
	seedDefinitions(f)
	inputs := []any{map[string]any{"x": json.Number("1"), "e": "E"}, []any{json.Number("1"), "a"}, nil, "s"}
	f.Fuzz(func(t *testing.T, definition []byte) {
		var stop context.CancelFunc
		events := 0
		opts := Options{Integrations: servesAll{}, JSONata: jsonataWorker(t), Clock: NewVirtualClock(epoch),
			OnEvent: func(Event) {
				if events++; events == 500 {
					stop()
				}
			}}
		m, err := Load(definition, opts)
		if err != nil {
			return
		}
		for _, input := range inputs {
			var ctx context.Context
			ctx, stop = context.WithCancel(context.Background())
			events = 0
			r := m.Start(ctx, input, testInfo).Wait()
			stop()
			require.Contains(t, []string{Succeeded, Failed, TimedOut, Aborted}, r.Status)
			if r.Error != nil {
				require.NotContains(t, r.Error.Cause, "internal error", "the engine panicked")
			}
		}
	})
}
