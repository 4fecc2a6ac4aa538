package localrun

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// GetExecutionHistory: the interpreter's events, as the history events
// Step Functions records for the same run (HistoryEvent in the API
// reference): ExecutionStarted, <Type>StateEntered, TaskScheduled,
// TaskStarted, TaskSucceeded, TaskFailed or TaskTimedOut, <Type>StateExited,
// FailStateEntered and the execution's end.

// historyEvent is one HistoryEvent: the details sit under a key named for
// the event's type, such as taskScheduledEventDetails.
type historyEvent struct {
	Timestamp       float64 `json:"timestamp"`
	Type            string  `json:"type"`
	ID              int     `json:"id"`
	PreviousEventID int     `json:"previousEventId"`
	detailsKey      string
	details         map[string]any
}

func (h historyEvent) MarshalJSON() ([]byte, error) {
	fields := map[string]any{"timestamp": h.Timestamp, "type": h.Type, "id": h.ID, "previousEventId": h.PreviousEventID}
	if h.detailsKey != "" {
		fields[h.detailsKey] = h.details
	}
	return json.Marshal(fields)
}

// timeoutErrors are the Task errors Step Functions records as TaskTimedOut.
var timeoutErrors = []string{"States.Timeout", "States.HeartbeatTimeout"}

// history turns an execution's events into history events, numbered from 1,
// each following the one before. input is the execution's, as given: the
// interpreter's copy is re-serialized.
func history(events []Event, roleArn string, input json.RawMessage, withData bool) []historyEvent {
	var out []historyEvent
	add := func(e Event, kind, detailsKey string, details map[string]any) {
		out = append(out, historyEvent{Timestamp: epochSeconds(e.At), Type: kind, ID: len(out) + 1, PreviousEventID: len(out), detailsKey: detailsKey, details: details})
	}
	data := func(details map[string]any, key string, value json.RawMessage) map[string]any {
		if withData && value != nil {
			details[key] = string(value)
			details[key+"Details"] = map[string]bool{"truncated": false}
		}
		return details
	}
	taskOpen := map[string]bool{} // Tasks scheduled and not yet ended, by state
	for _, e := range events {
		resourceType, resource := splitResource(e.Resource)
		task := func() map[string]any { return map[string]any{"resourceType": resourceType, "resource": resource} }
		failure := func(details map[string]any) map[string]any {
			details["error"], details["cause"] = e.Error, e.Cause
			return details
		}
		switch e.Type {
		case "ExecutionStarted":
			add(e, e.Type, "executionStartedEventDetails", data(map[string]any{"roleArn": roleArn}, "input", input))
		case "StateEntered":
			add(e, e.StateType+"StateEntered", "stateEnteredEventDetails", data(map[string]any{"name": e.State}, "input", e.Input))
		case "TaskScheduled":
			details := task()
			details["region"] = localRegion
			details["parameters"] = string(e.Parameters)
			if e.TimeoutSeconds > 0 {
				details["timeoutInSeconds"] = e.TimeoutSeconds
			}
			if e.HeartbeatSeconds > 0 {
				details["heartbeatInSeconds"] = e.HeartbeatSeconds
			}
			add(e, "TaskScheduled", "taskScheduledEventDetails", details)
			add(e, "TaskStarted", "taskStartedEventDetails", task())
			taskOpen[e.State] = true
		case "TaskSucceeded":
			taskOpen[e.State] = false
			add(e, e.Type, "taskSucceededEventDetails", data(task(), "output", e.Output))
		case "TaskFailed":
			taskOpen[e.State] = false
			if slices.Contains(timeoutErrors, e.Error) {
				add(e, "TaskTimedOut", "taskTimedOutEventDetails", failure(task()))
			} else {
				add(e, e.Type, "taskFailedEventDetails", failure(task()))
			}
		case "StateFailed":
			// The interpreter's own TimeoutSeconds ends a Task that never
			// answered.
			if e.StateType == "Task" && taskOpen[e.State] {
				taskOpen[e.State] = false
				add(e, "TaskTimedOut", "taskTimedOutEventDetails", failure(task()))
			}
		case "StateExited":
			add(e, e.StateType+"StateExited", "stateExitedEventDetails", data(map[string]any{"name": e.State}, "output", e.Output))
		case "ExecutionSucceeded":
			add(e, e.Type, "executionSucceededEventDetails", data(map[string]any{}, "output", e.Output))
		case "ExecutionFailed":
			add(e, e.Type, "executionFailedEventDetails", failure(map[string]any{}))
		case "ExecutionTimeout":
			add(e, "ExecutionTimedOut", "executionTimedOutEventDetails", failure(map[string]any{}))
		case "ExecutionAborted":
			add(e, e.Type, "executionAbortedEventDetails", failure(map[string]any{}))
		}
	}
	return out
}

// splitResource splits a service integration's Resource,
// arn:aws:states:::lambda:invoke, into its resourceType (lambda) and
// resource (invoke), as history events name them.
func splitResource(arn string) (resourceType, resource string) {
	service, _ := strings.CutPrefix(arn, "arn:aws:states:::")
	resourceType, resource, _ = strings.Cut(service, ":")
	return resourceType, resource
}

func (s *stepFunctionsEndpoint) getExecutionHistory(body []byte) (any, error) {
	var request struct {
		pageRequest
		ExecutionArn         string `json:"executionArn"`
		ReverseOrder         bool   `json:"reverseOrder"`
		IncludeExecutionData *bool  `json:"includeExecutionData"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	e, err := s.execution(request.ExecutionArn)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	events := slices.Clone(e.history)
	e.mu.Unlock()
	withData := request.IncludeExecutionData == nil || *request.IncludeExecutionData
	out := history(events, e.machine.roleArn, e.input, withData)
	past := func(e historyEvent, after int) bool { return e.ID > after }
	if request.ReverseOrder {
		slices.Reverse(out)
		past = func(e historyEvent, after int) bool { return e.ID < after }
	}
	page, next, err := pageOf(fmt.Sprintf("GetExecutionHistory %s reverse=%t", e.arn, request.ReverseOrder), request.pageRequest, out,
		func(e historyEvent) int { return e.ID }, past)
	if err != nil {
		return nil, err
	}
	return withNextToken(map[string]any{"events": page}, next), nil
}
