// Package addstep performs docs/add-a-step.md in a copy of the repo, and
// removes and renames a step there, so the guide cannot drift from what the
// code does and no test can depend on which steps the workflows have.
package addstep

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/worktree"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/statemachine"
)

const (
	functionFile = "lambdas/exclaim/main.go"
	workflowFile = "statemachine/main.asl.json"
	exampleFile  = "statemachine/main.example.json"
	// twinsDir holds the JSONata twin of each workflow, twinFile main's.
	twinsDir = "statemachine/testdata/jsonata"
	twinFile = twinsDir + "/main.asl.json"
)

// Where the guide's states are in docs/add-a-step.md, by query language.
var guideStates = map[string]string{
	statemachine.JSONPath: "json " + workflowFile + ": States.Exclaim",
	statemachine.JSONata:  "json JSONata: States.Exclaim",
}

// TestAddAStep adds the guide's function and state to a copy of the repo
// (the state in JSONPath to the workflow, in JSONata to its twin), then
// runs the workflow locally there and the tests that read the workflow
// files: the new function must run, be declared, be invoked by its
// published version and be granted, with no other file and no test
// touched. The tests that run the functions (internal/localrun, cmd/local)
// are not run again in the copy: tests/names_test.go holds every test to
// naming no step, which is what a new step could break there.
func TestAddAStep(t *testing.T) {
	section := addStepSection(t)
	copyDir := copyRepo(t)

	exclaimed := performTheGuide(t, copyDir, section, statemachine.JSONPath)

	t.Run("runs locally", func(t *testing.T) { runsLocally(t, copyDir, exclaimed) })
	t.Run("the workflow-derived tests cover it without an edit", func(t *testing.T) {
		requireCovered(t, copyDir)
	})
}

// TestAddAStepInJSONata performs the guide's JSONata form in a copy whose
// workflows are JSONata: the twins put in place of the workflows, as a
// project written in JSONata has them.
func TestAddAStepInJSONata(t *testing.T) {
	section := addStepSection(t)
	copyDir := copyRepo(t)
	twins, err := filepath.Glob(filepath.Join(copyDir, twinsDir, "*.asl.json"))
	require.NoError(t, err)
	require.NotEmpty(t, twins, "no JSONata twins in %s to write the workflows in JSONata", twinsDir)
	for _, twin := range twins {
		require.NoError(t, os.Rename(twin, filepath.Join(copyDir, "statemachine", filepath.Base(twin))))
	}
	require.NoError(t, os.RemoveAll(filepath.Join(copyDir, twinsDir)))
	commit(t, copyDir, "the workflows in JSONata")

	exclaimed := performTheGuide(t, copyDir, section, statemachine.JSONata)

	t.Run("runs locally", func(t *testing.T) { runsLocally(t, copyDir, exclaimed) })
	t.Run("the workflow-derived tests cover it without an edit", func(t *testing.T) {
		requireCovered(t, copyDir)
	})
}

// runsLocally runs the main workflow in copyDir with cmd/local: the output
// carries the new function's result, and the progress its state.
func runsLocally(t *testing.T, copyDir, exclaimed string) {
	stdout, stderr := run(t, copyDir, "go", "run", "./cmd/local", "-input", `{"payload":"hi mom"}`)
	payload, err := json.Marshal(exclaimed)
	require.NoError(t, err)
	assert.Contains(t, stdout, `"body":{"payload":`+string(payload)+`}`, "stderr:\n%s", stderr)
	assert.Contains(t, stderr, "→ Exclaim")
}

// addStepSection is the guide's "Add a step", checked to add a function the
// repo does not have yet.
func addStepSection(t *testing.T) string {
	t.Helper()
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	for _, fn := range project.Functions {
		require.NotEqual(t, "exclaim", fn.Name, "the guide adds a function the repo does not have yet")
	}
	guide, err := os.ReadFile("../../docs/add-a-step.md")
	require.NoError(t, err)
	return guideSection(t, string(guide), "## Add a step")
}

// performTheGuide makes the guide's edits in copyDir, the state in the
// workflow's language (and in JSONata in its twin, if it has one), checks
// that they are the only files changed, and returns the payload the
// workflow now ends with.
func performTheGuide(t *testing.T, copyDir, section, language string) string {
	t.Helper()
	// Edit 1: the function, as the guide shows it.
	writeFile(t, copyDir, functionFile, codeBlock(t, section, "go "+functionFile))
	// Edit 2: the state, placed by the guide's rule.
	addLastStep(t, filepath.Join(copyDir, workflowFile), language, codeBlock(t, section, guideStates[language]))
	changed := []string{functionFile, workflowFile, exampleFile}
	// Edit 3: the same state in JSONata in the twin.
	if files := withTwin(t, copyDir, workflowFile); len(files) > 1 {
		addLastStep(t, files[1], statemachine.JSONata, codeBlock(t, section, guideStates[statemachine.JSONata]))
		changed = append(changed, twinFile)
	}
	// Edit 4, what the user still decides: the expected output, which now
	// ends in "!" ("MOM IH!" for the shipped workflow).
	var exclaimed string
	editJSON(t, filepath.Join(copyDir, exampleFile), func(example map[string]any) {
		body := example["output"].(map[string]any)["body"].(map[string]any)
		exclaimed = body["payload"].(string) + "!"
		body["payload"] = exclaimed
	})
	require.ElementsMatch(t, changed, changedFiles(t, copyDir), "the files the guide touches")
	return exclaimed
}

// requireCovered runs the workflow-derived tests in copyDir: only the
// user's decisions may fail, and the tests that derive their cases from the
// workflows and lambdas/ must have checked the new step.
func requireCovered(t *testing.T, copyDir string) {
	t.Helper()
	output := requireOnlyUserDecisionsFail(t, copyDir)
	if strings.Contains(output, "--- FAIL: "+readmeCountTest) {
		assert.Contains(t, output, "update the README", "the count's failure says what to do")
	}
	for _, covered := range []string{
		"TestFunctions/exclaim", "TestFunctionRolesWriteOnlyTheirOwnLogs/exclaim",
		"TestStateMachineRolesInvokeExactlyTheirFunctions/main", "TestDefinitionsInvokeThePublishedVersions/main",
		"TestOutputsMatchTheREADME", "TestEveryWorkflowInvokesWhatItNames/main",
		"TestAlarmsWatchEverythingTheStackDeploys/callbackWorkflow=true/exclaim",
	} {
		assert.Contains(t, output, "--- PASS: "+covered+" ")
	}
}

// TestRemoveAStep removes the main workflow's first step, and its function,
// from a copy of the repo: only the README's planned-resource count may
// fail, since the count is the user's to update.
func TestRemoveAStep(t *testing.T) {
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	main, err := project.Workflow("main")
	require.NoError(t, err)
	if len(main.Path) < 2 {
		t.Skipf("the main workflow has %d step: removing it would leave no workflow to run", len(main.Path))
	}
	first := main.Path[0]
	fn, ok := main.FunctionOf(first)
	require.True(t, ok, "the first state invokes a function")
	copyDir := copyRepo(t)

	for _, file := range withTwin(t, copyDir, workflowFile) {
		editJSON(t, file, func(definition map[string]any) {
			states := definition["States"].(map[string]any)
			definition["StartAt"] = states[first.Name].(map[string]any)["Next"]
			delete(states, first.Name)
		})
	}
	for _, workflow := range project.All() {
		if workflow.Name != main.Name && slices.Contains(workflow.Functions, fn) {
			t.Logf("%s stays: the %s workflow uses it too", fn.Dir, workflow.Name)
			fn.Dir = ""
		}
	}
	if fn.Dir != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(copyDir, fn.Dir)))
	}
	requireOnlyUserDecisionsFail(t, copyDir)
}

// TestRenameAFunction renames the function the main workflow's last step
// invokes, in its directory and in the placeholder of every workflow and
// twin: nothing may fail, because nothing but the workflow files and
// lambdas/ names it.
func TestRenameAFunction(t *testing.T) {
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	main, err := project.Workflow("main")
	require.NoError(t, err)
	fn, ok := main.FunctionOf(main.Path[len(main.Path)-1])
	require.True(t, ok, "the last state invokes a function")
	renamed := lambdas.Function{Name: fn.Name + "-renamed", Dir: fn.Dir + "-renamed"}
	copyDir := copyRepo(t)

	require.NoError(t, os.Rename(filepath.Join(copyDir, fn.Dir), filepath.Join(copyDir, renamed.Dir)))
	workflows, err := filepath.Glob(filepath.Join(copyDir, "statemachine", "*.asl.json"))
	require.NoError(t, err)
	twins, err := filepath.Glob(filepath.Join(copyDir, twinsDir, "*.asl.json"))
	require.NoError(t, err)
	for _, path := range append(workflows, twins...) {
		source, err := os.ReadFile(path)
		require.NoError(t, err)
		renamedSource := strings.ReplaceAll(string(source), "${"+fn.ArnPlaceholder()+"}", "${"+renamed.ArnPlaceholder()+"}")
		require.NoError(t, os.WriteFile(path, []byte(renamedSource), 0o644))
	}
	requireOnlyUserDecisionsFail(t, copyDir)
}

// workflowDerivedPackages are the packages whose tests read the workflow
// files and lambdas/ to decide what to expect, without running a function.
var workflowDerivedPackages = []string{"./tests/", "./statemachine/", "./lambdas/", "./infra/"}

// readmeCountTest holds the README's planned-resource count to the stack:
// the one expectation of the workflow-derived tests that is the user's to
// update when the steps change. (The workflows' examples are the other, and
// only the tests not run here read them.)
const readmeCountTest = "TestREADMEResourceCounts"

// requireOnlyUserDecisionsFail checks that every package of the copy still
// builds, tests included, and that no workflow-derived test fails but the
// README's count. It returns their verbose output.
func requireOnlyUserDecisionsFail(t *testing.T, copyDir string) string {
	t.Helper()
	// go vet type-checks every package and its tests, far cheaper than
	// building and running them all.
	run(t, copyDir, "go", "vet", "./...")
	output, err := runAllowingFailure(copyDir, "go", append([]string{"test", "-count=1", "-v"}, workflowDerivedPackages...)...)
	var failedNames []string
	for _, match := range regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`).FindAllStringSubmatch(output, -1) {
		if match[1] != readmeCountTest {
			failedNames = append(failedNames, match[1])
		}
	}
	assert.Empty(t, failedNames, "tests that failed besides %s:\n%s", readmeCountTest, output)
	var failedPackages []string
	for _, match := range regexp.MustCompile(`(?m)^FAIL\t(\S+)`).FindAllStringSubmatch(output, -1) {
		failedPackages = append(failedPackages, match[1])
	}
	if !strings.Contains(output, "--- FAIL: "+readmeCountTest) {
		assert.NoError(t, err, output)
		assert.Empty(t, failedPackages, output)
	} else {
		assert.Equal(t, []string{"stepfunctions-go/tests"}, failedPackages, "a package that fails to build fails without a test failing:\n%s", output)
	}
	return output
}

// editJSON rewrites a JSON file through edit.
func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	source, err := os.ReadFile(path)
	require.NoError(t, err)
	var document map[string]any
	require.NoError(t, json.Unmarshal(source, &document))
	edit(document)
	edited, err := json.MarshalIndent(document, "", "  ")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edited, 0o644))
}

// guideSection is the text from heading to the next heading of its level.
func guideSection(t *testing.T, guide, heading string) string {
	t.Helper()
	_, section, found := strings.Cut(guide, "\n"+heading+"\n")
	require.True(t, found, "docs/add-a-step.md has no %q section", heading)
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

// handOff is the guide's rule in one query language: the field and value
// by which the last Lambda state returns its envelope, and those by which
// every other Lambda state hands the next function its payload.
type handOff struct {
	returnField   string
	returnValue   any
	handOnField   string
	handOnPayload any
}

var handOffs = map[string]handOff{
	statemachine.JSONPath: {"OutputPath", "$.Payload", "ResultSelector", map[string]any{"payload.$": "$.Payload.body.payload"}},
	statemachine.JSONata:  {"Output", "{% $states.result.Payload %}", "Output", map[string]any{"payload": "{% $states.result.Payload.body.payload %}"}},
}

// addLastStep applies the guide's rule in the workflow's language: the last
// Lambda state trades the way it returns the envelope for the way it hands
// on the payload, and its End for Next; the new state, Exclaim, ends the
// workflow.
func addLastStep(t *testing.T, path, language, stateJSON string) {
	t.Helper()
	const name = "Exclaim"
	rule := handOffs[language]
	var state map[string]any
	require.NoError(t, json.Unmarshal([]byte(stateJSON), &state))
	editJSON(t, path, func(definition map[string]any) {
		states := definition["States"].(map[string]any)
		last := definition["StartAt"].(string)
		for states[last].(map[string]any)["Next"] != nil {
			last = states[last].(map[string]any)["Next"].(string)
		}
		previous := states[last].(map[string]any)
		require.Equal(t, rule.returnValue, previous[rule.returnField], "%s: the last Lambda state returns the envelope", path)
		delete(previous, rule.returnField)
		delete(previous, "End")
		previous[rule.handOnField] = rule.handOnPayload
		previous["Next"] = name
		states[name] = state
	})
}

// withTwin is a workflow file of the copy and, if it has one, its JSONata
// twin.
func withTwin(t *testing.T, copyDir, workflow string) []string {
	t.Helper()
	files := []string{filepath.Join(copyDir, workflow)}
	twin := filepath.Join(copyDir, twinsDir, filepath.Base(workflow))
	if _, err := os.Stat(twin); err == nil {
		files = append(files, twin)
	}
	return files
}

// startTag marks the copy's first commit, which a test may commit after.
const startTag = "start"

// theCopy is the one copy of the repo the tests here share, one after the
// other: each starts from the copy's first commit, and the go command's
// cache keeps what an earlier test compiled there and this one did not
// change, where a copy of its own would compile the whole module again.
// The copy's directory is the same on every run from this checkout (the
// go command's cache keys a package by its directory as well as its
// files), so a later run recompiles only what changed since; a lock on
// the checkout keeps two runs from sharing it at once.
var theCopy struct {
	once sync.Once
	dir  string
	lock *os.File
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if theCopy.dir != "" {
		os.RemoveAll(theCopy.dir)
	}
	if theCopy.lock != nil {
		theCopy.lock.Close() // releases the lock
	}
	os.Exit(code)
}

// copyRepo returns the shared copy of the repo as it is in the work tree
// (tracked and untracked files, not ignored ones), with no test's edits.
func copyRepo(t *testing.T) string {
	t.Helper()
	theCopy.once.Do(func() { theCopy.dir, theCopy.lock, theCopy.err = copyWorkTree() })
	require.NoError(t, theCopy.err)
	run(t, theCopy.dir, "git", "reset", "-q", "--hard", startTag)
	run(t, theCopy.dir, "git", "clean", "-qfdx")
	return theCopy.dir
}

// copyWorkTree copies the repo's files into this checkout's copy
// directory, afresh, and commits them there. It holds the lock on the
// checkout, which the caller releases by closing it.
func copyWorkTree() (string, *os.File, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return "", nil, err
	}
	lock, err := os.Open(root)
	if err != nil {
		return "", nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		lock.Close()
		return "", nil, fmt.Errorf("locking %s for the copy: %w", root, err)
	}
	copyDir := filepath.Join(os.TempDir(), fmt.Sprintf("addstep-%x", sha256.Sum256([]byte(root)))[:len("addstep-")+12])
	// A run that was killed may have left its copy.
	if err := os.RemoveAll(copyDir); err != nil {
		return "", lock, err
	}
	if err := worktree.Copy(root, copyDir); err != nil {
		return copyDir, lock, err
	}
	for _, args := range [][]string{
		{"init", "-q"}, {"add", "-A"}, append(commitArgs, "before the step"), {"tag", startTag},
	} {
		if output, err := exec.Command("git", append([]string{"-C", copyDir}, args...)...).CombinedOutput(); err != nil {
			return copyDir, lock, fmt.Errorf("git %s in the copy: %w\n%s", strings.Join(args, " "), err, output)
		}
	}
	return copyDir, lock, nil
}

// commitArgs commit in a copy, whoever runs the test.
var commitArgs = []string{"-c", "user.name=addstep", "-c", "user.email=addstep@example.invalid", "commit", "-qm"}

// commit commits every change in a copy, so that changedFiles compares
// with what it has then.
func commit(t *testing.T, dir, message string) {
	t.Helper()
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", append(commitArgs, message)...)
}

// changedFiles lists the files that differ from the copy's last commit.
func changedFiles(t *testing.T, dir string) []string {
	t.Helper()
	run(t, dir, "git", "add", "-A")
	stdout, _ := run(t, dir, "git", "diff", "--cached", "--name-only", "HEAD")
	return strings.Fields(stdout)
}

// copyEnvironment runs the go command in a copy without the caller's
// GOFLAGS, which may hold test flags. (Not -trimpath: it would share the
// copies' own packages between copies, but compile every dependency once
// more, which costs a first run far more.)
var copyEnvironment = append(os.Environ(), "GOFLAGS=")

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
	cmd.Env = copyEnvironment
	output, err := cmd.CombinedOutput()
	return string(output), err
}

func run(t *testing.T, dir string, name string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = copyEnvironment
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoError(t, err, "%s %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), out.String(), errOut.String())
	return out.String(), errOut.String()
}
