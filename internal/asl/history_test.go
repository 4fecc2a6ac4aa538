package asl

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// link is an event's type and previousEventId.
type link struct {
	Type     string
	Previous int64
}

func links(events []Event) []link {
	out := make([]link, len(events))
	for i, e := range events {
		out[i] = link{e.Type, e.PreviousEventID}
	}
	return out
}

// The previousEventId rules below are those of histories Step Functions
// recorded (LocalStack keeps them as snapshots of real AWS runs, for
// example test_base_scenarios' test_map_state_break_condition and
// test_map_state_catch): the first state entered and ExecutionStarted point
// at 0; each event points at the one before it in its own branch or
// iteration; a Map iteration starts from the last state event of the one
// it waited for; MapStateSucceeded, ParallelStateSucceeded and the state's
// Exited event that follows both point at the last event before them;
// a failing iteration's MapIterationFailed and MapStateFailed both point at
// its last state event.
func TestHistoryShape(t *testing.T) {
	def := `{"StartAt": "C", "States": {
		"C": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Assign": {"route": "a"}, "Next": "W"}]},
		"W": {"Type": "Wait", "Seconds": 2, "Next": "M"},
		"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "ResultPath": "$.mapped", "Next": "P"},
		"P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}}], "ResultPath": "$.branches", "Next": "A"},
		"A": {"Type": "Pass", "Assign": {"done.$": "$route"}, "End": true}}}`
	r := setup{}.run(t, def, `{"go": true, "items": [1, 2]}`)
	requireOutput(t, r, `{"go": true, "items": [1, 2], "mapped": [1, 2], "branches": ["b"]}`)
	require.Equal(t, []link{
		{"ExecutionStarted", 0},
		{"ChoiceStateEntered", 0}, {"ChoiceStateExited", 2},
		{"WaitStateEntered", 3}, {"WaitStateExited", 4},
		{"MapStateEntered", 5}, {"MapStateStarted", 6},
		{"MapIterationStarted", 7}, {"PassStateEntered", 8}, {"PassStateExited", 9}, {"MapIterationSucceeded", 10},
		{"MapIterationStarted", 10}, {"PassStateEntered", 12}, {"PassStateExited", 13}, {"MapIterationSucceeded", 14},
		{"MapStateSucceeded", 15}, {"MapStateExited", 15},
		{"ParallelStateEntered", 17}, {"ParallelStateStarted", 18},
		{"PassStateEntered", 19}, {"PassStateExited", 20},
		{"ParallelStateSucceeded", 21}, {"ParallelStateExited", 21},
		{"PassStateEntered", 23}, {"PassStateExited", 24},
		{"ExecutionSucceeded", 25},
	}, links(r.history))
	for i, e := range r.history {
		require.Equal(t, int64(i+1), e.ID)
		wantTime := epoch
		if i >= 4 {
			wantTime = epoch.Add(2 * time.Second)
		}
		require.Equal(t, wantTime, e.Timestamp, "event %d %s", e.ID, e.Type)
	}
	byID := func(id int) Event { return r.history[id-1] }
	require.Equal(t, map[string]any{"input": `{"go":true,"items":[1,2]}`, "inputDetails": notTruncated, "roleArn": testInfo.RoleArn}, byID(1).Details)
	require.Equal(t, "executionStartedEventDetails", byID(1).DetailsKey)
	require.Equal(t, map[string]any{"name": "C", "output": `{"go":true,"items":[1,2]}`, "outputDetails": notTruncated,
		"assignedVariables": map[string]any{"route": `"a"`}, "assignedVariablesDetails": notTruncated}, byID(3).Details)
	require.Equal(t, map[string]any{"length": 2}, byID(7).Details)
	require.Equal(t, "mapStateStartedEventDetails", byID(7).DetailsKey)
	require.Equal(t, map[string]any{"name": "M", "index": 1}, byID(12).Details)
	require.Equal(t, "mapIterationStartedEventDetails", byID(12).DetailsKey)
	require.Equal(t, "mapIterationSucceededEventDetails", byID(15).DetailsKey)
	require.Empty(t, byID(19).DetailsKey, "ParallelStateStarted has no details")
	require.Equal(t, map[string]any{"name": "A", "output": `{"go":true,"items":[1,2],"mapped":[1,2],"branches":["b"]}`, "outputDetails": notTruncated,
		"assignedVariables": map[string]any{"done": `"a"`}, "assignedVariablesDetails": notTruncated}, byID(25).Details)

	var api []map[string]any
	raw, err := json.Marshal(r.history[:2])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &api))
	require.Equal(t, map[string]any{
		"id": 1.0, "previousEventId": 0.0, "type": "ExecutionStarted", "timestamp": float64(epoch.Unix()),
		"executionStartedEventDetails": map[string]any{"input": `{"go":true,"items":[1,2]}`, "inputDetails": map[string]any{"truncated": false}, "roleArn": testInfo.RoleArn},
	}, api[0])
}

// The history AWS recorded for LocalStack's test_map_state_catch.
func TestHistoryOfACaughtMapFailure(t *testing.T) {
	def := `{"StartAt": "StartState", "States": {
		"StartState": {"Type": "Pass", "Result": {"arr": [1]}, "Next": "MapState"},
		"MapState": {"Type": "Map", "ItemsPath": "$.arr", "MaxConcurrency": 1, "Iterator": {"StartAt": "HandleItemFail", "States": {
			"HandleItemFail": {"Type": "Fail", "Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}}},
			"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "FinalCaught"}], "Next": "Final"},
		"FinalCaught": {"Type": "Pass", "End": true},
		"Final": {"Type": "Pass", "End": true}}}`
	r := setup{}.run(t, def, `{}`)
	requireOutput(t, r, `{"Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}`)
	require.Equal(t, []link{
		{"ExecutionStarted", 0},
		{"PassStateEntered", 0}, {"PassStateExited", 2},
		{"MapStateEntered", 3}, {"MapStateStarted", 4},
		{"MapIterationStarted", 5}, {"FailStateEntered", 6},
		{"MapIterationFailed", 7}, {"MapStateFailed", 7}, {"MapStateExited", 9},
		{"PassStateEntered", 10}, {"PassStateExited", 11},
		{"ExecutionSucceeded", 12},
	}, links(r.history))
}

func TestHistoryOfARetriedTask(t *testing.T) {
	calls := 0
	s := setup{integrations: IntegrationMap{invoke: func(context.Context, TaskCall) (any, error) {
		calls++
		if calls == 1 {
			return nil, named("Lambda.ServiceException")
		}
		return "ok", nil
	}}}
	r := s.run(t, taskWith(`[{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3}]`, `[]`), `{}`)
	require.Equal(t, []link{
		{"ExecutionStarted", 0},
		{"TaskStateEntered", 0}, {"TaskScheduled", 2}, {"TaskStarted", 3}, {"TaskFailed", 4},
		{"TaskScheduled", 5}, {"TaskStarted", 6}, {"TaskSucceeded", 7}, {"TaskStateExited", 8},
		{"ExecutionSucceeded", 9},
	}, links(r.history))
	require.Equal(t, epoch.Add(3*time.Second), r.history[5].Timestamp, "the retry is scheduled after IntervalSeconds")
}

func TestOnEventSeesTheHistoryAsItGrows(t *testing.T) {
	var seen []Event
	s := setup{}
	opts := s.options(t)
	opts.OnEvent = func(e Event) { seen = append(seen, e) }
	m, err := Load([]byte(oneState(`{"Type": "Wait", "Seconds": 1, "End": true}`)), opts)
	require.NoError(t, err)
	exec := m.Start(context.Background(), map[string]any{}, testInfo)
	exec.Wait()
	require.Equal(t, exec.History(), seen)
	require.Len(t, seen, 4)
}

// ExecutionInfo.OnEvent sees exactly its own execution's events, after
// Options.OnEvent, however many executions of the Machine run at once.
func TestEachExecutionSeesItsOwnEvents(t *testing.T) {
	opts := setup{}.options(t)
	var mu sync.Mutex
	var all []Event
	opts.OnEvent = func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		all = append(all, e)
	}
	m, err := Load([]byte(`{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "P"}, "P": {"Type": "Pass", "End": true}}}`), opts)
	require.NoError(t, err)
	const executions = 3
	seen := make([][]Event, executions)
	started := make([]*Execution, executions)
	for i := range executions {
		info := testInfo
		info.OnEvent = func(e Event) { seen[i] = append(seen[i], e) }
		started[i] = m.Start(context.Background(), decodeJSON(t, `{}`), info)
	}
	for i, e := range started {
		e.Wait()
		require.Equal(t, e.History(), seen[i], "execution %d", i)
	}
	require.Len(t, all, executions*len(seen[0]), "Options.OnEvent sees every execution's events")
}

// A lone surrogate escape in the input is kept, as Step Functions (Java
// strings) keeps it: the events' input and output texts hold it as the
// string did, and every event writes it out as the escape, there and in a
// cause taken from the input.
func TestHistoryKeepsALoneSurrogate(t *testing.T) {
	def := `{"StartAt": "P", "States": {
		"P": {"Type": "Pass", "Next": "F"},
		"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}}`
	r := setup{}.run(t, def, `{"e": "E\udc00", "c": "a\ud800b"}`)
	requireError(t, r, "E\xed\xb0\x80")
	require.Equal(t, "a\xed\xa0\x80b", r.result.Error.Cause)
	text, err := json.Marshal(r.history)
	require.NoError(t, err)
	require.Equal(t, "{\"e\":\"E\xed\xb0\x80\",\"c\":\"a\xed\xa0\x80b\"}", r.history[0].Details["input"])
	require.Contains(t, string(text), `"input":"{\"e\":\"E\udc00\",\"c\":\"a\ud800b\"}"`)
	require.Contains(t, string(text), `"cause":"a\ud800b","error":"E\udc00"`)
	require.NotContains(t, string(text), `\ufffd`)
	require.NotContains(t, string(text), "\uFFFD")
}
