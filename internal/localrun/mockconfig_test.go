package localrun

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// awsExampleMockConfig is the mock config file of AWS's page "Configuration
// file for mocked service integrations in Step Functions": a file Step
// Functions Local ran must parse unchanged.
const awsExampleMockConfig = `{
  "StateMachines": {
    "LambdaSQSIntegration": {
      "TestCases": {
        "HappyPath": {"LambdaState": "MockedLambdaSuccess", "SQSState": "MockedSQSSuccess"},
        "RetryPath": {"LambdaState": "MockedLambdaRetry", "SQSState": "MockedSQSSuccess"},
        "HybridPath": {"LambdaState": "MockedLambdaSuccess"}
      }
    }
  },
  "MockedResponses": {
    "MockedLambdaSuccess": {"0": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}},
    "LambdaMockedResourceNotReady": {"0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}}},
    "MockedSQSSuccess": {"0": {"Return": {"MD5OfMessageBody": "3bcb6e8e-7h85-4375-b0bc-1a59812c6e51", "MessageId": "3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}}},
    "MockedLambdaRetry": {
      "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "Lambda resource is not ready."}},
      "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
      "3": {"Return": {"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}}
    }
  }
}`

// AWS's own example: each invocation of a mocked state gets the response
// its number or range names, in order.
func TestMockConfigReadsAWSsExample(t *testing.T) {
	config, err := parseMockConfig([]byte(awsExampleMockConfig))
	require.NoError(t, err)
	retry, err := config.testCase("LambdaSQSIntegration", "RetryPath")
	require.NoError(t, err)
	want := []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException", ""}
	for invocation, wantError := range want {
		answer, err := retry.states["LambdaState"].answer("LambdaState", invocation)
		require.NoError(t, err)
		if wantError == "" {
			assert.Nil(t, answer.err)
			assert.JSONEq(t, `{"StatusCode": 200, "Payload": {"StatusCode": 200, "body": "Hello from Lambda!"}}`, string(answer.result))
			continue
		}
		require.NotNil(t, answer.err, "invocation %d", invocation)
		assert.Equal(t, wantError, answer.err.Error, "invocation %d", invocation)
	}
	_, err = retry.states["LambdaState"].answer("LambdaState", len(want))
	assert.ErrorContains(t, err, "invoked a 5th time, and its mocked response MockedLambdaRetry answers 4 invocations only")

	hybrid, err := config.testCase("LambdaSQSIntegration", "HybridPath")
	require.NoError(t, err)
	assert.NotContains(t, hybrid.states, "SQSState", "a state the test case leaves out is not mocked")
	assert.Equal(t, map[string]bool{"LambdaState": true, "SQSState": true}, config.mockedStates("LambdaSQSIntegration"))
	assert.Empty(t, config.mockedStates("OtherMachine"))
}

// Every way a file can be wrong is refused with a message that names the
// place and says what is allowed.
func TestMockConfigRefusesWhatIsWrong(t *testing.T) {
	machine := func(testCases string) string {
		return `{"StateMachines": {"M": {"TestCases": ` + testCases + `}}, "MockedResponses": {"R": {"0": {"Return": 1}}}}`
	}
	responses := func(r string) string {
		return `{"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}}, "MockedResponses": {"R": ` + r + `}}`
	}
	tests := []struct {
		name, file, want string
	}{
		{"not JSON", `{`, "is not a mock config"},
		{"text after the object", `{} {}`, "text after its JSON object"},
		{"a misspelt top-level field", `{"StateMachine": {}}`, `unknown field "StateMachine"`},
		{"a misspelt TestCases", `{"StateMachines": {"M": {"TestCase": {}}}}`, `unknown field "TestCase"`},
		{"a machine without test cases", machine(`{}`), "StateMachines.M has no TestCases"},
		{"a test case naming an undefined response", machine(`{"T": {"S": "Missing"}}`), `mocks state "S" with "Missing", which MockedResponses does not define (it defines R)`},
		{"a key that is not a number", responses(`{"first": {"Return": 1}}`), `has the key "first"`},
		{"a negative key", responses(`{"-1": {"Return": 1}}`), `has the key "-1"`},
		{"a backward range", responses(`{"0": {"Return": 1}, "3-1": {"Return": 2}}`), `the range "3-1"`},
		{"a gap", responses(`{"0": {"Return": 1}, "2": {"Return": 2}}`), "a gap or an overlap at 2"},
		{"an overlap", responses(`{"0-1": {"Return": 1}, "1": {"Return": 2}}`), "a gap or an overlap at 1"},
		{"not from 0", responses(`{"1": {"Return": 1}}`), "a gap or an overlap at 1"},
		{"no invocation", responses(`{}`), `answers no invocation; give at least "0"`},
		{"a huge range", responses(`{"0-100000000": {"Return": 1}}`), "more than 100000 invocations"},
		{"both Return and Throw", responses(`{"0": {"Return": 1, "Throw": {"Error": "E"}}}`), "exactly one of Return and Throw"},
		{"neither", responses(`{"0": {"Returns": 1}}`), "exactly one of Return and Throw"},
		{"not an object", responses(`{"0": [1]}`), "is not an object with Return or Throw"},
		{"a Throw without Error", responses(`{"0": {"Throw": {"Cause": "c"}}}`), "a non-empty Error string"},
		{"a Throw with another field", responses(`{"0": {"Throw": {"Error": "E", "Message": "m"}}}`), "a non-empty Error string"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := parseMockConfig([]byte(test.file))
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.want)
		})
	}
}

// Test cases are found by machine and name; a missing one is named with
// what there is.
func TestMockConfigNamesAMissingTestCase(t *testing.T) {
	config, err := parseMockConfig([]byte(awsExampleMockConfig))
	require.NoError(t, err)
	tests := []struct {
		name            string
		config          *mockConfig
		machine, tcName string
		want            string
	}{
		{"no mock config", nil, "LambdaSQSIntegration", "HappyPath", "start it with -mock-config FILE"},
		{"another machine", config, "Other", "HappyPath", `no test cases for the state machine "Other" (it has test cases for LambdaSQSIntegration)`},
		{"another test case", config, "LambdaSQSIntegration", "SadPath", `no test case "SadPath" for the state machine "LambdaSQSIntegration" (it has HappyPath, HybridPath, RetryPath)`},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			_, err := test.config.testCase(test.machine, test.tcName)
			require.Error(t, err)
			assert.Contains(t, err.Error(), test.want)
		})
	}
}

// The parser never panics, and what it accepts answers every invocation it
// numbers with JSON or an error.
func FuzzMockConfig(f *testing.F) {
	f.Add([]byte(awsExampleMockConfig))
	f.Add([]byte(`{"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}}, "MockedResponses": {"R": {"0-2": {"Throw": {"Error": "E"}}}}}`))
	f.Add([]byte(`{"MockedResponses": {"R": {"0": {"Return": "\ud800"}}}}`))
	f.Fuzz(func(t *testing.T, file []byte) {
		config, err := parseMockConfig(file)
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		for _, cases := range config.testCases {
			for _, testCase := range cases {
				for state, response := range testCase.states {
					require.NotEmpty(t, response.answers)
					for i, answer := range response.answers {
						if answer.err == nil {
							require.True(t, json.Valid(answer.result), "invocation %d of %s", i, state)
						} else {
							require.NotEmpty(t, answer.err.Error)
						}
					}
				}
			}
		}
	})
}
