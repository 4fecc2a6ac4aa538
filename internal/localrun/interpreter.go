package localrun

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// interpreter is the Node process running runner.mjs: aws-local-stepfunctions
// executes the definition there, and every Task comes back here, to the
// integration registered for its Resource. The protocol is described at the
// top of runner.mjs.
type interpreter struct {
	process *child
	stdin   io.WriteCloser
	writeMu sync.Mutex

	integrations map[string]integration
	tasks        []taskState // the definition's Task states, at every depth
	// calls is the context of the integrations' work: it ends with the
	// interpreter, so that no invocation outlives the run.
	calls       context.Context
	cancelCalls context.CancelFunc

	messages chan incoming // in order, so that progress reads in order
	// broken carries the first failure of an integration's machinery.
	broken  chan error
	lastRun int
}

// incoming is any message runner.mjs writes.
type incoming struct {
	Type string `json:"type"`
	// call
	Call       int             `json:"call"`
	State      string          `json:"state"`
	Resource   string          `json:"resource"`
	Parameters json.RawMessage `json:"parameters"`
	TaskToken  string          `json:"taskToken"`
	// TimeoutSeconds and HeartbeatSeconds are the Task's, overrides applied.
	TimeoutSeconds   int `json:"timeoutSeconds"`
	HeartbeatSeconds int `json:"heartbeatSeconds"`
	// loaded
	Tasks []taskState `json:"tasks"`
	// invalid
	Errors string `json:"errors"`
	// event and done
	Run    int             `json:"run"`
	Event  Event           `json:"event"`
	Output json.RawMessage `json:"output"`
	Error  string          `json:"error"`
	Cause  string          `json:"cause"`
	// fatal
	Message string `json:"message"`
}

type taskState struct {
	State    string `json:"state"`
	Resource string `json:"resource"`
}

// Event is a step of an execution as the interpreter reports it.
type Event struct {
	// Type is StateEntered, StateExited, StateFailed, StateRetried,
	// StateCaught, or an execution-level event.
	Type      string `json:"type"`
	State     string `json:"state"`
	StateType string `json:"stateType"`
	// Error names the failure of a StateFailed event.
	Error string `json:"error"`
	// Attempt counts the retries of a StateRetried event, from 1.
	Attempt int `json:"attempt"`
	// Next is the state a StateCaught event continues with.
	Next string `json:"next"`
	// At is when this side received the event.
	At time.Time `json:"-"`
}

// interpreterOverrides shorten what tests would otherwise wait for.
type interpreterOverrides struct {
	// RetryInterval replaces every Retry's backoff (the interpreter's
	// retryIntervalOverrides); zero keeps the definition's.
	RetryInterval time.Duration
	// TaskTimeout replaces every Task's TimeoutSeconds, in whole seconds;
	// zero keeps the definition's.
	TaskTimeout time.Duration
	// TaskHeartbeat replaces the HeartbeatSeconds of every Task that has
	// one, in whole seconds; zero keeps the definition's.
	TaskHeartbeat time.Duration
}

func startInterpreter(ctx context.Context, t *tools, definition string, overrides interpreterOverrides, integrations map[string]integration) (*interpreter, error) {
	cmd := exec.Command(t.node, t.runner)
	cmd.Dir = filepath.Dir(t.runner)
	cmd.WaitDelay = stopGrace
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	process, err := startChild(cmd)
	if err != nil {
		return nil, setupErrorf("starting Node 22 (%s): %v", t.node, err)
	}
	calls, cancelCalls := context.WithCancel(context.Background())
	in := &interpreter{
		process:      process,
		stdin:        stdin,
		integrations: integrations,
		calls:        calls,
		cancelCalls:  cancelCalls,
		messages:     make(chan incoming, 64),
		broken:       make(chan error, 1),
	}
	go in.read(stdout)
	if err := in.load(ctx, definition, overrides); err != nil {
		in.stop()
		return nil, err
	}
	return in, nil
}

func (in *interpreter) load(ctx context.Context, definition string, overrides interpreterOverrides) error {
	load := map[string]any{"type": "load", "definition": json.RawMessage(definition)}
	if overrides.RetryInterval > 0 {
		load["retryIntervalMs"] = overrides.RetryInterval.Milliseconds()
	}
	if overrides.TaskTimeout > 0 {
		load["taskTimeoutSeconds"] = max(1, int(overrides.TaskTimeout.Seconds()))
	}
	if overrides.TaskHeartbeat > 0 {
		load["taskHeartbeatSeconds"] = max(1, int(overrides.TaskHeartbeat.Seconds()))
	}
	if err := in.send(load); err != nil {
		return err
	}
	loaded, err := in.next(ctx)
	if err != nil {
		return err
	}
	switch loaded.Type {
	case "invalid":
		return setupErrorf("asl-validator rejects the rendered definition:\n%s", loaded.Errors)
	case "loaded":
	default:
		return fmt.Errorf("the interpreter answered %q to load", loaded.Type)
	}
	in.tasks = loaded.Tasks
	return nil
}

// checkIntegrations reports a Task whose Resource no integration serves,
// before an execution would fail on it.
func (in *interpreter) checkIntegrations() error {
	for _, task := range in.tasks {
		if _, ok := in.integrations[task.Resource]; !ok {
			return setupErrorf("Task %q uses Resource %s, which the local runner does not emulate; it emulates %s", task.State, task.Resource, strings.Join(slices.Sorted(maps.Keys(in.integrations)), ", "))
		}
	}
	return nil
}

// execute runs the definition on input, passing each event to onEvent.
func (in *interpreter) execute(ctx context.Context, input json.RawMessage, onEvent func(Event)) (incoming, error) {
	in.lastRun++
	run := in.lastRun
	if err := in.send(map[string]any{"type": "run", "run": run, "input": input}); err != nil {
		return incoming{}, err
	}
	for {
		message, err := in.next(ctx)
		if err != nil {
			return incoming{}, err
		}
		switch {
		case message.Type == "call":
			// Served after the events before it (the Task's StateEntered)
			// have been reported, and concurrently with what follows.
			go in.serve(message)
		case message.Run != run:
			// left over from an execution that was abandoned
		case message.Type == "event":
			onEvent(message.Event)
		case message.Type == "done":
			return message, nil
		}
	}
}

// next is the next message; a fatal message or the end of the process is
// an error.
func (in *interpreter) next(ctx context.Context) (incoming, error) {
	select {
	case <-ctx.Done():
		return incoming{}, ctx.Err()
	case err := <-in.broken:
		return incoming{}, err
	case message, ok := <-in.messages:
		switch {
		case !ok:
			return incoming{}, fmt.Errorf("the ASL interpreter: %w", in.process.exitError("node"))
		case message.Type == "fatal":
			return incoming{}, fmt.Errorf("the ASL interpreter failed: %s", message.Message)
		}
		return message, nil
	}
}

func (in *interpreter) read(stdout io.Reader) {
	defer close(in.messages)
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 16<<20) // Step Functions allows 256 KiB payloads; leave room
	for lines.Scan() {
		var message incoming
		if err := json.Unmarshal(lines.Bytes(), &message); err != nil {
			message = incoming{Type: "fatal", Message: "unreadable line from runner.mjs: " + lines.Text()}
		}
		message.Event.At = time.Now()
		in.messages <- message
	}
}

// serve answers one Task through its integration. A broken integration
// (not a Task error) ends the execution with that error.
func (in *interpreter) serve(call incoming) {
	answer := map[string]any{"type": "answer", "call": call.Call}
	result, err := in.integrations[call.Resource].call(in.calls, taskCall{
		State:      call.State,
		Parameters: call.Parameters,
		TaskToken:  call.TaskToken,
		Timeout:    time.Duration(call.TimeoutSeconds) * time.Second,
		Heartbeat:  time.Duration(call.HeartbeatSeconds) * time.Second,
	})
	var taskErr *TaskError
	switch {
	case errors.As(err, &taskErr):
		answer["error"] = map[string]string{"name": taskErr.Name, "cause": taskErr.Cause}
	case err != nil:
		select {
		case in.broken <- fmt.Errorf("the Task %q: %w", call.State, err):
		default: // one failure is enough to end the run
		}
		return
	default:
		answer["result"] = result
	}
	in.send(answer) // fails only when the interpreter is gone, which next reports
}

func (in *interpreter) send(message any) error {
	line, err := json.Marshal(message)
	if err != nil {
		return err
	}
	in.writeMu.Lock()
	defer in.writeMu.Unlock()
	if _, err := in.stdin.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("writing to the ASL interpreter: %w", err)
	}
	return nil
}

func (in *interpreter) stop() {
	in.cancelCalls()
	in.stdin.Close()
	in.process.stop()
}
