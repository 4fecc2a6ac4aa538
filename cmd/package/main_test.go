package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/bundle/bundletest"
	"stepfunctions-go/statemachine"
)

// TestPackagesAreReproducible is the promise behind "a second pulumi up
// changes nothing": two builds into two directories give identical zips,
// each a single executable bootstrap for the asked architecture.
func TestPackagesAreReproducible(t *testing.T) {
	for _, arch := range bundle.Arches {
		t.Run(string(arch), func(t *testing.T) {
			first, second := t.TempDir(), t.TempDir()
			require.NoError(t, run(string(arch), first))
			require.NoError(t, run(string(arch), second))
			project, err := statemachine.LoadProject()
			require.NoError(t, err)
			for _, fn := range project.Deployed(project.All()...) {
				one, err := os.ReadFile(filepath.Join(first, fn.Name+".zip"))
				require.NoError(t, err)
				two, err := os.ReadFile(filepath.Join(second, fn.Name+".zip"))
				require.NoError(t, err)
				assert.Equal(t, one, two, "%s zips differ between builds", fn.Name)
				bundletest.AssertBootstrapZip(t, one, arch)
				if fn.Name != lambdas.CallbackQueue.Consumer { // it carries the AWS SDK
					assert.LessOrEqual(t, len(one), 2_400_000, "%s zip size budget", fn.Name)
				}
			}
		})
	}
}

func TestUnknownArchitectureIsRejected(t *testing.T) {
	err := run("sparc", t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-arch: unknown architecture "sparc": use "arm64" or "x86_64"`)
}
