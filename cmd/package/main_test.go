package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
)

// TestPackagesAreReproducible is the promise behind "a second pulumi up
// changes nothing": two builds into two directories give identical zips,
// each a single executable bootstrap for the asked architecture.
func TestPackagesAreReproducible(t *testing.T) {
	for _, tt := range []struct {
		arch    bundle.Arch
		machine elf.Machine
	}{{bundle.ARM64, elf.EM_AARCH64}, {bundle.X86_64, elf.EM_X86_64}} {
		t.Run(string(tt.arch), func(t *testing.T) {
			first, second := t.TempDir(), t.TempDir()
			require.NoError(t, run(string(tt.arch), first))
			require.NoError(t, run(string(tt.arch), second))
			for _, fn := range lambdas.All() {
				one, err := os.ReadFile(filepath.Join(first, fn.Name+".zip"))
				require.NoError(t, err)
				two, err := os.ReadFile(filepath.Join(second, fn.Name+".zip"))
				require.NoError(t, err)
				assert.Equal(t, one, two, "%s zips differ between builds", fn.Name)
				assertSingleBootstrap(t, one, tt.machine)
				if fn != lambdas.CallbackWorker { // it carries the AWS SDK
					assert.LessOrEqual(t, len(one), 2_400_000, "%s zip size budget", fn.Name)
				}
			}
		})
	}
}

func assertSingleBootstrap(t *testing.T, zipBytes []byte, machine elf.Machine) {
	t.Helper()
	reader, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	require.NoError(t, err)
	require.Len(t, reader.File, 1)
	assert.Equal(t, "bootstrap", reader.File[0].Name)
	assert.Equal(t, os.FileMode(0o755), reader.File[0].Mode().Perm())
	content, err := reader.File[0].Open()
	require.NoError(t, err)
	defer content.Close()
	binary, err := io.ReadAll(content)
	require.NoError(t, err)
	executable, err := elf.NewFile(bytes.NewReader(binary))
	require.NoError(t, err)
	assert.Equal(t, machine, executable.Machine)
}

func TestUnknownArchitectureIsRejected(t *testing.T) {
	err := run("sparc", t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-arch: unknown architecture "sparc": use "arm64" or "x86_64"`)
}
