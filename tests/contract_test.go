package tests

import (
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// documentedOutputs reads the output names from the README's Outputs table:
// other stacks depend on exactly those names.
func documentedOutputs(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(readme), "\n### Outputs\n")
	require.True(t, found, "README.md has no ### Outputs section")
	section, _, _ = strings.Cut(section, "\n#")
	var names []string
	for _, match := range regexp.MustCompile("(?m)^\\| `([A-Za-z0-9]+)` \\|").FindAllStringSubmatch(section, -1) {
		names = append(names, match[1])
	}
	require.NotEmpty(t, names, "no outputs found in the README's Outputs table")
	return names
}

// TestOutputsMatchTheREADME is the output contract: renaming or removing a
// documented output breaks consumers, and an undocumented one is an API
// nobody promised. The full stack (callback workflow on) exports every one.
func TestOutputsMatchTheREADME(t *testing.T) {
	documented := documentedOutputs(t)
	exported := slices.Sorted(maps.Keys(deployDefault(t).outputs))
	slices.Sort(documented)
	assert.Equal(t, documented, exported, "README.md's Outputs table and the program's exports must list the same names")
}

// TestOutputsWithoutTheCallbackWorkflow: turning the callback workflow off
// removes exactly the callback outputs and keeps every other one.
func TestOutputsWithoutTheCallbackWorkflow(t *testing.T) {
	var want []string
	for _, name := range documentedOutputs(t) {
		if !strings.HasPrefix(name, "callback") && name != "deadLetterQueueUrl" {
			want = append(want, name)
		}
	}
	exported := slices.Sorted(maps.Keys(mustDeploy(t, map[string]string{"callbackWorkflow": "false"}).outputs))
	slices.Sort(want)
	assert.Equal(t, want, exported)
}
