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
)

// TestPackages builds every function twice for each architecture, into two
// directories, and checks what `pulumi up` relies on: identical zips (so a
// second pulumi up changes nothing), each a single executable bootstrap for
// the architecture, and none over bundle.ZipBudget.
func TestPackages(t *testing.T) {
	for _, arch := range bundle.Arches {
		t.Run(string(arch), func(t *testing.T) {
			first, second := t.TempDir(), t.TempDir()
			require.NoError(t, run(string(arch), first))
			require.NoError(t, run(string(arch), second))
			for _, fn := range lambdas.All() {
				t.Run(fn.Name, func(t *testing.T) {
					one, err := os.ReadFile(filepath.Join(first, fn.Name+".zip"))
					require.NoError(t, err)
					two, err := os.ReadFile(filepath.Join(second, fn.Name+".zip"))
					require.NoError(t, err)
					assert.Equal(t, one, two, "the zips differ between builds")
					bundletest.AssertBootstrapZip(t, one, arch)
					assert.LessOrEqual(t, len(one), bundle.ZipBudget, "zip size budget (bundle.ZipBudget), %s", arch)
				})
			}
		})
	}
}

func TestUnknownArchitectureIsRejected(t *testing.T) {
	err := run("sparc", t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-arch: unknown architecture "sparc": use "arm64" or "x86_64"`)
}
