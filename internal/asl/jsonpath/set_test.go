package jsonpath

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

type setCase struct {
	name, doc, path, value, want string
}

var setCases = []setCase{
	{"$ replaces the input", `{"a":1}`, "$", `[1,2]`, `[1,2]`},
	{"$ replaces an input that is not an object", `"text"`, "$", `{"r":1}`, `{"r":1}`},
	{"adds a field", `{"a":1}`, "$.r", `"x"`, `{"a":1,"r":"x"}`},
	{"replaces a field", `{"a":1}`, "$.a", `{"b":2}`, `{"a":{"b":2}}`},
	{"creates missing objects", `{"a":1}`, "$.x.y.z", `true`, `{"a":1,"x":{"y":{"z":true}}}`},
	{"adds to an existing object", `{"a":{"b":1}}`, "$.a.c", `2`, `{"a":{"b":1,"c":2}}`},
	{"bracket notation", `{}`, "$['a b']['c']", `null`, `{"a b":{"c":null}}`},
	{"into an array element", `{"l":[1,{"k":1},3]}`, "$.l[1].k", `9`, `{"l":[1,{"k":9},3]}`},
	{"replaces an array element", `{"l":[1,2,3]}`, "$.l[-1]", `0`, `{"l":[1,2,0]}`},
	{"a null result is a value", `{"a":1}`, "$.a", `null`, `{"a":null}`},
}

// TestSet states ResultPath's rules: "$" replaces the input, any other
// Reference Path places the result in a copy of the input, creating the
// objects on the way.
func TestSet(t *testing.T) {
	tests := setCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := decode(t, tc.doc)
			got, err := Set(doc, tc.path, decode(t, tc.value))
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), got)
			assert.Equal(t, decode(t, tc.doc), doc, "Set must not change its input")
		})
	}
}

type setFailureCase struct {
	name, doc, path, errName, cause string
}

var setFailureCases = []setFailureCase{
	{"input is a string", `"text"`, "$.r", stateserror.ResultPathMatchFailure, `Unable to apply step "r" to input "text"`},
	{"input is an array", `[1]`, "$.r", stateserror.ResultPathMatchFailure, `Unable to apply step "r" to input [1]`},
	{"intermediate is a number", `{"a":1}`, "$.a.b", stateserror.ResultPathMatchFailure, `Unable to apply step "b" to input 1`},
	{"intermediate is null", `{"a":null}`, "$.a.b", stateserror.ResultPathMatchFailure, `Unable to apply step "b" to input null`},
	{"index outside the array", `{"l":[1]}`, "$.l[3]", stateserror.ResultPathMatchFailure, `Unable to apply step "3" to input [1]`},
	{"index into an object", `{"l":{}}`, "$.l[0]", stateserror.ResultPathMatchFailure, `Unable to apply step "0" to input {}`},
	{"index into a missing field", `{}`, "$.l[0]", stateserror.ResultPathMatchFailure, `Unable to apply step "0" to input {}`},
	{"not a Reference Path", `{}`, "$.a[*]", stateserror.Runtime, "must be a Reference Path"},
	{"the context object", `{}`, "$$.a", stateserror.Runtime, "must be a Reference Path on the state's input"},
	{"a variable", `{}`, "$v", stateserror.Runtime, "must be a Reference Path on the state's input"},
	{"not a path", `{}`, "a", stateserror.Runtime, "a path starts with $"},
}

// TestSetFailures states when ResultPath cannot be applied: the result is
// States.ResultPathMatchFailure with AWS's cause, "Unable to apply step
// "<name>" to input <the node>".
func TestSetFailures(t *testing.T) {
	tests := setFailureCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Set(decode(t, tc.doc), tc.path, "result")
			var se *stateserror.Error
			require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
			assert.Equal(t, tc.errName, se.Name)
			assert.Contains(t, se.Cause, tc.cause)
		})
	}
}
