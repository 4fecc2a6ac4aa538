package localrun

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
)

// zipOf builds a function zip with one entry per name, each with its mode.
func zipOf(t *testing.T, modes map[string]os.FileMode) bundle.Package {
	t.Helper()
	var archive bytes.Buffer
	writer := zip.NewWriter(&archive)
	for name, mode := range modes {
		header := &zip.FileHeader{Name: name, Method: zip.Deflate}
		header.SetMode(mode)
		entry, err := writer.CreateHeader(header)
		require.NoError(t, err)
		_, err = entry.Write([]byte("#!/bin/sh\n"))
		require.NoError(t, err)
	}
	require.NoError(t, writer.Close())
	return bundle.Package{Function: shout, Arch: bundle.HostArch(), Zip: archive.Bytes()}
}

func TestUnpackKeepsTheZipsModes(t *testing.T) {
	tests := []struct {
		name    string
		pkg     func(t *testing.T) bundle.Package
		wantErr string
	}{{
		name: "bundle.Zip, as pulumi up uploads it",
		pkg: func(t *testing.T) bundle.Package {
			archive, err := bundle.Zip([]byte("\x7fELF"))
			require.NoError(t, err)
			return bundle.Package{Function: shout, Zip: archive}
		},
	}, {
		name: "bootstrap without its executable bit",
		pkg: func(t *testing.T) bundle.Package {
			return zipOf(t, map[string]os.FileMode{"bootstrap": 0o644})
		},
		wantErr: "not executable",
	}, {
		name: "no bootstrap",
		pkg: func(t *testing.T) bundle.Package {
			return zipOf(t, map[string]os.FileMode{"main": 0o755})
		},
		wantErr: "has no bootstrap",
	}, {
		name: "an entry outside the package",
		pkg: func(t *testing.T) bundle.Package {
			return zipOf(t, map[string]os.FileMode{"../bootstrap": 0o755})
		},
		wantErr: "outside the package",
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "task")
			bootstrap, err := unpack(test.pkg(t), dir)
			if test.wantErr != "" {
				require.ErrorContains(t, err, test.wantErr)
				return
			}
			require.NoError(t, err)
			info, err := os.Stat(bootstrap)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())
		})
	}
}

// The unpack check stands for a real failure: the emulator, like Lambda,
// cannot start a bootstrap that is not executable.
func TestEmulatorRefusesANonExecutableBootstrap(t *testing.T) {
	bootstrap, err := unpack(packagesFor(t, bundle.HostArch())[0], t.TempDir())
	require.NoError(t, err)
	require.NoError(t, os.Chmod(bootstrap, 0o644))

	e, err := startEmulator(t.Context(), testTools(t), shout, bootstrap, nil)
	require.NoError(t, err)
	t.Cleanup(e.stop)
	_, err = e.invoke(t.Context(), []byte(`{"payload":"hi"}`))
	require.ErrorContains(t, err, "502")
}

func TestANonExecutableBootstrapStopsTheRun(t *testing.T) {
	workflow, _ := workflowOf(t, "main")
	broken := zipOf(t, map[string]os.FileMode{"bootstrap": 0o644})
	broken.Function = lambdas.Function{Name: functionSteps(t, workflow)[0].Function}
	// First, so that it is the package the run finds for that function.
	packages := append([]bundle.Package{broken}, packagesFor(t, bundle.HostArch())...)
	_, err := Start(t.Context(), Config{Workflow: "main", Arch: bundle.HostArch(), Packages: packages})
	require.ErrorContains(t, err, broken.Function.Name+".zip holds bootstrap with mode -rw-r--r--, not executable")
}
