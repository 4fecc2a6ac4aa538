package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/localrun"
	"stepfunctions-go/internal/projectname"
	"stepfunctions-go/internal/toolcache"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// binary is cmd/local built once for the tests: its exit status and stdout
// are the contract under test, so they are observed from outside.
var binary string

// goCache keeps the go command's build cache when a test moves
// XDG_CACHE_HOME, under which it lives by default.
var goCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cmd-local-test-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "local")
	output, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		panic("go env GOCACHE: " + err.Error())
	}
	goCache = "GOCACHE=" + strings.TrimSpace(string(output))
	if output, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building cmd/local: " + err.Error() + "\n" + string(output))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	exitCode       int
	stdout, stderr string
}

func runLocal(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %s: %v", binary, err)
	}
	t.Logf("stderr:\n%s", stderr.String())
	return result{exitCode: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
}

// onlyGo is a PATH holding the go command and nothing else.
func onlyGo(t *testing.T) string {
	t.Helper()
	goCommand, err := exec.LookPath("go")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Symlink(goCommand, filepath.Join(dir, "go")))
	return "PATH=" + dir
}

func foreignArch() bundle.Arch {
	if bundle.HostArch() == bundle.ARM64 {
		return bundle.X86_64
	}
	return bundle.ARM64
}

// example is a workflow's example with its output compacted as cmd/local
// prints it, and the progress lines its path must show.
func example(t *testing.T, name string) (input, output string, progress []string) {
	t.Helper()
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	workflow, err := project.Workflow(name)
	require.NoError(t, err)
	ex, err := statemachine.LoadExample(name)
	require.NoError(t, err)
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, ex.Output))
	// Each setup step says when it starts and how long it took.
	progress = append(progress,
		"local: building the Lambda Runtime Interface Emulator: done in ",
		" for "+string(bundle.HostArch())+": done in ",
		" functions under the Lambda emulator: done in ")
	for _, state := range workflow.Path {
		progress = append(progress, "→ "+state.Name, "← "+state.Name)
	}
	progress = append(progress, fmt.Sprintf("%d state transitions", len(workflow.Path)))
	return string(ex.Input), compact.String(), progress
}

// loneSurrogateFailure is the execution's failure for {"payload":"a\ud800b"}:
// the first function rejects the escape at its byte offset in the event.
const loneSurrogateFailure = `{"error":"InvalidInputError","cause":"{\"errorMessage\":\"invalid input: the event has an unpaired UTF-16 surrogate escape \\\\ud800 at byte offset 13; a JSON string must encode Unicode text, with a surrogate only in a high-low pair such as \\\\ud83d\\\\ude00; expected {\\\"payload\\\": \\u003cstring\\u003e}\",\"errorType\":\"InvalidInputError\"}"}`

func TestExitStatusAndOneLineOnStdout(t *testing.T) {
	input, output, progress := example(t, "main")
	callbackInput, callbackOutput, _ := example(t, "callback")
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	firstState := project.Workflows["main"].Path[0].Name
	waitingState := ""
	for _, state := range project.Workflows["callback"].Path {
		if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
			waitingState = state.Name
		}
	}
	require.NotEmpty(t, waitingState, "the callback workflow waits for a task token")
	queue := lambdas.CallbackQueue
	inputFile := filepath.Join(t.TempDir(), "input.json")
	require.NoError(t, os.WriteFile(inputFile, []byte(input+"\n"), 0o644))
	// The example padded with JSON whitespace to exactly the limit, and to
	// one byte more: the limit counts the input's bytes as given.
	limitInputFile, overLimitInputFile := filepath.Join(t.TempDir(), "limit.json"), filepath.Join(t.TempDir(), "over.json")
	require.NoError(t, os.WriteFile(limitInputFile, []byte(input+strings.Repeat(" ", localrun.PayloadLimit-len(input))), 0o644))
	require.NoError(t, os.WriteFile(overLimitInputFile, []byte(input+strings.Repeat(" ", localrun.PayloadLimit+1-len(input))), 0o644))
	tests := []struct {
		name string
		env  []string
		args []string
		want int
		// wantStdout is the one line's JSON; empty when stdout must be empty.
		wantStdout string
		// wantStderr is in the progress or error output.
		wantStderr []string
	}{{
		name:       "the main workflow's example",
		args:       []string{"-input", input},
		want:       0,
		wantStdout: output,
		wantStderr: progress,
	}, {
		name:       "the callback workflow, through the queue and the worker",
		args:       []string{"-workflow", "callback", "-input", callbackInput},
		want:       0,
		wantStdout: callbackOutput,
		wantStderr: []string{"sqs: message", "sent to " + queue.Name, fmt.Sprintf("delivered to %s (receive 1 of %d)", queue.Consumer, queue.MaxReceiveCount), "sfn: SendTaskHeartbeat for " + waitingState, "sfn: SendTaskSuccess for " + waitingState, "← " + waitingState},
	}, {
		name:       "input from a file",
		args:       []string{"-input-file", inputFile},
		want:       0,
		wantStdout: output,
	}, {
		name:       "bad input fails the execution",
		args:       []string{"-input", `{"payload": 42}`},
		want:       1,
		wantStdout: `{"error":"InvalidInputError","cause":"{\"errorMessage\":\"invalid input: field \\\"payload\\\" must be a string, got a number; expected {\\\"payload\\\": \\u003cstring\\u003e}\",\"errorType\":\"InvalidInputError\"}"}`,
		wantStderr: []string{"⤷ " + firstState + " caught, next ", "execution failed with InvalidInputError"},
	}, {
		name:       "a lone surrogate fails the execution instead of being repaired",
		args:       []string{"-input", `{"payload":"a\ud800b"}`},
		want:       1,
		wantStdout: loneSurrogateFailure,
		wantStderr: []string{"✗ " + firstState + " failed with InvalidInputError", "execution failed with InvalidInputError"},
	}, {
		name:       "a lone surrogate fails the callback workflow the same way",
		args:       []string{"-workflow", "callback", "-input", `{"payload":"a\ud800b"}`},
		want:       1,
		wantStdout: loneSurrogateFailure,
		wantStderr: []string{"✗ " + project.Workflows["callback"].Path[0].Name + " failed with InvalidInputError", "execution failed with InvalidInputError"},
	}, {
		name:       "input that is not UTF-8",
		args:       []string{"-input", "{\"payload\":\"a\xffb\"}"},
		want:       2,
		wantStderr: []string{"the input is not valid UTF-8: byte 0xff at byte offset 13"},
	}, {
		name:       "input that is not JSON",
		args:       []string{"-input", `{payload: hi}`},
		want:       2,
		wantStderr: []string{"the input is not JSON"},
	}, {
		name:       "input of exactly 256 KiB runs",
		args:       []string{"-input-file", limitInputFile},
		want:       0,
		wantStdout: output,
	}, {
		name:       "input of 256 KiB and one byte, refused before anything starts",
		args:       []string{"-input-file", overLimitInputFile},
		want:       2,
		wantStderr: []string{"the input is 262145 bytes, over Step Functions' limit of 262144 bytes (256 KiB)"},
	}, {
		name:       "no input",
		want:       2,
		wantStderr: []string{"give the execution input with -input JSON or -input-file PATH"},
	}, {
		name:       "unknown workflow",
		args:       []string{"-workflow", "nope", "-input", input},
		want:       2,
		wantStderr: []string{`no workflow "nope" in statemachine/: choose one of`},
	}, {
		name:       "unknown architecture",
		args:       []string{"-arch", "riscv64", "-input", input},
		want:       2,
		wantStderr: []string{`unknown architecture "riscv64"`},
	}, {
		name:       "qemu missing for the other architecture",
		env:        []string{onlyGo(t)},
		args:       []string{"-arch", string(foreignArch()), "-input", input},
		want:       2,
		wantStderr: []string{"is not installed", "apt-get install -y --no-install-recommends qemu-user-static"},
	}, {
		name:       "-serve on an address other machines reach",
		args:       []string{"-serve", "0.0.0.0:0"},
		want:       2,
		wantStderr: []string{`"0.0.0.0:0" is not a loopback address`},
	}, {
		name:       "-serve with an input",
		args:       []string{"-serve", "127.0.0.1:0", "-input", input},
		want:       2,
		wantStderr: []string{"-serve runs no execution itself"},
	}, {
		// JSONPath runs on the Go engine alone: only JSONata starts Node.
		name:       "a JSONPath workflow needs neither npm nor Node",
		env:        []string{onlyGo(t), "XDG_CACHE_HOME=" + t.TempDir(), goCache},
		args:       []string{"-input", input},
		want:       0,
		wantStdout: output,
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			got := runLocal(t, test.env, test.args...)
			assert.Equal(t, test.want, got.exitCode)
			for _, want := range test.wantStderr {
				assert.Contains(t, got.stderr, want)
			}
			if test.wantStdout == "" {
				assert.Empty(t, got.stdout)
				return
			}
			require.True(t, strings.HasSuffix(got.stdout, "\n"), "stdout ends its line: %q", got.stdout)
			line := strings.TrimSuffix(got.stdout, "\n")
			require.NotContains(t, line, "\n", "stdout is exactly one line")
			assert.Equal(t, test.wantStdout, line, "stdout byte for byte")
			if test.want == 1 {
				var failure map[string]string
				require.NoError(t, json.Unmarshal([]byte(line), &failure))
				assert.Len(t, failure, 2, "only error and cause")
			}
		})
	}
}

// Ctrl-C during the build stops everything and removes every temporary
// directory. The cache directory is reached through a link under the test's
// directory so that a child's command line names it too, and no
// process left behind can hide from pgrep.
func TestInterruptStopsEverything(t *testing.T) {
	realCache, err := os.UserCacheDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(realCache, toolcache.Namespace), 0o755))
	scratch := t.TempDir()
	tmp := filepath.Join(scratch, "tmp")
	cache := filepath.Join(scratch, "cache")
	require.NoError(t, os.Mkdir(tmp, 0o755))
	require.NoError(t, os.Mkdir(cache, 0o755))
	require.NoError(t, os.Symlink(filepath.Join(realCache, toolcache.Namespace), filepath.Join(cache, toolcache.Namespace)))

	cmd := exec.Command(binary, "-input", `{"payload":"hi mom"}`)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "XDG_CACHE_HOME="+cache, goCache)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		t.Log(lines.Text())
		if strings.HasPrefix(lines.Text(), "local: building") {
			require.NoError(t, cmd.Process.Signal(os.Interrupt))
			break
		}
	}
	rest, _ := io.ReadAll(stderr)
	t.Logf("%s", rest)
	err = cmd.Wait()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.Equal(t, 130, exitErr.ExitCode())
	assert.Contains(t, string(rest), "local: interrupted")

	leftovers, err := os.ReadDir(tmp)
	require.NoError(t, err)
	assert.Empty(t, leftovers, "temporary directories left in TMPDIR")
	// Give the kernel a moment to reap what the last SIGKILL ended.
	time.Sleep(100 * time.Millisecond)
	output, _ := exec.Command("pgrep", "-af", scratch).Output()
	assert.Empty(t, string(output), "processes left running")
}

// SIGTERM stops the endpoint and everything it started: no process, port
// or temporary directory is left, and the exit status is 0.
func TestServeStopsEverythingOnSignal(t *testing.T) {
	for _, signal := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(signal.String(), func(t *testing.T) {
			tmp := t.TempDir()
			address := "127.0.0.1:" + freePort(t)
			cmd := exec.Command(binary, "-serve", address)
			cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
			stderr, err := cmd.StderrPipe()
			require.NoError(t, err)
			require.NoError(t, cmd.Start())
			lines := bufio.NewScanner(stderr)
			var machines []string
			for lines.Scan() {
				t.Log(lines.Text())
				if arn, ok := strings.CutPrefix(lines.Text(), "local: state machine "); ok {
					machines = append(machines, arn)
				}
				if len(machines) == 2 {
					break
				}
			}
			require.Len(t, machines, 2, "the endpoint names both state machines")
			children := descendants(cmd.Process.Pid)
			require.NotEmpty(t, children, "the emulators run")
			for _, child := range children {
				comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", child))
				assert.NotEqual(t, "node", strings.TrimSpace(string(comm)), "a JSONPath workflow starts no Node process")
			}
			require.NoError(t, cmd.Process.Signal(signal))
			rest, _ := io.ReadAll(stderr)
			t.Logf("%s", rest)
			require.NoError(t, cmd.Wait())
			assert.Contains(t, string(rest), "local: stopping the endpoint")

			leftovers, err := os.ReadDir(tmp)
			require.NoError(t, err)
			assert.Empty(t, leftovers, "temporary directories left in TMPDIR")
			conn, err := net.Dial("tcp", address)
			if err == nil {
				conn.Close()
			}
			assert.Error(t, err, "%s still accepts connections", address)
			time.Sleep(100 * time.Millisecond)
			for _, pid := range children {
				assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "process %d left running", pid)
			}
		})
	}
}

// descendants are the processes started by pid and by those, recursively.
func descendants(pid int) []int {
	var all []int
	output, _ := exec.Command("pgrep", "-P", strconv.Itoa(pid)).Output()
	for _, field := range strings.Fields(string(output)) {
		child, _ := strconv.Atoi(field)
		all = append(append(all, child), descendants(child)...)
	}
	return all
}

func freePort(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer listener.Close()
	_, port, _ := net.SplitHostPort(listener.Addr().String())
	return port
}

// endpointDoc documents the local endpoint; its AWS CLI blocks are run as
// they stand.
const endpointDoc = "../../docs/endpoint.md"

// awsCLI is an AWS CLI found on this machine. Its directory goes first on
// PATH for the run that uses it, so the block's plain `aws` is that CLI.
type awsCLI struct {
	dir, version string
}

// awsCLIs finds the AWS CLIs on this machine: every `aws` in a directory of
// PATH, and in /usr/bin (where Debian's awscli package puts v2), by major
// version ("v1", "v2") as `aws --version` reports it; the first of each in
// that order.
func awsCLIs(t *testing.T) map[string]awsCLI {
	t.Helper()
	found := map[string]awsCLI{}
	seen := map[string]bool{}
	for _, dir := range append(filepath.SplitList(os.Getenv("PATH")), "/usr/bin") {
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, "aws")
		real, err := filepath.EvalSymlinks(path)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		if info, err := os.Stat(real); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			continue
		}
		output, err := exec.Command(path, "--version").CombinedOutput()
		version := strings.TrimSpace(string(output))
		if err != nil {
			t.Logf("%s --version: %v: %s", path, err, version)
			continue
		}
		for major, prefix := range map[string]string{"v1": "aws-cli/1.", "v2": "aws-cli/2."} {
			if _, ok := found[major]; !ok && strings.HasPrefix(version, prefix) {
				found[major] = awsCLI{dir: dir, version: version}
				t.Logf("AWS CLI %s: %s (%s)", major, path, version)
			}
		}
	}
	return found
}

// installAWSCLI says how to get each major version of the AWS CLI.
var installAWSCLI = map[string]string{
	"v1": "pip install awscli (the AWS CLI v1; the machine image has it under pyenv)",
	"v2": "apt-get install -y --no-install-recommends awscli (Debian's AWS CLI v2, /usr/bin/aws)",
}

// requireAWSCLI is the CLI of that major version, or the end of the test:
// a failure in CI, which must run the documented commands with both CLIs,
// and a skip elsewhere, saying how to install it.
func requireAWSCLI(t *testing.T, clis map[string]awsCLI, major string) awsCLI {
	t.Helper()
	cli, ok := clis[major]
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the documented AWS CLI commands with the AWS CLI %s, and there is none on PATH or in /usr/bin: %s", major, installAWSCLI[major])
		}
		t.Skipf("no AWS CLI %s on PATH or in /usr/bin: %s", major, installAWSCLI[major])
	}
	return cli
}

// runWithAWSCLI runs a documented shell block with cli first on PATH, and
// no AWS setting, profile or config of the user's: only what the block
// sets counts.
func runWithAWSCLI(t *testing.T, cli awsCLI, block string) (string, error) {
	t.Helper()
	var env []string
	for _, variable := range os.Environ() {
		if !strings.HasPrefix(variable, "AWS_") && !strings.HasPrefix(variable, "PATH=") {
			env = append(env, variable)
		}
	}
	env = append(env, "PATH="+cli.dir+string(filepath.ListSeparator)+os.Getenv("PATH"),
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	shell := exec.Command("bash", "-euo", "pipefail", "-c", block)
	shell.Env = env
	output, err := shell.CombinedOutput()
	t.Logf("%s:\n%s", cli.version, output)
	return string(output), err
}

// startEndpoint serves the Step Functions API on a free loopback port, with
// extra flags, until the test ends; it returns the address once the
// endpoint has named both state machines.
func startEndpoint(t *testing.T, flags ...string) string {
	t.Helper()
	address := "127.0.0.1:" + freePort(t)
	cmd := exec.Command(binary, append([]string{"-serve", address}, flags...)...)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	lines := bufio.NewScanner(stderr)
	var machines int
	for machines < 2 && lines.Scan() {
		t.Log(lines.Text())
		if strings.HasPrefix(lines.Text(), "local: state machine ") {
			machines++
		}
	}
	require.Equal(t, 2, machines, "the endpoint names both state machines")
	go io.Copy(io.Discard, stderr) // the per-execution lines
	return address
}

// The endpoint page's AWS CLI block, run as it stands against the endpoint
// (on a free port in place of the page's 8083) with each AWS CLI, prints
// what the page says.
func TestReadmeAWSCLICommands(t *testing.T) {
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	block := codeBlockAfter(t, string(doc), "### With the AWS CLI")
	require.Contains(t, block, "127.0.0.1:8083", "the block names the endpoint")

	// Each workflow's example output, then one Task's events per state on its
	// path, with TaskSubmitted once a .waitForTaskToken Task's message is sent.
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	var want strings.Builder
	for _, name := range []string{"main", "callback"} { // the block's order
		_, output, _ := example(t, name)
		history := "ExecutionStarted"
		for _, state := range project.Workflows[name].Path {
			history += "\tTaskStateEntered\tTaskScheduled\tTaskStarted"
			if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
				history += "\tTaskSubmitted"
			}
			history += "\tTaskSucceeded\tTaskStateExited"
		}
		history += "\tExecutionSucceeded"
		want.WriteString("SUCCEEDED\t" + output + "\n" + history + "\n")
	}

	clis := awsCLIs(t)
	address := startEndpoint(t)
	for _, major := range []string{"v1", "v2"} {
		t.Run(major, func(t *testing.T) {
			cli := requireAWSCLI(t, clis, major)
			output, err := runWithAWSCLI(t, cli, strings.ReplaceAll(block, "127.0.0.1:8083", address))
			require.NoError(t, err)
			assert.Equal(t, want.String(), output)
		})
	}
}

// The endpoint page's start-sync-execution block against the EXPRESS main
// workflow: the AWS CLI v1 honours AWS_DISABLE_HOST_PREFIX_INJECTION and
// prints the example's output; Debian's v2 does not, and fails on the
// sync- host, as the page says.
func TestReadmeStartSyncExecution(t *testing.T) {
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	block := codeBlockAfter(t, string(doc), "### StartSyncExecution with the AWS CLI")
	for _, want := range []string{"127.0.0.1:8083", "AWS_DISABLE_HOST_PREFIX_INJECTION=true", "start-sync-execution", project(t) + "-local-main-express"} {
		require.Contains(t, block, want)
	}
	_, output, _ := example(t, "main")

	clis := awsCLIs(t)
	address := startEndpoint(t, "-workflow-type", "EXPRESS")
	block = strings.ReplaceAll(block, "127.0.0.1:8083", address)
	t.Run("v1", func(t *testing.T) {
		got, err := runWithAWSCLI(t, requireAWSCLI(t, clis, "v1"), block)
		require.NoError(t, err)
		assert.Equal(t, "SUCCEEDED\t"+output+"\n", got)
	})
	t.Run("v2", func(t *testing.T) {
		cli := requireAWSCLI(t, clis, "v2")
		got, err := runWithAWSCLI(t, cli, block)
		require.Error(t, err, "%s now reaches the local endpoint with start-sync-execution: docs/endpoint.md says v2 does not; update it", cli.version)
		assert.Contains(t, got, `Could not connect to the endpoint URL: "http://sync-`+address+`/"`, "the failure docs/endpoint.md describes")
	})
}

// project is the project's name, which the local endpoint's ARNs begin with.
func project(t *testing.T) string {
	t.Helper()
	name, err := projectname.Read("../..")
	require.NoError(t, err)
	return name
}

// codeBlockAfter is the body of the first shell block after heading, its
// project-name placeholder rendered as `pulumi new` renders it.
func codeBlockAfter(t *testing.T, markdown, heading string) string {
	t.Helper()
	return fencedBlockAfter(t, markdown, heading, "sh")
}

// fencedBlockAfter is codeBlockAfter for the first block of language lang,
// e.g. the "text" block that states what a shell block prints.
func fencedBlockAfter(t *testing.T, markdown, heading, lang string) string {
	t.Helper()
	_, after, found := strings.Cut(markdown, "\n"+heading+"\n")
	require.True(t, found, "the document has no %q", heading)
	_, after, found = strings.Cut(after, "```"+lang+"\n")
	require.True(t, found, "no %s block after %q", lang, heading)
	block, _, found := strings.Cut(after, "```")
	require.True(t, found, "the code block after %q does not end", heading)
	return projectname.Render(block, project(t))
}

// The endpoint page's paging block with each AWS CLI on one endpoint: the
// CLI walks ListExecutions two at a time, printing each page, and finds
// every execution started, newest first.
func TestReadmePagingWithTheAWSCLI(t *testing.T) {
	doc, err := os.ReadFile(endpointDoc)
	require.NoError(t, err)
	block := codeBlockAfter(t, string(doc), "### Paging with the AWS CLI")
	require.Contains(t, block, "--page-size 2")

	clis := awsCLIs(t)
	address := startEndpoint(t)
	var started []string // every execution the block started, in order
	for _, major := range []string{"v1", "v2"} {
		t.Run(major, func(t *testing.T) {
			cli := requireAWSCLI(t, clis, major)
			output, err := runWithAWSCLI(t, cli, strings.ReplaceAll(block, "127.0.0.1:8083", address))
			require.NoError(t, err)
			lines := strings.Split(strings.TrimSuffix(output, "\n"), "\n")
			require.Greater(t, len(lines), 3, "three started, then the list")
			started = append(started, lines[:3]...)
			newestFirst := slices.Clone(started)
			slices.Reverse(newestFirst)
			var pages []string
			for page := range slices.Chunk(newestFirst, 2) {
				pages = append(pages, strings.Join(page, "\t"))
			}
			assert.Equal(t, pages, lines[3:], "pages of two, newest first")
		})
	}
}
