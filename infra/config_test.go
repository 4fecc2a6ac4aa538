package infra

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
)

// longestFunctionName is the longest directory name in lambdas/, counted
// here rather than asked of the code under test.
func longestFunctionName(t *testing.T) int {
	t.Helper()
	functions, err := lambdas.All()
	require.NoError(t, err)
	longest := 0
	for _, fn := range functions {
		longest = max(longest, len(fn.Name))
	}
	return longest
}

// TestNewNamesSaysWhichNameToShorten probes function names at Lambda's 64
// characters: "<project>-<stack>-<longest function>".
func TestNewNamesSaysWhichNameToShorten(t *testing.T) {
	const project = "orders"
	fits := 64 - len(project+"-") - len("-") - longestFunctionName(t)
	tests := []struct{ project, stack, want string }{
		{project, strings.Repeat("s", fits+1), fmt.Sprintf("choose a stack name at most %d characters long", fits)},
		{strings.Repeat("p", 60), "dev", "choose a shorter project name"},
	}
	for _, tt := range tests {
		_, err := NewNames(tt.project, tt.stack, "STANDARD")
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
	names, err := NewNames(project, strings.Repeat("s", fits), "EXPRESS")
	require.NoError(t, err, "%d characters is the longest stack name that fits", fits)
	assert.Equal(t, project+"-"+strings.Repeat("s", fits)+"-main-express", names.StateMachine)
}

// TestInRegionAtIAMsLimit probes role names at IAM's 64 characters: the
// longest role, "<project>-<stack>-<longest function>-<region>", fits at
// exactly 64 and fails at 65, naming the stack length that would fit.
func TestInRegionAtIAMsLimit(t *testing.T) {
	const project = "orders"
	fitsIn := func(region string) int {
		return 64 - len(project+"-") - len("-") - longestFunctionName(t) - len("-"+region)
	}
	tests := []struct {
		name, project, region string
		stackLength           int
		wantErr               string
	}{
		{"us-east-1 at 64", project, "us-east-1", fitsIn("us-east-1"), ""},
		{"us-east-1 at 65", project, "us-east-1", fitsIn("us-east-1") + 1, fmt.Sprintf("choose a stack name at most %d characters long in us-east-1", fitsIn("us-east-1"))},
		{"a 14-character Region at 64", project, "ap-southeast-7", fitsIn("ap-southeast-7"), ""},
		{"a 14-character Region at 65", project, "ap-southeast-7", fitsIn("ap-southeast-7") + 1, fmt.Sprintf("choose a stack name at most %d characters long in ap-southeast-7", fitsIn("ap-southeast-7"))},
		{"a project too long for any stack", strings.Repeat("p", 40), "us-east-1", 1, "choose a shorter project name"},
		{"not a Region name", project, "us east 1", 3, `region "us east 1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names, err := NewNames(tt.project, strings.Repeat("s", tt.stackLength), "STANDARD")
			require.NoError(t, err, "the function names fit")
			names, err = names.InRegion(tt.region)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			longest := names.Role(names.Resource(strings.Repeat("f", longestFunctionName(t))))
			assert.Len(t, longest, 64, "the longest role name is exactly at IAM's limit")
			assert.True(t, strings.HasSuffix(longest, "-"+tt.region), longest)
		})
	}
}
