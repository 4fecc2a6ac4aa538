package tests

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// functionPattern stands for a function's output stem in the README's
// Outputs table: `<function>FunctionArn` is documented once for all.
const functionPattern = "<function>"

// documentedOutputs reads the output names from the README's Outputs table:
// other stacks depend on exactly those names. Names that begin with
// <function> are patterns, one output per deployed function.
func documentedOutputs(t *testing.T) (names, functionSuffixes []string) {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "\n### Outputs\n")
	require.True(t, found, "README.md has no ### Outputs section")
	section, _, _ = strings.Cut(section, "\n#")
	for _, match := range regexp.MustCompile("(?m)^\\| `(<function>)?([A-Za-z0-9]+)` \\|").FindAllStringSubmatch(section, -1) {
		if match[1] == functionPattern {
			functionSuffixes = append(functionSuffixes, match[2])
		} else {
			names = append(names, match[2])
		}
	}
	require.NotEmpty(t, names, "no outputs found in the README's Outputs table")
	require.NotEmpty(t, functionSuffixes, "no %s… outputs found in the README's Outputs table", functionPattern)
	return names, functionSuffixes
}

// wantOutputs is what the README promises for a stack with the callback
// workflow on or off: its fixed names (callback… ones only when on) and the
// per-function pattern for each function the stack deploys.
func wantOutputs(t *testing.T, callbackWorkflow bool) []string {
	names, suffixes := documentedOutputs(t)
	var want []string
	for _, name := range names {
		if callbackWorkflow || !strings.HasPrefix(name, "callback") && name != "deadLetterQueueUrl" {
			want = append(want, name)
		}
	}
	for _, fn := range modelOf(t, callbackWorkflow).functions {
		for _, suffix := range suffixes {
			want = append(want, outputStem(fn)+suffix)
		}
	}
	slices.Sort(want)
	return want
}

// TestOutputsMatchTheREADME is the output contract: renaming or removing a
// documented output breaks consumers, and an undocumented one is an API
// nobody promised. A new function gets its outputs by the documented
// pattern, with no README edit.
func TestOutputsMatchTheREADME(t *testing.T) {
	exported := slices.Sorted(maps.Keys(deployDefault(t).outputs))
	assert.Equal(t, wantOutputs(t, true), exported, "README.md's Outputs table and the program's exports must list the same names")
}

// TestOutputsWithoutTheCallbackWorkflow: turning the callback workflow off
// removes exactly the callback outputs and those of functions only it needs.
func TestOutputsWithoutTheCallbackWorkflow(t *testing.T) {
	exported := slices.Sorted(maps.Keys(mustDeploy(t, map[string]string{"callbackWorkflow": "false"}).outputs))
	assert.Equal(t, wantOutputs(t, false), exported)
}

// TestREADMEResourceCounts: the walkthrough's "+ N to create" is what
// `pulumi up` plans, every declared resource (component resources included)
// plus the stack itself, with the callback workflow on and off.
func TestREADMEResourceCounts(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	match := regexp.MustCompile(`plans "\+ (\d+) to create" \((\d+) with callbackWorkflow false\)`).FindStringSubmatch(string(readme))
	require.NotNil(t, match, "README.md's walkthrough names no planned resource count")
	const theStack = 1
	for i, variant := range []struct {
		name   string
		config map[string]string
	}{{"the default config", nil}, {"callbackWorkflow false", map[string]string{"callbackWorkflow": "false"}}} {
		declared := strconv.Itoa(len(mustDeploy(t, variant.config).resources) + theStack)
		assert.Equal(t, declared, match[i+1], "README.md's Deploy to AWS says pulumi up plans + %s to create with %s, but the stack declares %s resources: update the README", match[i+1], variant.name, declared)
	}
}
