// Package aslref runs the reference implementations that judge the engine
// in its differential tests: aws-local-stepfunctions (the ASL interpreter
// the local runner used before the engine, installed from
// internal/localrun/js's lockfile) and the jsonata package at the version
// Step Functions documents (installed as internal/asl/jsonata installs it).
// Each test hands one Node process a whole batch of cases as a JSON
// request and reads one JSON answer, so a judge costs one process start.
package aslref

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/npmtools"
)

// Node is an install directory (its node_modules holds the reference) and
// the Node binary the install pinned.
type Node struct {
	Dir, Binary string
}

// Interpreter installs aws-local-stepfunctions from the local runner's
// lockfile, so that both share one pinned install.
func Interpreter(t testing.TB) Node {
	t.Helper()
	jsDir := filepath.Join(repositoryRoot(t), "internal", "localrun", "js")
	packageJSON, err := os.ReadFile(filepath.Join(jsDir, "package.json"))
	require.NoError(t, err)
	lockfile, err := os.ReadFile(filepath.Join(jsDir, "package-lock.json"))
	require.NoError(t, err)
	dir, err := npmtools.Install(t.Context(), npmtools.Packages{
		Name:        "localrun-js",
		Contents:    "cmd/local's ASL interpreter (aws-local-stepfunctions), asl-validator and Node 22",
		Tag:         "aslref",
		PackageJSON: packageJSON,
		Lockfile:    lockfile,
		// The install is shared with internal/localrun, which checks the
		// same thing: a fresh install must not be recorded with a Node that
		// does not run.
		Verify: func(ctx context.Context, dir string) error {
			node := nodeIn(dir)
			if out, err := exec.CommandContext(ctx, node, "--version").CombinedOutput(); err != nil {
				return fmt.Errorf("the Node that `npm ci` installed (%s) does not run: %v %s; npm must run install scripts (ignore-scripts=false)", node, err, out)
			}
			return nil
		},
	}, io.Discard)
	require.NoError(t, err, "installing aws-local-stepfunctions, the differential test's reference")
	return Node{Dir: dir, Binary: nodeIn(dir)}
}

// JSONata installs the reference jsonata package, the one the engine's
// worker runs.
func JSONata(t testing.TB) Node {
	t.Helper()
	dir, node, err := jsonata.ReferenceInstall(t.Context(), io.Discard)
	require.NoError(t, err, "installing the reference jsonata package")
	return Node{Dir: dir, Binary: node}
}

// Run copies the script at scriptPath into the install (so that its imports
// resolve against the install's node_modules), runs it with the install
// directory as its argument and request as JSON on stdin, and decodes its
// stdout into answer with numbers kept as json.Number.
func (n Node) Run(t testing.TB, scriptPath string, request, answer any) {
	t.Helper()
	script, err := os.ReadFile(scriptPath)
	require.NoError(t, err)
	ext := filepath.Ext(scriptPath)
	runner, err := npmtools.WriteScript(n.Dir, strings.TrimSuffix(filepath.Base(scriptPath), ext), ext, script)
	require.NoError(t, err)
	body, err := json.Marshal(request)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), n.Binary, runner, n.Dir)
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "`%s %s` failed:\n%s", n.Binary, runner, stderr.String())
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	require.NoError(t, dec.Decode(answer), "the answer of %s: %s", scriptPath, stdout.String())
}

func nodeIn(dir string) string { return filepath.Join(dir, "node_modules", ".bin", "node") }

// repositoryRoot is found from this file's place in it
// (internal/asl/internal/aslref), whichever package's test runs.
func repositoryRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok, "aslref cannot locate its own source file")
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}
