// Package npmtools installs pinned npm packages from a lockfile that a Go
// package embeds, with `npm ci`, into the user's cache directory, so a Go
// program or test provisions its JavaScript tools itself and every checkout
// with the same lockfile shares one install.
package npmtools

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// Packages is one package.json and its lockfile.
type Packages struct {
	// Name names the install directory, e.g. "asl-jsonata".
	Name string
	// Contents name the packages for messages, e.g. "the reference JSONata
	// 2.0.6 (npm package jsonata) and Node 22".
	Contents string
	// Tag starts each progress line, e.g. "local".
	Tag                   string
	PackageJSON, Lockfile []byte
	// Verify, when set, checks a fresh install before it is recorded as
	// done, so a broken install is retried rather than remembered.
	Verify func(ctx context.Context, dir string) error
}

// Install runs `npm ci` for packages once per content of package.json and
// lockfile, and returns the directory that holds node_modules. A file lock
// keeps concurrent installers (go test runs packages in parallel) out of
// each other's way.
func Install(ctx context.Context, packages Packages, progress io.Writer) (dir string, err error) {
	version := ShortHash(packages.PackageJSON, packages.Lockfile)
	dir, unlock, err := toolcache.Open(packages.Name+"-"+version, packages.Contents)
	if err != nil {
		return "", err
	}
	defer unlock()

	stamp := filepath.Join(dir, "node_modules", ".installed-"+version)
	if _, err := os.Stat(stamp); err == nil {
		return dir, nil
	}
	if err := npmCI(ctx, dir, packages, progress); err != nil {
		return "", err
	}
	if packages.Verify != nil {
		if err := packages.Verify(ctx, dir); err != nil {
			return "", err
		}
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		return "", fmt.Errorf("recording the npm install in %s: %v", dir, err)
	}
	return dir, nil
}

func npmCI(ctx context.Context, dir string, packages Packages, out io.Writer) error {
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is not installed: it installs %s; install Node.js 20 or newer with npm (for example `apt-get install -y nodejs npm`, or Node's official packages)", packages.Contents)
	}
	for name, content := range map[string][]byte{"package.json": packages.PackageJSON, "package-lock.json": packages.Lockfile} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			return fmt.Errorf("writing %s: %v", filepath.Join(dir, name), err)
		}
	}
	step := progress.Start(out, packages.Tag, fmt.Sprintf("first run: installing %s with npm ci into %s", packages.Contents, dir))
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	step.End(err)
	if err != nil {
		return fmt.Errorf("`npm ci` in %s failed: %v\n%s\nnpm must reach its registry; Node.js 20 or newer with npm is required", dir, err, strings.TrimSpace(string(output)))
	}
	return nil
}

// WriteScript writes content into dir under a name of its own content
// (base-<hash><ext>), so checkouts with different versions of a script can
// share the install directory, and returns its path.
func WriteScript(dir, base, ext string, content []byte) (string, error) {
	path := filepath.Join(dir, base+"-"+ShortHash(content)+ext)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	// Write then rename: a concurrent reader never sees half a script.
	temp, err := os.CreateTemp(dir, base+"-*.tmp")
	if err != nil {
		return "", fmt.Errorf("writing %s into %s: %v", base+ext, dir, err)
	}
	_, writeErr := temp.Write(content)
	if err := errors.Join(writeErr, temp.Close()); err != nil {
		os.Remove(temp.Name())
		return "", fmt.Errorf("writing %s: %v", temp.Name(), err)
	}
	if err := os.Rename(temp.Name(), path); err != nil {
		os.Remove(temp.Name())
		return "", fmt.Errorf("writing %s: %v", path, err)
	}
	return path, nil
}

// ShortHash is a short hex digest of contents, for names that change with them.
func ShortHash(contents ...[]byte) string {
	hash := sha256.New()
	for _, content := range contents {
		hash.Write(content)
	}
	return hex.EncodeToString(hash.Sum(nil)[:6])
}
