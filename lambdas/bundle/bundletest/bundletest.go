// Package bundletest checks a Lambda zip the way Lambda will use it.
package bundletest

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/bundle"
)

// AssertBootstrapZip checks the zip holds exactly one entry, an executable
// bootstrap (mode 0755) that is a static ELF binary for arch.
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
	links, err := DynamicLinks(binary)
	require.NoError(t, err)
	assert.Empty(t, links, "the bootstrap for %s must be static: provided.al2023 promises no particular libc or loader", arch)
}

// DynamicLinks lists what an ELF binary needs from outside itself at run
// time: the program interpreter a PT_INTERP program header names, and each
// DT_NEEDED shared library. A static binary needs nothing and gets nil.
func DynamicLinks(binary []byte) ([]string, error) {
	executable, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return nil, fmt.Errorf("reading the ELF binary: %w", err)
	}
	var links []string
	for _, program := range executable.Progs {
		if program.Type != elf.PT_INTERP {
			continue
		}
		interpreter, err := io.ReadAll(program.Open())
		if err != nil {
			return nil, fmt.Errorf("reading the PT_INTERP header: %w", err)
		}
		links = append(links, "PT_INTERP "+string(bytes.TrimRight(interpreter, "\x00")))
	}
	libraries, err := executable.DynString(elf.DT_NEEDED)
	if err != nil {
		return nil, fmt.Errorf("reading the DT_NEEDED entries: %w", err)
	}
	for _, library := range libraries {
		links = append(links, "DT_NEEDED "+library)
	}
	return links, nil
}
