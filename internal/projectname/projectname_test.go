package projectname

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderReplacesEveryPlaceholder(t *testing.T) {
	tests := []struct{ name, text, want string }{
		// Spelled with the constant, which `pulumi new` leaves alone.
		{"template", `"arn:*:iam::*:role/` + Placeholder + `-*", "/aws/lambda/` + Placeholder + `-*"`, `"arn:*:iam::*:role/orders-*", "/aws/lambda/orders-*"`},
		{"generated", `"arn:*:iam::*:role/orders-*"`, `"arn:*:iam::*:role/orders-*"`},
		{"an IAM policy variable stays", `"${aws:username}"`, `"${aws:username}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Render(tt.text, "orders"))
		})
	}
}

func TestRead(t *testing.T) {
	tests := []struct{ name, yaml, want, wantErr string }{
		{"named", "name: orders\nruntime: go\n", "orders", ""},
		{"unnamed", "runtime: go\n", "", "has no name"},
		{"not YAML", "name: [", "", "reading the project's name from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(tt.yaml), 0o644))
			got, err := Read(dir)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := Read(t.TempDir())
	assert.ErrorContains(t, err, "reading the project's name")
}
