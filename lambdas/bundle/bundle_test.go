package bundle

import (
	"archive/zip"
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseArch(t *testing.T) {
	tests := []struct {
		name    string
		want    Arch
		wantErr bool
	}{
		{"arm64", ARM64, false},
		{"x86_64", X86_64, false},
		{"amd64", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseArch(tt.name)
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `use "arm64" or "x86_64"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestGOARCH(t *testing.T) {
	assert.Equal(t, "arm64", ARM64.GOARCH())
	assert.Equal(t, "amd64", X86_64.GOARCH())
}

func TestZipIsDeterministicAndExecutable(t *testing.T) {
	executable := bytes.Repeat([]byte("\x7fELF not really"), 1000)
	first, err := Zip(executable)
	require.NoError(t, err)
	second, err := Zip(executable)
	require.NoError(t, err)
	assert.Equal(t, first, second, "the same binary must give the same zip bytes")

	reader, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	require.NoError(t, err)
	require.Len(t, reader.File, 1)
	entry := reader.File[0]
	assert.Equal(t, BootstrapName, entry.Name)
	assert.Equal(t, "-rwxr-xr-x", entry.Mode().String())
	assert.Equal(t, zip.Deflate, entry.Method)
	assert.True(t, entry.Modified.Equal(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), "fixed timestamp, got %v", entry.Modified)
	assert.Less(t, len(first), len(executable), "compressed")
}

func TestWriteToKeepsAnUnchangedFile(t *testing.T) {
	dir := t.TempDir()
	pkg := Package{Zip: []byte("zip bytes")}
	pkg.Function.Name = "fn"
	path, err := pkg.WriteTo(dir)
	require.NoError(t, err)
	assert.Equal(t, "fn.zip", pkg.FileName())
	assert.FileExists(t, path)
	again, err := pkg.WriteTo(dir)
	require.NoError(t, err)
	assert.Equal(t, path, again)
}
