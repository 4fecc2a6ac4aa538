// Package template renders this repository with the Pulumi CLI's own
// `pulumi new`, as a user starting a project from it does, under a project
// name of the test's choosing, and holds the project it writes to building,
// passing its tests, running the example, naming itself where the template
// named itself, and having its config type-checked by that same CLI.
package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/projectname"
	"stepfunctions-go/internal/pulumicli"
	"stepfunctions-go/internal/worktree"
	"stepfunctions-go/statemachine"
)

// newName is the project name the test gives `pulumi new`: not the
// template's, and of another length, so that a name or a length the
// template spells out statically shows.
const newName = "order-flow"

// moduleRoot is this repository, the template.
const moduleRoot = "../.."

// TestPulumiNewMakesAWorkingProject: `pulumi new <this work tree>
// --generate-only --yes --name order-flow` writes a project that builds,
// passes the tests that read its name, runs the example workflow locally,
// names itself wherever the template named itself, and whose config the
// Pulumi CLI type-checks against its Pulumi.yaml.
func TestPulumiNewMakesAWorkingProject(t *testing.T) {
	templateName, err := projectname.Read(moduleRoot)
	require.NoError(t, err)
	cli := newCLI(t)
	generated := cli.new(t)

	t.Run("names itself where the template named itself", func(t *testing.T) {
		leftovers := templateNameMentions(t, generated, templateName)
		assert.Empty(t, leftovers, "the generated project still names %q (file: lines) where its own name %q belongs; render it from %s instead (docs/start-a-project.md)",
			templateName, newName, projectname.Placeholder)
		project, err := workspace.LoadProject(filepath.Join(generated, "Pulumi.yaml"))
		require.NoError(t, err)
		assert.Equal(t, newName, project.Name.String())
		assert.Nil(t, project.Template, "pulumi new drops the template section from the project it writes")
		policy, err := os.ReadFile(filepath.Join(generated, "infra", "deployer-policy.json"))
		require.NoError(t, err)
		assert.Contains(t, string(policy), "role/"+newName+"-*", "the deployer policy limits the deployer to the new project's names")
	})
	t.Run("builds", func(t *testing.T) {
		run(t, generated, goEnvironment, "go", "build", "./...")
	})
	t.Run("passes the tests that read its name", func(t *testing.T) {
		// tests/ deploys the program under Pulumi mocks with Pulumi.yaml's
		// name and judges the rendered policies with the IAM simulator;
		// infra/, statemachine/ and lambdas/ check config, names, the
		// workflows and the functions. Not run again here: the packages
		// that run the functions (internal/localrun, cmd/local; the
		// example below runs them under the new name), the copy-the-repo
		// tests (tests/addstep) and the name-free tooling (internal/...),
		// which would double the suite's time for nothing the name changes.
		run(t, generated, goEnvironment, "go", "test", "./tests/", "./statemachine/...", "./infra/...", "./lambdas/...")
	})
	t.Run("runs the example", func(t *testing.T) {
		example, err := statemachine.LoadExample("main")
		require.NoError(t, err)
		var want bytes.Buffer
		require.NoError(t, json.Compact(&want, example.Output))
		stdout, _ := run(t, generated, goEnvironment, "go", "run", "./cmd/local", "-input", string(example.Input))
		assert.Equal(t, want.String(), strings.TrimSpace(stdout))
	})
	t.Run("config types are the ones Pulumi enforces", func(t *testing.T) {
		cli.configTypes(t, generated)
	})
}

// goEnvironment runs the go command in the generated project without the
// caller's GOFLAGS, which may hold test flags (CI sets -count=1).
var goEnvironment = append(os.Environ(), "GOFLAGS=")

// cli is the pinned Pulumi CLI with a home, a backend and a Go language
// host stand-in of the test's own.
type cli struct {
	binary string
	env    []string
}

// newCLI builds the Pulumi CLI once per machine; a machine that cannot
// (no module proxy) skips the test, unless it is CI, where the test fails.
func newCLI(t *testing.T) *cli {
	t.Helper()
	binary, err := pulumicli.Ensure(t.Context(), testLog{t})
	if err != nil {
		if os.Getenv("CI") == "true" {
			require.NoError(t, err, "CI must judge the template with the Pulumi CLI")
		}
		t.Skipf("the Pulumi CLI %s cannot be built here, so `pulumi new` cannot be judged: %v", pulumicli.Version, err)
	}
	hostDir := t.TempDir()
	run(t, moduleRoot, goEnvironment, "go", "build", "-o", filepath.Join(hostDir, "pulumi-language-go"), "./internal/pulumicli/languagehost")
	home, backend := t.TempDir(), t.TempDir()
	env := append(os.Environ(),
		"PATH="+hostDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PULUMI_HOME="+home,
		"PULUMI_BACKEND_URL=file://"+backend,
		"PULUMI_CONFIG_PASSPHRASE=template-test",
		"PULUMI_SKIP_UPDATE_CHECK=true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true",
	)
	return &cli{binary: binary, env: env}
}

// new renders a copy of the work tree (what a commit of it would hold, as
// `pulumi new <repository URL>` clones it) and returns the project's
// directory. The test never writes into the repository.
func (c *cli) new(t *testing.T) string {
	t.Helper()
	source := t.TempDir()
	require.NoError(t, worktree.Copy(moduleRoot, source))
	generated := filepath.Join(t.TempDir(), "my-workflows")
	run(t, t.TempDir(), c.env, c.binary, "new", source, "--generate-only", "--yes", "--name", newName, "--dir", generated)
	return generated
}

// configTypes initialises a stack on the local backend and has the CLI
// check each key Pulumi.yaml declares with a type other than string.
// `pulumi config set` stores any text; `pulumi preview` validates the
// stack's config against Pulumi.yaml before it starts the program, so a
// value of another type must stop it there, naming the key and the type,
// and the defaults must get past it, to the language host stand-in, which
// refuses to run the program.
func (c *cli) configTypes(t *testing.T, generated string) {
	project, err := workspace.LoadProject(filepath.Join(generated, "Pulumi.yaml"))
	require.NoError(t, err)
	run(t, generated, c.env, c.binary, "stack", "init", "dev")
	const invalid = "validating stack config"
	typed := map[string]string{}
	for key, declared := range project.Config {
		if strings.Contains(key, ":") || declared.TypeName() == "string" {
			continue // Pulumi's own (pulumi:tags), or any text: only the program's checks apply
		}
		typed[key] = declared.TypeName()
		run(t, generated, c.env, c.binary, "config", "set", key, fmt.Sprint(declared.Default))
	}
	require.NotEmpty(t, typed, "Pulumi.yaml declares no integer or boolean key to probe")
	output, err := runAllowingFailure(generated, c.env, c.binary, "preview", "--non-interactive")
	require.Error(t, err, "preview cannot run the program here:\n%s", output)
	assert.NotContains(t, output, invalid, "the declared defaults must pass Pulumi's config validation")
	assert.Contains(t, output, "method Run not implemented", "preview must get past config validation to the language host")

	for key, typeName := range typed {
		t.Run(key, func(t *testing.T) {
			valid := fmt.Sprint(project.Config[key].Default)
			t.Cleanup(func() {
				output, err := runAllowingFailure(generated, c.env, c.binary, "config", "set", key, valid)
				assert.NoError(t, err, "restoring %s: %s", key, output)
			})
			run(t, generated, c.env, c.binary, "config", "set", key, "not-a-"+typeName)
			output, err := runAllowingFailure(generated, c.env, c.binary, "preview", "--non-interactive")
			require.Error(t, err)
			assert.Contains(t, output, fmt.Sprintf("%s: Stack 'dev' with configuration key '%s' must be of type '%s'", invalid, key, typeName))
		})
	}
}

// templateNameMentions lists, per file, the lines of the generated project
// that still name the template's project (or hold the placeholder), leaving
// out the mentions that are not the new project's name, each for a reason
// docs/start-a-project.md gives:
//   - the Go module path in go.mod and in import paths: the module keeps its
//     path, since Go cannot build an import path holding a placeholder, and
//     a module path is never deployed;
//   - the user cache directory the pinned tools install into
//     (internal/toolcache), shared by every project made from the template,
//     since its installs are keyed by content, and the private npm
//     manifests of those tools (internal/*/js), named after it;
//   - the names of examples/consumer and examples/github-oidc, projects of
//     their own, which their Pulumi.yaml files spell: YAML cannot take the rendered name (Pulumi writes it into a
//     .yaml file as a YAML document, line break included), so its user
//     renames it by hand;
//   - docs/start-a-project.md itself, which says all this.
func templateNameMentions(t *testing.T, dir, templateName string) []string {
	t.Helper()
	name := regexp.QuoteMeta(templateName)
	packageDirs := goPackageTopDirs(t, dir)
	allowed := []*regexp.Regexp{
		regexp.MustCompile(`^module ` + name + `$`),
		regexp.MustCompile(name + `/(` + strings.Join(packageDirs, "|") + `)\b`),
		regexp.MustCompile(`\.cache/` + name + `\b`),
		regexp.MustCompile(`Namespace = "` + name + `"`),
		regexp.MustCompile(`"name": "` + name + `-[a-z]+"`),
		regexp.MustCompile(name + `-(consumer|github-oidc)\b`),
	}
	allowedFiles := []string{"docs/start-a-project.md"}
	var leftovers []string
	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if slices.ContainsFunc(allowedFiles, func(allowed string) bool { return strings.HasPrefix(filepath.ToSlash(rel), allowed) }) {
			return nil
		}
		for i, line := range strings.Split(string(content), "\n") {
			rest := line
			for _, pattern := range allowed {
				rest = pattern.ReplaceAllString(rest, "")
			}
			if strings.Contains(rest, templateName) || strings.Contains(rest, projectname.Placeholder) {
				leftovers = append(leftovers, fmt.Sprintf("%s:%d: %s", rel, i+1, strings.TrimSpace(line)))
			}
		}
		return nil
	})
	require.NoError(t, err)
	return leftovers
}

// goPackageTopDirs are the top-level directories of dir that hold Go
// packages: an import path begins with the module path and one of them.
func goPackageTopDirs(t *testing.T, dir string) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() || filepath.Ext(path) != ".go" {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if top, _, nested := strings.Cut(filepath.ToSlash(rel), "/"); nested && !slices.Contains(dirs, top) {
			dirs = append(dirs, top)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, dirs, "no Go package under %s", dir)
	return dirs
}

func run(t *testing.T, dir string, env []string, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, err, "%s %s in %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), dir, out.String(), errOut.String())
	return out.String(), errOut.String()
}

func runAllowingFailure(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	output, err := cmd.CombinedOutput()
	return string(output), err
}

// testLog writes the CLI build's progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
