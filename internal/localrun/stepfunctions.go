package localrun

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/value"
)

// stepFunctionsEndpoint is a loopback Step Functions API in the AWS JSON
// 1.0 protocol. It always serves the operations a callback worker calls:
// SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat (the functions' own
// AWS SDKs reach it through AWS_ENDPOINT_URL_SFN, so a worker runs the same
// calls as on AWS), and the execution API of the state machines registered
// with it (executions.go).
type stepFunctionsEndpoint struct {
	url      string
	server   *http.Server
	served   chan struct{} // closed when Serve returns
	progress io.Writer

	mu      sync.Mutex
	waiting map[string]*waitingTask // by task token
	// closed are the tokens of tasks that have ended: a report for one is
	// TaskTimedOut, as on AWS, where a token that was never issued is
	// InvalidToken.
	closed   map[string]bool
	machines map[string]*stateMachine // by ARN
	// positions counts the machines ever served: each one's position.
	positions int
	// mocks is the mock config file's test cases, or nil.
	mocks *mockConfig
	// stack serves the stack's functions and queues to definitions the
	// stack does not deploy; jsonata evaluates theirs.
	stack   stackIntegrations
	jsonata sharedJSONata
	// serving is set once every state machine is registered; until then
	// the execution API answers ServiceUnavailable rather than list none.
	serving bool
	// executions is the context of every execution started here; stop ends
	// it and waits for running. Once stopping, no execution starts.
	executions   context.Context
	endExecution context.CancelFunc
	running      sync.WaitGroup
	stopping     bool
}

// waitingTask is a .waitForTaskToken Task whose token a worker reports on.
type waitingTask struct {
	state string
	owner *run // the execution waiting on the token
}

// startStepFunctionsEndpoint serves on address, which must be a loopback
// address: the endpoint accepts any credentials.
func startStepFunctionsEndpoint(address string, progress io.Writer) (*stepFunctionsEndpoint, error) {
	if err := requireLoopback(address); err != nil {
		return nil, err
	}
	listener, err := net.Listen("tcp", address)
	if err != nil {
		return nil, fmt.Errorf("listening on %s for the local Step Functions endpoint: %w", address, err)
	}
	executions, endExecutions := context.WithCancel(context.Background())
	s := &stepFunctionsEndpoint{
		url:          "http://" + listener.Addr().String(),
		served:       make(chan struct{}),
		progress:     progress,
		waiting:      map[string]*waitingTask{},
		closed:       map[string]bool{},
		machines:     map[string]*stateMachine{},
		executions:   executions,
		endExecution: endExecutions,
	}
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.served)
		s.server.Serve(listener) // returns ErrServerClosed at stop
	}()
	return s, nil
}

// requireLoopback refuses an address other interfaces could reach.
func requireLoopback(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return setupErrorf("the endpoint address %q is not host:port, e.g. 127.0.0.1:8083: %v", address, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return setupErrorf("the endpoint address %q is not a loopback address: the endpoint accepts any credentials, so it listens on 127.0.0.1, ::1 or localhost only", address)
	}
	return nil
}

// stop ends the executions under way, waits for the requests in progress,
// which are quick, and closes.
func (s *stepFunctionsEndpoint) stop() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.endExecution()
	s.running.Wait()
	s.jsonata.close()
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if s.server.Shutdown(ctx) != nil {
		s.server.Close()
	}
	<-s.served
}

// expect registers token, issued by owner's Task in state, before the
// message that carries it leaves, so that the quickest worker finds it.
func (s *stepFunctionsEndpoint) expect(token, state string, owner *run) {
	s.mu.Lock()
	s.waiting[token] = &waitingTask{state: state, owner: owner}
	s.mu.Unlock()
	owner.tokenIssued(token)
}

// forget ends the wait for tokens, whose execution has ended: later reports
// are TaskTimedOut, as on AWS.
func (s *stepFunctionsEndpoint) forget(tokens []string) {
	s.mu.Lock()
	for _, token := range tokens {
		delete(s.waiting, token)
		s.closed[token] = true
	}
	s.mu.Unlock()
}

// serve starts answering the execution API, once every state machine is
// registered, with sessions' functions and queues for the definitions the
// stack does not deploy.
func (s *stepFunctionsEndpoint) serve(sessions []*Session) {
	s.mu.Lock()
	s.stack = stackIntegrations{sessions: sessions}
	s.serving = true
	s.mu.Unlock()
}

// servedWhileStarting are the operations a callback worker calls: they are
// answered from the start, since only a running execution issues tokens.
var servedWhileStarting = []string{"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"}

// taskReport is the request body of SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat.
type taskReport struct {
	TaskToken string  `json:"taskToken"`
	Output    *string `json:"output"`
	Error     string  `json:"error"`
	Cause     string  `json:"cause"`
}

// apiError is an error in the AWS JSON 1.0 protocol: the SDK finds the
// error's shape (types.TaskDoesNotExist, ...) by the name in __type.
type apiError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
	// status is the HTTP status: 400 unless set.
	status int
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func apiErrorf(errorType, format string, args ...any) *apiError {
	return &apiError{Type: errorType, Message: fmt.Sprintf(format, args...)}
}

// maxRequestBytes bounds a request body. The largest the model allows is
// TestState's: a definition of 1,048,576 characters and five members of
// 262,144 (input, variables, context, mock.result, mapItemReaderData),
// each character up to 6 bytes once JSON-escaped (\uXXXX).
const maxRequestBytes = 16 << 20

// operation answers one API call: it decodes the request body and returns
// the response, which is marshalled as JSON, or an error.
type operation func(s *stepFunctionsEndpoint, body []byte) (any, error)

var operations = map[string]operation{
	// State machines a client creates (machines.go).
	"CreateStateMachine":               (*stepFunctionsEndpoint).createStateMachine,
	"UpdateStateMachine":               (*stepFunctionsEndpoint).updateStateMachine,
	"DeleteStateMachine":               (*stepFunctionsEndpoint).deleteStateMachine,
	"ValidateStateMachineDefinition":   (*stepFunctionsEndpoint).validateStateMachineDefinition,
	"DescribeStateMachineForExecution": (*stepFunctionsEndpoint).describeStateMachineForExecution,
	"TagResource":                      (*stepFunctionsEndpoint).tagResource,
	"UntagResource":                    (*stepFunctionsEndpoint).untagResource,
	"ListTagsForResource":              (*stepFunctionsEndpoint).listTagsForResource,

	"SendTaskSuccess":      sendTaskReport("SendTaskSuccess"),
	"SendTaskFailure":      sendTaskReport("SendTaskFailure"),
	"SendTaskHeartbeat":    sendTaskReport("SendTaskHeartbeat"),
	"ListStateMachines":    (*stepFunctionsEndpoint).listStateMachines,
	"DescribeStateMachine": (*stepFunctionsEndpoint).describeStateMachine,
	"StartExecution":       (*stepFunctionsEndpoint).startExecution,
	"StartSyncExecution":   (*stepFunctionsEndpoint).startSyncExecution,
	"DescribeExecution":    (*stepFunctionsEndpoint).describeExecution,
	"ListExecutions":       (*stepFunctionsEndpoint).listExecutions,
	"StopExecution":        (*stepFunctionsEndpoint).stopExecution,
	"GetExecutionHistory":  (*stepFunctionsEndpoint).getExecutionHistory,
	"TestState":            (*stepFunctionsEndpoint).testState,
}

// ServeHTTP answers one call in the AWS JSON 1.0 protocol: POST / with the
// operation in X-Amz-Target. Any credentials and signature are accepted.
func (s *stepFunctionsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	var response any
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	op, known := operations[name]
	switch {
	case err != nil:
		err = apiErrorf("SerializationException", "the request body could not be read (at most %d MiB): %v", maxRequestBytes>>20, err)
	case !known:
		err = apiErrorf("UnknownOperationException", "the local Step Functions endpoint does not serve %q; it serves %s", name, strings.Join(slices.Sorted(maps.Keys(operations)), ", "))
	case !json.Valid(body):
		err = apiErrorf("SerializationException", "the request body is not JSON")
	default:
		err = validate(name, body)
	}
	switch {
	case err != nil:
	case !s.isServing() && !slices.Contains(servedWhileStarting, name):
		err = &apiError{Type: "ServiceUnavailable", Message: "the local endpoint is starting its state machines; retry shortly", status: http.StatusServiceUnavailable}
	default:
		response, err = op(s, body)
	}
	// Every AWS response carries one; SDKs report it with each error.
	w.Header().Set("x-amzn-RequestId", uuid())
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if err != nil {
		var apiErr *apiError
		if !errors.As(err, &apiErr) {
			apiErr = &apiError{Type: "InternalFailure", Message: err.Error(), status: http.StatusInternalServerError}
		}
		w.WriteHeader(cmp.Or(apiErr.status, http.StatusBadRequest))
		json.NewEncoder(w).Encode(apiErr)
		return
	}
	// value.Marshal: an output, a cause or an event may hold a lone
	// surrogate, which encoding/json would write as U+FFFD.
	out, err := value.Marshal(response)
	if err != nil {
		http.Error(w, fmt.Sprintf("the response to %s cannot be written as JSON: %v", name, err), http.StatusInternalServerError)
		return
	}
	w.Write(append(out, '\n'))
}

func (s *stepFunctionsEndpoint) isServing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serving
}

// decode reads a request body into request; a field of the wrong type is
// the client's error.
func decode(body []byte, request any) error {
	if err := json.Unmarshal(body, request); err != nil {
		return apiErrorf("SerializationException", "the request body does not have the operation's shape: %v", err)
	}
	return nil
}

func sendTaskReport(operation string) operation {
	return func(s *stepFunctionsEndpoint, body []byte) (any, error) {
		var report taskReport
		if err := decode(body, &report); err != nil {
			return nil, err
		}
		return struct{}{}, s.report(operation, report)
	}
}

// report hands a worker's report to the execution waiting on its token.
func (s *stepFunctionsEndpoint) report(operation string, report taskReport) error {
	var output any
	if operation == "SendTaskSuccess" {
		var err error
		if output, err = value.Decode([]byte(*report.Output)); err != nil {
			return apiErrorf("InvalidOutput", "Invalid Output: 'the output must be JSON text'")
		}
		if err := checkPayloadSize("the output", []byte(*report.Output)); err != nil {
			return apiErrorf("InvalidOutput", "Invalid Output: '%s'", err.Cause)
		}
	}
	s.mu.Lock()
	task, ok := s.waiting[report.TaskToken]
	closed := s.closed[report.TaskToken]
	s.mu.Unlock()
	if !ok {
		if closed {
			return s.taskEnded(operation, report.TaskToken)
		}
		fmt.Fprintf(s.progress, "  sfn: %s for a token no task was given: InvalidToken\n", operation)
		return apiErrorf("InvalidToken", "Invalid Token: 'no task was given this token'")
	}
	execution := task.owner.engine()
	var err error
	detail := ""
	switch operation {
	case "SendTaskSuccess":
		err = execution.SendTaskSuccess(report.TaskToken, output)
	case "SendTaskFailure":
		err = execution.SendTaskFailure(report.TaskToken, report.Error, report.Cause)
		detail = ": " + report.Error
	case "SendTaskHeartbeat":
		err = execution.SendTaskHeartbeat(report.TaskToken)
	}
	if errors.Is(err, asl.ErrTaskDoesNotExist) {
		return s.taskEnded(operation, report.TaskToken)
	}
	if operation != "SendTaskHeartbeat" {
		s.forget([]string{report.TaskToken})
	}
	fmt.Fprintf(s.progress, "  sfn: %s for %s%s\n", operation, task.state, detail)
	return nil
}

// taskEnded answers a report for a token whose task has ended: it timed
// out, was reported on, or its execution ended.
func (s *stepFunctionsEndpoint) taskEnded(operation, token string) error {
	s.forget([]string{token})
	fmt.Fprintf(s.progress, "  sfn: %s for a task that has ended: TaskTimedOut\n", operation)
	return apiErrorf("TaskTimedOut", "Task Timed Out: 'the task of this token has ended: it timed out, was reported or its execution ended'")
}
