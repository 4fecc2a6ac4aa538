// Package toolcache gives a pinned tool a directory of its own in the user's
// cache directory, shared by every checkout on the machine, and holds a file
// lock on it while the caller fills it: go test runs packages in parallel,
// and two installers must not write the same tool at once.
package toolcache

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Namespace is the directory in the user cache that holds every tool. It
// is the template's name, not the project's: a project made from the
// template with `pulumi new` shares the installs, which are keyed by
// content.
const Namespace = "stepfunctions-go"

// Open creates (if needed) the directory <user cache>/<Namespace>/<name>
// and locks it, waiting for another holder. name should change with the
// tool's version, so versions never share a directory. what names the tool
// in messages. The caller calls unlock once the directory is complete.
func Open(name, what string) (dir string, unlock func(), err error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", nil, fmt.Errorf("no cache directory to install %s into: %v (set HOME or XDG_CACHE_HOME)", what, err)
	}
	dir = filepath.Join(cache, Namespace, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, fmt.Errorf("creating %s for %s: %v", dir, what, err)
	}
	unlock, err = lockFile(dir + ".lock")
	if err != nil {
		return "", nil, err
	}
	return dir, unlock, nil
}

// lockFile takes an exclusive lock on path, waiting for another holder.
func lockFile(path string) (unlock func(), err error) {
	file, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the install lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(file.Fd()), syscall.LOCK_EX); err != nil {
		file.Close()
		return nil, fmt.Errorf("locking %s: %v", path, err)
	}
	return func() { file.Close() }, nil // closing releases the lock
}
