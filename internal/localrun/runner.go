// Package localrun runs a workflow of this project end to end without AWS:
// the functions' real bootstraps, built exactly as `pulumi up` builds them,
// under the Lambda Runtime Interface Emulator, and the real definition, as
// the stack renders it, on the project's Go ASL engine (internal/asl),
// whose Task states are served here with Step Functions' semantics.
//
// Where things are: runner.go, a Session (one workflow, ready to execute)
// and its executions; definition.go, loading the definition into the
// engine (test overrides, the JSONata worker); progress.go, the lines an
// execution prints; emulator.go, the Lambda emulators and each function's
// pool of them; integrations.go, the Task Resources served, with lambda.go
// (lambda:invoke and function ARNs) and sqs.go (the queue, its mapping and
// sqs:sendMessage.waitForTaskToken); stepfunctions.go, the Step Functions
// API endpoint (protocol, task tokens), with executions.go and history.go
// for the execution API, paging.go and validation.go for paging and the
// model's constraints; machines.go, state machines a client creates,
// updates and deletes, with validatedefinition.go and tags.go;
// stackintegrations.go, the stack's functions and queues for them;
// teststate.go, the TestState API; mockconfig.go and mockedtasks.go, Step
// Functions Local's mock config files and the Tasks they mock; serve.go,
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

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
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
	progress io.Writer
	// machine is the state machine's name when no endpoint names it:
	// <project>-local-<workflow>.
	machineName string
	workflow    string
	definition  string // as rendered with the local resources
	machine     *asl.Machine
	// overrides are applied to the definition again when the endpoint
	// loads it with a mock config's test case (mockedtasks.go).
	overrides overrides
	// integrations serve the workflow's Tasks; the endpoint also serves
	// them to machines the stack does not deploy (stackintegrations.go).
	integrations localIntegrations
	jsonata      *jsonata.Worker // nil unless the definition uses JSONata
	pools        []*emulatorPool
	// deliveries is the context of the queues' deliveries, which may
	// outlast the executions that sent their messages; Close ends it.
	deliveries    context.Context
	endDeliveries context.CancelFunc
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
func checkPayloadSize(what string, payload []byte) *stateserror.Error {
	if len(payload) <= PayloadLimit {
		return nil
	}
	return &stateserror.Error{Name: stateserror.DataLimitExceeded, Cause: fmt.Sprintf("%s is %d bytes, over Step Functions' limit of %d bytes (256 KiB)", what, len(payload), PayloadLimit)}
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
	projectName, err := projectName(ctx)
	if err != nil {
		return nil, err
	}
	tempDir, err := os.MkdirTemp("", "localrun-")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary directory: %w", err)
	}
	s := &Session{progress: out, machineName: projectName + "-" + localStack + "-" + config.Workflow, workflow: config.Workflow, definition: definition, overrides: config.overrides(), tempDir: tempDir}
	s.deliveries, s.endDeliveries = context.WithCancel(context.Background())
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
	s.integrations = localIntegrations{
		lambda:       invoke,
		functionARNs: map[string]bool{},
		sqs:          &sendMessageAndWait{queues: map[string]*localQueue{}, stepFunctions: s.stepFunctions, deliveries: s.deliveries},
	}
	for _, fn := range resources.functions {
		s.integrations.functionARNs[localFunctionARN(fn)] = true
	}
	for _, spec := range resources.queues {
		queue := &localQueue{Queue: spec, lambda: invoke, progress: out}
		s.queues = append(s.queues, queue)
		s.integrations.sqs.queues[localQueueURL(spec.Name)] = queue
	}
	// A definition the engine refuses should not wait for the builds.
	if s.machine, s.jsonata, err = loadDefinition(ctx, definition, s.integrations, config.overrides(), out); err != nil {
		return nil, err
	}
	if s.pools, err = startEmulatorPools(ctx, config, resources.functions, tools, tempDir, localAWSEnvironment(s.stepFunctions.url)); err != nil {
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
// and passing each history event to record, when set. When ctx ends first,
// the execution is aborted and ctx's error returned.
func (s *Session) execute(ctx context.Context, input json.RawMessage, progress io.Writer, record func(asl.Event)) (*Execution, error) {
	r, err := s.start(ctx, input, s.executionInfo(uuid()), progress, record)
	if err != nil {
		return nil, err
	}
	result := r.wait()
	if result.Status == asl.Aborted && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return r.outcome(result), nil
}

// executionInfo names an execution called name of this session's workflow
// when no endpoint serves it.
func (s *Session) executionInfo(name string) asl.ExecutionInfo {
	machine := s.machineName
	return asl.ExecutionInfo{
		ID:               "arn:aws:states:" + localRegion + ":" + localAccount + ":execution:" + machine + ":" + name,
		Name:             name,
		RoleArn:          "arn:aws:iam::" + localAccount + ":role/" + machine,
		StateMachineID:   "arn:aws:states:" + localRegion + ":" + localAccount + ":stateMachine:" + machine,
		StateMachineName: machine,
	}
}

// run is one execution under way on the engine.
type run struct {
	execution *asl.Execution
	started   chan struct{} // closed once execution is set
	report    *progressReport
	startedAt time.Time
	// stepFunctions routes the task tokens its Tasks issue.
	stepFunctions *stepFunctionsEndpoint

	mu     sync.Mutex
	tokens []string // the task tokens its Tasks issued
}

// runKey finds the run in the context its Tasks' integrations get, so that
// a task token is routed to the execution that issued it.
type runKey struct{}

// start starts an execution of the workflow on input, named by info.
func (s *Session) start(ctx context.Context, input json.RawMessage, info asl.ExecutionInfo, progress io.Writer, record func(asl.Event)) (*run, error) {
	return startRun(ctx, s.machine, s.stepFunctions, input, info, progress, record)
}

// startRun starts an execution of machine on input, named by info, whose
// task tokens stepFunctions routes: a session's workflow, or a state
// machine the endpoint serves that no session runs.
func startRun(ctx context.Context, machine *asl.Machine, stepFunctions *stepFunctionsEndpoint, input json.RawMessage, info asl.ExecutionInfo, progress io.Writer, record func(asl.Event)) (*run, error) {
	if err := checkPayloadSize("the execution input", input); err != nil {
		return nil, &SetupError{msg: err.Cause}
	}
	decoded, err := value.Decode(input)
	if err != nil {
		return nil, setupErrorf("the input is not JSON: %.200s", input)
	}
	r := &run{started: make(chan struct{}), report: newProgressReport(progress), startedAt: time.Now(), stepFunctions: stepFunctions}
	info.Region = localRegion
	info.OnEvent = r.report.event
	if record != nil {
		info.OnEvent = func(e asl.Event) {
			r.report.event(e)
			record(e)
		}
	}
	r.execution = machine.Start(context.WithValue(ctx, runKey{}, r), decoded, info)
	close(r.started)
	return r, nil
}

// engine is the run's execution, once started: an integration may hand out
// a task token before Start has returned.
func (r *run) engine() *asl.Execution {
	<-r.started
	return r.execution
}

func (r *run) tokenIssued(token string) {
	r.mu.Lock()
	r.tokens = append(r.tokens, token)
	r.mu.Unlock()
}

// wait waits for the execution's end; its task tokens end with it.
func (r *run) wait() asl.Result {
	result := r.execution.Wait()
	r.mu.Lock()
	tokens := r.tokens
	r.mu.Unlock()
	r.stepFunctions.forget(tokens)
	return result
}

// outcome is how the execution ended, printed.
func (r *run) outcome(result asl.Result) *Execution {
	execution := &Execution{TimedOut: result.Status == asl.TimedOut, Transitions: r.report.count(), Duration: time.Since(r.startedAt)}
	if result.Status == asl.Succeeded {
		execution.Output = json.RawMessage(jsonText(result.Output))
	} else {
		execution.Failure = &Failure{Error: result.Error.Name, Cause: result.Error.Cause}
	}
	r.report.finish(execution)
	return execution
}

// Close stops the JSONata worker, the queues' deliveries, the Step
// Functions endpoint and the emulators, in that order, and removes the
// temporary directory. It is safe to call more than once.
func (s *Session) Close() {
	s.closeOnce.Do(func() {
		if s.jsonata != nil {
			s.jsonata.Close()
		}
		s.endDeliveries()
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
