package localrun

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"stepfunctions-go/internal/asl"
)

// State machines a client creates, updates and deletes (their tags are in
// tags.go, ValidateStateMachineDefinition in validatedefinition.go). A
// created machine has no emulators of its own:
// its Tasks reach the stack's functions and queues (stackintegrations.go),
// or a mock config's mocked responses (mockedtasks.go). Anything else fails
// at creation, naming the state and the resource.

// revision is a state machine's definition and settings as one execution
// runs with them: UpdateStateMachine makes a new one, and running
// executions keep theirs.
type revision struct {
	definition, roleArn string
	id                  string // revisionId, set by UpdateStateMachine
	updated             time.Time
	logging             loggingConfig
	tracing             tracingConfig
	// loaded runs the definition; nil for the stack's own, which its
	// session runs.
	loaded *asl.Machine
}

type loggingConfig struct {
	Level                string           `json:"level,omitempty"`
	IncludeExecutionData bool             `json:"includeExecutionData"`
	Destinations         []logDestination `json:"destinations,omitempty"`
}

type logDestination struct {
	CloudWatchLogsLogGroup *logGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

type logGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

type tracingConfig struct {
	Enabled bool `json:"enabled"`
}

// describe is what DescribeStateMachineForExecution answers for r, and
// DescribeStateMachine's common part.
func (r *revision) describe(m *stateMachine) map[string]any {
	d := map[string]any{
		"stateMachineArn":      m.arn,
		"name":                 m.name,
		"definition":           r.definition,
		"roleArn":              r.roleArn,
		"updateDate":           epochSeconds(r.updated),
		"loggingConfiguration": r.logging,
		"tracingConfiguration": r.tracing,
	}
	if r.id != "" {
		d["revisionId"] = r.id
	}
	return d
}

// startOn starts an execution of machine's revision rev, with the mock
// config's test case when mocked.
func (s *stepFunctionsEndpoint) startOn(machine *stateMachine, rev *revision, testCaseName string, mocked bool, input json.RawMessage, info asl.ExecutionInfo) (*run, error) {
	ctx, loaded := s.executions, rev.loaded
	if mocked {
		testCase, err := s.mocks.testCase(machine.name, testCaseName)
		if err != nil {
			return nil, apiErrorf("StateMachineDoesNotExist", "State Machine Does Not Exist: '%s#%s': %v", machine.arn, testCaseName, err)
		}
		if loaded == nil {
			if loaded, err = machine.mockableSession(); err != nil {
				return nil, err
			}
		}
		if err := checkMockedStates(testCase, &loaded.Graph); err != nil {
			return nil, err
		}
		ctx = withTestCase(ctx, testCase)
	}
	if loaded == nil {
		return machine.session.start(ctx, input, info, io.Discard, nil)
	}
	return startRun(ctx, loaded, s, input, info, io.Discard, nil)
}

// mockableSession is the stack workflow's definition loaded so that a test
// case can mock its states; the caller holds m.mu.
func (m *stateMachine) mockableSession() (*asl.Machine, error) {
	if m.mockable == nil {
		session := m.session
		opts := asl.Options{Integrations: mockableIntegrations{base: session.integrations}}
		if session.jsonata != nil {
			opts.JSONata = session.jsonata
		}
		loaded, err := asl.Load([]byte(session.definition), opts)
		if err != nil {
			return nil, fmt.Errorf("loading %s for a mock config test case: %w", m.name, err)
		}
		session.overrides.apply(&loaded.Graph)
		m.mockable = loaded
	}
	return m.mockable, nil
}

// loadCreated loads a definition the stack does not deploy: each Task's
// Resource must be one the stack serves, or its state one the mock config
// mocks for the machine called name. EXPRESS machines refuse what AWS
// refuses them.
func (s *stepFunctionsEndpoint) loadCreated(definition, name, kind string) (*asl.Machine, error) {
	loaded, problems := s.definitionProblems(definition, kind, mockableIntegrations{base: s.stack})
	if loaded != nil {
		mocked := s.mocks.mockedStates(name)
		for st := range loaded.Graph.AllStates() {
			if _, served := s.stack.Lookup(st.Resource); st.Type == "Task" && !served && !mocked[st.Name] {
				problems = append(problems, fmt.Sprintf("state %q: field \"Resource\" is %q, which the local endpoint neither serves nor mocks for %s (it serves %s; a mock config test case for %s may mock the state)", st.Name, st.Resource, name, s.stack.served(), name))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, apiErrorf("InvalidDefinition", "Invalid State Machine Definition: '%s'", strings.Join(problems, "; "))
	}
	return loaded, nil
}

// definitionProblems loads definition with integrations and lists what the
// engine, and AWS's rules for kind, find wrong with it.
func (s *stepFunctionsEndpoint) definitionProblems(definition, kind string, integrations asl.Integrations) (*asl.Machine, []string) {
	opts := asl.Options{Integrations: integrations}
	if usesJSONata(definition) {
		worker, err := s.jsonata.get(s.executions, s.progress)
		if err != nil {
			return nil, []string{"the definition uses JSONata, and the JSONata worker does not start: " + err.Error()}
		}
		opts.JSONata = worker
	}
	loaded, err := asl.Load([]byte(definition), opts)
	var loadErr *asl.LoadError
	switch {
	case errors.As(err, &loadErr):
		return nil, loadErr.Problems
	case err != nil:
		return nil, []string{err.Error()}
	}
	var problems []string
	if kind == "EXPRESS" {
		for st := range loaded.Graph.AllStates() {
			if strings.HasSuffix(st.Resource, ".waitForTaskToken") || strings.Contains(st.Resource, ".sync") {
				problems = append(problems, fmt.Sprintf("state %q: field \"Resource\" is %q: an EXPRESS state machine supports neither .waitForTaskToken nor .sync", st.Name, st.Resource))
			}
		}
	}
	return loaded, problems
}

// machineRequest is the request of CreateStateMachine and
// UpdateStateMachine.
type machineRequest struct {
	Name                    string          `json:"name"`
	StateMachineArn         string          `json:"stateMachineArn"`
	Definition              *string         `json:"definition"`
	RoleArn                 *string         `json:"roleArn"`
	Type                    string          `json:"type"`
	LoggingConfiguration    *loggingConfig  `json:"loggingConfiguration"`
	TracingConfiguration    *tracingConfig  `json:"tracingConfiguration"`
	Tags                    []tag           `json:"tags"`
	Publish                 bool            `json:"publish"`
	VersionDescription      *string         `json:"versionDescription"`
	EncryptionConfiguration *encryptionType `json:"encryptionConfiguration"`
}

type encryptionType struct {
	Type string `json:"type"`
}

// roleArnPattern is an IAM role's ARN, as a state machine's roleArn must be.
var roleArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/.+$`)

// checkSettings applies AWS's rules to what both operations set.
func (r machineRequest) checkSettings() error {
	if r.RoleArn != nil && !roleArnPattern.MatchString(*r.RoleArn) {
		return apiErrorf("InvalidArn", "Invalid Arn: 'Role ARN is not valid: %s' (an IAM role's ARN, arn:aws:iam::<account>:role/<name>)", *r.RoleArn)
	}
	if r.Publish || r.VersionDescription != nil {
		return apiErrorf("ValidationException", "the local endpoint keeps no state machine versions: leave out publish and versionDescription")
	}
	if r.EncryptionConfiguration != nil && r.EncryptionConfiguration.Type != "AWS_OWNED_KEY" {
		return apiErrorf("InvalidEncryptionConfiguration", "the local endpoint has no KMS: only the encryption type AWS_OWNED_KEY is served, not %s", r.EncryptionConfiguration.Type)
	}
	if logging := r.LoggingConfiguration; logging != nil {
		switch {
		case len(logging.Destinations) > 1:
			return apiErrorf("InvalidLoggingConfiguration", "Invalid Logging Configuration: at most one destination is allowed, not %d", len(logging.Destinations))
		case logging.Level != "" && logging.Level != "OFF" && len(logging.Destinations) == 0:
			return apiErrorf("InvalidLoggingConfiguration", "Invalid Logging Configuration: the level %s needs a CloudWatch Logs log group destination", logging.Level)
		}
		for _, destination := range logging.Destinations {
			if destination.CloudWatchLogsLogGroup == nil || !strings.HasPrefix(destination.CloudWatchLogsLogGroup.LogGroupArn, "arn:aws:logs:") {
				return apiErrorf("InvalidLoggingConfiguration", "Invalid Logging Configuration: a destination must name a CloudWatch Logs log group by its ARN (arn:aws:logs:<region>:<account>:log-group:<name>:*)")
			}
		}
	}
	return nil
}

// withDefaults is the logging AWS describes for a machine created without.
func (l *loggingConfig) withDefaults() loggingConfig {
	if l == nil {
		return loggingConfig{Level: "OFF"}
	}
	logging := *l
	logging.Level = cmp.Or(logging.Level, "OFF")
	return logging
}

func (s *stepFunctionsEndpoint) createStateMachine(body []byte) (any, error) {
	var request machineRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	if err := checkName(request.Name); err != nil {
		return nil, err
	}
	if err := request.checkSettings(); err != nil {
		return nil, err
	}
	if err := checkTags(request.Tags); err != nil {
		return nil, err
	}
	if len(request.Tags) > maxTags {
		return nil, apiErrorf("TooManyTags", "Too many tags: %d, at most %d per resource", len(request.Tags), maxTags)
	}
	kind := cmp.Or(request.Type, "STANDARD")
	loaded, err := s.loadCreated(*request.Definition, request.Name, kind)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	machine := &stateMachine{
		name:    request.Name,
		arn:     stateMachineARN(request.Name),
		kind:    kind,
		created: now,
		tags:    mergeTags(nil, request.Tags),
		current: &revision{
			definition: *request.Definition,
			roleArn:    *request.RoleArn,
			updated:    now,
			logging:    request.LoggingConfiguration.withDefaults(),
			tracing:    orZero(request.TracingConfiguration),
			loaded:     loaded,
		},
	}
	s.mu.Lock()
	existing := s.machines[machine.arn]
	s.mu.Unlock()
	if existing == nil {
		s.add(machine)
		return map[string]any{"stateMachineArn": machine.arn, "creationDate": epochSeconds(machine.created)}, nil
	}
	// AWS's idempotency rule: the same name, definition, type, logging and
	// tracing is the same machine (roleArn and tags are then ignored).
	existing.mu.Lock()
	defer existing.mu.Unlock()
	if existing.deleting {
		return nil, apiErrorf("StateMachineDeleting", "State Machine is being deleted: '%s'", existing.arn)
	}
	same := existing.current.definition == machine.current.definition && existing.kind == machine.kind &&
		reflect.DeepEqual(existing.current.logging, machine.current.logging) && existing.current.tracing == machine.current.tracing
	if !same {
		return nil, apiErrorf("StateMachineAlreadyExists", "State Machine Already Exists: '%s' (with another definition, type, logging or tracing configuration)", existing.arn)
	}
	return map[string]any{"stateMachineArn": existing.arn, "creationDate": epochSeconds(existing.created)}, nil
}

// orZero is *p, or T's zero value when p is nil.
func orZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (s *stepFunctionsEndpoint) updateStateMachine(body []byte) (any, error) {
	var request machineRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machine, err := s.machine(request.StateMachineArn)
	if err != nil {
		return nil, err
	}
	if request.Definition == nil && request.RoleArn == nil && request.LoggingConfiguration == nil && request.TracingConfiguration == nil {
		return nil, apiErrorf("MissingRequiredParameter", "Either the definition, the roleArn, the loggingConfiguration or the tracingConfiguration must be specified")
	}
	if err := request.checkSettings(); err != nil {
		return nil, err
	}
	var loaded *asl.Machine
	if request.Definition != nil {
		if loaded, err = s.loadCreated(*request.Definition, machine.name, machine.kind); err != nil {
			return nil, err
		}
	}
	machine.mu.Lock()
	defer machine.mu.Unlock()
	if machine.deleting {
		return nil, apiErrorf("StateMachineDeleting", "State Machine is being deleted: '%s'", machine.arn)
	}
	next := *machine.current
	next.id, next.updated = uuid(), time.Now()
	if request.Definition != nil {
		next.definition, next.loaded = *request.Definition, loaded
	}
	if request.RoleArn != nil {
		next.roleArn = *request.RoleArn
	}
	if request.LoggingConfiguration != nil {
		next.logging = request.LoggingConfiguration.withDefaults()
	}
	if request.TracingConfiguration != nil {
		next.tracing = *request.TracingConfiguration
	}
	machine.current = &next
	return map[string]any{"updateDate": epochSeconds(next.updated), "revisionId": next.id}, nil
}

// deleteStateMachine marks the machine DELETING, stops its running
// executions and then removes it, as AWS does. Deleting a machine that does
// not exist succeeds, as on AWS.
func (s *stepFunctionsEndpoint) deleteStateMachine(body []byte) (any, error) {
	var request struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	machine, err := s.machine(request.StateMachineArn)
	var apiErr *apiError
	if errors.As(err, &apiErr) && apiErr.Type == "StateMachineDoesNotExist" {
		return struct{}{}, nil
	}
	if err != nil {
		return nil, err
	}
	machine.mu.Lock()
	if machine.deleting {
		machine.mu.Unlock()
		return struct{}{}, nil
	}
	machine.deleting = true
	var running []*execution
	for _, e := range machine.executions {
		e.mu.Lock()
		if e.status == "RUNNING" {
			running = append(running, e)
		}
		e.mu.Unlock()
	}
	machine.mu.Unlock()
	remove := func() {
		for _, e := range running {
			e.stop("", "the state machine was deleted")
			<-e.ended
		}
		s.mu.Lock()
		if s.machines[machine.arn] == machine {
			delete(s.machines, machine.arn)
		}
		s.mu.Unlock()
	}
	s.mu.Lock()
	stopping := s.stopping
	if !stopping && len(running) > 0 {
		s.running.Add(1)
	}
	s.mu.Unlock()
	// With nothing to stop, or the endpoint stopping every execution
	// itself, the machine goes at once.
	if stopping || len(running) == 0 {
		remove()
		return struct{}{}, nil
	}
	go func() {
		defer s.running.Done()
		remove()
	}()
	return struct{}{}, nil
}

// describeStateMachineForExecution answers with the definition and
// settings the execution runs with.
func (s *stepFunctionsEndpoint) describeStateMachineForExecution(body []byte) (any, error) {
	var request executionRequest
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	e, err := s.execution(request.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return e.revision.describe(e.machine), nil
}
