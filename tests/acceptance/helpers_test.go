package acceptance

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestCleanDestroyGetsItsOwnTempDir: the clean-checkout destroy runs with a
// TMPDIR of its own, keeps the workspace's other variables, and leaves the
// workspace's own map as it was.
func TestCleanDestroyGetsItsOwnTempDir(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
	}{
		{"no TMPDIR before", map[string]string{"PULUMI_BACKEND_URL": "file:///state"}},
		{"another TMPDIR before", map[string]string{"PULUMI_BACKEND_URL": "file:///state", "TMPDIR": os.TempDir()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.vars["TMPDIR"]
			fresh := t.TempDir()
			got := withTempDir(tt.vars, fresh)
			assert.Equal(t, fresh, got["TMPDIR"])
			assert.NotEqual(t, os.TempDir(), got["TMPDIR"], "the deploying machine's temporary directory")
			assert.Equal(t, "file:///state", got["PULUMI_BACKEND_URL"])
			assert.Equal(t, before, tt.vars["TMPDIR"], "the workspace's own variables are not changed")
		})
	}
}

// TestBadInputIsRefusedWithTheDocumentedError anchors the error the
// acceptance test expects from bad input to the name the README documents.
func TestBadInputIsRefusedWithTheDocumentedError(t *testing.T) {
	assert.Equal(t, "InvalidInputError", invalidInputErrorName())
	assert.NotEmpty(t, badInput)
}
