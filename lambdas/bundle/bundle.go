// Package bundle turns a function's Go package into the zip Lambda runs: a
// static linux binary named bootstrap for the provided.al2023 runtime.
//
// The same bytes come out for the same source, so an unchanged function never
// shows as a change in `pulumi up`: the build is reproducible and the zip has
// one entry with a fixed mode and timestamp. We write the zip ourselves
// because the Pulumi engine drops Unix modes when it zips an AssetArchive or a
// directory (pulumi/pulumi#3593), and a bootstrap without its executable bit
// fails on AWS with "permission denied".
package bundle

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/lambdas"
)

// Arch is a Lambda instruction set architecture, spelled as Lambda spells it.
type Arch string

const (
	ARM64  Arch = "arm64"
	X86_64 Arch = "x86_64"
)

// Arches lists the architectures Lambda supports.
var Arches = []Arch{ARM64, X86_64}

// ParseArch accepts a Lambda architecture name.
func ParseArch(name string) (Arch, error) {
	for _, arch := range Arches {
		if string(arch) == name {
			return arch, nil
		}
	}
	return "", fmt.Errorf("unknown architecture %q: use %q or %q", name, ARM64, X86_64)
}

// HostArch is the architecture of this machine, for running bootstraps natively.
func HostArch() Arch {
	if runtime.GOARCH == "arm64" {
		return ARM64
	}
	return X86_64
}

// GOARCH is the Go name of the architecture.
func (a Arch) GOARCH() string {
	if a == X86_64 {
		return "amd64"
	}
	return string(a)
}

// BootstrapName is the one file in every zip: the provided.al2023 runtime
// runs it as the function's entry point.
const BootstrapName = "bootstrap"

// ZipBudget is the most bytes any function's zip may have, for every
// architecture. The package is the part of a Go function's cold start we
// control: Lambda downloads and unpacks it before the first invoke.
const ZipBudget = 2_400_000

// zipTime is every entry's timestamp, fixed so that the zip bytes depend on
// the code only (zip dates start in 1980).
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// Package is a built function, ready to upload.
type Package struct {
	Function lambdas.Function
	Arch     Arch
	Zip      []byte
}

// SHA256 is the hex digest of the zip, as `sha256sum` prints it.
func (p Package) SHA256() string {
	sum := sha256.Sum256(p.Zip)
	return hex.EncodeToString(sum[:])
}

// FileName is the zip's name: <function>.zip.
func (p Package) FileName() string { return p.Function.Name + ".zip" }

// WriteTo writes the zip into dir (created if needed) and returns its path.
func (p Package) WriteTo(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("creating the package directory: %w", err)
	}
	path := filepath.Join(dir, p.FileName())
	if existing, err := os.ReadFile(path); err == nil && bytes.Equal(existing, p.Zip) {
		return path, nil // keep the file's mtime when nothing changed
	}
	if err := os.WriteFile(path, p.Zip, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// BuildAll builds every function for arch, concurrently, in the order given.
func BuildAll(ctx context.Context, functions []lambdas.Function, arch Arch) ([]Package, error) {
	packages := make([]Package, len(functions))
	errs := make([]error, len(functions))
	var wg sync.WaitGroup
	for i, fn := range functions {
		wg.Go(func() { packages[i], errs[i] = Build(ctx, fn, arch) })
	}
	wg.Wait()
	return packages, errors.Join(errs...)
}

// buildStopGrace is how long an interrupted go command gets to finish the
// compilers it started before it is killed.
const buildStopGrace = 10 * time.Second

// Build compiles fn for arch and zips the binary.
func Build(ctx context.Context, fn lambdas.Function, arch Arch) (Package, error) {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return Package{}, err
	}
	tmp, err := os.MkdirTemp("", "bundle-"+fn.Name+"-")
	if err != nil {
		return Package{}, fmt.Errorf("building %s: %w", fn.Name, err)
	}
	defer os.RemoveAll(tmp)

	binary := filepath.Join(tmp, BootstrapName)
	build := exec.CommandContext(ctx, "go", buildArgs(binary, fn)...)
	build.Dir = root
	// GOTMPDIR puts the go command's work directory inside ours, so it goes
	// with ours even if the build is killed before it can clean up.
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch.GOARCH(), "GOFLAGS=", "GOTMPDIR="+tmp)
	// On cancellation, interrupt rather than kill: the go command then stops
	// starting work, waits for its compilers and removes its work directory.
	build.Cancel = func() error { return build.Process.Signal(os.Interrupt) }
	build.WaitDelay = buildStopGrace
	if output, err := build.CombinedOutput(); err != nil {
		return Package{}, fmt.Errorf("building %s for %s: %w\n%s", fn.Name, arch, err, output)
	}
	executable, err := os.ReadFile(binary)
	if err != nil {
		return Package{}, fmt.Errorf("building %s: %w", fn.Name, err)
	}
	archive, err := Zip(executable)
	if err != nil {
		return Package{}, fmt.Errorf("zipping %s: %w", fn.Name, err)
	}
	return Package{Function: fn, Arch: arch, Zip: archive}, nil
}

// buildArgs are the go command's arguments for a reproducible, small build.
// -trimpath, -buildvcs=false and an empty build ID keep paths, VCS state and
// build IDs out of the binary; lambda.norpc drops the legacy RPC mode that
// provided.al2023 never uses; -s -w drop the symbol table and DWARF.
// nethttpomithttp2 drops net/http's HTTP/2 (about 130 KB of each zip): the
// Lambda Runtime API is plain HTTP/1.1, and a function's few sequential AWS
// API calls go over HTTP/1.1, which every AWS endpoint serves, instead.
// Building without inlining (-l) shrinks the zip by 13% (2.43 MB to 2.13 MB
// for arm64, before HTTP/2 was dropped); it costs about 0.05 ms (8%) per warm
// invoke through the emulator (make bench, x86_64, 2-core EPYC).
func buildArgs(binary string, fn lambdas.Function) []string {
	return []string{"build", "-o", binary, "-trimpath", "-buildvcs=false",
		"-tags", "lambda.norpc,nethttpomithttp2", "-ldflags", "-s -w -buildid=", "-gcflags", "all=-l",
		"./" + filepath.ToSlash(fn.Dir)}
}

// Zip returns a zip holding executable as bootstrap, mode 0755, with a fixed
// timestamp and maximum compression.
func Zip(executable []byte) ([]byte, error) {
	var archive bytes.Buffer
	writer := zip.NewWriter(&archive)
	writer.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestCompression)
	})
	header := &zip.FileHeader{Name: BootstrapName, Method: zip.Deflate, Modified: zipTime}
	header.SetMode(0o755)
	entry, err := writer.CreateHeader(header)
	if err != nil {
		return nil, err
	}
	if _, err := entry.Write(executable); err != nil {
		return nil, err
	}
	if err := writer.Close(); err != nil {
		return nil, err
	}
	return archive.Bytes(), nil
}

var moduleRoot struct {
	once sync.Once
	dir  string
	err  error
}

// ModuleRoot is the directory of this project's go.mod, found by asking the
// go command from the working directory.
func ModuleRoot(ctx context.Context) (string, error) {
	moduleRoot.once.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			moduleRoot.err = errors.New("the go command is not on PATH: the functions are built from source at deploy time; install Go 1.26 or newer")
			return
		}
		output, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(output))
		switch {
		case err != nil:
			moduleRoot.err = fmt.Errorf("asking go for the module root: %w", err)
		case gomod == "" || gomod == os.DevNull:
			moduleRoot.err = errors.New("not inside the project's Go module: run from the project directory (the one with go.mod)")
		default:
			moduleRoot.dir = filepath.Dir(gomod)
		}
	})
	return moduleRoot.dir, moduleRoot.err
}
