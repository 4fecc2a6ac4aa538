package asl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// TestState runs one state as the Step Functions TestState API does: the
// state alone, or one state of a whole definition (stateName), once, with
// its input, variables and context object seeded, its Task, Map or Parallel
// work optionally mocked, and its Retry and Catch reported rather than
// followed. The request and response types carry the API's JSON members.

// TestStateInput is a TestState request.
type TestStateInput struct {
	Definition         string                  `json:"definition"`
	RoleArn            string                  `json:"roleArn,omitempty"`
	Input              *string                 `json:"input,omitempty"`
	InspectionLevel    string                  `json:"inspectionLevel,omitempty"`
	RevealSecrets      bool                    `json:"revealSecrets,omitempty"`
	Variables          *string                 `json:"variables,omitempty"`
	StateName          string                  `json:"stateName,omitempty"`
	Mock               *TestStateMock          `json:"mock,omitempty"`
	Context            *string                 `json:"context,omitempty"`
	StateConfiguration *TestStateConfiguration `json:"stateConfiguration,omitempty"`
}

// TestStateMock is the request's mock: a result or an error in place of
// the state's Task, Map iterations or Parallel branches.
type TestStateMock struct {
	Result              *string          `json:"result,omitempty"`
	ErrorOutput         *MockErrorOutput `json:"errorOutput,omitempty"`
	FieldValidationMode string           `json:"fieldValidationMode,omitempty"`
}

// MockErrorOutput is a mocked error.
type MockErrorOutput struct {
	Error *string `json:"error,omitempty"`
	Cause string  `json:"cause,omitempty"`
}

// TestStateConfiguration is the request's stateConfiguration.
type TestStateConfiguration struct {
	RetrierRetryCount        *int    `json:"retrierRetryCount,omitempty"`
	ErrorCausedByState       string  `json:"errorCausedByState,omitempty"`
	MapIterationFailureCount *int    `json:"mapIterationFailureCount,omitempty"`
	MapItemReaderData        *string `json:"mapItemReaderData,omitempty"`
}

// TestStateOutput is a TestState response.
type TestStateOutput struct {
	Output         *string         `json:"output,omitempty"`
	Error          *string         `json:"error,omitempty"`
	Cause          *string         `json:"cause,omitempty"`
	InspectionData *InspectionData `json:"inspectionData,omitempty"`
	NextState      string          `json:"nextState,omitempty"`
	Status         string          `json:"status"`
}

// InspectionData is what DEBUG and TRACE show: each value as JSON text,
// after each processing step the state's query language has. The
// distributed-Map members (afterItemBatcher, afterItemsPointer, tolerated
// failures) and TRACE's HTTP request and response have no counterpart here:
// this engine runs Map inline and has no HTTP Task.
type InspectionData struct {
	Input               string        `json:"input,omitempty"`
	AfterInputPath      string        `json:"afterInputPath,omitempty"`
	AfterParameters     string        `json:"afterParameters,omitempty"`
	AfterArguments      string        `json:"afterArguments,omitempty"`
	AfterItemsPath      string        `json:"afterItemsPath,omitempty"`
	AfterItemSelector   string        `json:"afterItemSelector,omitempty"`
	MaxConcurrency      *int          `json:"maxConcurrency,omitempty"`
	Result              string        `json:"result,omitempty"`
	AfterResultSelector string        `json:"afterResultSelector,omitempty"`
	AfterResultPath     string        `json:"afterResultPath,omitempty"`
	Variables           string        `json:"variables,omitempty"`
	ErrorDetails        *ErrorDetails `json:"errorDetails,omitempty"`
}

// ErrorDetails names the Retry or Catch that handled the state's error.
type ErrorDetails struct {
	CatchIndex                  *int `json:"catchIndex,omitempty"`
	RetryIndex                  *int `json:"retryIndex,omitempty"`
	RetryBackoffIntervalSeconds *int `json:"retryBackoffIntervalSeconds,omitempty"`
}

// TestState's statuses and inspection levels.
const (
	TestSucceeded   = "SUCCEEDED"
	TestFailed      = "FAILED"
	TestRetriable   = "RETRIABLE"
	TestCaughtError = "CAUGHT_ERROR"

	InspectInfo  = "INFO"
	InspectDebug = "DEBUG"
	InspectTrace = "TRACE"
)

// The fieldValidationMode values.
const (
	ValidateStrict  = "STRICT"
	ValidatePresent = "PRESENT"
	ValidateNone    = "NONE"
)

// TestStateError is a request TestState refuses, with the API's error code.
type TestStateError struct {
	Code    string // one of the Code… constants
	Message string
}

func (e *TestStateError) Error() string { return e.Code + ": " + e.Message }

// The errors the TestState operation lists in the service model.
const (
	CodeValidation   = "ValidationException"
	CodeInvalidDef   = "InvalidDefinition"
	CodeInvalidInput = "InvalidExecutionInput"
	CodeInvalidArn   = "InvalidArn"
)

// testStateTimeLimit is how long TestState runs a state ("The TestState
// API can run for up to five minutes").
const testStateTimeLimit = 5 * time.Minute

func refuse(code, format string, args ...any) *TestStateError {
	return &TestStateError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ResultModels checks a mocked Task result against the model of the
// service its Resource calls (internal/awsmodel.TaskResults reads
// botocore's models).
type ResultModels interface {
	// CheckResult lists how result breaks the output shape of the operation
	// resource calls; requireAll (STRICT) also asks for every required
	// member. validated is false when there is no model for resource.
	CheckResult(resource string, result any, requireAll bool) (problems []string, validated bool, err error)
}

// TestStateOptions are what TestState needs from its caller.
type TestStateOptions struct {
	// Options are the engine's; a Task that is not mocked runs through
	// Integrations.
	Options
	// Execution names the test's execution in the context object.
	Execution ExecutionInfo
	// Results validates mocked Task results for fieldValidationMode STRICT
	// and PRESENT; nil accepts only NONE.
	Results ResultModels
}

// testStateName names the state of a definition that is a single state:
// the context object's $$.State.Name.
const testStateName = "TestState"

// TestState runs the request's state once. A request the API would refuse
// is a *TestStateError; whatever the state does is in the output.
func TestState(ctx context.Context, in TestStateInput, o TestStateOptions) (*TestStateOutput, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	req, err := readTestState(in)
	if err != nil {
		return nil, err
	}
	loadOpts := o.Options
	loadOpts.Integrations = anyResource{o.Integrations}
	found, err := loadTestedState(in, loadOpts)
	if err != nil {
		return nil, err
	}
	if err := req.checkState(found, o); err != nil {
		return nil, err
	}
	return req.run(ctx, found, o)
}

// testRequest is a TestStateInput with its JSON strings decoded.
type testRequest struct {
	in          TestStateInput
	level       string
	input       any
	variables   map[string]any
	context     *value.Object
	mockResult  any
	mockError   *stateserror.Error
	mode        string
	retryCount  int
	mapFailures int
}

func readTestState(in TestStateInput) (*testRequest, error) {
	r := &testRequest{in: in, level: in.InspectionLevel, mode: ValidateStrict}
	if r.level == "" {
		r.level = InspectInfo
	}
	if !slices.Contains([]string{InspectInfo, InspectDebug, InspectTrace}, r.level) {
		return nil, refuse(CodeValidation, "inspectionLevel must be INFO, DEBUG or TRACE, not %q", in.InspectionLevel)
	}
	if strings.TrimSpace(in.Definition) == "" {
		return nil, refuse(CodeValidation, "definition is required")
	}
	mock := in.Mock
	if mock == nil {
		if in.RoleArn == "" {
			return nil, refuse(CodeValidation, "roleArn is required unless a mock is given")
		}
		if in.Context != nil {
			return nil, refuse(CodeValidation, "context may only be given with a mock")
		}
	} else {
		if mock.FieldValidationMode != "" {
			r.mode = mock.FieldValidationMode
		}
		if !slices.Contains([]string{ValidateStrict, ValidatePresent, ValidateNone}, r.mode) {
			return nil, refuse(CodeValidation, "mock.fieldValidationMode must be STRICT, PRESENT or NONE, not %q", mock.FieldValidationMode)
		}
		switch {
		case (mock.Result == nil) == (mock.ErrorOutput == nil):
			return nil, refuse(CodeValidation, "a mock needs exactly one of result and errorOutput")
		case in.RevealSecrets:
			return nil, refuse(CodeValidation, "revealSecrets cannot be used with a mock")
		case mock.ErrorOutput != nil && mock.ErrorOutput.Error == nil:
			return nil, refuse(CodeValidation, "mock.errorOutput.error is required when errorOutput is given")
		case mock.ErrorOutput != nil:
			r.mockError = &stateserror.Error{Name: *mock.ErrorOutput.Error, Cause: mock.ErrorOutput.Cause}
		default:
			v, err := value.Decode([]byte(*mock.Result))
			if err != nil {
				return nil, refuse(CodeValidation, "mock.result is not JSON: %v", err)
			}
			r.mockResult = v
		}
	}
	if in.RoleArn != "" && !isRoleArn(in.RoleArn) {
		return nil, refuse(CodeInvalidArn, "Invalid Arn: '%s' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", in.RoleArn)
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	v, err := value.Decode([]byte(input))
	if err != nil {
		return nil, refuse(CodeInvalidInput, "Invalid State Machine Execution Input: input is not JSON: %v", err)
	}
	r.input = v
	variables, err := decodeObject("variables", in.Variables)
	if err != nil {
		return nil, err
	}
	if variables != nil {
		r.variables = map[string]any{}
		for name, v := range variables.All() {
			r.variables[name] = v
		}
	}
	for name := range r.variables {
		if !variableName.MatchString(name) || name == "states" {
			return nil, refuse(CodeValidation, "variables: %q is not a variable name (a letter or _, then letters, digits or _; not states)", name)
		}
	}
	if err := checkAssigned(r.variables); err != nil {
		return nil, refuse(CodeValidation, "variables: %s", err.Cause)
	}
	if r.context, err = decodeObject("context", in.Context); err != nil {
		return nil, err
	}
	if c := in.StateConfiguration; c != nil {
		if c.RetrierRetryCount != nil {
			r.retryCount = *c.RetrierRetryCount
		}
		if c.MapIterationFailureCount != nil {
			r.mapFailures = *c.MapIterationFailureCount
		}
		if r.retryCount < 0 || r.mapFailures < 0 {
			return nil, refuse(CodeValidation, "stateConfiguration.retrierRetryCount and mapIterationFailureCount must be at least 0")
		}
	}
	return r, nil
}

func isRoleArn(arn string) bool {
	parts := strings.SplitN(arn, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" && strings.HasPrefix(parts[5], "role/") && len(parts[5]) > len("role/")
}

func decodeObject(field string, text *string) (*value.Object, error) {
	if text == nil {
		return nil, nil
	}
	v, err := value.Decode([]byte(*text))
	object, isObject := v.(*value.Object)
	if err != nil || !isObject {
		return nil, refuse(CodeValidation, "%s must be a JSON object", field)
	}
	return object, nil
}

// anyResource loads every Task Resource, so that a mocked Task (or a
// state of a whole definition that is not tested) needs no integration; a
// Task that runs unmocked is checked for a real one before it runs.
type anyResource struct{ real Integrations }

func (a anyResource) Lookup(resource string) (Integration, bool) {
	i, _ := a.real.Lookup(resource)
	return i, true
}

// testedState is the state under test and where it sits.
type testedState struct {
	state *State
	inMap bool // inside a Map's item processor
}

func loadTestedState(in TestStateInput, opts Options) (testedState, error) {
	root, err := value.Decode([]byte(in.Definition))
	if err != nil {
		return testedState{}, refuse(CodeInvalidDef, "Invalid State Machine Definition: not JSON: %v", err)
	}
	object, _ := root.(*value.Object)
	whole := object != nil && object.Has("States")
	if in.StateName == "" {
		if whole {
			return testedState{}, refuse(CodeValidation, "stateName is required when the definition is a whole state machine")
		}
		l := &loader{opts: opts}
		st := l.state(testStateName, "", root, JSONPath)
		if st != nil {
			l.checkScopes(&Graph{StartAt: testStateName, States: map[string]*State{testStateName: st}}, nil)
		}
		if len(l.problems) > 0 {
			return testedState{}, refuse(CodeInvalidDef, "Invalid State Machine Definition: %s", strings.Join(l.problems, "; "))
		}
		return testedState{state: st}, nil
	}
	if !whole {
		return testedState{}, refuse(CodeValidation, "with stateName the definition must be a whole state machine (StartAt and States)")
	}
	m, err := Load([]byte(in.Definition), opts)
	var loadErr *LoadError
	if errors.As(err, &loadErr) {
		return testedState{}, refuse(CodeInvalidDef, "Invalid State Machine Definition: %s", strings.Join(loadErr.Problems, "; "))
	}
	if err != nil {
		return testedState{}, err
	}
	if found, ok := findState(&m.Graph, in.StateName, false); ok {
		return found, nil
	}
	return testedState{}, refuse(CodeValidation, "stateName %q is not a state of the definition", in.StateName)
}

// findState looks for a state by name in g and the graphs inside it.
func findState(g *Graph, name string, inMap bool) (testedState, bool) {
	if st, ok := g.States[name]; ok {
		return testedState{state: st, inMap: inMap}, true
	}
	for _, st := range g.States {
		for _, b := range st.Branches {
			if found, ok := findState(b, name, inMap); ok {
				return found, true
			}
		}
		if st.Processor != nil {
			if found, ok := findState(st.Processor, name, true); ok {
				return found, true
			}
		}
	}
	return testedState{}, false
}

// checkState refuses what the API refuses for this state: a mock on a
// state that has no work to mock, no mock where the work cannot run here,
// state configuration that does not apply, and a mocked result that does
// not fit.
func (r *testRequest) checkState(found testedState, o TestStateOptions) error {
	st := found.state
	mocked := r.in.Mock != nil
	if mocked && !retriable[st.Type] {
		return refuse(CodeValidation, "State type '%s' is not supported when a mock is specified", st.Type)
	}
	switch {
	case !mocked && (st.Type == "Map" || st.Type == "Parallel"):
		return refuse(CodeValidation, "a %s state can only be tested with a mock", st.Type)
	case !mocked && st.Type == "Task" && (isActivity(st.Resource) || strings.Contains(st.Resource, ".sync") || strings.HasSuffix(st.Resource, waitForTaskToken)):
		return refuse(CodeValidation, "the Task state's Resource %q (an activity, .sync or .waitForTaskToken) can only be tested with a mock", st.Resource)
	case !mocked && st.Type == "Task":
		if _, served := o.Integrations.Lookup(st.Resource); !served {
			return refuse(CodeInvalidDef, "Invalid State Machine Definition: the Task state's Resource %q is not one this endpoint can run; mock it", st.Resource)
		}
	}
	if err := r.checkConfiguration(st); err != nil {
		return err
	}
	if r.mockResult == nil || r.mode == ValidateNone {
		return nil
	}
	return r.checkMockResult(st, o)
}

func isActivity(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) == 7 && parts[2] == "states" && parts[5] == "activity"
}

func (r *testRequest) checkConfiguration(st *State) error {
	c := r.in.StateConfiguration
	if c == nil {
		c = &TestStateConfiguration{}
	}
	switch {
	case c.RetrierRetryCount != nil && len(st.Retry) == 0:
		return refuse(CodeValidation, "stateConfiguration.retrierRetryCount needs a state with Retry; %s state '%s' has none", st.Type, st.Name)
	case c.MapIterationFailureCount != nil && st.Type != "Map":
		return refuse(CodeValidation, "stateConfiguration.mapIterationFailureCount applies to Map states, not %s", st.Type)
	case c.MapItemReaderData != nil:
		return refuse(CodeValidation, "stateConfiguration.mapItemReaderData applies to a distributed Map's ItemReader; this engine runs Map states inline only")
	case c.ErrorCausedByState != "" && st.Type != "Map" && st.Type != "Parallel":
		return refuse(CodeValidation, "stateConfiguration.errorCausedByState applies to Map and Parallel states, not %s", st.Type)
	case c.ErrorCausedByState != "" && r.mockError == nil:
		return refuse(CodeValidation, "stateConfiguration.errorCausedByState needs a mocked errorOutput")
	}
	if c.ErrorCausedByState == "" {
		if r.mockError != nil && (st.Type == "Map" || st.Type == "Parallel") {
			return refuse(CodeValidation, "a mocked error on a %s state needs stateConfiguration.errorCausedByState naming the state inside it that raised it", st.Type)
		}
		return nil
	}
	graphs := st.Branches
	if st.Processor != nil {
		graphs = []*Graph{st.Processor}
	}
	for _, g := range graphs {
		if _, ok := findState(g, c.ErrorCausedByState, false); ok {
			return nil
		}
	}
	return refuse(CodeValidation, "stateConfiguration.errorCausedByState %q is not a state inside %s state '%s'", c.ErrorCausedByState, st.Type, st.Name)
}

// checkMockResult validates a mocked result: a Parallel's is an array with
// one element per branch, an inline Map's an array, and a Task's fits the
// output shape of the operation its Resource calls.
func (r *testRequest) checkMockResult(st *State, o TestStateOptions) error {
	list, isList := r.mockResult.([]any)
	switch st.Type {
	case "Parallel":
		if !isList || len(list) != len(st.Branches) {
			return refuse(CodeValidation, "the mocked result of a Parallel state must be a JSON array with one element per branch (%d)", len(st.Branches))
		}
		return nil
	case "Map":
		if !isList {
			return refuse(CodeValidation, "the mocked result of a Map state must be a JSON array")
		}
		return nil
	}
	if o.Results == nil {
		return refuse(CodeValidation, "mock.fieldValidationMode %s needs service models, and none were given; set it to NONE", r.mode)
	}
	problems, _, err := o.Results.CheckResult(st.Resource, r.mockResult, r.mode == ValidateStrict)
	if err != nil {
		return refuse(CodeValidation, "mock.fieldValidationMode %s cannot check the mocked result of %s: %v; set it to NONE", r.mode, st.Resource, err)
	}
	if len(problems) > 0 {
		return refuse(CodeValidation, "the mocked result does not fit the %s response of %s: %s", r.mode, st.Resource, strings.Join(problems, "; "))
	}
	return nil
}

// testRun is what the engine consults while TestState runs a state: the
// mock, the context object to lay over the engine's, and the inspection
// data it records.
type testRun struct {
	req     *testRequest
	context *value.Object
	data    map[string]any
	refused *TestStateError // a request problem found only while running
}

func (t *thread) inspect(field string, v any) {
	if tr := t.exec.test; tr != nil {
		tr.data[field] = v
	}
}

// mocked is the test run when its state's work is mocked.
func (t *thread) mocked() *testRun {
	if tr := t.exec.test; tr != nil && tr.req.in.Mock != nil {
		return tr
	}
	return nil
}

func (tr *testRun) outcome() (any, *stateserror.Error) {
	if tr.req.mockError != nil {
		return nil, tr.req.mockError
	}
	return tr.req.mockResult, nil
}

// errRefused stops a run whose request turned out to be invalid.
var errRefused = &stateserror.Error{Name: errCanceledName, Cause: "the TestState request was refused"}

// mapOutcome is a mocked Map's result: an inline Map tolerates no failed
// iteration, so mapIterationFailureCount above 0 fails it.
func (tr *testRun) mapOutcome(items int) (any, *stateserror.Error) {
	n := tr.req.mapFailures
	switch {
	case n > items:
		tr.refused = refuse(CodeValidation, "stateConfiguration.mapIterationFailureCount (%d) cannot exceed the number of items (%d)", n, items)
		return nil, errRefused
	case n > 0:
		return nil, stateserror.New(stateserror.ExceedToleratedFailure, "The specified tolerated failure threshold was exceeded: %d of %d iterations failed, and an inline Map tolerates none", n, items)
	}
	return tr.outcome()
}

// overlay lays over onto base, object by object.
func overlay(base, over *value.Object) *value.Object {
	for k, v := range over.All() {
		inner, isObject := v.(*value.Object)
		current, _ := base.Get(k)
		if currentObject, ok := current.(*value.Object); ok && isObject {
			base.Set(k, overlay(currentObject, inner))
			continue
		}
		base.Set(k, v)
	}
	return base
}

func (r *testRequest) run(ctx context.Context, found testedState, o TestStateOptions) (*TestStateOutput, error) {
	st := found.state
	m := &Machine{Graph: Graph{StartAt: st.Name, States: map[string]*State{st.Name: st}}, QueryLanguage: st.QueryLanguage, opts: o.Options}
	info := o.Execution
	info.RoleArn = r.in.RoleArn
	tr := &testRun{req: r, context: r.context, data: map[string]any{}}
	if tr.context == nil && found.inMap {
		// As TestState fills it for a state inside a Map: the first item.
		tr.context = value.NewObject(1).With("Map", value.NewObject(1).With("Item", value.NewObject(2).With("Index", json.Number("0")).With("Value", r.input)))
	}
	e := &Execution{machine: m, info: info, input: r.input, start: o.Clock.Now(), done: make(chan struct{}), test: tr}
	e.tokens.pending = map[string]*pendingTask{}
	e.history.clock = o.Clock
	t := &thread{exec: e, vars: newScope(nil)}
	if err := t.vars.assign(r.variables); err != nil {
		return nil, refuse(CodeValidation, "variables: %s", err.Cause)
	}
	release := o.Clock.Hold()
	defer release()
	entered := o.Clock.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	alarm := o.Clock.NewAlarm()
	defer alarm.Ring()
	stopWatch := o.Clock.Hold()
	go func() {
		defer stopWatch()
		if rung, err := alarm.Wait(ctx, entered.Add(testStateTimeLimit)); !rung && err == nil {
			cancel(errTestStateTimeout)
		}
	}()
	vars := t.vars.visible()
	s, err := t.attemptOnce(ctx, st, r.input, entered, vars)
	if tr.refused != nil {
		return nil, tr.refused
	}
	switch {
	case context.Cause(ctx) == errTestStateTimeout:
		err = stateserror.New(stateserror.Timeout, "The state did not finish within TestState's limit of %v", testStateTimeLimit)
	case err != nil && err.Name == errCanceledName:
		return nil, context.Cause(ctx)
	}
	out := &TestStateOutput{Status: TestSucceeded}
	var handled *ErrorDetails
	if err != nil {
		out.Status, handled, s, err = t.handle(ctx, st, r, entered, vars, err)
	}
	if out.Status == TestSucceeded || out.Status == TestCaughtError {
		if aerr := t.vars.assign(s.assigned); aerr != nil {
			out.Status, handled, err = TestFailed, nil, aerr
		}
	}
	if err != nil {
		name, cause := err.Name, err.Cause
		out.Error, out.Cause = &name, &cause
	}
	if out.Status == TestSucceeded || out.Status == TestCaughtError {
		text := jsonText(s.output)
		out.Output, out.NextState = &text, s.next
	}
	if r.level != InspectInfo {
		out.InspectionData = tr.inspection(r.input, t.vars.visible(), handled)
	}
	return out, nil
}

var errTestStateTimeout = errors.New("TestState's time limit passed")

// attemptOnce runs the state once, as runState would, with the 256 KiB
// limits on its input and output.
func (t *thread) attemptOnce(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (s step, failure *stateserror.Error) {
	defer func() {
		if r := recover(); r != nil {
			failure = stateserror.New(stateserror.Runtime, "internal error in state '%s': %v", st.Name, r)
		}
	}()
	if err := checkSize(fmt.Sprintf("The input of state '%s'", st.Name), input); err != nil {
		return step{}, err
	}
	s, failure = t.attempt(ctx, st, input, entered, t.exec.test.req.retryCount, vars)
	if failure == nil {
		failure = checkSize(fmt.Sprintf("The output of state '%s'", st.Name), s.output)
	}
	return s, failure
}

// handle reports what the state's Retry and Catch make of its error: the
// first retrier that matches retries it while retrierRetryCount is below
// its MaxAttempts (RETRIABLE), else the first catcher that matches takes
// it (CAUGHT_ERROR, with the catcher's output and Next), else the state
// fails. The error returned is the one to report.
func (t *thread) handle(ctx context.Context, st *State, r *testRequest, entered time.Time, vars map[string]any, err *stateserror.Error) (string, *ErrorDetails, step, *stateserror.Error) {
	if i := slices.IndexFunc(st.Retry, func(rt Retrier) bool { return errorMatches(rt.ErrorEquals, err.Name) }); i >= 0 && r.retryCount < st.Retry[i].MaxAttempts {
		// The interval before the retry, without jitter (which is random).
		seconds := int(st.Retry[i].delay(r.retryCount, func() float64 { return 1 }) / time.Second)
		return TestRetriable, &ErrorDetails{RetryIndex: &i, RetryBackoffIntervalSeconds: &seconds}, step{}, err
	}
	i := slices.IndexFunc(st.Catch, func(c Catcher) bool { return errorMatches(c.ErrorEquals, err.Name) })
	if i < 0 {
		return TestFailed, nil, step{}, err
	}
	s, cerr := t.catch(ctx, st, r.input, entered, vars, err)
	if cerr != nil {
		return TestFailed, nil, step{}, cerr
	}
	return TestCaughtError, &ErrorDetails{CatchIndex: &i}, s, err
}

func (tr *testRun) inspection(input any, vars map[string]any, handled *ErrorDetails) *InspectionData {
	text := func(field string) string {
		v, ok := tr.data[field]
		if !ok {
			return ""
		}
		return jsonText(v)
	}
	d := &InspectionData{
		Input:               jsonText(input),
		AfterInputPath:      text("afterInputPath"),
		AfterParameters:     text("afterParameters"),
		AfterArguments:      text("afterArguments"),
		AfterItemsPath:      text("afterItemsPath"),
		AfterItemSelector:   text("afterItemSelector"),
		Result:              text("result"),
		AfterResultSelector: text("afterResultSelector"),
		AfterResultPath:     text("afterResultPath"),
		Variables:           jsonText(vars),
		ErrorDetails:        handled,
	}
	if n, ok := tr.data["maxConcurrency"].(int); ok {
		d.MaxConcurrency = &n
	}
	return d
}
