package infra

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewNamesSaysWhichNameToShorten(t *testing.T) {
	tests := []struct{ project, stack, want string }{
		{"stepfunctions-go", strings.Repeat("s", 40), "choose a stack name at most 31 characters long"},
		{strings.Repeat("p", 60), "dev", "choose a shorter project name"},
	}
	for _, tt := range tests {
		_, err := NewNames(tt.project, tt.stack, "STANDARD")
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}
	names, err := NewNames("stepfunctions-go", strings.Repeat("s", 31), "EXPRESS")
	require.NoError(t, err, "31 characters is the longest stack name that fits")
	assert.Equal(t, "stepfunctions-go-"+strings.Repeat("s", 31)+"-main-express", names.StateMachine)
}

// TestInRegionAtIAMsLimit probes role names at IAM's 64 characters: the
// longest role, "<project>-<stack>-callback-worker-<region>", fits at
// exactly 64 and fails at 65, naming the stack length that would fit.
func TestInRegionAtIAMsLimit(t *testing.T) {
	tests := []struct {
		name, project, region string
		stackLength           int
		wantErr               string
	}{
		{"us-east-1 at 64", "stepfunctions-go", "us-east-1", 21, ""},
		{"us-east-1 at 65", "stepfunctions-go", "us-east-1", 22, "choose a stack name at most 21 characters long in us-east-1"},
		{"a 14-character Region at 64", "stepfunctions-go", "ap-southeast-7", 16, ""},
		{"a 14-character Region at 65", "stepfunctions-go", "ap-southeast-7", 17, "choose a stack name at most 16 characters long in ap-southeast-7"},
		{"a project too long for any stack", strings.Repeat("p", 40), "us-east-1", 1, "choose a shorter project name"},
		{"not a Region name", "stepfunctions-go", "us east 1", 3, `region "us east 1"`},
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
			longest := names.Role(names.Resource(strings.TrimPrefix(longestSuffix, "-")))
			assert.Len(t, longest, maxRoleNameLength, "the longest role name is exactly at IAM's limit")
			assert.True(t, strings.HasSuffix(longest, "-"+tt.region), longest)
		})
	}
}
