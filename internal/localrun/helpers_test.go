package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// requireArch skips a case whose architecture this machine cannot run,
// except in CI, where every case must run.
func requireArch(t *testing.T, arch bundle.Arch) {
	t.Helper()
	if _, err := qemuFor(arch); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the %s case: %v", arch, err)
		}
		t.Skipf("skipping %s: %v", arch, err)
	}
}

// startSession starts config's workflow (main on the host's architecture
// unless set) and, at cleanup, closes it and checks that nothing it started
// is left: no process in the groups of its children, no temporary files.
func startSession(t *testing.T, config Config) *Session {
	t.Helper()
	if config.Workflow == "" {
		config.Workflow = "main"
	}
	if config.Arch == "" {
		config.Arch = bundle.HostArch()
	}
	if config.Packages == nil {
		config.Packages = packagesFor(t, config.Arch)
	}
	if config.Progress == nil {
		config.Progress = testWriter{t}
	} else {
		config.Progress = io.MultiWriter(testWriter{t}, config.Progress)
	}
	session, err := Start(t.Context(), config)
	require.NoError(t, err)
	t.Cleanup(func() {
		session.Close()
		requireNothingLeft(t, session)
	})
	return session
}

// requireNothingLeft checks that a closed session left no process in the
// groups of its children and no temporary files.
func requireNothingLeft(t *testing.T, session *Session) {
	t.Helper()
	var groups []int
	for _, pool := range session.pools {
		for _, e := range pool.emulators() {
			groups = append(groups, e.process.cmd.Process.Pid)
		}
	}
	for _, group := range groups {
		require.ErrorIs(t, syscall.Kill(-group, 0), syscall.ESRCH, "process group %d outlived Close", group)
	}
	_, err := os.Stat(session.tempDir)
	require.True(t, errors.Is(err, os.ErrNotExist), "Close left %s behind", session.tempDir)
}

// syncBuffer collects progress written from several goroutines.
type syncBuffer struct {
	mu   sync.Mutex
	data strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.data.String()
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(string(p[:len(p)-min(1, len(p))]))
	return len(p), nil
}

var builds sync.Map // bundle.Arch → func() ([]bundle.Package, error)

// packagesFor builds every function for arch once per test binary.
func packagesFor(t testing.TB, arch bundle.Arch) []bundle.Package {
	t.Helper()
	packages, err := buildPackages(arch)
	require.NoError(t, err)
	return packages
}

// buildPackages is packagesFor for callers that report the error themselves.
func buildPackages(arch bundle.Arch) ([]bundle.Package, error) {
	build, _ := builds.LoadOrStore(arch, sync.OnceValues(func() ([]bundle.Package, error) {
		functions, err := lambdas.All()
		if err != nil {
			return nil, err
		}
		return bundle.BuildAll(context.Background(), functions, arch)
	}))
	return build.(func() ([]bundle.Package, error))()
}

func testTools(t *testing.T) *tools {
	t.Helper()
	tools, err := provisionTools(context.Background(), bundle.HostArch(), testWriter{t})
	require.NoError(t, err)
	return tools
}

// workflowOf loads a workflow with its wiring and its example. The tests
// address its steps by position on its path, so a new step keeps them true.
func workflowOf(t testing.TB, name string) (*statemachine.Workflow, statemachine.Example) {
	t.Helper()
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	workflow, err := project.Workflow(name)
	require.NoError(t, err)
	example, err := statemachine.LoadExample(name)
	require.NoError(t, err)
	return workflow, example
}

// stepFunction is the function the workflow's i-th state invokes.
func stepFunction(t testing.TB, workflow *statemachine.Workflow, i int) string {
	t.Helper()
	require.Greater(t, len(workflow.Path), i, "workflow %q has no step %d", workflow.Name, i)
	fn, ok := workflow.FunctionOf(workflow.Path[i])
	require.True(t, ok, "state %q invokes no function", workflow.Path[i].Name)
	return fn.Name
}

// Tests that throttle on purpose retry every throttleRetryInterval up to
// throttleRetryAttempts times (Config.RetryMaxAttempts): 20 s of retries
// per state, far more than a loaded machine keeps the emulators busy. The
// definition's own 6 attempts at 50 ms (300 ms) ran out under load.
const (
	throttleRetryInterval = 50 * time.Millisecond
	throttleRetryAttempts = 400
)

// functionStep is a state on a workflow's path that invokes a function.
type functionStep struct {
	State    statemachine.State
	Function string
}

// functionSteps are the states on the workflow's path that invoke a
// function, in order. Tests address steps through them, never by name, so
// that adding, removing or renaming a step keeps them true.
func functionSteps(t testing.TB, workflow *statemachine.Workflow) []functionStep {
	t.Helper()
	var steps []functionStep
	for _, state := range workflow.Path {
		if fn, ok := workflow.FunctionOf(state); ok {
			steps = append(steps, functionStep{State: state, Function: fn.Name})
		}
	}
	require.NotEmpty(t, steps, "workflow %q invokes no function on its path", workflow.Name)
	return steps
}

// invocationsOf counts the states on the workflow's path that invoke fn:
// the calls of fn in an execution that nothing fails or retries.
func invocationsOf(t testing.TB, workflow *statemachine.Workflow, fn string) int {
	t.Helper()
	n := 0
	for _, step := range functionSteps(t, workflow) {
		if step.Function == fn {
			n++
		}
	}
	return n
}

// waitingStep is the state on the workflow's path that waits for a task
// token.
func waitingStep(t testing.TB, workflow *statemachine.Workflow) statemachine.State {
	t.Helper()
	for _, state := range workflow.Path {
		if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
			return state
		}
	}
	require.Failf(t, "no task token", "no state on the path of workflow %q waits for a task token", workflow.Name)
	return statemachine.State{}
}

// afterCatch is the states an execution passes through once the first Catch
// of the state called state has caught an error: from the catcher's Next to
// the end, as the definition says.
func afterCatch(t testing.TB, workflow *statemachine.Workflow, state string) []statemachine.State {
	t.Helper()
	rendered, err := workflow.Render(localResourcesOf(workflow, nil).values)
	require.NoError(t, err)
	var definition struct {
		States map[string]struct {
			Type  string
			Next  string
			Catch []struct{ Next string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(rendered), &definition))
	catch := definition.States[state].Catch
	require.NotEmpty(t, catch, "state %q of workflow %q has no Catch", state, workflow.Name)
	var states []statemachine.State
	for name := catch[0].Next; name != "" && len(states) < len(definition.States); name = definition.States[name].Next {
		states = append(states, statemachine.State{Name: name, Type: definition.States[name].Type})
	}
	return states
}

// compactExample is a workflow's example as the Step Functions API carries
// it: compact JSON strings.
func compactExample(t testing.TB, name string) (input, output string) {
	t.Helper()
	_, example := workflowOf(t, name)
	var in, out bytes.Buffer
	require.NoError(t, json.Compact(&in, example.Input))
	require.NoError(t, json.Compact(&out, example.Output))
	return in.String(), out.String()
}
