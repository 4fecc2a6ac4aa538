package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/bundle"

	"stepfunctions-go/internal/seed"
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

// loneSurrogateFailure is the execution's failure for {"payload":"a\ud800b"}:
// the first function rejects the escape at its byte offset in the event.
const loneSurrogateFailure = `{"error":"InvalidInputError","cause":"{\"errorMessage\":\"invalid input: the event has an unpaired UTF-16 surrogate escape \\\\ud800 at byte offset 13; a JSON string must encode Unicode text, with a surrogate only in a high-low pair such as \\\\ud83d\\\\ude00; expected {\\\"payload\\\": \\u003cstring\\u003e}\",\"errorType\":\"InvalidInputError\"}"}`

func TestExitStatusAndOneLineOnStdout(t *testing.T) {
	inputFile := filepath.Join(t.TempDir(), "input.json")
	require.NoError(t, os.WriteFile(inputFile, []byte(seed.Input+"\n"), 0o644))
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
		name:       "the seed's input",
		args:       []string{"-input", seed.Input},
		want:       0,
		wantStdout: seed.Output,
		wantStderr: []string{"→ Reverse", "← Reverse", "→ HelloWorld", "← HelloWorld", "2 state transitions"},
	}, {
		name:       "the callback workflow, through the queue and the worker",
		args:       []string{"-workflow", "callback", "-input", seed.Input},
		want:       0,
		wantStdout: seed.Output,
		wantStderr: []string{"sqs: message", "sent to callback", "delivered to callback-worker (receive 1 of 3)", "sfn: SendTaskHeartbeat for WaitForWorker", "sfn: SendTaskSuccess for WaitForWorker", "← WaitForWorker"},
	}, {
		name:       "input from a file",
		args:       []string{"-input-file", inputFile},
		want:       0,
		wantStdout: seed.Output,
	}, {
		name:       "bad input fails the execution",
		args:       []string{"-input", `{"payload": 42}`},
		want:       1,
		wantStdout: `{"error":"InvalidInputError","cause":"{\"errorMessage\":\"invalid input: field \\\"payload\\\" must be a string, got a number; expected {\\\"payload\\\": \\u003cstring\\u003e}\",\"errorType\":\"InvalidInputError\"}"}`,
		wantStderr: []string{"⤷ Reverse caught, next Failed", "execution failed with InvalidInputError"},
	}, {
		name:       "a lone surrogate fails the execution instead of being repaired",
		args:       []string{"-input", `{"payload":"a\ud800b"}`},
		want:       1,
		wantStdout: loneSurrogateFailure,
		wantStderr: []string{"✗ Reverse failed with InvalidInputError", "execution failed with InvalidInputError"},
	}, {
		name:       "a lone surrogate fails the callback workflow the same way",
		args:       []string{"-workflow", "callback", "-input", `{"payload":"a\ud800b"}`},
		want:       1,
		wantStdout: loneSurrogateFailure,
		wantStderr: []string{"✗ HelloWorld failed with InvalidInputError", "execution failed with InvalidInputError"},
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
		name:       "no input",
		want:       2,
		wantStderr: []string{"give the execution input with -input JSON or -input-file PATH"},
	}, {
		name:       "unknown workflow",
		args:       []string{"-workflow", "nope", "-input", seed.Input},
		want:       2,
		wantStderr: []string{`no workflow "nope" in statemachine/: choose one of`},
	}, {
		name:       "unknown architecture",
		args:       []string{"-arch", "riscv64", "-input", seed.Input},
		want:       2,
		wantStderr: []string{`unknown architecture "riscv64"`},
	}, {
		name:       "qemu missing for the other architecture",
		env:        []string{onlyGo(t)},
		args:       []string{"-arch", string(foreignArch()), "-input", seed.Input},
		want:       2,
		wantStderr: []string{"is not installed", "apt-get install -y --no-install-recommends qemu-user-static"},
	}, {
		name:       "npm missing on first use",
		env:        []string{onlyGo(t), "XDG_CACHE_HOME=" + t.TempDir(), goCache},
		args:       []string{"-input", seed.Input},
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

	cmd := exec.Command(binary, "-input", seed.Input)
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
