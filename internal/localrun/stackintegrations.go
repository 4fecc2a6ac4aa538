package localrun

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/jsonata"
)

// stackIntegrations are the Task Resources of every workflow the endpoint
// runs, for the definitions the stack does not deploy: state machines a
// client creates and TestState requests. A Task that names one of the
// stack's functions or queues reaches the session that runs it, as on AWS
// any state machine may call any function its role allows.
type stackIntegrations struct{ sessions []*Session }

func (st stackIntegrations) Lookup(resource string) (asl.Integration, bool) {
	if len(st.sessions) == 0 { // an endpoint that serves no workflow
		return nil, false
	}
	switch resource {
	case lambdaInvokeResource:
		return st.invokeTask, true
	case sqsSendMessageWaitResource:
		return st.sendMessage, true
	}
	for _, s := range st.sessions {
		if s.integrations.functionARNs[resource] {
			return s.integrations.lambda.invokeFunction, true
		}
	}
	return nil, false
}

// invokeTask is lambda:invoke on the session that runs the function its
// FunctionName names.
func (st stackIntegrations) invokeTask(ctx context.Context, task asl.TaskCall) (any, error) {
	field, _ := argument(task.Arguments, "FunctionName")
	name, _ := field.(string)
	return st.sessionWith(func(s *Session) bool {
		_, ok := s.integrations.lambda.pools[functionName(name)]
		return ok
	}).integrations.lambda.invokeTask(ctx, task)
}

// sendMessage is sqs:sendMessage.waitForTaskToken on the session whose
// queue its QueueUrl names.
func (st stackIntegrations) sendMessage(ctx context.Context, task asl.TaskCall) (any, error) {
	field, _ := argument(task.Arguments, "QueueUrl")
	url, _ := field.(string)
	return st.sessionWith(func(s *Session) bool {
		_, ok := s.integrations.sqs.queues[url]
		return ok
	}).integrations.sqs.call(ctx, task)
}

// sessionWith is the session that has what has asks for, or else the
// first, whose integration then fails the Task as AWS would fail it
// (no such function or queue, or arguments that name none).
func (st stackIntegrations) sessionWith(has func(*Session) bool) *Session {
	if i := slices.IndexFunc(st.sessions, has); i >= 0 {
		return st.sessions[i]
	}
	return st.sessions[0]
}

// served names every Resource Lookup serves, for the message that refuses
// a definition.
func (st stackIntegrations) served() string {
	resources := map[string]bool{lambdaInvokeResource: true, sqsSendMessageWaitResource: true}
	for _, s := range st.sessions {
		maps.Copy(resources, s.integrations.functionARNs)
	}
	return strings.Join(slices.Sorted(maps.Keys(resources)), ", ")
}

// sharedJSONata is one JSONata worker for every definition the endpoint
// loads that is not the stack's (each stack workflow has its own): started
// by the first that uses JSONata, closed when the endpoint stops.
type sharedJSONata struct {
	mu     sync.Mutex
	worker *jsonata.Worker
	closed bool
}

// get starts the worker on first use, printing that to out.
func (j *sharedJSONata) get(ctx context.Context, out io.Writer) (*jsonata.Worker, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil, fmt.Errorf("the local endpoint is shutting down")
	}
	if j.worker == nil {
		worker, err := startJSONata(ctx, out)
		if err != nil {
			return nil, err
		}
		j.worker = worker
	}
	return j.worker, nil
}

func (j *sharedJSONata) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	if j.worker != nil {
		j.worker.Close()
	}
}
