package localrun

import (
	"fmt"
	"maps"
	"slices"

	"stepfunctions-go/internal/asl"
)

// GetExecutionHistory: the events the engine recorded (asl.Event, in Step
// Functions' types and fields), paged.

// executionData are the details GetExecutionHistory leaves out when
// includeExecutionData is false: the input and output of events.
var executionData = []string{"input", "inputDetails", "output", "outputDetails"}

// withoutData is event without its execution data; the engine's own copy
// is left as it is.
func withoutData(event asl.Event) asl.Event {
	if event.Details == nil {
		return event
	}
	event.Details = maps.Clone(event.Details)
	for _, key := range executionData {
		delete(event.Details, key)
	}
	return event
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
	events := e.run.execution.History()
	if request.IncludeExecutionData != nil && !*request.IncludeExecutionData {
		for i := range events {
			events[i] = withoutData(events[i])
		}
	} else if len(events) > 0 && events[0].Type == "ExecutionStarted" {
		// AWS records the input as StartExecution received it; the
		// engine holds it as a value, which it writes compact.
		events[0].Details = maps.Clone(events[0].Details)
		events[0].Details["input"] = string(e.input)
	}
	past := func(e asl.Event, after int) bool { return int(e.ID) > after }
	if request.ReverseOrder {
		slices.Reverse(events)
		past = func(e asl.Event, after int) bool { return int(e.ID) < after }
	}
	page, next, err := pageOf(fmt.Sprintf("GetExecutionHistory %s reverse=%t", e.arn, request.ReverseOrder), request.pageRequest, events,
		func(e asl.Event) int { return int(e.ID) }, past)
	if err != nil {
		return nil, err
	}
	return withNextToken(map[string]any{"events": page}, next), nil
}
