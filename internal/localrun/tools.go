package localrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"

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

// tools are the programs a run needs, each provisioned from a pinned version.
type tools struct {
	rie string // the Lambda Runtime Interface Emulator
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
	root, err := bundle.ModuleRoot(ctx)
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	rie, err := emulatorBinary(root, out)
	if err != nil {
		return nil, err
	}
	return &tools{rie: rie, qemu: qemu}, nil
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
