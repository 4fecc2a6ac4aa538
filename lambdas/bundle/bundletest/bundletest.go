// Package bundletest checks a Lambda zip the way Lambda will use it.
package bundletest

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/bundle"
)

// AssertBootstrapZip checks the zip holds exactly one entry, an executable
// bootstrap (mode 0755) that is an ELF binary for arch.
func AssertBootstrapZip(t *testing.T, zipBytes []byte, arch bundle.Arch) {
	t.Helper()
	reader, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	require.NoError(t, err)
	require.Len(t, reader.File, 1, "the zip holds only the bootstrap")
	entry := reader.File[0]
	assert.Equal(t, bundle.BootstrapName, entry.Name)
	assert.Equal(t, os.FileMode(0o755), entry.Mode().Perm())
	content, err := entry.Open()
	require.NoError(t, err)
	defer content.Close()
	binary, err := io.ReadAll(content)
	require.NoError(t, err)
	executable, err := elf.NewFile(bytes.NewReader(binary))
	require.NoError(t, err)
	want := map[bundle.Arch]elf.Machine{bundle.ARM64: elf.EM_AARCH64, bundle.X86_64: elf.EM_X86_64}[arch]
	assert.Equal(t, want, executable.Machine, "built for %s", arch)
}
