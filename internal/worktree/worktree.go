// Package worktree copies a git work tree's files as a commit of them would
// hold them (tracked and untracked files, not ignored ones such as .build/
// or dist/), for tests that work on a copy of the repository: editing it as
// a guide says, or rendering it as a template.
package worktree

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Copy copies the files of the work tree at root into dst, keeping each
// file's permission bits; a file deleted in the work tree is left out.
func Copy(root, dst string) error {
	list, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	if err != nil {
		return fmt.Errorf("listing the files of %s to copy (git ls-files): %w", root, err)
	}
	for _, name := range strings.Split(strings.TrimSuffix(string(list), "\x00"), "\x00") {
		info, err := os.Stat(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			return err
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, name), data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}
