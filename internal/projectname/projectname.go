// Package projectname knows the project's name: the one Pulumi.yaml holds,
// which `pulumi new` sets to the name its user chooses, and the placeholder
// that stands for it in the files that spell resource names out statically
// (infra/deployer-policy.json, infra/permissions-boundary.json, the docs).
// `pulumi new` replaces that placeholder in every text file it copies, so a
// generated project holds its own name there; this template repository
// keeps the placeholder, and whatever reads such a file here renders it.
package projectname

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Placeholder is written in two pieces so that `pulumi new` leaves this
// line alone.
const Placeholder = "$" + "{PROJECT}"

// Render is text with the placeholder replaced by name, as `pulumi new`
// writes it: in a generated project, which holds no placeholder, text
// comes back unchanged.
func Render(text, name string) string {
	return strings.ReplaceAll(text, Placeholder, name)
}

// Read returns the name in the Pulumi.yaml of the project in root.
func Read(root string) (string, error) {
	path := filepath.Join(root, "Pulumi.yaml")
	source, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading the project's name: %w", err)
	}
	var project struct{ Name string }
	if err := yaml.Unmarshal(source, &project); err != nil {
		return "", fmt.Errorf("reading the project's name from %s: %w", path, err)
	}
	if project.Name == "" {
		return "", fmt.Errorf("%s has no name: a Pulumi project names itself with `name: <project>`", path)
	}
	return project.Name, nil
}

// ReadModuleRoot returns the name in the Pulumi.yaml beside go.mod, found
// from the working directory upwards: the workflow project's name, for
// programs and tests that run in a directory below it.
func ReadModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the project's root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return Read(dir)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod in the working directory or above it: run this inside the project")
		}
		dir = parent
	}
}
