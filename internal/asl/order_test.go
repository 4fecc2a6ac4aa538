package asl

import (
	"context"
	"encoding/json"
	"testing"

	"stepfunctions-go/internal/asl/stateserror"

	"github.com/stretchr/testify/require"
)

// orderInput has its fields out of alphabetical order at every level, so
// that sorting anywhere shows.
const orderInput = `{"zeta":1,"alpha":{"y":1,"x":2},"mid":[{"b":1,"a":2}]}`

// lambdaResponse is the README's Lambda answer, written by the function
// in this order.
const lambdaResponse = `{"statusCode":200,"headers":{"Content-Type":"application/json"},"body":"{\"ok\":true}"}`

// TestFieldOrder holds the engine to Step Functions' rule for objects: a
// value keeps the order its fields were written in (Jackson's ObjectNode,
// a LinkedHashMap): the input's and the task result's order, a template's
// order for what it builds, and a ResultPath field replaced where it stands
// or added last. The outputs are compared as text.
func TestFieldOrder(t *testing.T) {
	pass := func(fields string) string {
		return `{"StartAt": "S", "States": {"S": {"Type": "Pass", ` + fields + `"End": true}}}`
	}
	tests := []struct {
		name, definition, want string
	}{
		{"Pass keeps the input's order", pass(``), orderInput},
		{"Parameters build in the template's order", pass(`"Parameters": {"z.$": "$.zeta", "a": "lit", "m.$": "$.alpha"}, `),
			`{"z":1,"a":"lit","m":{"y":1,"x":2}}`},
		{"ResultPath adds a new field last", pass(`"Result": "r", "ResultPath": "$.alpha.new", `),
			`{"zeta":1,"alpha":{"y":1,"x":2,"new":"r"},"mid":[{"b":1,"a":2}]}`},
		{"ResultPath replaces a field where it stands", pass(`"Result": {"q": 1, "p": 2}, "ResultPath": "$.alpha", `),
			`{"zeta":1,"alpha":{"q":1,"p":2},"mid":[{"b":1,"a":2}]}`},
		{"OutputPath keeps the selected object's order", pass(`"OutputPath": "$.alpha", `), `{"y":1,"x":2}`},
		{"InputPath then Parameters", pass(`"InputPath": "$.mid[0]", "Parameters": {"rest": 0, "all.$": "$"}, `),
			`{"rest":0,"all":{"b":1,"a":2}}`},
		{"Task result as the function wrote it", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `", "End": true}}}`,
			lambdaResponse},
		{"ResultSelector builds in its order, ResultPath adds last", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + invoke + `",
			"ResultSelector": {"status.$": "$.statusCode", "body.$": "$.body"}, "ResultPath": "$.response", "End": true}}}`,
			`{"zeta":1,"alpha":{"y":1,"x":2},"mid":[{"b":1,"a":2}],"response":{"status":200,"body":"{\"ok\":true}"}}`},
		{"Map iterations and ItemSelector", `{"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.mid",
			"ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
			"ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			`[{"value":{"b":1,"a":2},"index":0}]`},
		{"Parallel branches", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [
			{"StartAt": "A", "States": {"A": {"Type": "Pass", "OutputPath": "$.alpha", "End": true}}},
			{"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"n.$": "$.zeta", "m.$": "$.mid"}, "End": true}}}], "End": true}}}`,
			`[{"y":1,"x":2},{"n":1,"m":[{"b":1,"a":2}]}]`},
		{"a variable keeps its value's order", `{"StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"saved.$": "$.alpha"}, "Next": "B"},
			"B": {"Type": "Pass", "Parameters": {"v.$": "$saved", "k": true}, "End": true}}}`,
			`{"v":{"y":1,"x":2},"k":true}`},
		{"Catch ResultPath adds the error output last", `{"StartAt": "F", "States": {
			"F": {"Type": "Task", "Resource": "` + invoke + `", "Parameters": {"fail": true}, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "C"}], "End": true},
			"C": {"Type": "Pass", "End": true}}}`,
			`{"zeta":1,"alpha":{"y":1,"x":2},"mid":[{"b":1,"a":2}],"error":{"Error":"Boom","Cause":"asked to"}}`},
		{"JSONata Output builds in its order", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass",
			"Output": {"zz": "{% $states.input.alpha %}", "aa": "{% $states.input.mid %}"}, "End": true}}}`,
			`{"zz":{"y":1,"x":2},"aa":[{"b":1,"a":2}]}`},
		{"JSONata Assign and a constructed object", `{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
			"A": {"Type": "Pass", "Assign": {"saved": "{% $states.input %}"}, "Next": "B"},
			"B": {"Type": "Pass", "Output": "{% {'last': $saved.zeta, 'first': $saved.alpha} %}", "End": true}}}`,
			`{"last":1,"first":{"y":1,"x":2}}`},
		// JSONata runs in JavaScript, whose objects list integer-like
		// names first, ascending (ECMA-262 OrdinaryOwnPropertyKeys); AWS
		// runs the same jsonata library.
		{"JSONata: integer-like names come first", `{"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass",
			"Output": "{% {'b': 1, '10': 2, 'a': 3, '2': 4} %}", "End": true}}}`,
			`{"2":4,"10":2,"b":1,"a":3}`},
	}
	lambda := func(_ context.Context, c TaskCall) (any, error) {
		if c.Arguments != nil && jsonText(c.Arguments) == `{"fail":true}` {
			return nil, &stateserror.Error{Name: "Boom", Cause: "asked to"}
		}
		return json.RawMessage(lambdaResponse), nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := setup{integrations: IntegrationMap{invoke: lambda}}.run(t, tt.definition, orderInput)
			require.Equal(t, Succeeded, r.result.Status, "error: %v", r.result.Error)
			require.Equal(t, tt.want, jsonText(r.result.Output))
			out, err := json.Marshal(r.result.Output)
			require.NoError(t, err)
			require.Equal(t, tt.want, string(out), "json.Marshal gives the same order")
		})
	}
}
