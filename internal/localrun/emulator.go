package localrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
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
	process  *child
	client   *http.Client
}

// startEmulator runs bootstrap (through qemu when set) under the emulator
// and returns once the emulator accepts connections. The emulator starts the
// bootstrap on the first invocation, which is therefore the cold start.
// awsEnvironment is added to the function's environment.
func startEmulator(ctx context.Context, t *tools, fn lambdas.Function, bootstrap string, awsEnvironment []string) (*emulator, error) {
	// Free ports are found by binding and releasing them, so another process
	// can take one in between: retry with fresh ports when the emulator dies.
	var lastErr error
	for range 3 {
		e, err := tryStartEmulator(ctx, t, fn, bootstrap, awsEnvironment)
		if err == nil || ctx.Err() != nil {
			return e, err
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStartEmulator(ctx context.Context, t *tools, fn lambdas.Function, bootstrap string, awsEnvironment []string) (*emulator, error) {
	ports, err := freeLoopbackPorts(2)
	if err != nil {
		return nil, err
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
		return nil, fmt.Errorf("starting the emulator for %s: %w", fn.Name, err)
	}
	// A transport of its own: no proxy from the environment, and idle
	// connections that close with this emulator.
	client := &http.Client{Transport: &http.Transport{}}
	e := &emulator{function: fn, address: address, process: process, client: client}
	if err := e.awaitListening(ctx); err != nil {
		process.stop()
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

func freeLoopbackPorts(n int) ([]string, error) {
	var ports []string
	for range n {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free loopback port: %w", err)
		}
		defer listener.Close() // held until all are chosen, so they differ
		_, port, _ := net.SplitHostPort(listener.Addr().String())
		ports = append(ports, port)
	}
	return ports, nil
}

func (e *emulator) awaitListening(ctx context.Context) error {
	deadline := time.Now().Add(emulatorStartTimeout)
	for {
		conn, err := net.DialTimeout("tcp", e.address, 100*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		if !e.process.running() {
			return fmt.Errorf("the emulator for %s: %w", e.function.Name, e.process.exitError("aws-lambda-rie"))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the emulator for %s did not listen on %s within %v; its output:\n%s", e.function.Name, e.address, emulatorStartTimeout, e.process.output.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
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
}
