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

// TestPackages builds every function twice for each architecture, into two
// directories, and checks what `pulumi up` relies on: identical zips (so a
// second pulumi up changes nothing), each a single executable bootstrap for
// the architecture, and none over bundle.ZipBudget on bundle.ZipBudgetArch.
func TestPackages(t *testing.T) {
	for _, arch := range bundle.Arches {
		t.Run(string(arch), func(t *testing.T) {
			first, second := t.TempDir(), t.TempDir()
			require.NoError(t, run(string(arch), first))
			require.NoError(t, run(string(arch), second))
			project, err := statemachine.LoadProject()
			require.NoError(t, err)
			for _, fn := range project.Deployed(project.All()...) {
				t.Run(fn.Name, func(t *testing.T) {
					one, err := os.ReadFile(filepath.Join(first, fn.Name+".zip"))
					require.NoError(t, err)
					two, err := os.ReadFile(filepath.Join(second, fn.Name+".zip"))
					require.NoError(t, err)
					assert.Equal(t, one, two, "the zips differ between builds")
					bundletest.AssertBootstrapZip(t, one, arch)
					if arch == bundle.ZipBudgetArch {
						assert.LessOrEqual(t, len(one), bundle.ZipBudget, "zip size budget (bundle.ZipBudget), %s", arch)
					}
					t.Logf("%s %s: %d bytes", fn.Name, arch, len(one))
				})
			}
		})
	}
}

// TestSDKClientAloneIsOverTheBudgetElsewhere is why bundle.ZipBudget holds
// on bundle.ZipBudgetArch only: on every other architecture the AWS SDK's
// Step Functions client alone, which the callback worker keeps, zips to more
// than the budget. Should it ever fit, this fails: then hold every
// architecture to the budget.
func TestSDKClientAloneIsOverTheBudgetElsewhere(t *testing.T) {
	floor := lambdas.Function{Name: "sdkclientonly", Dir: "lambdas/bundle/sdkclientonly"}
	for _, arch := range bundle.Arches {
		t.Run(string(arch), func(t *testing.T) {
			pkg, err := bundle.Build(t.Context(), floor, arch)
			require.NoError(t, err)
			t.Logf("the SDK's Step Functions client alone, %s: %d bytes", arch, len(pkg.Zip))
			if arch == bundle.ZipBudgetArch {
				assert.LessOrEqual(t, len(pkg.Zip), bundle.ZipBudget)
			} else {
				assert.Greater(t, len(pkg.Zip), bundle.ZipBudget, "the client fits the budget on %s now: hold %s to bundle.ZipBudget too", arch, arch)
			}
		})
	}
}

func TestUnknownArchitectureIsRejected(t *testing.T) {
	err := run("sparc", t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-arch: unknown architecture "sparc": use "arm64" or "x86_64"`)
}
