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

	"github.com/klauspost/compress/flate"
	"golang.org/x/mod/modfile"

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

// ZipBudget is the most bytes any function's zip may have when built for
// ZipBudgetArch, the stack's default architecture. The package is the part
// of a Go function's cold start we control: Lambda downloads and unpacks it
// before the first invoke. x86_64 code is about 10% larger, and there the
// callback worker, which carries the AWS SDK's Step Functions client, cannot
// fit: that client alone (sdkclientonly) zips to more than the budget for
// x86_64, as cmd/package's tests measure and require.
const (
	ZipBudget     = 2_400_000
	ZipBudgetArch = ARM64
)

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
	toolchain, err := buildToolchain(ctx)
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
	// GOTOOLCHAIN makes whichever go runs us build with exactly go.mod's
	// toolchain, fetched through the module proxy if need be: the compiler
	// is part of the source as far as the zip bytes go.
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch.GOARCH(), "GOFLAGS=", "GOTMPDIR="+tmp, "GOTOOLCHAIN="+toolchain)
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
	archive, err := zipOnce(executable)
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
// invoke through the emulator (make bench, x86_64, 2-core machine of the CI size).
func buildArgs(binary string, fn lambdas.Function) []string {
	return []string{"build", "-o", binary, "-trimpath", "-buildvcs=false",
		"-tags", "lambda.norpc,nethttpomithttp2", "-ldflags", "-s -w -buildid=", "-gcflags", "all=-l",
		"./" + filepath.ToSlash(fn.Dir)}
}

// zipped remembers each executable's zip, keyed by the executable's digest:
// compressing a bootstrap at the highest level takes about half a second,
// and a process that builds the same unchanged function again (every run
// of the program under test mocks, every local session) gets the same bytes.
var zipped sync.Map // [sha256.Size]byte → func() ([]byte, error)

// zipOnce is Zip, computed once per distinct executable in this process.
func zipOnce(executable []byte) ([]byte, error) {
	compute, _ := zipped.LoadOrStore(sha256.Sum256(executable), sync.OnceValues(func() ([]byte, error) { return Zip(executable) }))
	return compute.(func() ([]byte, error))()
}

// Zip returns a zip holding executable as bootstrap, mode 0755, with a fixed
// timestamp and maximum compression.
func Zip(executable []byte) ([]byte, error) {
	var archive bytes.Buffer
	writer := zip.NewWriter(&archive)
	// The compressor comes from a module go.mod pins, not from the standard
	// library: compress/flate's output changes between Go releases (1.26.8
	// and 1.27.3 compress the same bootstrap differently), and this code runs
	// in whatever Go compiled pulumi up, cmd/package or cmd/local.
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
			moduleRoot.err = errors.New("the go command is not on PATH: the functions are built from source at deploy time; install Go 1.26.6 or newer (the go line of go.mod)")
			return
		}
		values, err := goEnv(ctx, "", "GOMOD")
		switch {
		case err != nil:
			moduleRoot.err = fmt.Errorf("asking go for the module root: %w", err)
		case values[0] == "" || values[0] == os.DevNull:
			moduleRoot.err = errors.New("not inside the project's Go module: run from the project directory (the one with go.mod)")
		default:
			moduleRoot.dir = filepath.Dir(values[0])
		}
	})
	return moduleRoot.dir, moduleRoot.err
}

// goEnv returns the go command's values of names, one each, asked in dir
// ("" for the working directory). A failure carries what go said, e.g. that
// go.mod needs a newer Go than GOTOOLCHAIN=local allows.
func goEnv(ctx context.Context, dir string, names ...string) ([]string, error) {
	query := exec.CommandContext(ctx, "go", append([]string{"env"}, names...)...)
	query.Dir = dir
	output, err := query.Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return nil, fmt.Errorf("go env: %w: %s", err, bytes.TrimSpace(exit.Stderr))
	}
	if err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	values := strings.Split(strings.TrimSuffix(string(output), "\n"), "\n")
	if len(values) != len(names) {
		return nil, fmt.Errorf("go env %s answered %q: expected one line each", strings.Join(names, " "), output)
	}
	return values, nil
}

var toolchain struct {
	once sync.Once
	name string
	err  error
}

// buildToolchain is the Go toolchain that builds every bootstrap: the one
// go.mod's toolchain line names, checked once against the go command's
// GOTOOLCHAIN setting.
func buildToolchain(ctx context.Context) (string, error) {
	toolchain.once.Do(func() {
		root, err := ModuleRoot(ctx)
		if err != nil {
			toolchain.err = err
			return
		}
		required, err := requiredToolchain(filepath.Join(root, "go.mod"))
		if err != nil {
			toolchain.err = err
			return
		}
		values, err := goEnv(ctx, root, "GOTOOLCHAIN", "GOVERSION")
		if err != nil {
			toolchain.err = fmt.Errorf("asking go for GOTOOLCHAIN and its version: %w", err)
			return
		}
		toolchain.name, toolchain.err = chooseToolchain(required, values[0], values[1])
	})
	return toolchain.name, toolchain.err
}

// requiredToolchain reads the toolchain line of the go.mod at path.
func requiredToolchain(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the toolchain line: %w", err)
	}
	file, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", err
	}
	if file.Toolchain == nil {
		return "", fmt.Errorf("%s has no toolchain line: name the Go release that builds the functions, e.g. `go mod edit -toolchain=go1.26.8`, so that every machine makes the same zips", path)
	}
	return file.Toolchain.Name, nil
}

// chooseToolchain returns the GOTOOLCHAIN value for the bootstraps' build,
// always required. The go command fetches it when the go that runs (running)
// is another release, unless the user's GOTOOLCHAIN setting forbids
// downloads (local, path, <name>+path); then running must be required
// itself, because building with it would silently give other zips.
func chooseToolchain(required, setting, running string) (string, error) {
	forbidsDownloads := setting == "local" || setting == "path" || strings.HasSuffix(setting, "+path")
	if forbidsDownloads && running != required {
		return "", fmt.Errorf("the functions are built with %s, the toolchain go.mod names, so that every machine makes the same zips; "+
			"this go is %s and GOTOOLCHAIN=%s forbids fetching another: run with GOTOOLCHAIN=auto (or once `go env -w GOTOOLCHAIN=auto`) "+
			"to let the go command fetch %s through the module proxy, or install Go %s",
			required, running, setting, required, strings.TrimPrefix(required, "go"))
	}
	return required, nil
}
