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

	loaded chan incoming // the answer to load
	// gone is closed when the process has failed or ended; failure says how.
	gone    chan struct{}
	failure error

	mu      sync.Mutex
	runs    map[int]*run // executions under way, by run number
	lastRun int
}

// run is one execution's end of the conversation: its events, in order,
// and its end.
type run struct {
	messages chan incoming
	// abandoned is closed when the execution no longer listens.
	abandoned chan struct{}
}

// incoming is any message runner.mjs writes.
type incoming struct {
	Type string `json:"type"`
	// call (with Run)
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
	// TimedOut marks the end of an execution past its TimeoutSeconds.
	TimedOut bool `json:"timedOut"`
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
	// StateCaught, an execution-level event, or a Task's TaskScheduled,
	// TaskSucceeded or TaskFailed.
	Type      string `json:"type"`
	State     string `json:"state"`
	StateType string `json:"stateType"`
	// Input and Output are the state's (or, for execution events, the
	// execution's) input and output, where the event has them.
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
	// Error and Cause are the failure of a StateFailed or ExecutionFailed
	// event.
	Error string `json:"error"`
	Cause string `json:"cause"`
	// Attempt counts the retries of a StateRetried event, from 1.
	Attempt int `json:"attempt"`
	// Next is the state a StateCaught event continues with.
	Next string `json:"next"`
	// Resource, Parameters, TimeoutSeconds and HeartbeatSeconds describe
	// the call of a TaskScheduled event; Resource that of every Task event.
	Resource         string          `json:"resource"`
	Parameters       json.RawMessage `json:"parameters"`
	TimeoutSeconds   int             `json:"timeoutSeconds"`
	HeartbeatSeconds int             `json:"heartbeatSeconds"`
	// At is when this side received the event.
	At time.Time `json:"-"`
}

// interpreterOverrides shorten what tests would otherwise wait for.
type interpreterOverrides struct {
	// RetryInterval replaces every Retry's backoff (the interpreter's
	// retryIntervalOverrides); zero keeps the definition's.
	RetryInterval time.Duration
	// RetryMaxAttempts replaces the MaxAttempts of every retrier of every
	// state; zero keeps the definition's.
	RetryMaxAttempts int
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
		loaded:       make(chan incoming, 1),
		gone:         make(chan struct{}),
		runs:         map[int]*run{},
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
	if overrides.RetryMaxAttempts > 0 {
		load["retryMaxAttempts"] = overrides.RetryMaxAttempts
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
	var loaded incoming
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-in.gone:
		return in.failure
	case loaded = <-in.loaded:
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
// Executions may overlap. When ctx ends first, the run is aborted.
func (in *interpreter) execute(ctx context.Context, input json.RawMessage, onEvent func(Event)) (incoming, error) {
	in.mu.Lock()
	in.lastRun++
	number := in.lastRun
	r := &run{messages: make(chan incoming, 16), abandoned: make(chan struct{})}
	in.runs[number] = r
	in.mu.Unlock()
	defer func() {
		in.mu.Lock()
		delete(in.runs, number)
		in.mu.Unlock()
		close(r.abandoned)
	}()
	if err := in.send(map[string]any{"type": "run", "run": number, "input": input}); err != nil {
		return incoming{}, err
	}
	for {
		select {
		case <-ctx.Done():
			in.send(map[string]any{"type": "stop", "run": number}) // fails only when the interpreter is gone
			return incoming{}, ctx.Err()
		case <-in.gone:
			return incoming{}, in.failure
		case message := <-r.messages:
			switch message.Type {
			case "event":
				onEvent(message.Event)
			case "broken":
				in.send(map[string]any{"type": "stop", "run": number})
				return incoming{}, errors.New(message.Message)
			case "done":
				return message, nil
			}
		}
	}
}

// read hands each message to whoever waits for it: a call to its
// integration, concurrently; an event or end to its run, in order.
func (in *interpreter) read(stdout io.Reader) {
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 16<<20) // Step Functions allows 256 KiB payloads; leave room
	for lines.Scan() {
		var message incoming
		if err := json.Unmarshal(lines.Bytes(), &message); err != nil {
			in.fail(fmt.Errorf("the ASL interpreter wrote an unreadable line: %s", lines.Text()))
			return
		}
		message.Event.At = time.Now()
		switch message.Type {
		case "call":
			go in.serve(message)
		case "loaded", "invalid":
			in.loaded <- message
		case "event", "done":
			in.deliver(message)
		case "fatal":
			in.fail(fmt.Errorf("the ASL interpreter failed: %s", message.Message))
			return
		}
	}
	in.fail(fmt.Errorf("the ASL interpreter: %w", in.process.exitError("node")))
}

// deliver passes message to its run; a run abandoned drops it.
func (in *interpreter) deliver(message incoming) {
	in.mu.Lock()
	r, ok := in.runs[message.Run]
	in.mu.Unlock()
	if !ok {
		return
	}
	select {
	case r.messages <- message:
	case <-r.abandoned:
	}
}

func (in *interpreter) fail(err error) {
	in.failure = err
	close(in.gone)
}

// serve answers one Task through its integration. A broken integration
// (not a Task error) ends the Task's execution with that error.
func (in *interpreter) serve(call incoming) {
	answer := map[string]any{"type": "answer", "call": call.Call}
	var result json.RawMessage
	var err error
	if taskErr := checkPayloadSize("the state's input", call.Parameters); taskErr != nil {
		err = taskErr
	} else {
		result, err = in.integrations[call.Resource].call(in.calls, taskCall{
			State:      call.State,
			Parameters: call.Parameters,
			TaskToken:  call.TaskToken,
			Timeout:    time.Duration(call.TimeoutSeconds) * time.Second,
			Heartbeat:  time.Duration(call.HeartbeatSeconds) * time.Second,
		})
	}
	if err == nil {
		if taskErr := checkPayloadSize("the task's result", result); taskErr != nil {
			err = taskErr
		}
	}
	var taskErr *TaskError
	switch {
	case errors.As(err, &taskErr):
		answer["error"] = map[string]string{"name": taskErr.Name, "cause": taskErr.Cause}
	case err != nil:
		in.deliver(incoming{Type: "broken", Run: call.Run, Message: fmt.Sprintf("the Task %q: %v", call.State, err)})
		return
	default:
		answer["result"] = result
	}
	in.send(answer) // fails only when the interpreter is gone, which execute reports
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
