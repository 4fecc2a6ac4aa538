// Package addstep performs the README's "Add a step" section in a copy of
// the repo, so the guide cannot drift from what the code does.
package addstep

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/statemachine"
)

const (
	functionFile = "lambdas/exclaim/main.go"
	workflowFile = "statemachine/main.asl.json"
	exampleFile  = "statemachine/main.example.json"
)

// TestAddAStep adds the README's function and state to a copy of the repo,
// then runs the workflow locally and the whole test suite there: the new
// function must run, be declared, be invoked by its published version, be
// granted and be served, with no other file and no test touched.
func TestAddAStep(t *testing.T) {
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	for _, fn := range project.Functions {
		require.NotEqual(t, "exclaim", fn.Name, "the guide adds a function the repo does not have yet")
	}
	readme, err := os.ReadFile("../../docs/add-a-step.md")
	require.NoError(t, err)
	section := readmeSection(t, string(readme), "## Add a step")
	copyDir := copyRepo(t)

	// Edit 1: the function, as the README shows it.
	writeFile(t, copyDir, functionFile, codeBlock(t, section, "go "+functionFile))
	// Edit 2: the state, placed by the README's rule.
	addLastStep(t, filepath.Join(copyDir, workflowFile), "Exclaim", codeBlock(t, section, "json "+workflowFile+": States.Exclaim"))
	// What the user still decides: the expected output.
	example, err := os.ReadFile(filepath.Join(copyDir, exampleFile))
	require.NoError(t, err)
	require.Contains(t, string(example), `"MOM IH"`)
	writeFile(t, copyDir, exampleFile, strings.Replace(string(example), `"MOM IH"`, `"MOM IH!"`, 1))
	require.ElementsMatch(t, []string{functionFile, workflowFile, exampleFile}, changedFiles(t, copyDir), "the files the guide touches")

	t.Run("runs locally", func(t *testing.T) {
		stdout, stderr := run(t, copyDir, "go", "run", "./cmd/local", "-input", `{"payload":"hi mom"}`)
		assert.Contains(t, stdout, `"body":{"payload":"MOM IH!"}`, "stderr:\n%s", stderr)
		assert.Contains(t, stderr, "→ Exclaim")
	})
	t.Run("every test passes without an edit", func(t *testing.T) {
		// The whole suite but this test, which would add the step again;
		// the one failure allowed is the README's planned-resource count,
		// which describes the repo as shipped and must say what to update.
		output, err := runAllowingFailure(copyDir, "go", "test", "-count=1", "-v", "-skip", "^TestAddAStep$", "./...")
		require.Error(t, err, "the README's resource count cannot still hold after a step is added")
		failed := regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`).FindAllStringSubmatch(output, -1)
		var failedNames []string
		for _, match := range failed {
			failedNames = append(failedNames, match[1])
		}
		require.Equal(t, []string{"TestREADMEResourceCounts"}, failedNames, "the tests that failed after the step was added:\n%s", output)
		var failedPackages []string
		for _, match := range regexp.MustCompile(`(?m)^FAIL\t(\S+)`).FindAllStringSubmatch(output, -1) {
			failedPackages = append(failedPackages, match[1])
		}
		require.Equal(t, []string{"stepfunctions-go/tests"}, failedPackages, "a package that fails to build fails without a test failing:\n%s", output)
		assert.Contains(t, output, "update the README")
		for _, covered := range []string{
			"TestFunctions/exclaim", "TestFunctionRolesWriteOnlyTheirOwnLogs/exclaim",
			"TestStateMachineRolesInvokeExactlyTheirFunctions/main", "TestDefinitionsInvokeThePublishedVersions/main",
			"TestOutputsMatchTheREADME", "TestEveryWorkflowInvokesWhatItNames/main",
			"TestServerRunsEveryWorkflow", "TestServerRunsConcurrentExecutions", "TestServerExecutionHistory",
		} {
			assert.Contains(t, output, "--- PASS: "+covered+" ")
		}
	})
}

// readmeSection is the text from heading to the next heading of its level.
func readmeSection(t *testing.T, readme, heading string) string {
	t.Helper()
	_, section, found := strings.Cut(readme, "\n"+heading+"\n")
	require.True(t, found, "README.md has no %q section", heading)
	section, _, _ = strings.Cut(section, "\n## ")
	return section
}

// codeBlock is the body of the fenced block whose info string is info,
// with the list item's indentation removed.
func codeBlock(t *testing.T, section, info string) string {
	t.Helper()
	match := regexp.MustCompile("(?s)\n( *)```" + regexp.QuoteMeta(info) + "\n(.*?)\n *```\n").FindStringSubmatch(section)
	require.NotNil(t, match, "no ```%s block in the README's section", info)
	indent := match[1]
	var body strings.Builder
	for _, line := range strings.Split(match[2], "\n") {
		body.WriteString(strings.TrimPrefix(line, indent) + "\n")
	}
	return body.String()
}

// addLastStep applies the README's rule: the last Lambda state trades its
// OutputPath for the ResultSelector and its End for Next; the new state
// ends the workflow.
func addLastStep(t *testing.T, path, name, stateJSON string) {
	t.Helper()
	source, err := os.ReadFile(path)
	require.NoError(t, err)
	var definition map[string]any
	require.NoError(t, json.Unmarshal(source, &definition))
	states := definition["States"].(map[string]any)
	last := definition["StartAt"].(string)
	for states[last].(map[string]any)["Next"] != nil {
		last = states[last].(map[string]any)["Next"].(string)
	}
	previous := states[last].(map[string]any)
	require.Equal(t, "$.Payload", previous["OutputPath"], "the last Lambda state returns the envelope")
	delete(previous, "OutputPath")
	delete(previous, "End")
	previous["ResultSelector"] = map[string]any{"payload.$": "$.Payload.body.payload"}
	previous["Next"] = name
	var state map[string]any
	require.NoError(t, json.Unmarshal([]byte(stateJSON), &state))
	states[name] = state
	edited, err := json.MarshalIndent(definition, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edited, 0o644))
}

// copyRepo copies the repo's files (tracked and untracked, not ignored)
// into a temporary directory.
func copyRepo(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	list, err := exec.Command("git", "-C", root, "ls-files", "-co", "--exclude-standard", "-z").Output()
	require.NoError(t, err, "git lists the files to copy")
	copyDir := t.TempDir()
	for _, name := range strings.Split(strings.TrimSuffix(string(list), "\x00"), "\x00") {
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		require.NoError(t, err)
		info, err := os.Stat(filepath.Join(root, name))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(copyDir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(copyDir, name), data, info.Mode().Perm()))
	}
	run(t, copyDir, "git", "init", "-q")
	run(t, copyDir, "git", "add", "-A")
	run(t, copyDir, "git", "-c", "user.name=addstep", "-c", "user.email=addstep@example.invalid", "commit", "-qm", "before the step")
	return copyDir
}

// changedFiles lists the files that differ from the copy's first state.
func changedFiles(t *testing.T, dir string) []string {
	t.Helper()
	run(t, dir, "git", "add", "-A")
	stdout, _ := run(t, dir, "git", "diff", "--cached", "--name-only", "HEAD")
	return strings.Fields(stdout)
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

// runAllowingFailure runs name in dir and returns its stdout and stderr
// together, and its error.
func runAllowingFailure(dir string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	return string(output), err
}

func run(t *testing.T, dir string, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, err, "%s %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), out.String(), errOut.String())
	return out.String(), errOut.String()
}
