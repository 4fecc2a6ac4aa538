package jsonpath

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

// intrinsicInput is the input of the intrinsic tables; most values come
// from the developer guide's examples.
const intrinsicInput = `{
  "name": "Arnav", "template": "Hello, my name is {}.",
  "escapedJsonString": "{\"foo\": \"bar\"}", "unescapedJson": {"foo": "bar"},
  "inputArray": [1,2,3,4,5,6,7,8,9], "dupes": [1,2,3,3,3,3,3,3,4,{"a":1},{"a":1.0}],
  "json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
  "value1": 111, "step": -1, "base64": "RGF0YSB0byBlbmNvZGU=", "Data": "input data",
  "inputString": "This.is+a,test=string", "splitter": ".+,=", "n": null, "t": true, "f": 1.5,
  "lone": "a\ud800b", "loneJson": "{\"k\": \"\\udc00\"}", "loneInText": "\"\udbff\""
}`

func evalIntrinsic(t *testing.T, expression string) (any, error) {
	t.Helper()
	require.NoError(t, ValidateIntrinsic(expression), "the table's calls are valid")
	return Template(field("r.$", expression), Scope{
		Input:   decode(t, intrinsicInput),
		Context: decode(t, `{"Execution":{"Name":"run-1"}}`),
		Entropy: bytes.NewReader(bytes.Repeat([]byte{0xA5}, 64)),
	})
}

type intrinsicCase struct {
	name, expression, want string
}

var intrinsicCases = []intrinsicCase{
	// States.Format
	{"format literal template", `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
	{"format template from a path", `States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
	{"an escaped brace is not half of a placeholder", `States.Format('\{} {\} {}', $.name)`, `"{} {} Arnav"`},
	{"format escapes", `States.Format('\{\} \'{}\' \\ {}', $.name, 'x')`, `"{} 'Arnav' \\ x"`},
	{"format numbers, booleans, null as JSON", `States.Format('{} {} {} {}', $.f, true, $.n, $.value1)`, `"1.5 true null 111"`},
	{"format writes objects and arrays as Java does", `States.Format('{} {}', $.json1, $.dupes)`, `"{a={a1=1, a2=2}, b=2} [1, 2, 3, 3, 3, 3, 3, 3, 4, {a=1}, {a=1.0}]"`},
	{"format without placeholders", `States.Format('plain')`, `"plain"`},
	{"format from the context object", `States.Format('run {}', $$.Execution.Name)`, `"run run-1"`},
	// JSON
	{"string to json", `States.StringToJson($.escapedJsonString)`, `{"foo":"bar"}`},
	{"json to string", `States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
	{"json to string of a number", `States.JsonToString($.f)`, `"1.5"`},
	{"a lone surrogate is formatted as it is", `States.Format('{}!', $.lone)`, `"a\ud800b!"`},
	{"json to string keeps a lone surrogate as the string holds it", `States.JsonToString($.lone)`, `"\"a\ud800b\""`},
	{"string to json reads a lone surrogate escape", `States.StringToJson($.loneJson)`, `{"k":"\udc00"}`},
	{"string to json reads a lone surrogate the string holds", `States.StringToJson($.loneInText)`, `"\udbff"`},
	{"json merge is shallow, the second wins", `States.JsonMerge($.json1, $.json2, false)`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
	// Arrays
	{"array", `States.Array('Foo', 2020, $.unescapedJson, $.n, true)`, `["Foo",2020,{"foo":"bar"},null,true]`},
	{"empty array", `States.Array()`, `[]`},
	{"partition", `States.ArrayPartition($.inputArray, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
	{"partition larger than the array", `States.ArrayPartition($.inputArray, 20)`, `[[1,2,3,4,5,6,7,8,9]]`},
	{"partition of nothing", `States.ArrayPartition(States.Array(), 2)`, `[]`},
	{"contains", `States.ArrayContains($.inputArray, 5)`, `true`},
	{"contains compares JSON", `States.ArrayContains($.dupes, $.unescapedJson)`, `false`},
	{"contains an object", `States.ArrayContains($.dupes, States.StringToJson('\{"a":1\}'))`, `true`},
	{"range", `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
	{"range down", `States.ArrayRange(5, 1, -2)`, `[5,3,1]`},
	{"range of one", `States.ArrayRange(3, 3, 1)`, `[3]`},
	{"range the wrong way is empty", `States.ArrayRange(5, 1, 1)`, `[]`},
	{"range of 1000 items is allowed", `States.ArrayLength(States.ArrayRange(1, 1000, 1))`, `1000`},
	{"get item", `States.ArrayGetItem($.inputArray, 5)`, `6`},
	{"length", `States.ArrayLength($.inputArray)`, `9`},
	{"unique keeps first occurrences, numbers by value", `States.ArrayUnique($.dupes)`, `[1,2,3,4,{"a":1}]`},
	// Encoding
	{"base64 encode", `States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
	{"base64 decode", `States.Base64Decode($.base64)`, `"Data to encode"`},
	{"base64 of UTF-8", `States.Base64Decode(States.Base64Encode('héllo'))`, `"héllo"`},
	// Hashes (expected digests from coreutils' md5sum, sha*sum)
	{"md5", `States.Hash($.Data, 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
	{"sha-1", `States.Hash($.Data, 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
	{"sha-256", `States.Hash($.Data, 'SHA-256')`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
	{"sha-384", `States.Hash($.Data, 'SHA-384')`, `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
	{"sha-512", `States.Hash($.Data, 'SHA-512')`, `"6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4"`},
	{"hash of UTF-8", `States.Hash('héllo', 'SHA-256')`, `"3c48591d8d098a4538f5e013dfcf406e948eac4d3277b10bf614e295d6068179"`},
	// Math
	{"add", `States.MathAdd($.value1, $.step)`, `110`},
	{"add rounds to the nearest integer", `States.MathAdd(1.5, 2.4)`, `4`},
	{"add rounds half up", `States.MathAdd(-1.5, 0)`, `-1`},
	{"random with a seed stays in range", `States.ArrayContains(States.ArrayRange(1, 3, 1), States.MathRandom(1, 3, 7))`, `true`},
	{"random of one value", `States.MathRandom(4, 4)`, `4`},
	// Strings
	{"split at each delimiter character", `States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
	{"split drops empty parts", `States.StringSplit('1,,2,', ',')`, `["1","2"]`},
	{"split without a delimiter in the string", `States.StringSplit('abc', ',')`, `["abc"]`},
	// Nesting: the guide's nine-call example, whose template has one {}
	// more than it has arguments (the guide's slip); two here.
	{"nested calls", `States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit('arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe/1.2.3', '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit('arn:aws:imagebuilder:us-east-1:1:image-recipe/my-recipe/1.2.3', '/'), 2), '.'), 1))`, `"1.2"`},
	{"whitespace between arguments", `States.Array( 1 ,  'a' )`, `[1,"a"]`},
}

// TestIntrinsics states what each intrinsic function returns, from the
// developer guide's "Intrinsic functions" page.
func TestIntrinsics(t *testing.T) {
	tests := intrinsicCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalIntrinsic(t, tc.expression)
			require.NoError(t, err)
			assert.Equal(t, decode(t, tc.want), member(t, got, "r"))
		})
	}
}

// TestRandomness states that States.UUID and States.MathRandom draw from the
// scope's entropy, that a seed makes MathRandom repeatable, and that the
// UUID is a version 4 UUID.
func TestRandomness(t *testing.T) {
	uuidV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	first, err := evalIntrinsic(t, `States.UUID()`)
	require.NoError(t, err)
	assert.Regexp(t, uuidV4, member(t, first, "r"))
	again, err := evalIntrinsic(t, `States.UUID()`)
	require.NoError(t, err)
	assert.Equal(t, first, again, "the same entropy gives the same UUID")

	fresh, err := Template(decode(t, `{"a.$": "States.UUID()", "b.$": "States.UUID()"}`), Scope{})
	require.NoError(t, err)
	assert.Regexp(t, uuidV4, member(t, fresh, "a"))
	assert.NotEqual(t, member(t, fresh, "a"), member(t, fresh, "b"), "without a scope's entropy, crypto/rand")

	seeded := func(seed string) any {
		v, err := evalIntrinsic(t, `States.MathRandom(0, 1000000, `+seed+`)`)
		require.NoError(t, err)
		return v
	}
	assert.Equal(t, seeded("42"), seeded("42"), "a seed makes MathRandom repeatable")
	assert.NotEqual(t, seeded("42"), seeded("43"))
}

// tooLong is one character over the 10,000 the guide allows.
var tooLong = strings.Repeat("a", 10001)

type intrinsicFailureCase struct {
	name, expression, cause string
}

var intrinsicFailureCases = []intrinsicFailureCase{
	{"format: count mismatch", `States.Format('{} {}', $.name)`, "the template has 2 {} placeholder(s) but 1 argument(s) follow it"},
	{"format: count mismatch from a path", `States.Format($.template)`, "the template has 1 {} placeholder(s) but 0"},
	{"format: template not a string", `States.Format($.value1)`, "argument 1 must be a string"},
	{"string to json: not JSON either", `States.StringToJson('\{')`, "the string is not JSON"},
	{"string to json: not JSON", `States.StringToJson($.name)`, "the string is not JSON"},
	{"string to json: two values", `States.StringToJson('1 2')`, "more than one JSON value"},
	{"string to json: not a string", `States.StringToJson($.unescapedJson)`, "argument 1 must be a string"},
	{"json merge: deep", `States.JsonMerge($.json1, $.json2, $.t)`, "argument 3 must be false (deep merging is not supported)"},
	{"json merge: not an object", `States.JsonMerge($.json1, $.inputArray, false)`, "argument 2 must be an object"},
	{"partition: zero", `States.ArrayPartition($.inputArray, $.n)`, "argument 2 must be a positive integer, but was null"},
	{"partition: fraction", `States.ArrayPartition($.inputArray, $.f)`, "argument 2 must be a positive integer, but was 1.5"},
	{"partition: not an array", `States.ArrayPartition($.name, 2)`, `argument 1 must be an array, but was "Arnav"`},
	{"contains: not an array", `States.ArrayContains($.json1, 1)`, "argument 1 must be an array"},
	{"range: more than 1000 items", `States.ArrayRange(1, 1001, 1)`, "the range from 1 to 1001 by 1 has 1001 items; the limit is 1000"},
	{"range: zero step", `States.ArrayRange(1, 2, $.n)`, "argument 3 must be a non-zero integer"},
	{"range: fraction", `States.ArrayRange($.f, 2, 1)`, "argument 1 must be an integer"},
	{"range: beyond 2^53", `States.ArrayRange(1, 10000000000000000, 1)`, "argument 2 (10000000000000000) is outside the range -(2^53-1) to 2^53-1"},
	{"get item: out of range", `States.ArrayGetItem($.inputArray, 9)`, "index 9 is out of range for an array of 9 item(s)"},
	{"get item: negative", `States.ArrayGetItem($.inputArray, $.step)`, "argument 2 must be a non-negative integer"},
	{"length: not an array", `States.ArrayLength($.name)`, "argument 1 must be an array"},
	{"unique: not an array", `States.ArrayUnique($.n)`, "argument 1 must be an array, but was null"},
	{"base64 encode: too long", `States.Base64Encode(States.Format('{}a', '` + tooLong[:10000] + `'))`, "the input has 10001 characters; the limit is 10000"},
	{"base64 decode: too long", `States.Base64Decode('` + tooLong + `')`, "the limit is 10000"},
	{"base64 decode: not base64", `States.Base64Decode('%%%')`, "the input is not Base64"},
	{"hash: unknown algorithm", `States.Hash($.Data, 'SHA-3')`, `the algorithm "SHA-3" is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512`},
	{"hash: too long", `States.Hash('` + tooLong + `', 'MD5')`, "the input has 10001 characters"},
	{"hash: not a string", `States.Hash($.inputArray, 'MD5')`, "argument 1 must be a string"},
	{"add: beyond 2^53", `States.MathAdd(9007199254740993, 1)`, "argument 1 (9007199254740993) is outside the range -(2^53-1) to 2^53-1"},
	{"add: not a number", `States.MathAdd($.name, 1)`, "argument 1 must be a number"},
	{"random: start after end", `States.MathRandom(5, 1)`, "the start 5 is greater than the end 1"},
	{"random: seed not a number", `States.MathRandom(1, 5, $.name)`, "argument 3 must be a number"},
	{"split: not a string", `States.StringSplit($.inputArray, ',')`, "argument 1 must be a string"},
	{"a nested failure", `States.ArrayLength(States.StringToJson('\{'))`, "States.StringToJson function failed"},
}

// TestIntrinsicFailures states the run-time failures: wrong argument types
// and the guide's limits, as States.IntrinsicFailure naming the function.
func TestIntrinsicFailures(t *testing.T) {
	tests := intrinsicFailureCases
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := evalIntrinsic(t, tc.expression)
			var se *stateserror.Error
			require.True(t, errors.As(err, &se), "want a *stateserror.Error, got %v", err)
			assert.Equal(t, stateserror.IntrinsicFailure, se.Name)
			assert.Contains(t, se.Cause, tc.cause)
		})
	}
}

// TestValidateIntrinsic states what fails when the definition loads rather
// than when the state runs.
func TestValidateIntrinsic(t *testing.T) {
	tenCalls := strings.Repeat("States.Array(", 10) + strings.Repeat(")", 10)
	elevenCalls := strings.Repeat("States.Array(", 11) + strings.Repeat(")", 11)
	require.NoError(t, ValidateIntrinsic(tenCalls), "the guide allows 10 intrinsic functions in a field")
	tests := []struct {
		expression, problem string
	}{
		{elevenCalls, "11 intrinsic functions in one field; the limit is 10"},
		{`States.Nope(1)`, `"States.Nope" is not an intrinsic function; they are States.Array, `},
		{`States.format('x')`, `"States.format" is not an intrinsic function`},
		{`States.UUID`, "States.UUID must be followed by (arguments)"},
		{`States.UUID(1)`, "States.UUID takes exactly 0 argument(s), not 1"},
		{`States.Format()`, "States.Format takes at least 1 argument(s), not 0"},
		{`States.ArrayRange(1, 2)`, "States.ArrayRange takes exactly 3 argument(s), not 2"},
		{`States.MathRandom(1)`, "States.MathRandom takes 2 to 3 arguments, not 1"},
		{`States.MathRandom(1, 2, 3, 4)`, "takes 2 to 3 arguments, not 4"},
		{`States.ArrayRange(1, 2, 0)`, "argument 3 of States.ArrayRange must be a non-zero integer, not 0"},
		{`States.ArrayLength('abc')`, "argument 1 of States.ArrayLength must be an array, not 'abc'"},
		{`States.JsonMerge($.a, $.b, true)`, "argument 3 of States.JsonMerge must be false"},
		{`States.Hash('a', 1)`, "argument 2 of States.Hash must be a string"},
		{`States.JsonToString('{}')`, "the argument of States.JsonToString must be a path"},
		{`States.Format('\n')`, "open escape backslash"},
		{`States.Format('abc)`, "is not closed"},
		{`States.Format('a' 'b')`, "expected , or ) after an argument"},
		{`States.Format('a'`, "expected , or ) after an argument"},
		{`States.Format('a') x`, "unexpected"},
		{`States.Array(abc)`, "an argument is a 'string', a number, true, false, a path or an intrinsic function call"},
		{`States.Array(1.2.3)`, "is not a number"},
		{`States.Array($.a[)`, `unexpected ")" in brackets`},
		{`States.Array(trueish)`, "an argument is a 'string'"},
		{`States.Array(null)`, "an argument is a 'string', a number, true, false, a path"},
	}
	for _, tc := range tests {
		t.Run(tc.expression, func(t *testing.T) {
			err := ValidateIntrinsic(tc.expression)
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "want a *DefinitionError, got %v", err)
			assert.Contains(t, err.Error(), tc.problem)
		})
	}
}
