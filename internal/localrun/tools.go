package localrun

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"stepfunctions-go/internal/npmtools"
	"stepfunctions-go/internal/progress"
	"stepfunctions-go/lambdas/bundle"
)

// SetupError means the run could not start: a tool is missing or broken, or
// the workflow asks for something this runner cannot provide. Its message
// says what to do about it.
type SetupError struct{ msg string }

func (e *SetupError) Error() string { return e.msg }

func setupErrorf(format string, args ...any) error {
	return &SetupError{msg: fmt.Sprintf(format, args...)}
}

//go:embed js/package.json js/package-lock.json js/runner.mjs
var jsFiles embed.FS

// nodeMajor is the Node.js major version the npm lockfile pins:
// aws-local-stepfunctions needs 22 or newer.
const nodeMajor = "v22."

// tools are the programs a run needs, each provisioned from a pinned version.
type tools struct {
	node   string // Node 22 from the lockfile's node package
	runner string // runner.mjs, beside the node_modules it imports
	rie    string // the Lambda Runtime Interface Emulator
	// qemu runs bootstraps built for another architecture; empty when they run natively.
	qemu string
}

func provisionTools(ctx context.Context, arch bundle.Arch, out io.Writer) (*tools, error) {
	if runtime.GOOS != "linux" {
		return nil, setupErrorf("cmd/local runs the functions' linux bootstraps and the Lambda Runtime Interface Emulator, which need Linux; run it on a Linux machine or VM")
	}
	qemu, err := qemuFor(arch)
	if err != nil {
		return nil, err
	}
	// The quick checks first: a missing npm should not wait for a build.
	jsDir, runner, err := installJS(ctx, out)
	if err != nil {
		return nil, err
	}
	root, err := bundle.ModuleRoot(ctx)
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	rie, err := emulatorBinary(root, out)
	if err != nil {
		return nil, err
	}
	return &tools{
		node:   filepath.Join(jsDir, "node_modules", ".bin", "node"),
		runner: runner,
		rie:    rie,
		qemu:   qemu,
	}, nil
}

// qemuFor names the user-mode emulator for bootstraps of arch: without
// binfmt_misc the kernel cannot run a foreign binary by itself.
func qemuFor(arch bundle.Arch) (string, error) {
	if arch == bundle.HostArch() {
		return "", nil
	}
	name := map[bundle.Arch]string{bundle.ARM64: "qemu-aarch64-static", bundle.X86_64: "qemu-x86_64-static"}[arch]
	path, err := exec.LookPath(name)
	if err != nil {
		return "", setupErrorf("%s is not installed: it runs the %s bootstraps on this %s machine; install it with `apt-get install -y --no-install-recommends qemu-user-static` (or run with -arch %s)", name, arch, bundle.HostArch(), bundle.HostArch())
	}
	return path, nil
}

var emulatorBuild struct {
	once sync.Once
	path string
	err  error
}

// emulatorBinary builds the emulator at the version go.mod's tool line pins
// and returns the executable's path, so that each emulator starts without
// the go command in between. The go command caches the build; asking once
// per process saves its startup for every session after the first.
func emulatorBinary(moduleRoot string, out io.Writer) (string, error) {
	emulatorBuild.once.Do(func() {
		step := progress.Start(out, "local", "building the Lambda Runtime Interface Emulator")
		emulatorBuild.path, emulatorBuild.err = buildEmulator(moduleRoot)
		step.End(emulatorBuild.err)
	})
	return emulatorBuild.path, emulatorBuild.err
}

func buildEmulator(moduleRoot string) (string, error) {
	cmd := exec.Command("go", "tool", "-n", "aws-lambda-rie")
	cmd.Dir = moduleRoot
	// A static build, like the bootstraps: it runs anywhere, and whether a C
	// compiler is on PATH does not change the go command's cache key.
	cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	output, err := cmd.Output()
	if err != nil {
		return "", setupErrorf("building the Lambda Runtime Interface Emulator (`go tool aws-lambda-rie`, pinned by the tool line in go.mod) failed: %v\n%s\nThe go command must be able to download github.com/aws/aws-lambda-runtime-interface-emulator through your Go module proxy.", err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(output)), nil
}

// installJS installs the embedded lockfile's packages (npmtools.Install)
// and writes runner.mjs beside them.
func installJS(ctx context.Context, out io.Writer) (dir, runner string, err error) {
	packageJSON, _ := jsFiles.ReadFile("js/package.json")
	lockfile, _ := jsFiles.ReadFile("js/package-lock.json")
	script, _ := jsFiles.ReadFile("js/runner.mjs")
	dir, err = npmtools.Install(ctx, npmtools.Packages{
		Name:        "localrun-js",
		Contents:    "cmd/local's ASL interpreter (aws-local-stepfunctions), asl-validator and Node 22",
		Tag:         "local",
		PackageJSON: packageJSON,
		Lockfile:    lockfile,
		Verify:      checkNode,
	}, out)
	if err != nil {
		return "", "", &SetupError{msg: err.Error()}
	}
	runner, err = npmtools.WriteScript(dir, "runner", ".mjs", script)
	if err != nil {
		return "", "", &SetupError{msg: "writing the interpreter bridge: " + err.Error()}
	}
	return dir, runner, nil
}

// checkNode checks the Node 22 that the lockfile's node package installs.
func checkNode(ctx context.Context, dir string) error {
	node := filepath.Join(dir, "node_modules", ".bin", "node")
	version, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil || !strings.HasPrefix(string(version), nodeMajor) {
		return setupErrorf("the Node 22 that `npm ci` installed (%s) does not run (%v, version %q): the npm package node installs its binary with a preinstall script; make sure npm runs install scripts (ignore-scripts=false)", node, err, strings.TrimSpace(string(version)))
	}
	return nil
}
