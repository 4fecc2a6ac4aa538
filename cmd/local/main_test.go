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
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/localrun"
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
	bigInputFile := filepath.Join(t.TempDir(), "big.json")
	require.NoError(t, os.WriteFile(bigInputFile, []byte(`{"payload":"`+strings.Repeat("x", localrun.PayloadLimit)+`"}`), 0o644))
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
		name:       "input over 256 KiB, refused before anything starts",
		args:       []string{"-input-file", bigInputFile},
		want:       2,
		wantStderr: []string{"over Step Functions' limit of 262144 bytes (256 KiB)"},
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
		name:       "npm missing on first use",
		env:        []string{onlyGo(t), "XDG_CACHE_HOME=" + t.TempDir(), goCache},
		args:       []string{"-input", input},
		want:       2,
		wantStderr: []string{"npm is not installed", "install Node.js 20 or newer with npm"},
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
// directory so that the interpreter's command line names it too, and no
// process left behind can hide from pgrep.
func TestInterruptStopsEverything(t *testing.T) {
	realCache, err := os.UserCacheDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(realCache, "stepfunctions-go"), 0o755))
	scratch := t.TempDir()
	tmp := filepath.Join(scratch, "tmp")
	cache := filepath.Join(scratch, "cache")
	require.NoError(t, os.Mkdir(tmp, 0o755))
	require.NoError(t, os.Mkdir(cache, 0o755))
	require.NoError(t, os.Symlink(filepath.Join(realCache, "stepfunctions-go"), filepath.Join(cache, "stepfunctions-go")))

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
			require.NotEmpty(t, children, "the interpreter and the emulators run")
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

// debianAWSCLI is the AWS CLI .ci/run installs; other installs on PATH (a
// pyenv shim, for one) may be another CLI.
const debianAWSCLI = "/usr/bin/aws"

// The README's AWS CLI block, run as it stands against the endpoint (on a
// free port in place of the README's 8083), prints what the README says.
func TestReadmeAWSCLICommands(t *testing.T) {
	if _, err := os.Stat(debianAWSCLI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the AWS CLI test: %v; .ci/run installs it (apt-get install -y --no-install-recommends awscli)", err)
		}
		t.Skipf("the AWS CLI is not installed (%v): apt-get install -y --no-install-recommends awscli", err)
	}
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	block := codeBlockAfter(t, string(readme), "### With the AWS CLI")
	require.Contains(t, block, "127.0.0.1:8083", "the README's block names the endpoint")

	address := "127.0.0.1:" + freePort(t)
	cmd := exec.Command(binary, "-serve", address)
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

	shell := exec.Command("bash", "-euo", "pipefail", "-c", strings.ReplaceAll(block, "127.0.0.1:8083", address))
	// The Debian CLI first on PATH, and no profile or config of the user's.
	shell.Env = append(os.Environ(), "PATH=/usr/bin:"+os.Getenv("PATH"), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
	output, err := shell.CombinedOutput()
	t.Logf("%s", output)
	require.NoError(t, err)

	// Each workflow's example output, then one Task's events per state on its path.
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	task := "\tTaskStateEntered\tTaskScheduled\tTaskStarted\tTaskSucceeded\tTaskStateExited"
	var want strings.Builder
	for _, name := range []string{"main", "callback"} { // the README's order
		_, output, _ := example(t, name)
		history := "ExecutionStarted" + strings.Repeat(task, len(project.Workflows[name].Path)) + "\tExecutionSucceeded"
		want.WriteString("SUCCEEDED\t" + output + "\n" + history + "\n")
	}
	assert.Equal(t, want.String(), string(output))
}

// codeBlockAfter is the body of the first fenced code block after heading.
func codeBlockAfter(t *testing.T, markdown, heading string) string {
	t.Helper()
	_, after, found := strings.Cut(markdown, "\n"+heading+"\n")
	require.True(t, found, "README has no %q", heading)
	_, after, found = strings.Cut(after, "```sh\n")
	require.True(t, found, "no code block after %q", heading)
	block, _, found := strings.Cut(after, "```")
	require.True(t, found, "the code block after %q does not end", heading)
	return block
}
