package jsonata

import (
	"context"
	"embed"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"stepfunctions-go/internal/npmtools"
)

//go:embed js/package.json js/package-lock.json js/worker.cjs
var jsFiles embed.FS

// referenceVersion is the jsonata release Step Functions documents ("Step
// Functions supports JSONata version 2.0.6"), which js/package-lock.json pins.
const referenceVersion = "2.0.6"

// nodeMajor is the Node.js major version js/package-lock.json pins, the one
// cmd/local's interpreter runs on too.
const nodeMajor = "v22."

// installation is what the worker runs: a pinned Node and the worker script
// beside the node_modules holding the pinned jsonata.
type installation struct {
	dir, node, script string
}

// install runs npm ci for js/package-lock.json once per content
// (internal/npmtools) and writes the worker script into the install.
func install(ctx context.Context, progress io.Writer) (*installation, error) {
	packageJSON, _ := jsFiles.ReadFile("js/package.json")
	lockfile, _ := jsFiles.ReadFile("js/package-lock.json")
	script, _ := jsFiles.ReadFile("js/worker.cjs")
	dir, err := npmtools.Install(ctx, npmtools.Packages{
		Name:        "asl-jsonata",
		Contents:    "the reference JSONata " + referenceVersion + " (npm package jsonata) and Node 22",
		Tag:         "jsonata",
		PackageJSON: packageJSON,
		Lockfile:    lockfile,
		Verify:      checkNode,
	}, progress)
	if err != nil {
		return nil, err
	}
	scriptPath, err := npmtools.WriteScript(dir, "worker", ".cjs", script)
	if err != nil {
		return nil, fmt.Errorf("writing the JSONata worker script: %v", err)
	}
	return &installation{dir: dir, node: nodeBinary(dir), script: scriptPath}, nil
}

// ReferenceInstall installs the pinned jsonata package and Node the worker
// runs, and returns the directory holding node_modules and the Node binary:
// for judges that run the reference package directly, without the worker.
func ReferenceInstall(ctx context.Context, progress io.Writer) (dir, node string, err error) {
	install, err := install(ctx, progress)
	if err != nil {
		return "", "", err
	}
	return install.dir, install.node, nil
}

func nodeBinary(dir string) string { return filepath.Join(dir, "node_modules", ".bin", "node") }

// checkNode checks the Node 22 that the lockfile's node package installs.
func checkNode(ctx context.Context, dir string) error {
	node := nodeBinary(dir)
	version, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil || !strings.HasPrefix(string(version), nodeMajor) {
		return fmt.Errorf("the Node 22 that `npm ci` installed (%s) does not run (%v, version %q): the npm package node installs its binary with an install script; make sure npm runs install scripts (ignore-scripts=false)", node, err, strings.TrimSpace(string(version)))
	}
	return nil
}
