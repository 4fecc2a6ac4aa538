package infra

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
)

// The Terraform bridge under the AWS provider hands Terraform an archive as
// a file, and memoizes that file by the archive's hash:
// pulumi-terraform-bridge pkg/tfbridge/info/assets.go, translateToFile,
// names it $TMPDIR/pulumi-asset-<hash> and, when a non-empty regular file of
// that name exists, uses it without reading the archive again. Otherwise it
// writes the archive's current bytes there. The hash is the one the state
// recorded; the bytes come from the path the state recorded.
//
// For a function's Code (a FileArchive of a .zip), the hash is the hex
// SHA-256 of the zip's bytes (pulumi sdk go/common/resource/archive,
// EnsureHashWithWD: an archive file is hashed as its byte stream). Every
// preview, up, refresh and destroy translates the old state too, and by
// then this program has overwritten the recorded path (.build/<arch>/
// <function>.zip) with the new build. On a machine without the old memo,
// the new bytes land under the old hash. A later deploy of that hash (a
// rollback, or main again after previewing a branch) finds the memo and
// uploads the wrong code, and Lambda cannot tell: sourceCodeHash is only
// compared with what the state recorded.
//
// seedAssetMemo closes that: before a function is declared, it writes the
// bytes this program built under the memo name of their own hash, replacing
// whatever a stale translation left there. The provider runs with the same
// TMPDIR as the program (both are started by the Pulumi CLI). The check in
// NewGoFunction (Lambda's CodeSha256 against the hash computed here) fails
// the update if anything else still delivers other bytes.

// assetMemoPrefix starts the name of every file the bridge memoizes.
const assetMemoPrefix = "pulumi-asset-"

// assetMemoPath is where the bridge looks for an archive with the given
// hex SHA-256.
func assetMemoPath(tempDir, hexHash string) string {
	return filepath.Join(tempDir, assetMemoPrefix+hexHash)
}

// seedAssetMemo makes the memo file for zip's hash in tempDir hold exactly
// zip, atomically, and returns its path. A memo that is already right is
// left alone.
func seedAssetMemo(tempDir, hexHash string, zip []byte) (string, error) {
	path := assetMemoPath(tempDir, hexHash)
	if existing, err := os.ReadFile(path); err == nil && bytes.Equal(existing, zip) {
		return path, nil
	}
	temp, err := os.CreateTemp(tempDir, assetMemoPrefix+"seed-")
	if err != nil {
		return "", fmt.Errorf("writing the upload memo for %s: %w", path, err)
	}
	_, writeErr := temp.Write(zip)
	closeErr := temp.Close()
	if writeErr != nil || closeErr != nil {
		_ = os.Remove(temp.Name())
		return "", fmt.Errorf("writing the upload memo %s: %v", temp.Name(), cmp.Or(writeErr, closeErr))
	}
	// Rename replaces a stale memo (or a directory's absence of one) in one step.
	if err := os.Rename(temp.Name(), path); err != nil {
		_ = os.Remove(temp.Name())
		return "", fmt.Errorf("replacing the upload memo %s (delete it by hand): %w", path, err)
	}
	return path, nil
}
