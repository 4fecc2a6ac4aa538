package bundle_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/bundle/bundletest"
)

// TestEveryBootstrapIsStatic builds every function in lambdas/, deployed by
// a workflow or not, for each architecture Lambda has, and requires each
// bootstrap to be a static ELF binary for it (no PT_INTERP, no DT_NEEDED):
// provided.al2023 runs the file as it is, and a binary that wants a loader
// or a libc fails there, not here.
func TestEveryBootstrapIsStatic(t *testing.T) {
	functions, err := lambdas.All()
	require.NoError(t, err)
	require.NotEmpty(t, functions)
	for _, arch := range bundle.Arches {
		t.Run(string(arch), func(t *testing.T) {
			packages, err := bundle.BuildAll(t.Context(), functions, arch)
			require.NoError(t, err)
			require.Len(t, packages, len(functions))
			for _, pkg := range packages {
				t.Run(pkg.Function.Name, func(t *testing.T) {
					assert.Equal(t, arch, pkg.Arch)
					bundletest.AssertBootstrapZip(t, pkg.Zip, arch)
				})
			}
		})
	}
}
