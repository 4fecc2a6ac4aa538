package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpointPage is docs/endpoint.md's text.
func endpointPage(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	return string(doc)
}

// The page's "Create your own state machines" block, with each AWS CLI on
// one endpoint: the machine it creates chains the main workflow's functions
// as the main workflow does, so it prints the main workflow's example
// output, then its tag; its delete frees the name for the next CLI.
func TestReadmeCreateYourOwnStateMachines(t *testing.T) {
	page := endpointPage(t)
	create := codeBlockAfter(t, page, "### Create your own state machines")
	validate := codeBlockAfter(t, page, "### Validate a definition with the AWS CLI v1")
	for _, want := range []string{"127.0.0.1:8083", "create-state-machine", "delete-state-machine"} {
		require.Contains(t, create, want)
	}
	_, output, _ := example(t, "main")

	clis := awsCLIs(t)
	address := startEndpoint(t)
	for _, major := range []string{"v1", "v2"} {
		t.Run(major, func(t *testing.T) {
			got, err := runWithAWSCLI(t, requireAWSCLI(t, clis, major), strings.ReplaceAll(create, "127.0.0.1:8083", address))
			require.NoError(t, err)
			assert.Equal(t, "SUCCEEDED\t"+output+"\nteam\tplayground\n", got)
		})
	}

	// ValidateStateMachineDefinition: the CLI v1 has it; Debian's v2
	// predates it, as the page says.
	validate = strings.ReplaceAll(validate, "127.0.0.1:8083", address)
	t.Run("validate v1", func(t *testing.T) {
		got, err := runWithAWSCLI(t, requireAWSCLI(t, clis, "v1"), validate)
		require.NoError(t, err)
		assert.Equal(t, "FAIL\tMISSING_TRANSITION_TARGET\t/States/A/Next\n", got, "AWS's code and location for a Next that names no state")
	})
	t.Run("validate v2", func(t *testing.T) {
		cli := requireAWSCLI(t, clis, "v2")
		got, err := runWithAWSCLI(t, cli, validate)
		require.Error(t, err, "%s now has validate-state-machine-definition: docs/endpoint.md says v2 predates it; update it", cli.version)
		assert.Contains(t, got, "Invalid choice")
	})
}

// The page's mock config file, served with -mock-config, and its block with
// each AWS CLI: each test case the block starts prints what its mocked
// response says, a Return as the execution's output and a Throw as its
// error.
func TestReadmeMockServiceIntegrations(t *testing.T) {
	page, heading := endpointPage(t), "### Mock service integrations"
	file := fencedBlockAfter(t, page, heading, "json")
	block := codeBlockAfter(t, page, heading)
	var config struct {
		StateMachines map[string]struct {
			TestCases map[string]map[string]string
		}
		MockedResponses map[string]map[string]struct {
			Return json.RawMessage
			Throw  struct{ Error string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(file), &config))
	cases := regexp.MustCompile(`for CASE in ([A-Za-z ]+); do`).FindStringSubmatch(block)
	require.NotNil(t, cases, "the block loops over test cases")
	var want strings.Builder
	for _, testCase := range strings.Fields(cases[1]) {
		var mocked map[string]string
		for _, machine := range config.StateMachines {
			if states, ok := machine.TestCases[testCase]; ok {
				mocked = states
			}
		}
		require.Len(t, mocked, 1, "test case %s mocks one state", testCase)
		for _, response := range mocked {
			first := config.MockedResponses[response]["0"]
			if first.Return != nil {
				var compact bytes.Buffer
				require.NoError(t, json.Compact(&compact, first.Return))
				want.WriteString("SUCCEEDED\t" + compact.String() + "\n")
			} else {
				want.WriteString("FAILED\t" + first.Throw.Error + "\n")
			}
		}
	}
	path := filepath.Join(t.TempDir(), "MockConfigFile.json")
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))

	clis := awsCLIs(t)
	address := startEndpoint(t, "-mock-config", path)
	for _, major := range []string{"v1", "v2"} {
		t.Run(major, func(t *testing.T) {
			got, err := runWithAWSCLI(t, requireAWSCLI(t, clis, major), strings.ReplaceAll(block, "127.0.0.1:8083", address))
			require.NoError(t, err)
			assert.Equal(t, want.String(), got)
		})
	}
}

// A mock config file that is not one, or -mock-config without -serve,
// stops cmd/local before anything starts, saying what is wrong.
func TestMockConfigFlagErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"StateMachines": {"m": {"TestCases": {"t": {"S": "Missing"}}}}, "MockedResponses": {}}`), 0o600))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"a test case naming no response", []string{"-serve", "127.0.0.1:" + freePort(t), "-mock-config", bad}, []string{bad, `"Missing", which MockedResponses does not define`}},
		{"a file that is not there", []string{"-serve", "127.0.0.1:" + freePort(t), "-mock-config", bad + ".absent"}, []string{"reading the mock config file", "bad.json.absent"}},
		{"without -serve", []string{"-input", "{}", "-mock-config", bad}, []string{"-mock-config works with -serve only"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			got := runLocal(t, nil, test.args...)
			assert.Equal(t, exitSetup, got.exitCode)
			for _, want := range test.want {
				assert.Contains(t, got.stderr, want)
			}
		})
	}
}
