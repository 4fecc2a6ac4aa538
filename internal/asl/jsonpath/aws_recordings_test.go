package jsonpath

import (
	"fmt"
	"testing"

	"stepfunctions-go/internal/asl/value/valuetest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awsRecordings are intrinsic calls and what real Step Functions returned
// for them, transcribed from LocalStack's snapshot tests, which record real
// executions (tests/aws/services/stepfunctions/v2/intrinsic_functions/
// *.snapshot.json in github.com/localstack/localstack, the tests marked
// aws.validated). They settle what the guide leaves open: MathAdd's rounding
// of halves, StringSplit's empty parts, StringToJson of a blank string,
// Format of an object. The recordings' word "HelloWorld" is written
// "HiThere" here: tests may not spell a state's name (tests/names_test.go),
// and the functions treat both words alike.
var awsRecordings = []struct {
	expression string
	inputs     [][2]string // FunctionInput, FunctionResult
}{
	{"States.MathAdd($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":-9,"snd":3}`, `-6`}, {`{"fst":1.49,"snd":1.5}`, `3`}, {`{"fst":1.5,"snd":1.51}`, `4`},
		{`{"fst":-1.49,"snd":-1.5}`, `-2`}, {`{"fst":-1.5,"snd":-1.51}`, `-3`}, {`{"fst":1.49,"snd":0}`, `1`},
		{`{"fst":1.49,"snd":-1.49}`, `0`}, {`{"fst":1.5,"snd":0}`, `2`}, {`{"fst":1.51,"snd":0}`, `2`},
		{`{"fst":-1.49,"snd":0}`, `-1`}, {`{"fst":-1.5,"snd":0}`, `-1`}, {`{"fst":-1.51,"snd":0}`, `-2`},
		{`{"fst":0.5,"snd":0}`, `1`}, {`{"fst":2.5,"snd":0}`, `3`}, {`{"fst":3.5,"snd":0}`, `4`},
		{`{"fst":-0.5,"snd":0.5}`, `1`}, {`{"fst":-0.5,"snd":0}`, `0`}, {`{"fst":-2.5,"snd":0}`, `-2`},
		{`{"fst":-3.5,"snd":0}`, `-3`},
	}},
	{"States.StringSplit($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":" ","snd":","}`, `[" "]`}, {`{"fst":" , ","snd":","}`, `[" "," "]`},
		{`{"fst":", , ,","snd":","}`, `[" "," "]`}, {`{"fst":",,,,","snd":","}`, `[]`},
		{`{"fst":"1,2,3,4,5","snd":","}`, `["1","2","3","4","5"]`},
		{`{"fst":"This.is+a,test=string","snd":".+,="}`, `["This","is","a","test","string"]`},
		{`{"fst":"split on T and \nnew line","snd":"T\n"}`, `["split on "," and ","new line"]`},
		{`{"fst":"Value1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HiThere'\nNull,None,\n   \n","snd":","}`,
			`["Value1","Value2","Value3\nValue4","Value5","Value6\n","\ntrue","1","'HiThere'\nNull","None","\n   \n"]`},
	}},
	{"States.StringToJson($.FunctionInput)", [][2]string{
		{`""`, `null`}, {`" "`, `null`}, {`"null"`, `null`}, {`"-0"`, `0`}, {`"1"`, `1`}, {`"1.1"`, `1.1`},
		{`"true"`, `true`}, {`"\"HiThere\""`, `"HiThere"`}, {`"[1, 2, \"HiThere\"]"`, `[1,2,"HiThere"]`},
		{`"{\"Arg1\": 1, \"Arg2\": []}"`, `{"Arg1":1,"Arg2":[]}`},
	}},
	{"States.JsonToString($.FunctionInput)", [][2]string{
		{`null`, `"null"`}, {`0`, `"0"`}, {`1.1`, `"1.1"`}, {`true`, `"true"`}, {`"HiThere"`, `"\"HiThere\""`},
		{`[1,2,"HiThere"]`, `"[1,2,\"HiThere\"]"`}, {`{"Arg1":1,"Arg2":[]}`, `"{\"Arg1\":1,\"Arg2\":[]}"`},
	}},
	{"States.Format('Formatting arguments fst={} and snd={}.', $.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":"","snd":""}`, `"Formatting arguments fst= and snd=."`},
		{`{"fst":null,"snd":null}`, `"Formatting arguments fst=null and snd=null."`},
		{`{"fst":1.1,"snd":1}`, `"Formatting arguments fst=1.1 and snd=1."`},
		{`{"fst":"{\"Arg1\": 1}","snd":" "}`, `"Formatting arguments fst={\"Arg1\": 1} and snd= ."`},
		{`{"fst":{"Arg1":1,"Arg2":[]},"snd":{"Arg1":1,"Arg2":[]}}`, `"Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."`},
	}},
	{"States.ArrayContains($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":[],"snd":null}`, `false`}, {`{"fst":[],"snd":[]}`, `false`},
		{`{"fst":[[1,2,3],2],"snd":null}`, `false`}, {`{"fst":[[1,2,3],2],"snd":[1,2,3]}`, `true`},
		{`{"fst":[{"1":2,"2":[]}],"snd":[]}`, `false`}, {`{"fst":[{"1":2,"2":[]}],"snd":{"1":2,"2":[]}}`, `true`},
		{`{"fst":[true,false],"snd":false}`, `true`},
	}},
	{"States.ArrayRange($.FunctionInput.fst, $.FunctionInput.snd, $.FunctionInput.trd)", [][2]string{
		{`{"fst":0,"snd":9,"trd":3}`, `[0,3,6,9]`}, {`{"fst":0,"snd":10,"trd":3}`, `[0,3,6,9]`},
		{`{"fst":1,"snd":9,"trd":9}`, `[1]`}, {`{"fst":1,"snd":9,"trd":2}`, `[1,3,5,7,9]`},
	}},
	{"States.ArrayPartition($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":[],"snd":1}`, `[]`}, {`{"fst":[0],"snd":5}`, `[[0]]`}, {`{"fst":[0,1,2],"snd":2}`, `[[0,1],[2]]`},
		{`{"fst":[0,1,2,3],"snd":3}`, `[[0,1,2],[3]]`}, {`{"fst":[0,1,2,3],"snd":1}`, `[[0],[1],[2],[3]]`},
	}},
	{"States.Array($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":null,"snd":null}`, `[null,null]`}, {`{"fst":{"Arg1":1,"Arg2":[]},"snd":1.1}`, `[{"Arg1":1,"Arg2":[]},1.1]`},
	}},
	{"States.JsonMerge($.FunctionInput.fst, $.FunctionInput.snd, false)", [][2]string{
		{`{"fst":{"a":{"a1":1,"a2":2},"b":2,"d":3},"snd":{"a":{"a3":1,"a4":2},"c":3,"d":4}}`, `{"a":{"a3":1,"a4":2},"b":2,"c":3,"d":4}`},
	}},
	{"States.Base64Encode($.FunctionInput)", [][2]string{{`""`, `""`}, {`"Data to encode"`, `"RGF0YSB0byBlbmNvZGU="`}}},
	{"States.Base64Decode($.FunctionInput)", [][2]string{{`""`, `""`}, {`"RGF0YSB0byBlbmNvZGU="`, `"Data to encode"`}}},
	{"States.Hash($.FunctionInput.fst, $.FunctionInput.snd)", [][2]string{
		{`{"fst":"input data","snd":"MD5"}`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{`{"fst":"input data","snd":"SHA-384"}`, `"d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562"`},
	}},
	{"States.StringSplit('Hello\nWorld', '\n')", [][2]string{{`null`, `["Hello","World"]`}}},
	{`States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $.FunctionInput, false)`, [][2]string{
		{`{"constant_input_field":"constant_value"}`, `{"constant_input_field":"constant_value","constant_in_literal":"false"}`},
	}},
}

// TestIntrinsicsAsAWSRecorded holds the intrinsic functions to what real
// executions returned.
func TestIntrinsicsAsAWSRecorded(t *testing.T) {
	for _, r := range awsRecordings {
		for _, io := range r.inputs {
			t.Run(fmt.Sprintf("%s/%s", r.expression, io[0]), func(t *testing.T) {
				require.NoError(t, ValidateIntrinsic(r.expression))
				got, err := Template(field("FunctionResult.$", r.expression), Scope{Input: wrap("FunctionInput", decode(t, io[0]))})
				require.NoError(t, err)
				want := decode(t, io[1])
				result := member(t, got, "FunctionResult")
				assert.True(t, equalJSON(want, result), "AWS returned %s, this package %s", io[1], toJSON(result))
				assert.Equal(t, valuetest.FieldOrder(want), valuetest.FieldOrder(result), "AWS returned %s, this package %s: the fields' order differs", io[1], toJSON(result))
			})
		}
	}
}

// TestPathsAsAWSRecorded holds paths to real executions recorded the same
// way (tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json).
func TestPathsAsAWSRecorded(t *testing.T) {
	input := decode(t, `{"users":[{"year":1997,"status":0},{"year":1998,"status":1}]}`)
	got, err := Template(field("FromInput.$", "$.users[?(@.status == 0)]"), Scope{Input: input})
	require.NoError(t, err)
	assert.Equal(t, decode(t, `{"FromInput":[{"year":1997,"status":0}]}`), got)
}
