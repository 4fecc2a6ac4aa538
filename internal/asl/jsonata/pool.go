package jsonata

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/dop251/goja"

	"stepfunctions-go/internal/asl/stateserror"
)

// Options configure a Pool. The zero value is ready to use.
type Options struct {
	// Runtimes caps the JavaScript runtimes, and so the evaluations that
	// run at once; 0 means GOMAXPROCS. Each runtime holds its own copy of
	// jsonata and its own cache of compiled expressions.
	Runtimes int
	// Random feeds $random() without a seed and $uuid(); nil means
	// crypto/rand. Tests pass a seeded stream to make both repeatable.
	Random io.Reader
	// Progress receives the one-time npm install's progress lines; nil
	// discards them.
	Progress io.Writer
}

// Pool is an Evaluator over a pool of goja runtimes, each with jsonata
// loaded. It is safe for concurrent use; Close releases it.
type Pool struct {
	program *goja.Program
	slots   chan struct{} // one token per runtime created
	idle    chan *jsRuntime

	randomMu sync.Mutex
	random   io.Reader

	closeOnce sync.Once
	closed    chan struct{}
}

var _ Evaluator = (*Pool)(nil)

// New installs the reference jsonata package on first use and returns a
// Pool. Runtimes start when evaluations need them.
func New(ctx context.Context, options Options) (*Pool, error) {
	path, source, err := installReference(ctx, orDiscard(options.Progress))
	if err != nil {
		return nil, err
	}
	program, err := goja.Compile(path, string(source), true)
	if err != nil {
		return nil, fmt.Errorf("compiling %s for the JavaScript runtime: %v", path, err)
	}
	size := options.Runtimes
	if size <= 0 {
		size = runtime.GOMAXPROCS(0)
	}
	random := options.Random
	if random == nil {
		random = rand.Reader
	}
	pool := &Pool{
		program: program,
		slots:   make(chan struct{}, size),
		idle:    make(chan *jsRuntime, size),
		random:  random,
		closed:  make(chan struct{}),
	}
	// A first runtime now: a broken install fails here, not mid-execution.
	first, err := pool.acquire(ctx)
	if err != nil {
		return nil, err
	}
	pool.release(first)
	return pool, nil
}

// Close stops new evaluations; those under way finish. Runtimes are plain
// Go memory, so nothing else needs releasing.
func (p *Pool) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

// Evaluate implements Evaluator.
func (p *Pool) Evaluate(ctx context.Context, expr string, bindings map[string]any) (any, error) {
	vm, err := p.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer p.release(vm)
	return vm.evaluate(ctx, expr, bindings)
}

// Validate reports a syntax error in expr as a States.QueryEvaluationError
// whose cause is JSONata's (for example "S0202: Expected \")\", got
// \"(end)\""), so the engine can refuse a definition when it loads it.
func (p *Pool) Validate(ctx context.Context, expr string) error {
	vm, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer p.release(vm)
	_, err = vm.compile(expr)
	return err
}

func (p *Pool) acquire(ctx context.Context) (*jsRuntime, error) {
	select {
	case <-p.closed:
		return nil, errPoolClosed
	case vm := <-p.idle:
		return vm, nil
	default:
	}
	select {
	case <-p.closed:
		return nil, errPoolClosed
	case vm := <-p.idle:
		return vm, nil
	case p.slots <- struct{}{}:
		vm, err := newJSRuntime(p)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return vm, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *Pool) release(vm *jsRuntime) { p.idle <- vm }

var errPoolClosed = stateserror.New(stateserror.QueryEvaluationError, "the JSONata evaluator is closed")

// randomBytes fills b from the pool's random stream.
func (p *Pool) randomBytes(b []byte) error {
	p.randomMu.Lock()
	defer p.randomMu.Unlock()
	if _, err := io.ReadFull(p.random, b); err != nil {
		return fmt.Errorf("reading random bytes: %v", err)
	}
	return nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

