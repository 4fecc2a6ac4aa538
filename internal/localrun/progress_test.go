package localrun

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
)

// The progress lines follow each state through Map iterations and
// Parallel branches, retries, a Catch and a Fail state, from the engine's
// history events alone.
func TestProgressLines(t *testing.T) {
	const definition = `{"StartAt":"Items","States":{
		"Items":{"Type":"Map","ItemsPath":"$.items","ResultPath":null,"Next":"Fork","ItemProcessor":{"StartAt":"Each","States":{
			"Each":{"Type":"Pass","End":true}}}},
		"Fork":{"Type":"Parallel","ResultPath":null,"Next":"Flaky","Branches":[
			{"StartAt":"Left","States":{"Left":{"Type":"Pass","End":true}}},
			{"StartAt":"Right","States":{"Right":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"ok"},"End":true}}}]},
		"Flaky":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"flaky"},
			"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":1,"MaxAttempts":1}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"GaveUp"}],"End":true},
		"GaveUp":{"Type":"Fail","Error":"Gave.Up"}}}`
	var mu sync.Mutex
	calls := 0
	invoke := func(ctx context.Context, task asl.TaskCall) (any, error) {
		if task.StateName != "Flaky" {
			return "done", nil
		}
		mu.Lock()
		defer mu.Unlock()
		calls++
		return nil, &stateserror.Error{Name: throttledError, Cause: "Rate Exceeded."}
	}
	machine, err := asl.Load([]byte(definition), asl.Options{Integrations: asl.IntegrationMap{lambdaInvokeResource: invoke}})
	require.NoError(t, err)
	overrides{RetryInterval: 1}.apply(&machine.Graph)
	var out strings.Builder
	report := newProgressReport(&out)
	states := eventStates{}
	var events []asl.Event
	result := machine.Start(t.Context(), map[string]any{"items": []any{"a", "b"}}, asl.ExecutionInfo{OnEvent: func(e asl.Event) {
		report.event(e)
		states.observe(e)
		events = append(events, e)
	}}).Wait()
	require.Equal(t, asl.Failed, result.Status)

	lines := out.String()
	for _, want := range []string{
		"→ Items\n", "→ Each\n", "← Each (", "← Items (",
		"→ Fork\n", "→ Left\n", "→ Right\n", "← Right (", "← Fork (",
		"→ Flaky\n", "✗ Flaky failed with " + throttledError, "↻ Flaky retry 1\n",
		"⤷ Flaky caught, next GaveUp\n", "→ GaveUp\n", "■ GaveUp ends the execution with Gave.Up\n",
	} {
		assert.Contains(t, lines, want)
	}
	assert.Equal(t, 2, strings.Count(lines, "→ Each\n"), "one line per iteration")
	assert.Equal(t, 2, strings.Count(lines, "✗ Flaky failed"), "the attempt and its retry")
	entered := strings.Count(lines, "→ ")
	assert.Equal(t, entered+1, report.count(), "each state entered, and the retry")

	// Every event of a state's own belongs to it, at any depth.
	for _, e := range events {
		name, named := e.Details["name"].(string)
		switch {
		case named:
			assert.Equal(t, name, states[e.ID].state, "event %d %s", e.ID, e.Type)
		case strings.HasPrefix(e.Type, "MapState"):
			assert.Equal(t, "Items", states[e.ID].state, "event %d %s", e.ID, e.Type)
		case strings.HasPrefix(e.Type, "ParallelState"):
			assert.Equal(t, "Fork", states[e.ID].state, "event %d %s", e.ID, e.Type)
		}
	}
}
