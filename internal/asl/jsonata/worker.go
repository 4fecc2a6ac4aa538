package jsonata

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// Options configure a Worker. The zero value is ready to use.
type Options struct {
	// Timeout bounds one evaluation, so an expression that never ends (a
	// recursion without a base case) fails with U1001 instead of holding
	// the worker; 0 means DefaultTimeout. A ctx deadline that comes sooner
	// wins.
	Timeout time.Duration
	// Seed, when set, makes $random() and $uuid() repeat the same sequence
	// for every worker started with it (tests). $random(seed) repeats
	// without it.
	Seed *uint32
	// Progress receives the one-time npm install's progress lines; nil
	// discards them.
	Progress io.Writer
}

// stuckGrace is Worker.stuckGrace: long enough for a worker on a busy
// machine to answer an evaluation its time check has ended.
const stuckGrace = 5 * time.Second

// DefaultTimeout is the evaluation bound when Options.Timeout is 0. Step
// Functions documents none; this one is far beyond any expression over a
// payload of at most 256 KiB.
const DefaultTimeout = 5 * time.Second

// Worker is an Evaluator over one long-lived Node process running the
// reference jsonata package (js/worker.cjs). Requests carry ids, so any
// number are in flight at once. If the process dies, the evaluations in
// flight fail with an error that says so and the next one starts a new
// process. It is safe for concurrent use; Close stops the process.
type Worker struct {
	install *installation
	options Options
	// stuckGrace is how long past an evaluation's time limit the worker
	// may stay silent before it is taken for stuck (a regular expression
	// that backtracks for ever does not reach jsonata's time check) and
	// stopped.
	stuckGrace time.Duration

	mu      sync.Mutex
	process *process // nil until the first evaluation, or after Close
	nextID  uint64
	closed  bool

	// variables lists, per expression, the variables it names: only those
	// bindings are sent, so a large variable costs only the expressions
	// that read it.
	variablesMu sync.Mutex
	variables   map[string][]string
}

var _ Evaluator = (*Worker)(nil)

// New installs the reference jsonata and Node 22 on first use (npm ci into
// the user's cache) and starts the worker process.
func New(ctx context.Context, options Options) (*Worker, error) {
	if options.Timeout <= 0 {
		options.Timeout = DefaultTimeout
	}
	install, err := install(ctx, orDiscard(options.Progress))
	if err != nil {
		return nil, err
	}
	w := &Worker{install: install, options: options, stuckGrace: stuckGrace, variables: map[string][]string{}}
	if _, err := w.running(); err != nil {
		return nil, err
	}
	return w, nil
}

// Evaluate implements Evaluator. An error that is not a
// *stateserror.Error means the evaluator failed, not the expression: the
// worker could not start or died mid-evaluation.
func (w *Worker) Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error) {
	names, err := w.variablesOf(ctx, expr)
	if err != nil {
		return nil, err
	}
	encoded, err := encodeBindings(bindings, names)
	if err != nil {
		return nil, err
	}
	timeout := w.options.Timeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	reply, err := w.call(ctx, timeout, func(line []byte) []byte {
		line = append(line, `,"now":`...)
		line = strconv.AppendInt(line, nowFrom(ctx).UnixMilli(), 10)
		line = append(line, `,"timeoutMs":`...)
		line = strconv.AppendInt(line, max(timeout.Milliseconds(), 1), 10)
		line = append(line, `,"bindings":`...)
		return append(line, encoded...)
	}, expr)
	if err != nil {
		return nil, err
	}
	if reply.Undefined {
		return Undefined, nil
	}
	// Objects keep the order of the JSON text from Node: JavaScript's, in
	// which integer-like names come first.
	result, err := value.Decode(reply.Result)
	if err != nil {
		return nil, fmt.Errorf("the JSONata worker's result for %q is not JSON: %v", expr, err)
	}
	return result, nil
}

// Validate compiles expr and reports a syntax error as a
// States.QueryEvaluationError whose cause is JSONata's (for example
// `S0202: Expected ")", got "(end)"`), so the engine can refuse a
// definition when it loads it. The compiled expression stays cached.
func (w *Worker) Validate(ctx context.Context, expr string) error {
	_, err := w.variablesOf(ctx, expr)
	return err
}

// maxRemembered bounds the expressions whose variables are remembered; past
// it they are asked for again.
const maxRemembered = 4096

// variablesOf returns the variables expr names, asking the worker (which
// compiles and caches expr) the first time.
func (w *Worker) variablesOf(ctx context.Context, expr string) ([]string, error) {
	w.variablesMu.Lock()
	names, known := w.variables[expr]
	w.variablesMu.Unlock()
	if known {
		return names, nil
	}
	r, err := w.call(ctx, w.options.Timeout, func(line []byte) []byte { return append(line, `,"validate":true`...) }, expr)
	if err != nil {
		return nil, err
	}
	w.variablesMu.Lock()
	if len(w.variables) >= maxRemembered {
		clear(w.variables)
	}
	w.variables[expr] = r.Variables
	w.variablesMu.Unlock()
	return r.Variables, nil
}

// Close stops the worker process: it finishes the evaluations in flight,
// then exits. Evaluations after Close fail.
func (w *Worker) Close() error {
	w.mu.Lock()
	w.closed = true
	p := w.process
	w.process = nil
	w.mu.Unlock()
	if p != nil {
		p.stop()
	}
	return nil
}

// reply is one answer line of js/worker.cjs.
type reply struct {
	ID        uint64          `json:"id"`
	Result    json.RawMessage `json:"result"`
	Undefined bool            `json:"undefined"`
	// Cached says the worker had compiled the expression before.
	Cached bool `json:"cached"`
	// Ready is the worker's first line, once it has loaded jsonata.
	Ready bool `json:"ready"`
	// Variables are the variables a validated expression names.
	Variables []string `json:"variables"`
	Error     *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// call sends one request, the id and expr followed by what more adds, and
// waits for its reply, stopping the worker if it has none by timeout and
// the grace after it.
func (w *Worker) call(ctx context.Context, timeout time.Duration, more func([]byte) []byte, expr string) (*reply, error) {
	p, err := w.running()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.nextID++
	id := w.nextID
	w.mu.Unlock()
	line := append([]byte(`{"id":`), strconv.FormatUint(id, 10)...)
	line = value.AppendString(append(line, `,"expr":`...), expr)
	line = append(more(line), "}\n"...)

	answer, err := p.send(ctx, id, line, timeout+w.stuckGrace)
	if err != nil {
		return nil, err
	}
	if answer.Error != nil {
		if answer.Error.Code == "" {
			return nil, stateserror.New(stateserror.QueryEvaluationError, "%s", answer.Error.Message)
		}
		return nil, stateserror.New(stateserror.QueryEvaluationError, "%s: %s", answer.Error.Code, answer.Error.Message)
	}
	return answer, nil
}

// running returns the live worker process, starting one if there is none
// or the last one died.
func (w *Worker) running() (*process, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, errors.New("the JSONata worker is closed")
	}
	if w.process != nil && w.process.alive() {
		return w.process, nil
	}
	p, err := startProcess(w.install, w.options.Seed)
	if err != nil {
		return nil, err
	}
	w.process = p
	return p, nil
}

// process is one Node process running js/worker.cjs.
type process struct {
	cmd    *exec.Cmd
	stderr *tailBuffer

	writeMu sync.Mutex
	stdin   io.WriteCloser

	// ready is closed when the worker has loaded jsonata and said so;
	// heard is when it last wrote a line (unix nanoseconds).
	ready chan struct{}
	heard atomic.Int64

	mu         sync.Mutex
	waiting    map[uint64]chan *reply
	stopReason error // why this package killed it, if it did
	exited     chan struct{}
	err        error // why it exited; set before exited closes
}

func startProcess(install *installation, seed *uint32) (*process, error) {
	args := []string{install.script, install.dir}
	if seed != nil {
		args = append(args, strconv.FormatUint(uint64(*seed), 10))
	}
	cmd := exec.Command(install.node, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("starting the JSONata worker: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("starting the JSONata worker: %v", err)
	}
	p := &process{cmd: cmd, stdin: stdin, stderr: &tailBuffer{limit: 4 << 10}, waiting: map[uint64]chan *reply{}, ready: make(chan struct{}), exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the JSONata worker (%s): %v; remove %s to reinstall Node 22", install.node, err, install.dir)
	}
	go p.read(stdout)
	return p, nil
}

func (p *process) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

func (p *process) send(ctx context.Context, id uint64, line []byte, stuckAfter time.Duration) (*reply, error) {
	// Node's start, slow on a busy machine, counts against no evaluation.
	select {
	case <-p.ready:
	case <-p.exited:
		return nil, p.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	answer := make(chan *reply, 1)
	p.mu.Lock()
	if !p.alive() {
		p.mu.Unlock()
		return nil, p.err
	}
	p.waiting[id] = answer
	p.mu.Unlock()
	p.writeMu.Lock()
	_, err := p.stdin.Write(line)
	p.writeMu.Unlock()
	if err != nil {
		p.forget(id)
		<-p.exited // a failed write means the process is gone
		return nil, p.err
	}
	// The worker is stuck when it says nothing at all for stuckAfter while
	// this evaluation waits: it runs one evaluation at a time, so one that
	// never ends (a regular expression that backtracks for ever) silences
	// it, while evaluations queued behind busy ones still hear it answer.
	since := time.Now()
	stuck := time.NewTimer(stuckAfter)
	defer stuck.Stop()
	for {
		select {
		case r := <-answer:
			return r, nil
		case <-p.exited:
			return nil, p.err
		case <-ctx.Done():
			p.forget(id) // its reply, when it comes, is dropped
			return nil, ctx.Err()
		case <-stuck.C:
			if heard := time.Unix(0, p.heard.Load()); heard.After(since) {
				since = heard
				stuck.Reset(time.Until(heard.Add(stuckAfter)))
				continue
			}
			p.kill(fmt.Errorf("it said nothing for %v while an evaluation waited, past the evaluation's time limit, so it was taken for stuck and stopped; the next evaluation starts a new one", stuckAfter))
			<-p.exited
			return nil, p.err
		}
	}
}

// kill stops the process for reason, which the evaluations in flight report.
func (p *process) kill(reason error) {
	p.mu.Lock()
	if p.stopReason == nil {
		p.stopReason = reason
	}
	p.mu.Unlock()
	p.cmd.Process.Kill()
}

func (p *process) forget(id uint64) {
	p.mu.Lock()
	delete(p.waiting, id)
	p.mu.Unlock()
}

// read routes each reply to its caller until the process's stdout ends,
// then records why the process ended, which fails every caller waiting.
func (p *process) read(stdout io.Reader) {
	scanner := bufio.NewScanner(stdout)
	scanner.Buffer(make([]byte, 64<<10), 256<<20)
	for scanner.Scan() {
		p.heard.Store(time.Now().UnixNano())
		r := new(reply)
		if err := json.Unmarshal(scanner.Bytes(), r); err != nil {
			p.kill(fmt.Errorf("it wrote an unreadable reply %.200q: %v", scanner.Bytes(), err))
			break
		}
		if r.Ready {
			close(p.ready)
			continue
		}
		p.mu.Lock()
		answer := p.waiting[r.ID]
		delete(p.waiting, r.ID)
		p.mu.Unlock()
		if answer != nil {
			answer <- r
		}
	}
	readErr := scanner.Err()
	waitErr := p.cmd.Wait()
	p.mu.Lock()
	p.err = fmt.Errorf("the JSONata worker (Node, pid %d) exited: %v", p.cmd.Process.Pid, errors.Join(waitErr, readErr))
	if p.stopReason != nil {
		p.err = fmt.Errorf("the JSONata worker (Node, pid %d) was stopped: %v", p.cmd.Process.Pid, p.stopReason)
	}
	if tail := bytes.TrimSpace(p.stderr.bytes()); len(tail) > 0 {
		p.err = fmt.Errorf("%w; its last output: %s", p.err, tail)
	}
	p.waiting = nil
	close(p.exited)
	p.mu.Unlock()
}

// stopGrace is how long the process gets to finish what is in flight after
// its input closes, before it is killed.
const stopGrace = 10 * time.Second

func (p *process) stop() {
	p.writeMu.Lock()
	p.stdin.Close() // the worker exits when its input ends
	p.writeMu.Unlock()
	timer := time.NewTimer(stopGrace)
	defer timer.Stop()
	select {
	case <-p.exited:
	case <-timer.C:
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// tailBuffer keeps the last bytes written to it, for error messages.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	data  []byte
}

func (b *tailBuffer) Write(data []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.data = append(b.data, data...)
	if over := len(b.data) - b.limit; over > 0 {
		b.data = b.data[over:]
	}
	return len(data), nil
}

func (b *tailBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.data)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
