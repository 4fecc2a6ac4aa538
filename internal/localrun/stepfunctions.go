package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// stepFunctionsEndpoint is a loopback Step Functions API serving the
// operations a callback worker calls: SendTaskSuccess, SendTaskFailure and
// SendTaskHeartbeat. The functions' own AWS SDKs reach it through
// AWS_ENDPOINT_URL_SFN, so a worker runs the same calls as on AWS.
type stepFunctionsEndpoint struct {
	url      string
	server   *http.Server
	served   chan struct{} // closed when Serve returns
	progress io.Writer

	mu      sync.Mutex
	waiting map[string]*waitingTask // by task token
}

// waitingTask is a .waitForTaskToken Task waiting for its token's report.
type waitingTask struct {
	state string
	// reported receives the task's outcome, once: a token stops being
	// waited for at its first SendTaskSuccess or SendTaskFailure.
	reported  chan taskOutcome
	heartbeat chan struct{}
}

type taskOutcome struct {
	output json.RawMessage
	err    *TaskError
}

func startStepFunctionsEndpoint(progress io.Writer) (*stepFunctionsEndpoint, error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listening on a loopback port for the local Step Functions endpoint: %w", err)
	}
	s := &stepFunctionsEndpoint{
		url:      "http://" + listener.Addr().String(),
		served:   make(chan struct{}),
		progress: progress,
		waiting:  map[string]*waitingTask{},
	}
	s.server = &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.served)
		s.server.Serve(listener) // returns ErrServerClosed at stop
	}()
	return s, nil
}

// stop waits for the requests in progress, which are quick, and closes.
func (s *stepFunctionsEndpoint) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), stopGrace)
	defer cancel()
	if s.server.Shutdown(ctx) != nil {
		s.server.Close()
	}
	<-s.served
}

// expect registers token before the message that carries it leaves, so that
// the quickest worker finds its task waiting.
func (s *stepFunctionsEndpoint) expect(token, state string) *waitingTask {
	task := &waitingTask{state: state, reported: make(chan taskOutcome, 1), heartbeat: make(chan struct{}, 1)}
	s.mu.Lock()
	s.waiting[token] = task
	s.mu.Unlock()
	return task
}

// forget ends the wait for token: later reports find no such task, as on
// AWS once a task has timed out or its execution has ended.
func (s *stepFunctionsEndpoint) forget(token string) {
	s.mu.Lock()
	delete(s.waiting, token)
	s.mu.Unlock()
}

// await returns the task's result, the output its worker reported, or fails
// it with the reported error, States.HeartbeatTimeout when no heartbeat or
// report came for heartbeat, or States.Timeout after timeout. A zero
// duration sets no limit. The interpreter enforces TimeoutSeconds as well;
// either timer ends the Task with States.Timeout.
func (w *waitingTask) await(ctx context.Context, heartbeat, timeout time.Duration) (json.RawMessage, error) {
	var timedOut, heartbeatMissed <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		timedOut = timer.C
	}
	var heartbeatTimer *time.Timer
	if heartbeat > 0 {
		heartbeatTimer = time.NewTimer(heartbeat)
		defer heartbeatTimer.Stop()
		heartbeatMissed = heartbeatTimer.C
	}
	for {
		select {
		case outcome := <-w.reported:
			if outcome.err != nil {
				return nil, outcome.err
			}
			return outcome.output, nil
		case <-w.heartbeat:
			if heartbeatTimer != nil {
				heartbeatTimer.Reset(heartbeat)
			}
		case <-heartbeatMissed:
			return nil, &TaskError{Name: "States.HeartbeatTimeout", Cause: fmt.Sprintf("no SendTaskHeartbeat, SendTaskSuccess or SendTaskFailure for %v (the Task's HeartbeatSeconds): no worker took the message, or it stopped reporting", heartbeat)}
		case <-timedOut:
			return nil, &TaskError{Name: "States.Timeout", Cause: fmt.Sprintf("no SendTaskSuccess or SendTaskFailure within %v (the Task's TimeoutSeconds)", timeout)}
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

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
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

// maxReportBytes bounds a request body: Step Functions allows outputs of
// 256 KiB; JSON escaping may add to that.
const maxReportBytes = 1 << 20

// ServeHTTP answers one call in the AWS JSON 1.0 protocol: POST / with the
// operation in X-Amz-Target.
func (s *stepFunctionsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	operation, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSStepFunctions.")
	var report taskReport
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxReportBytes)).Decode(&report)
	if err != nil {
		err = &apiError{Type: "SerializationException", Message: "the request body is not a JSON object of at most 1 MiB: " + err.Error()}
	} else {
		err = s.handle(operation, report)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(err)
		return
	}
	io.WriteString(w, "{}")
}

func (s *stepFunctionsEndpoint) handle(operation string, report taskReport) error {
	var outcome taskOutcome
	switch operation {
	case "SendTaskHeartbeat":
	case "SendTaskSuccess":
		if report.Output == nil || !json.Valid([]byte(*report.Output)) {
			return &apiError{Type: "InvalidOutput", Message: "the output must be JSON text"}
		}
		outcome.output = json.RawMessage(*report.Output)
	case "SendTaskFailure":
		outcome.err = &TaskError{Name: report.Error, Cause: report.Cause}
	default:
		return &apiError{Type: "UnknownOperationException", Message: fmt.Sprintf("the local Step Functions endpoint serves SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, not %q", operation)}
	}
	s.mu.Lock()
	task, ok := s.waiting[report.TaskToken]
	if ok && operation != "SendTaskHeartbeat" {
		delete(s.waiting, report.TaskToken)
	}
	s.mu.Unlock()
	if !ok {
		fmt.Fprintf(s.progress, "  sfn: %s for a task that is not waiting: TaskDoesNotExist\n", operation)
		return &apiError{Type: "TaskDoesNotExist", Message: "Task does not exist anymore"}
	}
	detail := ""
	if outcome.err != nil {
		detail = ": " + outcome.err.Name
	}
	fmt.Fprintf(s.progress, "  sfn: %s for %s%s\n", operation, task.state, detail)
	if operation != "SendTaskHeartbeat" {
		task.reported <- outcome
		return nil
	}
	select {
	case task.heartbeat <- struct{}{}:
	default: // a heartbeat is already pending; one resets the clock as well as two
	}
	return nil
}
