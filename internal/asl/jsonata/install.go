package jsonata

import (
	"context"
	"embed"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"stepfunctions-go/internal/npmtools"
)

//go:embed js/package.json js/package-lock.json
var jsFiles embed.FS

// referenceVersion is the jsonata release Step Functions documents ("Step
// Functions supports JSONata version 2.0.6"), which js/package-lock.json pins.
const referenceVersion = "2.0.6"

// installReference installs the pinned jsonata package with npm ci
// (internal/npmtools) and returns the text of its browser bundle, jsonata.js,
// which a JavaScript runtime loads as one script.
func installReference(ctx context.Context, progress io.Writer) (path string, source []byte, err error) {
	packageJSON, _ := jsFiles.ReadFile("js/package.json")
	lockfile, _ := jsFiles.ReadFile("js/package-lock.json")
	dir, err := npmtools.Install(ctx, npmtools.Packages{
		Name:        "asl-jsonata",
		Contents:    "the reference JSONata " + referenceVersion + " (npm package jsonata)",
		Tag:         "jsonata",
		PackageJSON: packageJSON,
		Lockfile:    lockfile,
	}, progress)
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, "node_modules", "jsonata", "jsonata.js")
	source, err = os.ReadFile(path)
	if err != nil {
		return "", nil, fmt.Errorf("reading the installed jsonata bundle: %v (remove %s to reinstall it)", err, dir)
	}
	return path, source, nil
}
