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

	"stepfunctions-go/internal/projectname"
)

// fencedBlocks are the bodies of the code blocks in language lang between
// heading and the next heading of its level, rendered as codeBlockAfter
// renders them.
func fencedBlocks(t *testing.T, heading, lang string) []string {
	t.Helper()
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	_, section, found := strings.Cut(string(doc), "\n"+heading+"\n")
	require.True(t, found, "the document has no %q", heading)
	section, _, _ = strings.Cut(section, "\n### ")
	var blocks []string
	for _, part := range strings.Split(section, "```"+lang+"\n")[1:] {
		block, _, found := strings.Cut(part, "```")
		require.True(t, found, "a code block after %q does not end", heading)
		blocks = append(blocks, projectname.Render(block, project(t)))
	}
	require.NotEmpty(t, blocks, "no %s code block after %q", lang, heading)
	return blocks
}

// The page's "Create your own state machines" block, with each AWS CLI on
// one endpoint: the machine it creates chains the main workflow's functions
// as the main workflow does, so it prints the main workflow's example
// output, then its tag; its delete frees the name for the next CLI.
func TestReadmeCreateYourOwnStateMachines(t *testing.T) {
	blocks := fencedBlocks(t, "### Create your own state machines", "sh")
	require.Len(t, blocks, 2, "the create block, then the validate block")
	create, validate := blocks[0], blocks[1]
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
	heading := "### Mock service integrations"
	file := fencedBlocks(t, heading, "json")[0]
	block := fencedBlocks(t, heading, "sh")[0]
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
