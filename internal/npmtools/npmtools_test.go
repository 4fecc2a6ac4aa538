package npmtools

import (
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInstallWithoutNpmSaysWhatToInstall(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir()) // no npm on it
	_, err := Install(t.Context(), Packages{Name: "t", Contents: "the test's tools", PackageJSON: []byte("{}"), Lockfile: []byte("{}")}, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "npm is not installed: it installs the test's tools")
	assert.Contains(t, err.Error(), "install Node.js 20 or newer with npm")
}

func TestWriteScriptNamesTheFileByItsContent(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
	}{{"first", "one"}, {"again", "one"}, {"changed", "two"}}
	paths := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := WriteScript(dir, "s", ".mjs", []byte(tt.content))
			require.NoError(t, err)
			written, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.content, string(written))
			if previous, seen := paths[tt.content]; seen {
				assert.Equal(t, previous, path, "the same content keeps its name")
			}
			for content, other := range paths {
				if content != tt.content {
					assert.NotEqual(t, other, path, "other content gets another name")
				}
			}
			paths[tt.content] = path
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 2, "no temporary file is left")
}
