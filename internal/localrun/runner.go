// Package localrun runs a workflow of this project end to end without AWS:
// the functions' real bootstraps, built exactly as `pulumi up` builds them,
// under the Lambda Runtime Interface Emulator, and the real definition, as
// the stack renders it, in an independent ASL interpreter
// (aws-local-stepfunctions), whose Task states are served here with Step
// Functions' semantics.
//
// Where things are: runner.go, a Session (one workflow, ready to execute);
// interpreter.go and js/runner.mjs, the execution engine; emulator.go, the
// Lambda emulators and each function's pool of them; lambda.go, the
// lambda:invoke integration; sqs.go, the queue and its mapping;
// stepfunctions.go, the Step Functions API endpoint (protocol, task
// tokens), with executions.go and history.go for the execution API; serve.go,
// every workflow behind one endpoint (cmd/local -serve).
package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/internal/progress"
	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// Config says what to run and how.
type Config struct {
	// Workflow is a state machine in statemachine/, e.g. "main".
	Workflow string
	// Arch is the architecture the functions are built for; a foreign one
	// runs under qemu-user.
	Arch bundle.Arch
	// Progress receives what happens, line by line, for people.
	Progress io.Writer
	// Packages, when set, are run instead of building the functions: tests
	// and benchmarks build once for many sessions.
	Packages []bundle.Package

	// Faults injects Lambda service faults and delays; nil injects none.
	Faults FaultPlan
	// RetryInterval, when set, replaces every Retry's backoff so that tests
	// of the retry policy take milliseconds.
	RetryInterval time.Duration
	// RetryMaxAttempts, when set, replaces the MaxAttempts of every Retry
	// rule, in nested states too, so that tests which throttle on purpose
	// keep retrying however long a busy machine keeps the functions busy.
	// Tests of the retry policy itself leave it zero.
	RetryMaxAttempts int
	// TaskTimeout, when set, replaces every Task's TimeoutSeconds (whole
	// seconds, at least one) so that tests of timeouts take seconds.
	TaskTimeout time.Duration
	// TaskHeartbeat, when set, replaces the HeartbeatSeconds of every Task
	// that has one (whole seconds, at least one), for the same reason.
	TaskHeartbeat time.Duration
	// Concurrency is how many invocations of one function run at once, each
	// in an emulator of its own; beyond it invocations are throttled
	// (Lambda.TooManyRequestsException). Zero means DefaultConcurrency.
	Concurrency int

	// endpoint, when set, is the Step Functions API the functions and the
	// waiting Tasks use, shared with other sessions; otherwise the session
	// starts one of its own on a free loopback port.
	endpoint *stepFunctionsEndpoint
}

// DefaultConcurrency is the default Config.Concurrency: enough for a few
// executions at once without starting more processes than a laptop has
// cores for.
const DefaultConcurrency = 4

// Session holds a workflow ready to execute: emulators running, definition
// loaded. Close it to stop every process and remove every file it made.
type Session struct {
	progress      io.Writer
	definition    string // as rendered with the local resources
	pools         []*emulatorPool
	interpreter   *interpreter
	stepFunctions *stepFunctionsEndpoint
	ownsEndpoint  bool
	queues        []*localQueue
	tempDir       string
	closeOnce     sync.Once
}

// Execution is the outcome of one execution.
type Execution struct {
	// Output is the execution's output when it succeeded.
	Output json.RawMessage
	// Failure is set when the execution failed.
	Failure *Failure
	// TimedOut says the execution ran past the workflow's TimeoutSeconds
	// (Failure is then States.Timeout).
	TimedOut bool
	// Transitions counts states entered plus retries, as Step Functions
	// counts state transitions.
	Transitions int
	Duration    time.Duration
}

// Failure is a failed execution's error and cause, as Step Functions
// reports them.
type Failure struct {
	Error string `json:"error"`
	Cause string `json:"cause"`
}

// PayloadLimit is Step Functions' limit on an execution's input and output,
// a state's input and output and a task's result: 256 KiB of UTF-8.
const PayloadLimit = 256 << 10

// checkPayloadSize fails what exceeds PayloadLimit as Step Functions does.
func checkPayloadSize(what string, payload []byte) *TaskError {
	if len(payload) <= PayloadLimit {
		return nil
	}
	return &TaskError{Name: "States.DataLimitExceeded", Cause: fmt.Sprintf("%s is %d bytes, over Step Functions' limit of %d bytes (256 KiB)", what, len(payload), PayloadLimit)}
}

// Start builds, unpacks and starts everything the workflow needs. On error
// it leaves nothing running.
func Start(ctx context.Context, config Config) (session *Session, err error) {
	project, err := statemachine.LoadProject()
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	workflow, err := project.Workflow(config.Workflow)
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	// The timing rules a deploy checks, for the functions' timeout here.
	if err := workflow.CheckDuration(int(functionTimeout / time.Second)); err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	if config.Progress == nil {
		config.Progress = io.Discard
	}
	out := config.Progress
	tools, err := provisionTools(ctx, config.Arch, out)
	if err != nil {
		return nil, err
	}
	if warning := project.UnusedWarning(); warning != "" {
		fmt.Fprintln(out, "local: warning:", warning)
	}
	resources := localResourcesOf(workflow, project.Deployed(workflow))
	definition, err := workflow.Render(resources.values)
	if err != nil {
		return nil, &SetupError{msg: err.Error()}
	}
	tempDir, err := os.MkdirTemp("", "localrun-")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary directory: %w", err)
	}
	s := &Session{progress: out, definition: definition, tempDir: tempDir}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	// The functions' environment names the endpoint: it comes first.
	s.stepFunctions = config.endpoint
	if s.stepFunctions == nil {
		if s.stepFunctions, err = startStepFunctionsEndpoint("127.0.0.1:0", out); err != nil {
			return nil, err
		}
		s.ownsEndpoint = true
	}
	invoke := newLambdaInvoke(config.Faults)
	sendAndWait := &sendMessageAndWait{queues: map[string]*localQueue{}, stepFunctions: s.stepFunctions}
	for _, spec := range resources.queues {
		queue := &localQueue{Queue: spec, lambda: invoke, progress: out}
		s.queues = append(s.queues, queue)
		sendAndWait.queues[localQueueURL(spec.Name)] = queue
	}
	integrations := map[string]integration{lambdaInvokeResource: invoke, sqsSendMessageWaitResource: sendAndWait}
	overrides := interpreterOverrides{RetryInterval: config.RetryInterval, RetryMaxAttempts: config.RetryMaxAttempts, TaskTimeout: config.TaskTimeout, TaskHeartbeat: config.TaskHeartbeat}
	// Node takes about as long to load the interpreter as the functions take
	// to build and start: do both at once.
	var interpreterErr error
	var loading sync.WaitGroup
	loading.Go(func() {
		step := progress.Start(config.Progress, "local", "starting the ASL interpreter (Node 22)")
		s.interpreter, interpreterErr = startInterpreter(ctx, tools, definition, overrides, integrations)
		step.End(interpreterErr)
	})
	s.pools, err = startEmulatorPools(ctx, config, resources.functions, tools, tempDir, localAWSEnvironment(s.stepFunctions.url))
	loading.Wait()
	if err = errors.Join(interpreterErr, err); err != nil {
		return nil, err
	}
	if err = s.interpreter.checkIntegrations(); err != nil {
		return nil, err
	}
	invoke.use(s.pools)
	runsOn := "natively"
	if tools.qemu != "" {
		runsOn = "under " + filepath.Base(tools.qemu)
	}
	for _, pool := range s.pools {
		fmt.Fprintf(out, "local: %s (%s) on http://%s, %s, up to %d at once\n", pool.function.Name, config.Arch, pool.emulators()[0].address, runsOn, pool.limit)
	}
	for _, queue := range s.queues {
		fmt.Fprintf(out, "local: queue %s (%s) feeds %s; Step Functions endpoint %s\n", queue.Name, localQueueURL(queue.Name), queue.Consumer, s.stepFunctions.url)
	}
	return s, nil
}

// localResources is what a workflow's placeholders stand for here.
type localResources struct {
	functions []lambdas.Function // to start, each under an emulator
	queues    []lambdas.Queue
	values    map[string]string // placeholder → value
}

// localResourcesOf gives each placeholder its local value: a function's
// local ARN, a local queue's URL, the partition. functions are what the
// workflow needs, including its queues' consumers: the definition names
// only the queue.
func localResourcesOf(workflow *statemachine.Workflow, functions []lambdas.Function) localResources {
	resources := localResources{functions: functions, queues: workflow.Queues, values: map[string]string{}}
	if workflow.Uses(statemachine.PartitionPlaceholder) {
		resources.values[statemachine.PartitionPlaceholder] = localPartition
	}
	for _, fn := range workflow.Functions {
		resources.values[fn.ArnPlaceholder()] = localFunctionARN(fn)
	}
	for _, queue := range workflow.Queues {
		resources.values[queue.URLPlaceholder] = localQueueURL(queue.Name)
	}
	return resources
}

// startEmulatorPools builds the functions (unless config has them), unpacks
// each into tempDir and starts a pool of emulators for it, with one
// emulator running so that a failure shows now, not at the first execution.
func startEmulatorPools(ctx context.Context, config Config, functions []lambdas.Function, t *tools, tempDir string, awsEnvironment []string) ([]*emulatorPool, error) {
	packages, err := packagesOf(ctx, config, functions)
	if err != nil {
		return nil, err
	}
	limit := config.Concurrency
	if limit == 0 {
		limit = DefaultConcurrency
	}
	if limit < 0 {
		return nil, setupErrorf("the concurrency per function must be at least 1, got %d", limit)
	}
	runsOn := ""
	if t.qemu != "" {
		runsOn = " under " + filepath.Base(t.qemu)
	}
	step := progress.Start(config.Progress, "local", fmt.Sprintf("starting %d functions under the Lambda emulator%s", len(packages), runsOn))
	pools := make([]*emulatorPool, len(packages))
	errs := make([]error, len(packages))
	var wg sync.WaitGroup
	for i, pkg := range packages {
		wg.Go(func() {
			bootstrap, err := unpack(pkg, filepath.Join(tempDir, pkg.Function.Name))
			if err != nil {
				errs[i] = err
				return
			}
			pools[i] = &emulatorPool{function: pkg.Function, limit: limit, start: func(ctx context.Context) (*emulator, error) {
				return startEmulator(ctx, t, pkg.Function, bootstrap, awsEnvironment)
			}}
			var first *emulator
			if first, errs[i] = pools[i].acquire(ctx); errs[i] == nil {
				pools[i].release(first)
			}
		})
	}
	wg.Wait()
	err = errors.Join(errs...)
	step.End(err)
	if err != nil {
		for _, pool := range pools {
			if pool != nil {
				pool.stop()
			}
		}
		return nil, err
	}
	return pools, nil
}

func packagesOf(ctx context.Context, config Config, functions []lambdas.Function) ([]bundle.Package, error) {
	if config.Packages == nil {
		names := make([]string, len(functions))
		for i, fn := range functions {
			names[i] = fn.Name
		}
		step := progress.Start(config.Progress, "local", fmt.Sprintf("building %s for %s", strings.Join(names, ", "), config.Arch))
		packages, err := bundle.BuildAll(ctx, functions, config.Arch)
		step.End(err)
		return packages, err
	}
	packages := make([]bundle.Package, len(functions))
	for i, fn := range functions {
		index := slices.IndexFunc(config.Packages, func(pkg bundle.Package) bool { return pkg.Function.Name == fn.Name })
		if index < 0 {
			return nil, fmt.Errorf("no package for %s among Config.Packages", fn.Name)
		}
		packages[i] = config.Packages[index]
	}
	return packages, nil
}

// Execute runs the workflow once on input, printing its progress. A failed
// execution is not an error: it is reported in Execution.Failure.
// Executions may overlap.
func (s *Session) Execute(ctx context.Context, input json.RawMessage) (*Execution, error) {
	return s.execute(ctx, input, s.progress, nil)
}

// execute runs the workflow once on input, printing each step to progress
// and passing each event to record, when set.
func (s *Session) execute(ctx context.Context, input json.RawMessage, progress io.Writer, record func(Event)) (*Execution, error) {
	if !json.Valid(input) {
		return nil, setupErrorf("the input is not JSON: %.200s", input)
	}
	if err := checkPayloadSize("the execution input", input); err != nil {
		return nil, &SetupError{msg: err.Cause}
	}
	report := newProgressReport(progress)
	onEvent := report.event
	if record != nil {
		onEvent = func(e Event) {
			report.event(e)
			record(e)
		}
	}
	started := time.Now()
	done, err := s.interpreter.execute(ctx, input, onEvent)
	if err != nil {
		return nil, err
	}
	execution := &Execution{TimedOut: done.TimedOut, Transitions: report.transitions, Duration: time.Since(started)}
	if done.Error != "" {
		execution.Failure = &Failure{Error: done.Error, Cause: done.Cause}
	} else {
		execution.Output = done.Output
	}
	report.finish(execution)
	return execution, nil
}

// Close stops the interpreter, the queues' deliveries, the Step Functions
// endpoint and the emulators, in that order, and removes the temporary
// directory. It is safe to call more than once.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		if s.interpreter != nil {
			s.interpreter.stop() // ends the deliveries' context
		}
		for _, queue := range s.queues {
			queue.close()
		}
		if s.ownsEndpoint {
			s.stepFunctions.stop()
		}
		var wg sync.WaitGroup
		for _, pool := range s.pools {
			wg.Go(pool.stop)
		}
		wg.Wait()
		os.RemoveAll(s.tempDir)
	})
}
