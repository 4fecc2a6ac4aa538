// Command local runs a workflow end to end on this machine, without AWS:
//
//	go run ./cmd/local -input '{"payload":"hi mom"}'
//	go run ./cmd/local -workflow callback -input '{"payload":"hi mom"}'
//	go run ./cmd/local -serve 127.0.0.1:8083
//
// Progress goes to stderr. stdout gets exactly one line: the execution's
// output (exit status 0), or {"error":…,"cause":…} when the execution fails
// (exit status 1). Exit status 2 means the run could not be set up (the
// message says what is missing), 130 that it was interrupted.
//
// With -serve it runs no execution itself: it serves the Step Functions API
// for every workflow on that loopback address until SIGINT or SIGTERM, then
// stops everything it started and exits 0. With -mock-config FILE, a mock
// config file in Step Functions Local's format, an execution started on
// <stateMachineArn>#<test case> gets that test case's mocked responses.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"stepfunctions-go/internal/localrun"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/envelope"
)

const (
	exitFailed      = 1
	exitSetup       = 2
	exitInterrupted = 130
)

func main() {
	os.Exit(run())
}

func run() int {
	input := flag.String("input", "", "the execution input, JSON")
	inputFile := flag.String("input-file", "", "read the execution input from this file")
	archName := flag.String("arch", string(bundle.HostArch()), "Lambda architecture to build and run: arm64 or x86_64")
	workflow := flag.String("workflow", "main", "the state machine in statemachine/ to run")
	serve := flag.String("serve", "", "serve the Step Functions API for every workflow on this loopback host:port instead")
	workflowType := flag.String("workflow-type", "STANDARD", "with -serve: the main workflow's type, STANDARD or EXPRESS")
	mockConfig := flag.String("mock-config", "", "with -serve: a mock config file in Step Functions Local's format; start an execution on <stateMachineArn>#<test case> to use its mocked responses")
	concurrency := flag.Int("concurrency", localrun.DefaultConcurrency, "invocations of one function at once, each in its own emulator; more are throttled")
	flag.Parse()

	arch, err := bundle.ParseArch(*archName)
	if err != nil {
		return notRun(context.Background(), fmt.Errorf("-arch: %w", err))
	}
	if *concurrency < 1 {
		return notRun(context.Background(), fmt.Errorf("-concurrency must be at least 1, got %d", *concurrency))
	}
	if *serve != "" {
		if *input != "" || *inputFile != "" {
			return notRun(context.Background(), errors.New("-serve runs no execution itself: leave out -input and -input-file and start executions through the endpoint"))
		}
		return serveAPI(localrun.ServeConfig{Address: *serve, MainType: *workflowType, MockConfig: *mockConfig, Sessions: localrun.Config{Arch: arch, Progress: os.Stderr, Concurrency: *concurrency}})
	}
	if *mockConfig != "" {
		return notRun(context.Background(), errors.New("-mock-config works with -serve only: its test cases are started through the endpoint, on <stateMachineArn>#<test case>"))
	}
	executionInput, err := readInput(*input, *inputFile)
	if err != nil {
		return notRun(context.Background(), err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	session, err := localrun.Start(ctx, localrun.Config{Workflow: *workflow, Arch: arch, Progress: os.Stderr, Concurrency: *concurrency})
	if err != nil {
		return notRun(ctx, err)
	}
	defer session.Close()
	execution, err := session.Execute(ctx, executionInput)
	if err != nil {
		return notRun(ctx, err)
	}
	if execution.Failure != nil {
		line, _ := json.Marshal(execution.Failure) // two strings always marshal
		fmt.Println(string(line))
		return exitFailed
	}
	fmt.Println(string(execution.Output))
	return 0
}

// serveAPI serves the Step Functions API until SIGINT or SIGTERM.
func serveAPI(config localrun.ServeConfig) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	server, err := localrun.StartServer(ctx, config)
	if err != nil {
		return notRun(ctx, err)
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "local: stopping the endpoint and everything it started")
	server.Close()
	return 0
}

// readInput checks the input before anything is built, as StartExecution
// rejects input that is not JSON.
func readInput(input, inputFile string) (json.RawMessage, error) {
	var content []byte
	switch {
	case input != "" && inputFile != "":
		return nil, errors.New("give -input or -input-file, not both")
	case inputFile != "":
		var err error
		if content, err = os.ReadFile(inputFile); err != nil {
			return nil, fmt.Errorf("-input-file: %w", err)
		}
	case input != "":
		content = []byte(input)
	default:
		return nil, errors.New(`give the execution input with -input JSON or -input-file PATH, e.g. -input '{"payload":"hi mom"}'`)
	}
	if !json.Valid(content) {
		return nil, fmt.Errorf("the input is not JSON: %.200s", content)
	}
	if len(content) > localrun.PayloadLimit {
		return nil, fmt.Errorf("the input is %d bytes, over Step Functions' limit of %d bytes (256 KiB) for an execution input", len(content), localrun.PayloadLimit)
	}
	// json.Valid takes any bytes inside a string, and the engine would read
	// them as U+FFFD; StartExecution's input is text, so it cannot
	// carry them at all.
	if offset := envelope.InvalidUTF8Offset(content); offset >= 0 {
		return nil, fmt.Errorf("the input is not valid UTF-8: byte 0x%02x at byte offset %d; an execution's input is JSON text", content[offset], offset)
	}
	return content, nil
}

// notRun reports an error that kept the execution from running or finishing.
func notRun(ctx context.Context, err error) int {
	// Checked on the context: an interrupted build reports the go command's
	// exit status, not context.Canceled.
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "local: interrupted; stopping what it started")
		return exitInterrupted
	}
	fmt.Fprintln(os.Stderr, "local:", err)
	return exitSetup
}
