package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// actionlint is the GitHub Actions workflow checker nobody here wrote, run
// with `go run` at a pinned version so it adds nothing to go.mod: the Go
// command verifies the module against the checksum database and caches the
// built binary, so only the first run compiles it.
const actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

const workflowsDir = "../.github/workflows"

// workflow is the part of a GitHub Actions workflow these tests read.
type workflow struct {
	path        string
	Permissions yaml.Node      `yaml:"permissions"`
	Jobs        map[string]job `yaml:"jobs"`
}

type job struct {
	Uses        string            `yaml:"uses"` // a reusable workflow
	Permissions map[string]string `yaml:"permissions"`
	Environment yaml.Node         `yaml:"environment"` // a name, or {name, url}
	Steps       []step            `yaml:"steps"`
}

// environment is the name of the GitHub environment the job runs in, or "".
func (j job) environment() string {
	if j.Environment.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(j.Environment.Content); i += 2 {
			if j.Environment.Content[i].Value == "name" {
				return j.Environment.Content[i+1].Value
			}
		}
	}
	return j.Environment.Value
}

type step struct {
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

func workflowFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(workflowsDir, "*.yml"))
	require.NoError(t, err)
	yamlFiles, err := filepath.Glob(filepath.Join(workflowsDir, "*.yaml"))
	require.NoError(t, err)
	files = append(files, yamlFiles...)
	require.NotEmpty(t, files, "no workflow in %s", workflowsDir)
	return files
}

func loadWorkflows(t *testing.T) []workflow {
	t.Helper()
	var all []workflow
	for _, path := range workflowFiles(t) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		w := workflow{path: filepath.Base(path)}
		require.NoError(t, yaml.Unmarshal(data, &w), "%s", path)
		require.NotEmpty(t, w.Jobs, "%s has no jobs", path)
		all = append(all, w)
	}
	return all
}

// TestGitHubWorkflowsPassActionlint runs actionlint over every workflow: syntax,
// expressions and their types, action inputs, and (with shellcheck on
// PATH, which .ci/run installs) every run: script.
func TestGitHubWorkflowsPassActionlint(t *testing.T) {
	files := workflowFiles(t)
	shellcheck, err := exec.LookPath("shellcheck")
	if err != nil {
		shellcheck = "" // actionlint's flag value for "do not run it"
		if os.Getenv("CI") == "true" {
			t.Error("shellcheck is not on PATH, so actionlint cannot check the workflows' run: scripts: install it (Debian: apt-get install shellcheck; .ci/run does)")
		}
	}
	for _, f := range files {
		// go test's cache keys on the files a test opens; actionlint reads
		// them in its own process, so a changed workflow must be opened here.
		_, err := os.ReadFile(f)
		require.NoError(t, err)
	}
	args := append([]string{"run", actionlint, "-shellcheck=" + shellcheck, "-format", "{{json .}}"}, files...)
	cmd := exec.CommandContext(t.Context(), "go", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var findings []struct {
		Message  string `json:"message"`
		Filepath string `json:"filepath"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Kind     string `json:"kind"`
	}
	if stdout.Len() > 0 {
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &findings), "actionlint's output is not its JSON findings: %s\n%s", stdout.String(), stderr.String())
	}
	for _, f := range findings {
		t.Errorf("%s:%d:%d: %s [%s]", f.Filepath, f.Line, f.Column, f.Message, f.Kind)
	}
	// actionlint exits 1 with findings; anything else is a failure to run.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1 && len(findings) > 0) {
		t.Fatalf("go run %s: %v\n%s", actionlint, err, stderr.String())
	}

	if shellcheck == "" {
		t.Run("shellcheck", func(t *testing.T) {
			t.Skip("shellcheck is not on PATH: the run: scripts went unchecked (apt-get install shellcheck)")
		})
	}
}

// pinnedAction is owner/repo[/path]@<full commit SHA>: a tag or branch can
// be moved to other code, a commit cannot.
var pinnedAction = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[A-Za-z0-9_./-]+)?@[0-9a-f]{40}$`)

// releaseComment names the release the SHA is, for the reader and for
// Dependabot, which updates the two together.
var releaseComment = regexp.MustCompile(`^# v\d+\.\d+\.\d+$`)

// TestGitHubWorkflowActionsArePinned holds every action and reusable workflow
// from another repository to a full commit SHA with its release in a
// comment; this repository's own (./...) are exempt.
func TestGitHubWorkflowActionsArePinned(t *testing.T) {
	for _, path := range workflowFiles(t) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		var doc yaml.Node
		require.NoError(t, yaml.Unmarshal(data, &doc))
		uses := usesNodes(&doc)
		require.NotEmpty(t, uses, "%s uses no action: is it still parsed right?", path)
		for _, n := range uses {
			if strings.HasPrefix(n.Value, "./") {
				continue
			}
			where := filepath.Base(path) + ":" + strconv.Itoa(n.Line)
			assert.Regexp(t, pinnedAction, n.Value, "%s: uses %s, want owner/repo@<40-hex commit SHA>", where, n.Value)
			assert.Regexp(t, releaseComment, n.LineComment, "%s: uses %s without its release as a comment (# vX.Y.Z)", where, n.Value)
		}
	}
}

// usesNodes finds every value of a "uses" key in a YAML document.
func usesNodes(n *yaml.Node) []*yaml.Node {
	var found []*yaml.Node
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "uses" && n.Content[i+1].Kind == yaml.ScalarNode {
				found = append(found, n.Content[i+1])
			}
		}
	}
	for _, child := range n.Content {
		found = append(found, usesNodes(child)...)
	}
	return found
}

// The actions whose use justifies a write permission.
const (
	configureAWSCredentials = "aws-actions/configure-aws-credentials@"
	pulumiAction            = "pulumi/actions@"
)

// TestGitHubWorkflowPermissionsAreTheLeastEachJobNeeds: a workflow grants nothing
// by default (permissions: {}), each job says what it needs, and the two
// write permissions go only where they are used: id-token: write to jobs
// that exchange the OIDC token for an AWS role, pull-requests: write to
// jobs that comment a preview on the pull request.
func TestGitHubWorkflowPermissionsAreTheLeastEachJobNeeds(t *testing.T) {
	for _, w := range loadWorkflows(t) {
		assert.True(t, w.Permissions.Kind == yaml.MappingNode && len(w.Permissions.Content) == 0,
			"%s: the workflow's top-level permissions must be {} so that each job states its own", w.path)
		for name, j := range w.Jobs {
			where := w.path + " job " + name
			require.NotNil(t, j.Permissions, "%s declares no permissions: it would get the repository's default token scopes", where)
			for scope, level := range j.Permissions {
				assert.Contains(t, []string{"read", "write", "none"}, level, "%s: permission %s: %s", where, scope, level)
			}
			assumesRole := slices.ContainsFunc(j.Steps, func(s step) bool { return strings.HasPrefix(s.Uses, configureAWSCredentials) })
			assert.Equal(t, assumesRole, j.Permissions["id-token"] == "write",
				"%s: id-token: write must be granted exactly when a step runs %s (assumes a role: %v, id-token: %q)",
				where, strings.TrimSuffix(configureAWSCredentials, "@"), assumesRole, j.Permissions["id-token"])
			comments := slices.ContainsFunc(j.Steps, func(s step) bool {
				return strings.HasPrefix(s.Uses, pulumiAction) && s.With["comment-on-pr"] == "true"
			})
			assert.Equal(t, comments, j.Permissions["pull-requests"] == "write",
				"%s: pull-requests: write must be granted exactly when a step comments with %s (comments: %v, pull-requests: %q)",
				where, strings.TrimSuffix(pulumiAction, "@"), comments, j.Permissions["pull-requests"])
			for scope, level := range j.Permissions {
				if level == "write" && scope != "id-token" && scope != "pull-requests" {
					t.Errorf("%s: %s: write is more than any job here needs", where, scope)
				}
			}
		}
	}
}

// TestGitHubTestWorkflowRunsTheREADMETestCommand holds the test workflow to the
// README's Quickstart test command: some line of the test job's run:
// scripts, or of a repository script they run (.ci/run), is that command,
// environment assignments aside.
func TestGitHubTestWorkflowRunsTheREADMETestCommand(t *testing.T) {
	command := readmeTestCommand(t)
	var testWorkflow *workflow
	for _, w := range loadWorkflows(t) {
		if w.path == "test.yml" {
			testWorkflow = &w
		}
	}
	require.NotNil(t, testWorkflow, "no .github/workflows/test.yml")
	j, ok := testWorkflow.Jobs["test"]
	require.True(t, ok, "test.yml has no job named test")

	var lines []string
	for _, s := range j.Steps {
		for _, line := range scriptLines(s.Run) {
			lines = append(lines, line)
			if script := repoScript(line); script != "" {
				data, err := os.ReadFile(filepath.Join("..", script))
				require.NoError(t, err, "test.yml runs %s", script)
				lines = append(lines, scriptLines(string(data))...)
			}
		}
	}
	for _, line := range lines {
		if slices.Equal(withoutAssignments(strings.Fields(line)), strings.Fields(command)) {
			return
		}
	}
	t.Errorf("test.yml's test job never runs the README's test command %q, neither in its run: steps nor in a script they run; its lines:\n  %s",
		command, strings.Join(lines, "\n  "))
}

// readmeTestCommand is the README Quickstart's `go test` line, comment aside.
func readmeTestCommand(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, quickstart, ok := strings.Cut(string(data), "\n## Quickstart\n")
	require.True(t, ok, "README.md has no ## Quickstart section")
	quickstart, _, _ = strings.Cut(quickstart, "\n## ")
	inBlock := false
	for _, line := range strings.Split(quickstart, "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if command, _, _ := strings.Cut(line, "#"); inBlock && strings.HasPrefix(command, "go test") {
			return strings.TrimSpace(command)
		}
	}
	t.Fatal("README.md's Quickstart has no code block line starting `go test`")
	return ""
}

// scriptLines are a shell script's command lines: comments, blank lines and
// backslash continuations joined.
func scriptLines(script string) []string {
	var lines []string
	var current strings.Builder
	scanner := bufio.NewScanner(strings.NewReader(script))
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if continued, ok := strings.CutSuffix(line, `\`); ok {
			current.WriteString(continued + " ")
			continue
		}
		current.WriteString(line)
		lines = append(lines, current.String())
		current.Reset()
	}
	return lines
}

// repoScript is the repository file a line runs (`bash .ci/run` or
// `.ci/run`), or "".
func repoScript(line string) string {
	fields := strings.Fields(line)
	if len(fields) > 1 && (fields[0] == "bash" || fields[0] == "sh") {
		fields = fields[1:]
	}
	if len(fields) == 0 || strings.HasPrefix(fields[0], "/") || strings.HasPrefix(fields[0], "$") {
		return ""
	}
	path := filepath.Clean(fields[0])
	if info, err := os.Stat(filepath.Join("..", path)); err != nil || info.IsDir() || !strings.Contains(fields[0], "/") {
		return ""
	}
	return path
}

// withoutAssignments drops leading NAME=value words, which set the
// command's environment (GOFLAGS=-count=1 go test ./...).
func withoutAssignments(fields []string) []string {
	assignment := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for len(fields) > 0 && assignment.MatchString(fields[0]) {
		fields = fields[1:]
	}
	return fields
}

// TestGitHubWorkflowSettingsAreDocumented holds docs/ci-cd.md's table of
// repository variables and secrets to what the workflows read: each
// vars.X and secrets.X is a row of its kind, and each row is read.
func TestGitHubWorkflowSettingsAreDocumented(t *testing.T) {
	used := map[string]string{} // name → "variable" or "secret"
	reference := regexp.MustCompile(`\b(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)`)
	for _, path := range workflowFiles(t) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, m := range reference.FindAllStringSubmatch(string(data), -1) {
			used[m[2]] = map[string]string{"vars": "variable", "secrets": "secret"}[m[1]]
		}
	}
	require.NotEmpty(t, used, "the workflows read no variable or secret: is the pattern still right?")

	data, err := os.ReadFile("../docs/ci-cd.md")
	require.NoError(t, err)
	row := regexp.MustCompile("(?m)^\\| `([A-Z_][A-Z0-9_]*)` \\| (variable|secret) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(data), -1) {
		documented[m[1]] = m[2]
	}
	assert.Equal(t, used, documented, "docs/ci-cd.md's table (name → kind) against what .github/workflows reads")
}

// TestGitHubDeployJobRunsInTheTrustedEnvironment: the bootstrap's deploy
// role trusts only the token of a job in its deployEnvironment (default in
// examples/github-oidc/Pulumi.yaml), so every job that assumes that role
// must name that environment, or it could never deploy.
func TestGitHubDeployJobRunsInTheTrustedEnvironment(t *testing.T) {
	data, err := os.ReadFile("../examples/github-oidc/Pulumi.yaml")
	require.NoError(t, err)
	var bootstrap struct {
		Config map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"config"`
	}
	require.NoError(t, yaml.Unmarshal(data, &bootstrap))
	trusted := bootstrap.Config["deployEnvironment"].Default
	require.NotEmpty(t, trusted, "examples/github-oidc/Pulumi.yaml declares no deployEnvironment default")

	deployJobs := 0
	for _, w := range loadWorkflows(t) {
		for name, j := range w.Jobs {
			for _, s := range j.Steps {
				if strings.HasPrefix(s.Uses, configureAWSCredentials) && strings.Contains(s.With["role-to-assume"], "vars.AWS_DEPLOY_ROLE_ARN") {
					deployJobs++
					assert.Equal(t, trusted, j.environment(), "%s job %s assumes the deploy role outside the environment its trust policy admits", w.path, name)
				}
			}
		}
	}
	assert.NotZero(t, deployJobs, "no job assumes vars.AWS_DEPLOY_ROLE_ARN: is the pattern still right?")
}
