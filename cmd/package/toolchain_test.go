package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/mod/modfile"

	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// otherGo is a Go release other than go.mod's toolchain that the module
// proxy serves; the go command downloads it once into the module cache.
const otherGo = "go1.27.3"

// TestZipsAreTheSameWhicheverGoAndFolderBuildsThem builds the zips twice:
// here with the go that runs the test, and in a copy of the checkout in
// another folder with `GOTOOLCHAIN=go1.27.3 go run ./cmd/package`. Both must
// be byte for byte the same, so neither the Go release a user happens to run
// nor where the checkout lives reaches the zip (the folder would, through
// file paths, without -trimpath).
//
// One architecture is enough: the toolchain choice and the flags are the
// same for both, and TestPackagesAreReproducible builds both; each extra one
// would cost this 2-core CI another three builds.
func TestZipsAreTheSameWhicheverGoAndFolderBuildsThem(t *testing.T) {
	const arch = bundle.ARM64
	here := t.TempDir()
	require.NoError(t, run(string(arch), here))

	there := t.TempDir()
	output, err := goCommand(t, "go", copyCheckout(t), []string{"GOTOOLCHAIN=" + otherGo},
		"run", "./cmd/package", "-arch", string(arch), "-out", there).CombinedOutput()
	require.NoError(t, err, "GOTOOLCHAIN=%s go run ./cmd/package:\n%s", otherGo, output)

	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	for _, fn := range project.Deployed(project.All()...) {
		mine, err := os.ReadFile(filepath.Join(here, fn.Name+".zip"))
		require.NoError(t, err)
		theirs, err := os.ReadFile(filepath.Join(there, fn.Name+".zip"))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(mine, theirs), "%s.zip differs when another folder is built under %s (%d and %d bytes)", fn.Name, otherGo, len(mine), len(theirs))
	}
}

// TestLocalToolchainOfAnotherReleaseIsRefused runs cmd/package with
// GOTOOLCHAIN=local under a go that is not go.mod's toolchain: it must stop,
// naming the release it needs and how to get it, rather than write zips
// that differ from everyone else's.
func TestLocalToolchainOfAnotherReleaseIsRefused(t *testing.T) {
	root, err := bundle.ModuleRoot(t.Context())
	require.NoError(t, err)
	required := goModToolchain(t, root)
	require.NotEqual(t, required, otherGo, "the test needs a release other than go.mod's")

	otherRoot, err := goCommand(t, "go", root, []string{"GOTOOLCHAIN=" + otherGo}, "env", "GOROOT").Output()
	require.NoError(t, err, "fetching %s", otherGo)
	otherBin := filepath.Join(strings.TrimSpace(string(otherRoot)), "bin")
	out := t.TempDir()
	var stderr bytes.Buffer
	refused := goCommand(t, filepath.Join(otherBin, "go"), root, []string{
		"GOTOOLCHAIN=local", "GOROOT=" + filepath.Dir(otherBin),
		"PATH=" + otherBin + string(os.PathListSeparator) + os.Getenv("PATH"),
	}, "run", "./cmd/package", "-arch", string(bundle.HostArch()), "-out", out)
	refused.Stderr = &stderr
	err = refused.Run()

	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "stderr: %s", stderr.String())
	assert.Equal(t, 1, exit.ExitCode())
	for _, want := range []string{
		"built with " + required + ", the toolchain go.mod names",
		"this go is " + otherGo + " and GOTOOLCHAIN=local forbids fetching another",
		"run with GOTOOLCHAIN=auto",
	} {
		assert.Contains(t, stderr.String(), want)
	}
	written, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, written, "no zip from the wrong toolchain")
}

// goCommand runs the go command goBinary in dir with env added to this
// process's.
func goCommand(t *testing.T, goBinary, dir string, env []string, args ...string) *exec.Cmd {
	command := exec.CommandContext(t.Context(), goBinary, args...)
	command.Dir = dir
	command.Env = append(os.Environ(), env...)
	return command
}

// goModToolchain reads the toolchain line of the go.mod in root.
func goModToolchain(t *testing.T, root string) string {
	path := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	file, err := modfile.Parse(path, data, nil)
	require.NoError(t, err)
	require.NotNil(t, file.Toolchain, "go.mod names a toolchain")
	return file.Toolchain.Name
}

// copyCheckout copies the module's files that git knows of or would add, as
// they are in the working tree, into a new temporary folder.
func copyCheckout(t *testing.T) string {
	root, err := bundle.ModuleRoot(t.Context())
	require.NoError(t, err)
	list := exec.CommandContext(t.Context(), "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = root
	names, err := list.Output()
	require.NoError(t, err, "listing the checkout's files with git (install git)")
	copied := t.TempDir()
	for name := range strings.SplitSeq(strings.TrimSuffix(string(names), "\x00"), "\x00") {
		source := filepath.Join(root, name)
		info, err := os.Lstat(source)
		if os.IsNotExist(err) {
			continue // deleted in the working tree but not yet in git: not part of this checkout
		}
		require.NoError(t, err)
		data, err := os.ReadFile(source)
		require.NoError(t, err)
		target := filepath.Join(copied, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		require.NoError(t, os.WriteFile(target, data, info.Mode().Perm()))
	}
	return copied
}
