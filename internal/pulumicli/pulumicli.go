// Package pulumicli builds the pinned Pulumi CLI from the Go module proxy,
// once per machine, into the user's cache directory, so that tests can hold
// this project's Pulumi files to what Pulumi itself does with them (render
// the `pulumi new` template, type-check config) on a machine without an
// install of Pulumi and without downloads from anywhere but the proxy.
package pulumicli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"stepfunctions-go/internal/progress"
	"stepfunctions-go/internal/toolcache"
)

// Version is the Pulumi CLI the tests judge with.
const Version = "v3.274.1"

const (
	cliPackage    = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
	versionSymbol = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
)

// wrapperFiles make the module the CLI is built in: it requires the CLI's
// two modules at Version, and `go mod tidy` completes it from the proxy
// (minimal version selection makes that completion the same every time).
// The blank import keeps tidy from dropping the CLI's dependencies.
var wrapperFiles = map[string]string{
	"go.mod": "module pulumicli\n\ngo 1.26\n\nrequire (\n" +
		"\tgithub.com/pulumi/pulumi/pkg/v3 " + Version + "\n" +
		"\tgithub.com/pulumi/pulumi/sdk/v3 " + Version + "\n)\n",
	"tools.go": "//go:build tools\n\npackage tools\n\nimport _ \"" + cliPackage + "\"\n",
}

// Ensure returns the path of the Pulumi CLI at Version, building it first
// if this machine has not (minutes on a first run, which progress reports).
func Ensure(ctx context.Context, progressOut io.Writer) (string, error) {
	what := "the Pulumi CLI " + Version
	dir, unlock, err := toolcache.Open("pulumi-cli-"+Version, what)
	if err != nil {
		return "", err
	}
	defer unlock()

	binary := filepath.Join(dir, "pulumi")
	if err := checkVersion(ctx, binary); err == nil {
		return binary, nil
	}
	step := progress.Start(progressOut, "pulumi", fmt.Sprintf("first run: building %s from the Go module proxy into %s (minutes on 2 cores)", what, dir))
	err = build(ctx, dir, binary)
	step.End(err)
	if err != nil {
		return "", fmt.Errorf("building %s in %s: %w", what, dir, err)
	}
	return binary, nil
}

func build(ctx context.Context, dir, binary string) error {
	if _, err := exec.LookPath("go"); err != nil {
		return errors.New("the go command is not on PATH: the CLI is built with it; install Go (the go line of go.mod)")
	}
	for name, content := range wrapperFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	partial := binary + ".partial"
	steps := [][]string{
		{"go", "mod", "tidy"},
		{"go", "build", "-ldflags", "-X " + versionSymbol + "=" + Version, "-o", partial, cliPackage},
	}
	for _, args := range steps {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Dir = dir
		// The wrapper is its own module: no workspace, no flags meant for
		// another command (CI sets GOFLAGS=-count=1 for go test).
		cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		if output, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("`%s` failed: %v\n%s\nthe Go module proxy must be reachable (GOPROXY)", strings.Join(args, " "), err, bytes.TrimSpace(output))
		}
	}
	if err := checkVersion(ctx, partial); err != nil {
		return err
	}
	// Renamed only once it works: a build cut short is never taken for done.
	return os.Rename(partial, binary)
}

// checkVersion runs `pulumi version`, which must print Version.
func checkVersion(ctx context.Context, binary string) error {
	cmd := exec.CommandContext(ctx, binary, "version")
	cmd.Env = append(os.Environ(), "PULUMI_SKIP_UPDATE_CHECK=true")
	output, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("`%s version` failed: %v: %s", binary, err, bytes.TrimSpace(output))
	}
	if got := strings.TrimSpace(string(output)); got != Version {
		return fmt.Errorf("`%s version` printed %q, want %s", binary, got, Version)
	}
	return nil
}
