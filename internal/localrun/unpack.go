package localrun

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"stepfunctions-go/lambdas/bundle"
)

// unpack extracts a function zip into dir with the Unix modes recorded in
// the zip, as Lambda does, and returns the bootstrap's path. Restoring the
// modes (rather than making every file executable) is the point: a zip whose
// bootstrap lost its executable bit must fail here as it fails on AWS.
func unpack(pkg bundle.Package, dir string) (string, error) {
	archive, err := zip.NewReader(bytes.NewReader(pkg.Zip), int64(len(pkg.Zip)))
	if err != nil {
		return "", fmt.Errorf("%s.zip is not a zip: %w", pkg.Function.Name, err)
	}
	for _, entry := range archive.File {
		if err := extract(entry, dir); err != nil {
			return "", fmt.Errorf("unpacking %s.zip: %w", pkg.Function.Name, err)
		}
	}
	bootstrap := filepath.Join(dir, bundle.BootstrapName)
	info, err := os.Stat(bootstrap)
	switch {
	case err != nil:
		return "", fmt.Errorf("%s.zip has no %s at its root: the provided.al2023 runtime fails with Runtime.InvalidEntrypoint", pkg.Function.Name, bundle.BootstrapName)
	case info.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%s.zip holds %s with mode %v, not executable: Lambda fails with Runtime.InvalidEntrypoint (fork/exec /var/task/bootstrap: permission denied); write the zip entry with mode 0755", pkg.Function.Name, bundle.BootstrapName, info.Mode().Perm())
	}
	return bootstrap, nil
}

func extract(entry *zip.File, dir string) error {
	path := filepath.Join(dir, entry.Name)
	if !strings.HasPrefix(path, filepath.Clean(dir)+string(os.PathSeparator)) {
		return fmt.Errorf("entry %q points outside the package", entry.Name)
	}
	if entry.FileInfo().IsDir() {
		return os.MkdirAll(path, 0o755)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	content, err := entry.Open()
	if err != nil {
		return err
	}
	defer content.Close()
	file, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(file, content); err != nil {
		file.Close()
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	// Chmod after writing: the umask would otherwise strip bits the zip records.
	return os.Chmod(path, entry.Mode().Perm())
}
