package asl

import (
	"strings"
	"sync"
	"time"

	"stepfunctions-go/internal/asl/value"
)

// Event is one history event as GetExecutionHistory returns it: the details
// sit under a key named for the event (DetailsKey, such as
// taskScheduledEventDetails); events without details have none.
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string
	DetailsKey      string
	Details         map[string]any
}

// MarshalJSON writes the API's shape; timestamps are epoch seconds.
func (e Event) MarshalJSON() ([]byte, error) {
	fields := map[string]any{
		"id":              e.ID,
		"previousEventId": e.PreviousEventID,
		"timestamp":       float64(e.Timestamp.UnixMilli()) / 1000,
		"type":            e.Type,
	}
	if e.DetailsKey != "" {
		fields[e.DetailsKey] = e.Details
	}
	// value.Marshal: a cause or a name may hold a lone surrogate, which
	// encoding/json would write as U+FFFD.
	return value.Marshal(fields)
}

var notTruncated = map[string]bool{"truncated": false}

type history struct {
	mu      sync.Mutex
	clock   Clock
	onEvent func(Event)
	events  []Event
}

// add records an event caused by the event previous (0: none) and returns
// its id.
func (h *history) add(previous int64, kind string, details map[string]any) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := int64(len(h.events)) + 1
	e := Event{ID: id, PreviousEventID: previous, Timestamp: h.clock.Now(), Type: kind}
	if details != nil {
		e.DetailsKey = detailsKey(kind)
		e.Details = details
	}
	h.events = append(h.events, e)
	if h.onEvent != nil {
		h.onEvent(e)
	}
	return id
}

func (h *history) snapshot() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// detailsKey is the HistoryEvent member that holds an event's details.
func detailsKey(kind string) string {
	switch {
	case kind == "FailStateEntered" || strings.HasSuffix(kind, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(kind, "StateExited"):
		return "stateExitedEventDetails"
	}
	return strings.ToLower(kind[:1]) + kind[1:] + "EventDetails"
}

// jsonText is a value as the history's input and output strings hold it.
func jsonText(v any) string {
	text, err := value.Text(v)
	if err != nil {
		return "null"
	}
	return text
}

// taskResource splits a Resource into the resourceType and resource the
// Task events name: arn:aws:states:::lambda:invoke is lambda and invoke.
func taskResource(arn string) (resourceType, resource string) {
	parts := strings.SplitN(arn, ":", 7)
	if len(parts) == 7 && parts[2] == "states" {
		return parts[5], parts[6]
	}
	return "", arn
}

// isLambdaFunctionArn tells a Lambda function ARN given as the Resource,
// which AWS records with LambdaFunction… events instead of Task… ones.
func isLambdaFunctionArn(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) >= 7 && parts[2] == "lambda" && parts[5] == "function"
}
