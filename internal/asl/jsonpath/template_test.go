package jsonpath

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

func templateScope(t testing.TB) Scope {
	return Scope{
		Input:     decode(t, `{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}`),
		Context:   decode(t, `{"Execution":{"Id":"arn:exec","Input":{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}},"Map":{"Item":{"Index":2}}}`),
		Variables: map[string]any{"greeting": "hi", "cfg": decode(t, `{"limits":{"max":5}}`)},
	}
}

type templateCase struct {
	name, template, want string
}

var templateCases = []templateCase{
	{"static values are copied", `{"a":1,"b":"$.name","c":[true,null],"d":{"e":"States.UUID()"}}`, `{"a":1,"b":"$.name","c":[true,null],"d":{"e":"States.UUID()"}}`},
	{"input path", `{"who.$":"$.name"}`, `{"who":"Arnav"}`},
	{"fields keep the template's order", `{"z.$":"$.name","a":1,"m.$":"$.items[0]","b":{"y":1,"x.$":"$.nested"}}`, `{"z":"Arnav","a":1,"m":1,"b":{"y":1,"x":{"k":"v"}}}`},
	{"whole input", `{"all.$":"$"}`, `{"all":{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}}`},
	{"indefinite path gives an array", `{"some.$":"$.items[1:]"}`, `{"some":[2,3]}`},
	{"context object", `{"id.$":"$$.Execution.Id","i.$":"$$.Map.Item.Index"}`, `{"id":"arn:exec","i":2}`},
	{"whole context object", `{"c.$":"$$.Execution.Input"}`, `{"c":{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}}`},
	{"variable", `{"g.$":"$greeting"}`, `{"g":"hi"}`},
	{"path into a variable", `{"m.$":"$cfg.limits.max"}`, `{"m":5}`},
	{"intrinsic call", `{"msg.$":"States.Format('Hello, my name is {}.', $.name)"}`, `{"msg":"Hello, my name is Arnav."}`},
	{"intrinsic with a variable", `{"msg.$":"States.Format('{} {}', $greeting, $$.Map.Item.Index)"}`, `{"msg":"hi 2"}`},
	{"nested objects", `{"outer":{"inner.$":"$.nested.k","fixed":0}}`, `{"outer":{"inner":"v","fixed":0}}`},
	{"objects inside arrays", `{"list":[{"v.$":"$.name"},"$.name",[{"w.$":"$.items[0]"}]]}`, `{"list":[{"v":"Arnav"},"$.name",[{"w":1}]]}`},
	{"a template that is not an object", `"$.name"`, `"$.name"`},
}

// TestTemplate states how payload templates are built: ".$" fields take
// the value of a path on the input, the context object or a variable, or
// of an intrinsic call, and lose the ".$"; other fields are copied;
// objects nested in objects and arrays are templates too.
func TestTemplate(t *testing.T) {
	tests := templateCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			template := decode(t, tc.template)
			require.NoError(t, ValidateTemplate(template))
			got, err := Template(template, templateScope(t))
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), got)
		})
	}
}

type templateFailureCase struct {
	name, template, errName, cause string
}

var templateFailureCases = []templateFailureCase{
	{"missing input path", `{"value.$":"$.no_such_jsonpath"}`, stateserror.Runtime,
		`The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}'`},
	{"missing context path", `{"value.$":"$$.Execution.Input.no_such_jsonpath"}`, stateserror.Runtime,
		`The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"Execution":{"Id":"arn:exec","Input":{"name":"Arnav","items":[1,2,3],"nested":{"k":"v"}}},"Map":{"Item":{"Index":2}}}'`},
	{"missing path inside a nested object", `{"a":{"b.$":"$.nope"}}`, stateserror.Runtime, `specified for the field 'b.$'`},
	{"missing path in an intrinsic argument", `{"f.$":"States.Format('{}', $.nope)"}`, stateserror.Runtime, `The JSONPath '$.nope' specified for the field 'f.$'`},
	{"undefined variable", `{"v.$":"$undefinedVar"}`, stateserror.Runtime, `The JSONPath '$undefinedVar' specified for the field 'v.$' could not be found: the variable $undefinedVar is not defined`},
	{"failing intrinsic", `{"n.$":"States.ArrayGetItem($.items, 7)"}`, stateserror.IntrinsicFailure, "index 7 is out of range for an array of 3 item(s)"},
	{"unvalidated: .$ value not a string", `{"n.$":5}`, stateserror.Runtime, "must be a path or an intrinsic function call"},
	{"unvalidated: bad path", `{"n.$":"$.["}`, stateserror.Runtime, "The field 'n.$'"},
	{"unvalidated: bad intrinsic", `{"n.$":"States.Nope()"}`, stateserror.Runtime, "is not an intrinsic function"},
}

// TestTemplateFailures states the run-time failures of a valid template,
// with the causes AWS records (LocalStack's snapshots of real executions
// hold the first two word for word, after the engine's "An error occurred
// while executing the state ..." prefix).
func TestTemplateFailures(t *testing.T) {
	tests := templateFailureCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Template(decode(t, tc.template), templateScope(t))
			var se *stateserror.Error
			require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
			assert.Equal(t, tc.errName, se.Name)
			assert.Contains(t, se.Cause, tc.cause)
		})
	}
}

// TestValidateTemplate states what a definition's payload template may not
// hold; each message names the field.
func TestValidateTemplate(t *testing.T) {
	tests := []struct {
		name, template, problem string
	}{
		{"x and x.$ collide", `{"a":1,"a.$":"$.a"}`, `the template has both "a" and "a.$" at /`},
		{"collision deep inside", `{"o":[{"k":1,"k.$":"$"}]}`, `both "k" and "k.$" at /o[0]/`},
		{".$ value is not a string", `{"o":{"k.$":5}}`, `the value of /o/k.$ must be a string`},
		{".$ value is not a path", `{"k.$":"name"}`, `/k.$: invalid path "name"`},
		{".$ path is invalid", `{"k.$":"$.a["}`, `/k.$: invalid path "$.a["`},
		{".$ intrinsic is invalid", `{"k.$":"States.ArrayRange(1, 2)"}`, `/k.$: invalid intrinsic function call`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTemplate(decode(t, tc.template))
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "want a *DefinitionError, got %v", err)
			assert.Contains(t, err.Error(), tc.problem)
		})
	}
}
