package jsonpath

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

// TestScopeGet states where each root reads from: $ the input, $$ the
// context object, $name a variable.
func TestScopeGet(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"$.name", `"Arnav"`},
		{"$.items[-1]", `3`},
		{"$$.Execution.Id", `"arn:exec"`},
		{"$$", `{"Execution":{"Id":"arn:exec","Input":{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}},"Map":{"Item":{"Index":2}}}`},
		{"$greeting", `"hi"`},
		{"$cfg.limits.max", `5`},
		{"$cfg..max", `[5]`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := templateScope(t).Get(tc.path)
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), got)
		})
	}
	for path, cause := range map[string]string{
		"$nope":       "Invalid path '$nope' : the variable $nope is not defined",
		"$cfg.nope":   "Invalid path '$cfg.nope' : No results for path: $['nope']",
		"$$.Task":     "Invalid path '$$.Task' : No results for path: $['Task']",
		"@.a":         "@ may appear only inside a filter",
		"$.name.more": "Expected to find an object with property ['more'] in path $['name'] but found 'string'",
	} {
		t.Run(path, func(t *testing.T) {
			_, err := templateScope(t).Get(path)
			var se *stateserror.Error
			require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
			assert.Equal(t, stateserror.Runtime, se.Name)
			assert.Contains(t, se.Cause, cause)
		})
	}
}

// TestScopeLookup states what counts as present for Choice's IsPresent:
// a value, null included; not a missing field, a wrong type on the way or
// an undefined variable. An indefinite path always finds its array.
func TestScopeLookup(t *testing.T) {
	scope := templateScope(t)
	scope.Input = decode(t, `{"a":{"b":null},"s":"text","l":[]}`)
	tests := []struct {
		path  string
		found bool
	}{
		{"$.a.b", true},
		{"$.a", true},
		{"$.a.c", false},
		{"$.x.y", false},
		{"$.s.x", false},
		{"$.l[0]", false},
		{"$.l[*]", true},
		{"$greeting", true},
		{"$undefined", false},
		{"$$.Map.Item.Index", true},
		{"$$.Map.Item.Value", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			_, found, err := scope.Lookup(tc.path)
			require.NoError(t, err)
			assert.Equal(t, tc.found, found)
		})
	}
	_, _, err := scope.Lookup("$.a[")
	assert.ErrorContains(t, err, `invalid path "$.a["`)
}

// TestScopeField states the cause AWS records for a path a field names
// that selects nothing (a Fail state's ErrorPath, recorded in LocalStack's
// snapshots of real executions).
func TestScopeField(t *testing.T) {
	scope := Scope{Input: decode(t, `{"Error":"E"}`)}
	got, err := scope.Field("ErrorPath", "$.Error")
	require.NoError(t, err)
	assert.Equal(t, "E", got)
	_, err = scope.Field("ErrorPath", "$.ErrorX")
	var se *stateserror.Error
	require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
	assert.Equal(t, stateserror.Runtime, se.Name)
	assert.Equal(t, `The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"Error":"E"}'`, se.Cause)
	cause, err := scope.Field("CausePath", "States.Format('failed: {}', $.Error)")
	require.NoError(t, err)
	assert.Equal(t, "failed: E", cause, "CausePath may be an intrinsic call")
}
