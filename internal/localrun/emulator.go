package localrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/lambdas"
)

// The environment a provided.al2023 function sees, where it matters to the
// code: its name, memory and timeout (the emulator enforces the timeout),
// region and UTC. Nothing of the developer's own environment (credentials,
// proxies) leaks in, as on AWS. Memory and timeout are the stack's defaults.
const (
	functionMemoryMB = lambdas.DefaultMemoryMB
	functionTimeout  = lambdas.DefaultTimeoutSeconds * time.Second
	localPartition   = "aws"
	localRegion      = "us-east-1"
	localAccount     = "000000000000"
)

// emulatorStartTimeout bounds the wait for an emulator to listen; qemu on a
// busy two-core machine is the slow case.
const emulatorStartTimeout = 15 * time.Second

// emulator is one Lambda Runtime Interface Emulator serving one function on
// a loopback port.
type emulator struct {
	function lambdas.Function
	address  string
	ports    []string // its two ports, taken until it stops
	process  *child
	client   *http.Client
}

// startEmulator runs bootstrap (through qemu when set) under the emulator
// and returns once the emulator is ready (awaitReady). The emulator starts
// the bootstrap on the first invocation, which is therefore the cold start.
// awsEnvironment is added to the function's environment.
func startEmulator(ctx context.Context, t *tools, fn lambdas.Function, bootstrap string, awsEnvironment []string) (*emulator, error) {
	// Free ports are found by binding and releasing them, so another process
	// can take one in between: the emulator then cannot bind it and exits.
	// Start again on fresh ports.
	var lastErr error
	for range emulatorStartAttempts {
		e, err := tryStartEmulator(ctx, t, fn, bootstrap, awsEnvironment)
		if err == nil || ctx.Err() != nil {
			return e, err
		}
		lastErr = err
	}
	return nil, lastErr
}

// emulatorStartAttempts bounds the starts on fresh ports.
const emulatorStartAttempts = 3

// testHookPortsChosen, when set, sees an emulator's ports between their
// release and the emulator's start: tests take one there, as another process
// can.
var testHookPortsChosen func(ports []string)

func tryStartEmulator(ctx context.Context, t *tools, fn lambdas.Function, bootstrap string, awsEnvironment []string) (*emulator, error) {
	ports, err := takeLoopbackPorts(2)
	if err != nil {
		return nil, err
	}
	if testHookPortsChosen != nil {
		testHookPortsChosen(ports)
	}
	address := net.JoinHostPort("127.0.0.1", ports[0])
	args := []string{
		"--runtime-interface-emulator-address", address,
		"--runtime-api-address", net.JoinHostPort("127.0.0.1", ports[1]),
	}
	if t.qemu != "" {
		args = append(args, t.qemu)
	}
	cmd := exec.Command(t.rie, append(args, bootstrap)...)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append(functionEnvironment(fn, cmd.Dir), awsEnvironment...)
	cmd.WaitDelay = stopGrace
	process, err := startChild(cmd)
	if err != nil {
		releasePorts(ports)
		return nil, fmt.Errorf("starting the emulator for %s: %w", fn.Name, err)
	}
	// A transport of its own: no proxy from the environment, and idle
	// connections that close with this emulator.
	client := &http.Client{Transport: &http.Transport{}}
	e := &emulator{function: fn, address: address, ports: ports, process: process, client: client}
	if err := e.awaitReady(ctx); err != nil {
		e.stop()
		return nil, err
	}
	return e, nil
}

func functionEnvironment(fn lambdas.Function, taskRoot string) []string {
	return []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"TZ=:UTC",
		"LAMBDA_TASK_ROOT=" + taskRoot,
		"AWS_REGION=" + localRegion,
		"AWS_DEFAULT_REGION=" + localRegion,
		"AWS_LAMBDA_FUNCTION_NAME=" + fn.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(functionMemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(functionTimeout.Seconds())),
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fn.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME=local",
		// Lambda gives every function its execution role's temporary
		// credentials, and the worker needs them to start. Only the local
		// Step Functions endpoint sees these, and it does not check them.
		"AWS_ACCESS_KEY_ID=local",
		"AWS_SECRET_ACCESS_KEY=local",
		"AWS_SESSION_TOKEN=local",
	}
}

// localAWSEnvironment points the functions' AWS SDKs at the local Step
// Functions endpoint.
func localAWSEnvironment(stepFunctionsURL string) []string {
	return []string{"AWS_ENDPOINT_URL_SFN=" + stepFunctionsURL}
}

// portsTaken are the ports given to this process's emulators, which bind
// them after we release them: without this, emulators starting at once
// could be given the same free port, and the one that cannot bind it dies
// while its address answers from the other.
var portsTaken = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

// takeLoopbackPorts finds n free loopback ports that no emulator of this
// process has; releasePorts gives them back.
func takeLoopbackPorts(n int) ([]string, error) {
	portsTaken.Lock()
	defer portsTaken.Unlock()
	var ports []string
	for len(ports) < n {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free loopback port: %w", err)
		}
		defer listener.Close() // held until all are chosen, so they differ
		_, port, _ := net.SplitHostPort(listener.Addr().String())
		if !portsTaken.ports[port] {
			ports = append(ports, port)
		}
	}
	for _, port := range ports {
		portsTaken.ports[port] = true
	}
	return ports, nil
}

func releasePorts(ports []string) {
	portsTaken.Lock()
	defer portsTaken.Unlock()
	for _, port := range ports {
		delete(portsTaken.ports, port)
	}
}

// awaitReady returns once the emulator process itself listens on both of
// its ports: the invocation address, and the Runtime API that the bootstrap
// calls (runtime/invocation/next) as soon as the first invocation starts it.
// Neither a connection that succeeds nor a process that runs proves that:
// the emulator binds its Runtime API in a goroutine of its own, and a port
// taken by another process in the moment between our release and its bind
// answers for someone else while the emulator dies of the failed bind. So
// the ports' listening sockets must be the emulator's own.
func (e *emulator) awaitReady(ctx context.Context) error {
	deadline := time.Now().Add(emulatorStartTimeout)
	for {
		ready, err := listensOn(e.process.cmd.Process.Pid, e.ports)
		if err != nil {
			return err
		}
		if ready {
			return nil
		}
		if !e.process.running() {
			return fmt.Errorf("the emulator for %s: %w", e.function.Name, e.process.exitError("aws-lambda-rie"))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator for %s did not listen on ports %s within %v; its output:\n%s", e.function.Name, strings.Join(e.ports, " and "), emulatorStartTimeout, e.process.output.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond): // a check costs microseconds
		}
	}
}

// listensOn reports whether process pid holds a listening TCP socket on
// each of ports (IPv4, where the emulators listen): the kernel lists the
// listening sockets with their inodes (listeningSockets), and the process's
// descriptors say which are its own.
func listensOn(pid int, ports []string) (bool, error) {
	listening, err := listeningSockets()
	if err != nil {
		return false, err
	}
	var sockets []uint32
	for _, port := range ports {
		number, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return false, err
		}
		if len(listening[uint16(number)]) == 0 {
			return false, nil // not yet, or not at all
		}
		if sockets == nil {
			if sockets = socketsOf(pid); len(sockets) == 0 {
				return false, nil // the process is gone or starting; its exit tells
			}
		}
		if !slices.ContainsFunc(listening[uint16(number)], func(inode uint32) bool { return slices.Contains(sockets, inode) }) {
			return false, nil
		}
	}
	return true, nil
}

// socketsOf lists the inodes of the sockets process pid has open.
func socketsOf(pid int) []uint32 {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	entries, _ := os.ReadDir(dir) // none when the process is gone
	var inodes []uint32
	for _, entry := range entries {
		target, err := os.Readlink(filepath.Join(dir, entry.Name()))
		if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			if number, err := strconv.ParseUint(strings.TrimSuffix(inode, "]"), 10, 32); err == nil {
				inodes = append(inodes, uint32(number))
			}
		}
	}
	return inodes
}

// invoke sends event to the function and returns the emulator's answer: the
// function's result, or its error document ({"errorMessage","errorType"}),
// which the emulator also returns with status 200.
func (e *emulator) invoke(ctx context.Context, event []byte) ([]byte, error) {
	url := "http://" + e.address + "/2015-03-31/functions/function/invocations"
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	response, err := e.client.Do(request)
	if err != nil {
		return nil, e.failure(err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, e.failure(err)
	}
	if response.StatusCode != http.StatusOK {
		return nil, e.failure(fmt.Errorf("HTTP %s %s", response.Status, bytes.TrimSpace(body)))
	}
	return body, nil
}

// failure reports a broken emulator (not a function error) with its output,
// which tells why the bootstrap did not run.
func (e *emulator) failure(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("the emulator for %s failed to invoke it: %w; emulator output:\n%s", e.function.Name, err, e.process.output.String())
}

func (e *emulator) stop() {
	e.client.CloseIdleConnections()
	e.process.stop()
	releasePorts(e.ports)
}

// emulatorPool is a function's execution environments: like Lambda, it
// gives each invocation an emulator of its own, starts another (a cold
// start) when all are busy, and throttles beyond its concurrency limit.
type emulatorPool struct {
	function lambdas.Function
	limit    int
	// start starts one more emulator of the function.
	start func(ctx context.Context) (*emulator, error)

	mu    sync.Mutex
	idle  []*emulator
	all   []*emulator
	busy  int // invocations under way, including those waiting for a start
	ended bool
}

// errThrottled means every emulator of the function is busy and the pool is
// at its limit.
var errThrottled = errors.New("throttled")

// acquire is an idle emulator, or a new one while the pool is below its
// limit; errThrottled beyond it. Give the emulator back with release.
func (p *emulatorPool) acquire(ctx context.Context) (*emulator, error) {
	p.mu.Lock()
	switch {
	case p.ended:
		p.mu.Unlock()
		return nil, fmt.Errorf("the emulators of %s are stopped", p.function.Name)
	case len(p.idle) > 0:
		e := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		p.busy++
		p.mu.Unlock()
		return e, nil
	case p.busy >= p.limit:
		p.mu.Unlock()
		return nil, errThrottled
	}
	p.busy++
	p.mu.Unlock()
	e, err := p.start(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.busy--
		return nil, err
	}
	if p.ended { // stopped while this one started
		p.busy--
		go e.stop()
		return nil, fmt.Errorf("the emulators of %s are stopped", p.function.Name)
	}
	p.all = append(p.all, e)
	return e, nil
}

func (p *emulatorPool) release(e *emulator) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.busy--
	p.idle = append(p.idle, e)
}

// emulators is every emulator the pool has started.
func (p *emulatorPool) emulators() []*emulator {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.all)
}

// stop stops every emulator; later acquires fail.
func (p *emulatorPool) stop() {
	p.mu.Lock()
	p.ended = true
	all := slices.Clone(p.all)
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range all {
		wg.Go(e.stop)
	}
	wg.Wait()
}
