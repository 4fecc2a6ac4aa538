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
