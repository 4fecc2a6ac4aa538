package asl_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/statemachine"
)

// What the differential corpus must exercise, as fixed facts from the
// Amazon States Language specification (states-language.net) and the Step
// Functions developer guide: a name here that no corpus case uses fails
// TestCorpusCoversTheLanguage, so the corpus cannot shrink unnoticed.
var (
	// Specification, "State Types".
	specStateTypes = []string{"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
	// Specification, "Input and Output Processing", the state types'
	// fields, "Errors" (Retry and Catch) and the top-level fields, as
	// JSONPath states write them; "ResultPath=null" and "MaxAttempts=0"
	// are the values the specification singles out, "$$" the context
	// object.
	specJSONPathFields = []string{
		"InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "ResultPath=null", "$$",
		"Result", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
		"Choices", "Default", "Seconds", "Timestamp", "SecondsPath", "TimestampPath",
		"Error", "Cause", "ErrorPath", "CausePath", "Branches",
		"ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency",
		"Retry", "ErrorEquals", "IntervalSeconds", "MaxAttempts", "MaxAttempts=0", "BackoffRate", "MaxDelaySeconds", "JitterStrategy",
		"Catch", "Next", "End", "top-level TimeoutSeconds",
	}
	// Specification, "Choice Rules": every comparison operator, its …Path
	// form, the Boolean and the data-test operators.
	specChoiceOperators = []string{
		"And", "Or", "Not", "BooleanEquals", "BooleanEqualsPath", "StringMatches",
		"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp",
		"NumericEquals", "NumericEqualsPath", "NumericLessThan", "NumericLessThanPath", "NumericGreaterThan", "NumericGreaterThanPath",
		"NumericLessThanEquals", "NumericLessThanEqualsPath", "NumericGreaterThanEquals", "NumericGreaterThanEqualsPath",
		"StringEquals", "StringEqualsPath", "StringLessThan", "StringLessThanPath", "StringGreaterThan", "StringGreaterThanPath",
		"StringLessThanEquals", "StringLessThanEqualsPath", "StringGreaterThanEquals", "StringGreaterThanEqualsPath",
		"TimestampEquals", "TimestampEqualsPath", "TimestampLessThan", "TimestampLessThanPath", "TimestampGreaterThan", "TimestampGreaterThanPath",
		"TimestampLessThanEquals", "TimestampLessThanEqualsPath", "TimestampGreaterThanEquals", "TimestampGreaterThanEqualsPath",
	}
	// Guide, "Intrinsic functions for JSONPath states".
	specIntrinsics = []string{
		"States.Format", "States.StringToJson", "States.JsonToString", "States.Array", "States.ArrayPartition",
		"States.ArrayContains", "States.ArrayRange", "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
		"States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge", "States.MathRandom",
		"States.MathAdd", "States.StringSplit", "States.UUID",
	}
	// Guide, "Transforming data with JSONata" and "Passing data between
	// states with variables": the JSONata fields, the $states members and
	// the functions Step Functions adds.
	specJSONata = []string{
		"QueryLanguage", "Arguments", "Output", "Assign", "Condition", "Items",
		"$states.input", "$states.result", "$states.errorOutput", "$states.context",
		"$partition(", "$range(", "$hash(", "$random(", "$uuid(", "$parse(",
	}
)

var intrinsicName = regexp.MustCompile(`States\.[A-Za-z0-9]+\(`)

// languageUse collects what one definition uses: state types ("Type:X"),
// the fields of states, retriers, catchers and choice rules, the values
// the specification singles out, intrinsic calls, "$$", and the parts of
// {% %} expressions.
func languageUse(definition any) map[string]bool {
	used := map[string]bool{}
	top, _ := definition.(map[string]any)
	if _, ok := top["TimeoutSeconds"]; ok {
		used["top-level TimeoutSeconds"] = true
	}
	if _, ok := top["QueryLanguage"]; ok {
		used["QueryLanguage"] = true
	}
	fields := func(m map[string]any) {
		for k, v := range m {
			used[k] = true
			switch {
			case k == "ResultPath" && v == nil:
				used["ResultPath=null"] = true
			case k == "MaxAttempts" && v == json.Number("0"):
				used["MaxAttempts=0"] = true
			}
		}
	}
	var rule func(r map[string]any)
	rule = func(r map[string]any) {
		fields(r)
		for _, key := range []string{"And", "Or"} {
			list, _ := r[key].([]any)
			for _, sub := range list {
				sub, _ := sub.(map[string]any)
				rule(sub)
			}
		}
		if sub, ok := r["Not"].(map[string]any); ok {
			rule(sub)
		}
	}
	var machine func(m map[string]any)
	machine = func(m map[string]any) {
		states, _ := m["States"].(map[string]any)
		for _, s := range states {
			st, _ := s.(map[string]any)
			fields(st)
			if kind, ok := st["Type"].(string); ok {
				used["Type:"+kind] = true
			}
			for _, list := range []string{"Retry", "Catch", "Choices"} {
				items, _ := st[list].([]any)
				for _, item := range items {
					item, _ := item.(map[string]any)
					rule(item)
				}
			}
			branches, _ := st["Branches"].([]any)
			for _, b := range branches {
				b, _ := b.(map[string]any)
				machine(b)
			}
			for _, key := range []string{"ItemProcessor", "Iterator"} {
				if sub, ok := st[key].(map[string]any); ok {
					machine(sub)
				}
			}
		}
	}
	machine(top)
	var strs func(v any)
	strs = func(v any) {
		switch v := v.(type) {
		case string:
			for _, call := range intrinsicName.FindAllString(v, -1) {
				used[strings.TrimSuffix(call, "(")] = true
			}
			if strings.HasPrefix(v, "$$") || strings.Contains(v, "($$") || strings.Contains(v, " $$") {
				used["$$"] = true
			}
			if expr, ok := strings.CutPrefix(strings.TrimSpace(v), "{%"); ok {
				for _, part := range specJSONata {
					if strings.HasPrefix(part, "$") && strings.Contains(expr, part) {
						used[part] = true
					}
				}
			}
		case map[string]any:
			for _, e := range v {
				strs(e)
			}
		case []any:
			for _, e := range v {
				strs(e)
			}
		}
	}
	strs(definition)
	return used
}

func TestCorpusCoversTheLanguage(t *testing.T) {
	jsonPath, jsonata := map[string]bool{}, map[string]bool{}
	workflows := map[string]bool{}
	states, jsonPathCases, jsonataCases := 0, 0, 0
	for _, c := range loadCorpus(t) {
		into := jsonPath
		if c.isJSONata() {
			into, jsonataCases = jsonata, jsonataCases+1
		} else {
			jsonPathCases++
		}
		for use := range languageUse(c.Definition) {
			into[use] = true
		}
		states += countStates(c.Definition)
		if c.Workflow != "" {
			workflows[c.Workflow] = true
		}
	}
	missing := func(what string, want []string, used map[string]bool, prefix string) {
		var absent []string
		for _, name := range want {
			if !used[prefix+name] {
				absent = append(absent, name)
			}
		}
		require.Empty(t, absent, "no %s corpus case uses these; add a case to testdata/corpus", what)
	}
	missing("JSONPath", specStateTypes, jsonPath, "Type:")
	missing("JSONPath", specJSONPathFields, jsonPath, "")
	missing("JSONPath", specChoiceOperators, jsonPath, "")
	missing("JSONPath", specIntrinsics, jsonPath, "")
	missing("JSONata", specJSONata, jsonata, "")
	var shipped []string
	for _, name := range statemachine.Names() {
		if !workflows[name] {
			shipped = append(shipped, name)
		}
	}
	require.Empty(t, shipped, "shipped workflows (statemachine/) that no corpus case runs")

	t.Logf("corpus: %d cases (%d JSONPath, %d JSONata), %d states; covered: %d state types, %d JSONPath fields, %d Choice operators, %d intrinsic functions, %d JSONata fields and functions, %d shipped workflows",
		jsonPathCases+jsonataCases, jsonPathCases, jsonataCases, states, len(specStateTypes), len(specJSONPathFields), len(specChoiceOperators), len(specIntrinsics), len(specJSONata), len(workflows))
}

// countStates counts every state, nested ones included.
func countStates(definition any) int {
	m, _ := definition.(map[string]any)
	states, _ := m["States"].(map[string]any)
	n := len(states)
	for _, s := range states {
		st, _ := s.(map[string]any)
		branches, _ := st["Branches"].([]any)
		for _, b := range slices.Concat(branches, []any{st["ItemProcessor"], st["Iterator"]}) {
			n += countStates(b)
		}
	}
	return n
}
