package localrun

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/lambdas"
)

// shout stands for any function in the unit tests here: a name no
// function of the project has.
var shout = lambdas.Function{Name: "shout", Dir: "lambdas/shout"}

func TestFunctionName(t *testing.T) {
	for nameOrARN, want := range map[string]string{
		"shout":                        "shout",
		"shout:3":                      "shout",
		localFunctionARN(shout):        "shout",
		localFunctionARN(shout) + ":7": "shout",
		"123456789012:function:shout":  "shout",
	} {
		assert.Equal(t, want, functionName(nameOrARN), nameOrARN)
	}
}

func TestFunctionError(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		want   *stateserror.Error
	}{{
		name:   "a Go function's error",
		answer: `{"errorMessage":"invalid input","errorType":"InvalidInputError"}`,
		want:   &stateserror.Error{Name: "InvalidInputError", Cause: `{"errorMessage":"invalid input","errorType":"InvalidInputError"}`},
	}, {
		name:   "a panic, with its stack",
		answer: `{"errorMessage":"boom","errorType":"string","stackTrace":[]}`,
		want:   &stateserror.Error{Name: "string", Cause: `{"errorMessage":"boom","errorType":"string","stackTrace":[]}`},
	}, {
		name:   "a result",
		answer: `{"statusCode":200,"body":{"payload":"HI"}}`,
	}, {
		name:   "a result with an errorType field among others",
		answer: `{"errorType":"x","payload":"HI"}`,
	}, {
		name:   "not an object",
		answer: `"errorType"`,
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			assert.Equal(t, test.want, functionError([]byte(test.answer)))
		})
	}
}

func TestInvokeResultIsTheInvokeAPIsResponse(t *testing.T) {
	for answer, wantPayload := range map[string]string{
		`{"body":{"payload":"HI"}}`: `{"body":{"payload":"HI"}}`,
		`not json`:                  `"not json"`,
	} {
		result := invokeResult([]byte(answer))
		var response struct {
			ExecutedVersion     string
			Payload             json.RawMessage
			StatusCode          int
			SdkHttpMetadata     struct{ HttpStatusCode int }
			SdkResponseMetadata struct{ RequestId string }
		}
		require.NoError(t, json.Unmarshal([]byte(jsonText(result)), &response))
		assert.JSONEq(t, wantPayload, string(response.Payload))
		assert.Equal(t, "$LATEST", response.ExecutedVersion)
		assert.Equal(t, 200, response.StatusCode)
		assert.Equal(t, 200, response.SdkHttpMetadata.HttpStatusCode)
		assert.NotEmpty(t, response.SdkResponseMetadata.RequestId)
	}
}
