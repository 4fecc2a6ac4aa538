package localrun

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/value"
)

// The execution API of the local Step Functions endpoint: state machines,
// each a Session, and their executions, with the names, ARNs, request and
// response shapes and error codes of Step Functions.

// stateMachine is a workflow served by the endpoint: one of the stack's,
// or one a client created (machines.go).
type stateMachine struct {
	name, arn string
	kind      string // STANDARD or EXPRESS
	created   time.Time
	// session runs the stack's workflow; a created machine has none.
	session *Session
	// position is the machine's place in registration order, the order
	// ListStateMachines gives, which a new machine does not change.
	position int

	mu         sync.Mutex
	executions []*execution // in start order
	// current is what new executions run; UpdateStateMachine replaces it.
	current  *revision
	tags     []tag
	deleting bool
	// mockable is the session's definition loaded for mock config test
	// cases, on the first one started.
	mockable *asl.Machine
}

// execution is one execution of a state machine, running or ended.
type execution struct {
	machine *stateMachine
	name    string
	arn     string
	input   json.RawMessage
	started time.Time
	run     *run
	// revision is the machine's definition and settings it runs with.
	revision *revision
	ended    chan struct{} // closed when status leaves RUNNING

	mu      sync.Mutex
	status  string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED
	stopped time.Time
	output  json.RawMessage
	failure *Failure
}

// register serves session's workflow as a state machine named name, with
// the stack's default settings: logging at ERROR without execution data,
// no tracing.
func (s *stepFunctionsEndpoint) register(session *Session, name, kind, definition string) *stateMachine {
	created := time.Now()
	logGroupArn := "arn:aws:logs:" + localRegion + ":" + localAccount + ":log-group:/aws/vendedlogs/states/" + name + ":*"
	machine := &stateMachine{
		name:    name,
		arn:     stateMachineARN(name),
		kind:    kind,
		created: created,
		session: session,
		current: &revision{
			definition: definition,
			roleArn:    "arn:aws:iam::" + localAccount + ":role/" + name,
			updated:    created,
			logging:    loggingConfig{Level: "ERROR", IncludeExecutionData: false, Destinations: []logDestination{{CloudWatchLogsLogGroup: &logGroup{LogGroupArn: logGroupArn}}}},
			tracing:    tracingConfig{},
		},
	}
	s.add(machine)
	return machine
}

// add serves machine after every machine served so far.
func (s *stepFunctionsEndpoint) add(machine *stateMachine) {
	s.mu.Lock()
	machine.position = s.positions
	s.positions++
	s.machines[machine.arn] = machine
	s.mu.Unlock()
}

func stateMachineARN(name string) string {
	return "arn:aws:states:" + localRegion + ":" + localAccount + ":stateMachine:" + name
}

// epochSeconds is a timestamp as the AWS JSON protocols write it.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// arnPattern matches a state machine ARN (resource stateMachine) or an
// execution ARN (resource execution or express), capturing the resource
// type and the names after it.
var arnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution|express):([^:]+)(?::([^:]+))?(?::([^:]+))?$`)

func (s *stepFunctionsEndpoint) machine(arn string) (*stateMachine, error) {
	match := arnPattern.FindStringSubmatch(arn)
	if match == nil || match[1] != "stateMachine" || match[3] != "" {
		return nil, apiErrorf("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", arn)
	}
	s.mu.Lock()
	machine, ok := s.machines[arn]
	s.mu.Unlock()
	if !ok {
		return nil, apiErrorf("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s'", arn)
	}
	return machine, nil
}

// execution finds a STANDARD execution. AWS keeps no record of EXPRESS
// executions that the API could describe: their ARNs are InvalidArn here.
func (s *stepFunctionsEndpoint) execution(arn string) (*execution, error) {
	match := arnPattern.FindStringSubmatch(arn)
	if match == nil || match[1] != "execution" || match[3] == "" || match[4] != "" {
		return nil, apiErrorf("InvalidArn", "Invalid Arn: 'Resource type not valid in this context: %s'", arn)
	}
	machineArn := strings.Replace(arn[:strings.LastIndex(arn, ":"+match[3])], ":execution:", ":stateMachine:", 1)
	s.mu.Lock()
	machine, ok := s.machines[machineArn]
	s.mu.Unlock()
	if ok {
		machine.mu.Lock()
		defer machine.mu.Unlock()
		if i := slices.IndexFunc(machine.executions, func(e *execution) bool { return e.arn == arn }); i >= 0 {
			return machine.executions[i], nil
		}
	}
	return nil, apiErrorf("ExecutionDoesNotExist", "Execution Does Not Exist: '%s'", arn)
}

// invalidNameCharacters are what Step Functions refuses in a name:
// whitespace, brackets, wildcards, special characters, control characters
// (U+0000-001F, U+007F-009F, U+FFFE-FFFF) and U+10FFFF. Surrogates cannot
// reach it: JSON decoding turns a lone one into U+FFFD. Its length, 1 to 80
// characters, is the model's constraint (validation.go).
var invalidNameCharacters = regexp.MustCompile("[\\s\\p{Zs}<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f\\x{FFFE}\\x{FFFF}\\x{10FFFF}]")

func checkName(name string) error {
	if invalidNameCharacters.MatchString(name) {
		return apiErrorf("InvalidName", "Invalid Name: '%s' (no whitespace, brackets, wildcards, control characters or any of \" # %% \\ ^ | ~ ` $ & , ; : /)", name)
	}
	return nil
}

// checkInput applies StartExecution's rules to an execution input: JSON
// text of at most payloadLimit bytes; none means {}.
func checkInput(input *engineString) (json.RawMessage, error) {
	if input == nil {
		return json.RawMessage("{}"), nil
	}
	// The model limits the input's characters; the quota counts its UTF-8
	// bytes.
	if err := checkPayloadSize("the execution input", []byte(*input)); err != nil {
		return nil, apiErrorf("InvalidExecutionInput", "%s", err.Cause)
	}
	if !json.Valid([]byte(*input)) {
		return nil, apiErrorf("InvalidExecutionInput", "Invalid State Machine Execution Input: 'the input is not JSON'")
	}
	return json.RawMessage(*input), nil
}

type startRequest struct {
	StateMachineArn string        `json:"stateMachineArn"`
	Name            *string       `json:"name"`
	Input           *engineString `json:"input"`
}

// engineString is a request's string read as the engine reads strings
// (value.Decode): a lone surrogate escape in it is kept, as Step Functions
// keeps it, where encoding/json would make it U+FFFD.
type engineString string

func (s *engineString) UnmarshalJSON(text []byte) error {
	v, err := value.Decode(text)
	if err != nil {
		return err
	}
	str, ok := v.(string)
	if !ok {
		return fmt.Errorf("a string is expected, not %.40s", text)
	}
	*s = engineString(str)
	return nil
}

// start checks request and starts the execution it asks for, or returns the
// open one of the same name and input, as StartExecution does.
func (s *stepFunctionsEndpoint) start(request startRequest) (*execution, error) {
	// <stateMachineArn>#<test case> runs a mock config test case.
	machineArn, testCase, mocked := strings.Cut(request.StateMachineArn, "#")
	machine, err := s.machine(machineArn)
	if err != nil {
		return nil, err
	}
	name := uuid()
	if request.Name != nil {
		name = *request.Name
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	input, err := checkInput(request.Input)
	if err != nil {
		return nil, err
	}
	// STANDARD names are unique and StartExecution idempotent; EXPRESS
	// executions are neither, and nothing can look them up later: their
	// ARNs end in an id of their own.
	express := machine.kind == "EXPRESS"
	arn := "arn:aws:states:" + localRegion + ":" + localAccount + ":execution:" + machine.name + ":" + name
	if express {
		arn = "arn:aws:states:" + localRegion + ":" + localAccount + ":express:" + machine.name + ":" + name + ":" + uuid()
	}
	machine.mu.Lock()
	defer machine.mu.Unlock()
	if machine.deleting {
		return nil, apiErrorf("StateMachineDeleting", "State Machine is being deleted: '%s'", machine.arn)
	}
	if i := slices.IndexFunc(machine.executions, func(e *execution) bool { return e.name == name }); !express && i >= 0 {
		existing := machine.executions[i]
		existing.mu.Lock()
		defer existing.mu.Unlock()
		if existing.status == "RUNNING" && string(existing.input) == string(input) {
			return existing, nil
		}
		return nil, apiErrorf("ExecutionAlreadyExists", "Execution Already Exists: '%s'", existing.arn)
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, apiErrorf("ServiceUnavailable", "the local endpoint is shutting down")
	}
	s.running.Add(1)
	s.mu.Unlock()
	e := &execution{
		machine:  machine,
		name:     name,
		arn:      arn,
		input:    input,
		started:  time.Now(),
		ended:    make(chan struct{}),
		status:   "RUNNING",
		revision: machine.current,
	}
	info := asl.ExecutionInfo{ID: arn, Name: name, RoleArn: e.revision.roleArn, StateMachineID: machine.arn, StateMachineName: machine.name}
	if e.run, err = s.startOn(machine, e.revision, testCase, mocked, input, info); err != nil {
		s.running.Done()
		return nil, err
	}
	if !express {
		machine.executions = append(machine.executions, e)
	}
	go func() {
		defer s.running.Done()
		e.finish(s)
	}()
	return e, nil
}

// finish waits for the execution's end and records it.
func (e *execution) finish(s *stepFunctionsEndpoint) {
	result := e.run.wait()
	e.mu.Lock()
	defer func() {
		e.mu.Unlock()
		close(e.ended)
		fmt.Fprintf(s.progress, "local: execution %s %s\n", e.arn, e.status)
	}()
	if e.status != "RUNNING" { // stopped first
		return
	}
	e.stopped = time.Now()
	e.status = result.Status
	switch {
	case result.Status == asl.Succeeded:
		// As the API's output string holds it (value.Text): a lone
		// surrogate is escaped when the response is written.
		output, _ := value.Text(result.Output) // the engine's values are JSON values
		e.output = json.RawMessage(output)
	case result.Status == asl.Aborted: // the endpoint is stopping
		e.failure = &Failure{Error: "States.Runtime", Cause: "the local endpoint stopped during the execution"}
	default:
		e.failure = &Failure{Error: result.Error.Name, Cause: result.Error.Cause}
	}
}

func (s *stepFunctionsEndpoint) startExecution(body []byte) (any, error) {
	var request startRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	e, err := s.start(request)
	if err != nil {
		return nil, err
	}
	return map[string]any{"executionArn": e.arn, "startDate": epochSeconds(e.started)}, nil
}

// startSyncExecution runs an EXPRESS execution and answers when it ends.
func (s *stepFunctionsEndpoint) startSyncExecution(body []byte) (any, error) {
	var request startRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machineArn, _, _ := strings.Cut(request.StateMachineArn, "#") // a test case's
	machine, err := s.machine(machineArn)
	if err != nil {
		return nil, err
	}
	if machine.kind != "EXPRESS" {
		return nil, apiErrorf("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine: %s is %s; start the server with -workflow-type EXPRESS", machine.arn, machine.kind)
	}
	e, err := s.start(request)
	if err != nil {
		return nil, err
	}
	<-e.ended
	response := e.describe()
	response["stateMachineArn"] = machine.arn
	return response, nil
}

// describe is DescribeExecution's answer.
func (e *execution) describe() map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := map[string]any{
		"executionArn":    e.arn,
		"stateMachineArn": e.machine.arn,
		"name":            e.name,
		"status":          e.status,
		"startDate":       epochSeconds(e.started),
		"input":           string(e.input),
		"inputDetails":    map[string]bool{"included": true},
	}
	if e.status != "RUNNING" {
		d["stopDate"] = epochSeconds(e.stopped)
	}
	if e.output != nil {
		d["output"] = string(e.output)
		d["outputDetails"] = map[string]bool{"included": true}
	}
	if e.failure != nil {
		d["error"] = e.failure.Error
		d["cause"] = e.failure.Cause
	}
	return d
}

type executionRequest struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error"`
	Cause        string `json:"cause"`
}

func (s *stepFunctionsEndpoint) describeExecution(body []byte) (any, error) {
	var request executionRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	e, err := s.execution(request.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return e.describe(), nil
}

// stopExecution aborts a running execution; one that has ended keeps its
// status.
func (s *stepFunctionsEndpoint) stopExecution(body []byte) (any, error) {
	var request executionRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	e, err := s.execution(request.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stopDate": epochSeconds(e.stop(request.Error, request.Cause))}, nil
}

// stop aborts the execution if it runs, and returns when it stopped.
func (e *execution) stop(errorName, cause string) time.Time {
	e.mu.Lock()
	if e.status == "RUNNING" {
		e.status = "ABORTED"
		e.stopped = time.Now()
		e.failure = &Failure{Error: errorName, Cause: cause}
	}
	stopped := e.stopped
	e.mu.Unlock()
	e.run.execution.Stop(errorName, cause)
	// The history then ends with ExecutionAborted, as on AWS once
	// StopExecution has answered.
	<-e.run.execution.Done()
	return stopped
}

func (s *stepFunctionsEndpoint) listExecutions(body []byte) (any, error) {
	var request struct {
		pageRequest
		StateMachineArn string `json:"stateMachineArn"`
		StatusFilter    string `json:"statusFilter"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	if request.StateMachineArn == "" {
		return nil, apiErrorf("ValidationException", "Must provide a StateMachine ARN or MapRun ARN: this endpoint has no Map Runs")
	}
	machine, err := s.machine(request.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if machine.kind == "EXPRESS" {
		return nil, apiErrorf("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine: %s is EXPRESS, whose executions AWS records in CloudWatch Logs only", machine.arn)
	}
	machine.mu.Lock()
	executions := slices.Clone(machine.executions)
	machine.mu.Unlock()
	// An execution's position is its place in start order, which a new
	// execution does not change.
	type listed struct {
		position int
		item     map[string]any
	}
	var matching []listed
	for position, e := range slices.Backward(executions) { // newest first, as AWS lists them
		d := e.describe()
		if request.StatusFilter != "" && d["status"] != request.StatusFilter {
			continue
		}
		for _, detail := range []string{"input", "inputDetails", "output", "outputDetails", "error", "cause"} {
			delete(d, detail)
		}
		matching = append(matching, listed{position, d})
	}
	page, next, err := pageOf("ListExecutions "+machine.arn+" "+request.StatusFilter, request.pageRequest, matching,
		func(l listed) int { return l.position }, func(l listed, after int) bool { return l.position < after })
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, l := range page {
		list = append(list, l.item)
	}
	return withNextToken(map[string]any{"executions": list}, next), nil
}

// withNextToken adds nextToken to a list's response when more follow.
func withNextToken(response map[string]any, nextToken string) map[string]any {
	if nextToken != "" {
		response["nextToken"] = nextToken
	}
	return response
}

func (s *stepFunctionsEndpoint) listStateMachines(body []byte) (any, error) {
	var request pageRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	s.mu.Lock()
	machines := slices.SortedFunc(maps.Values(s.machines), func(a, b *stateMachine) int { return cmp.Compare(a.position, b.position) })
	s.mu.Unlock()
	page, next, err := pageOf("ListStateMachines", request, machines,
		func(m *stateMachine) int { return m.position }, func(m *stateMachine, after int) bool { return m.position > after })
	if err != nil {
		return nil, err
	}
	list := []map[string]any{}
	for _, m := range page {
		list = append(list, map[string]any{"stateMachineArn": m.arn, "name": m.name, "type": m.kind, "creationDate": epochSeconds(m.created)})
	}
	return withNextToken(map[string]any{"stateMachines": list}, next), nil
}

// describeStateMachine answers with the machine's current definition and
// settings.
func (s *stepFunctionsEndpoint) describeStateMachine(body []byte) (any, error) {
	var request struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	m, err := s.machine(request.StateMachineArn)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	rev, status := m.current, "ACTIVE"
	if m.deleting {
		status = "DELETING"
	}
	m.mu.Unlock()
	d := rev.describe(m)
	d["status"] = status
	d["type"] = m.kind
	d["creationDate"] = epochSeconds(m.created)
	delete(d, "updateDate")
	return d, nil
}
