package localrun

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/judges"
	"stepfunctions-go/statemachine"
)

// integrationsFor serves the Resources a session of workflow serves; no
// function runs behind them.
func integrationsFor(workflow *statemachine.Workflow) localIntegrations {
	integrations := localIntegrations{lambda: newLambdaInvoke(nil), functionARNs: map[string]bool{}, sqs: &sendMessageAndWait{}}
	for _, fn := range workflow.Functions {
		integrations.functionARNs[localFunctionARN(fn)] = true
	}
	return integrations
}

func TestEveryDefinitionLoadsIntoTheEngine(t *testing.T) {
	for _, name := range statemachine.Names() {
		t.Run(name, func(t *testing.T) {
			workflow, _ := workflowOf(t, name)
			definition, err := workflow.Render(localResourcesOf(workflow, nil).values)
			require.NoError(t, err, "the local runner provides every placeholder")
			machine, worker, err := loadDefinition(t.Context(), definition, integrationsFor(workflow), overrides{}, testWriter{t})
			require.NoError(t, err)
			assert.NotNil(t, machine)
			assert.Nil(t, worker, "a JSONPath workflow starts no JSONata worker")
		})
	}
}

// AWS's own ASL service (internal/judges) finds nothing in any definition
// as the local runner renders it.
func TestEveryLocalDefinitionPassesAWSsASLValidator(t *testing.T) {
	var definitions []judges.Definition
	for _, name := range statemachine.Names() {
		workflow, _ := workflowOf(t, name)
		definition, err := workflow.Render(localResourcesOf(workflow, nil).values)
		require.NoError(t, err)
		definitions = append(definitions, judges.Definition{Name: "local " + name, JSON: definition})
	}
	diagnostics, err := judges.ValidateASL(t.Context(), definitions)
	require.NoError(t, err)
	for _, diagnostic := range diagnostics {
		t.Error(diagnostic)
	}
}

// Integrations are chosen per Resource: a Task whose Resource has none is a
// setup error before anything runs, not a Task that fails at run time.
func TestATaskWithoutIntegrationIsASetupError(t *testing.T) {
	workflow, _ := workflowOf(t, "main")
	tests := []struct{ name, resource string }{
		{"another service", "arn:aws:states:::dynamodb:putItem"},
		{"a function the workflow does not run", "arn:aws:lambda:us-east-1:000000000000:function:elsewhere"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			definition := `{"StartAt":"Record","States":{"Record":{"Type":"Task","Resource":"` + test.resource + `","TimeoutSeconds":30,"End":true}}}`
			_, _, err := loadDefinition(t.Context(), definition, integrationsFor(workflow), overrides{}, testWriter{t})
			var setupErr *SetupError
			require.ErrorAs(t, err, &setupErr)
			assert.ErrorContains(t, err, `state "Record": field "Resource" is "`+test.resource+`", which no integration serves here`)
			assert.ErrorContains(t, err, "the local runner serves the Task Resources "+lambdaInvokeResource)
		})
	}
}

// A function ARN as the Resource is served when it names a function of
// the workflow.
func TestAFunctionARNOfTheWorkflowIsServed(t *testing.T) {
	workflow, _ := workflowOf(t, "main")
	arn := localFunctionARN(workflow.Functions[0])
	definition := `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"` + arn + `","TimeoutSeconds":30,"End":true}}}`
	_, _, err := loadDefinition(t.Context(), definition, integrationsFor(workflow), overrides{}, testWriter{t})
	require.NoError(t, err)
}

func TestUsesJSONata(t *testing.T) {
	for definition, want := range map[string]bool{
		`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`:                                                                                                    false,
		`{"QueryLanguage":"JSONPath","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`:                                                                         false,
		`{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`:                                                                          true,
		`{"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata","End":true}}}`:                                                                          true,
		`{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","QueryLanguage":"JSONata","End":true}}},"End":true}}}`: true,
	} {
		assert.Equal(t, want, usesJSONata(definition), definition)
	}
}

// throttledCalls is an integration that throttles each state's first
// `throttles` calls, then succeeds, counting the calls per state.
type throttledCalls struct {
	throttles int
	mu        sync.Mutex
	calls     map[string]int
}

func (c *throttledCalls) call(ctx context.Context, task asl.TaskCall) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[task.StateName]++
	if c.calls[task.StateName] <= c.throttles {
		return nil, &stateserror.Error{Name: throttledError, Cause: "Rate Exceeded."}
	}
	return "done", nil
}

// The overrides reach every Retry rule, in Parallel branches and Map item
// processors too: RetryMaxAttempts gives tests that throttle on purpose a
// retry budget for a busy machine, while without it the definition's
// MaxAttempts still decides; RetryInterval replaces the definition's 2 s.
func TestRetryOverridesReachNestedStates(t *testing.T) {
	// Synthetic states, each allowed two retries by the definition.
	const definition = `{"StartAt":"Fork","States":{
		"Fork":{"Type":"Parallel","ResultPath":null,"Next":"Items","Branches":[{"StartAt":"InABranch","States":{
			"InABranch":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSeconds":30,
				"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":2}],"End":true}}}]},
		"Items":{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{"StartAt":"ForAnItem","States":{
			"ForAnItem":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSeconds":30,
				"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":2}],"End":true}}}}}}`
	tests := []struct {
		name      string
		overrides overrides
		// wantError is the execution's error; empty when it succeeds.
		wantError string
		wantCalls map[string]int
	}{{
		name:      "the definition's MaxAttempts: the first call and 2 retries, then the error",
		overrides: overrides{RetryInterval: time.Millisecond},
		wantError: throttledError,
		wantCalls: map[string]int{"InABranch": 3},
	}, {
		name:      "RetryMaxAttempts outlasts the throttling",
		overrides: overrides{RetryInterval: time.Millisecond, RetryMaxAttempts: 10},
		wantCalls: map[string]int{"InABranch": 6, "ForAnItem": 6},
	}}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			throttling := &throttledCalls{throttles: 5, calls: map[string]int{}}
			machine, err := asl.Load([]byte(definition), asl.Options{Integrations: asl.IntegrationMap{lambdaInvokeResource: throttling.call}})
			require.NoError(t, err)
			test.overrides.apply(&machine.Graph)
			// Bounded: the definition's own intervals would take 2 s and more per retry.
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			started := time.Now()
			result := machine.Start(ctx, map[string]any{"items": []any{json.Number("1")}}, asl.ExecutionInfo{}).Wait()
			if test.wantError == "" {
				assert.Equal(t, asl.Succeeded, result.Status, "error: %v", result.Error)
			} else {
				require.NotNil(t, result.Error)
				assert.Equal(t, test.wantError, result.Error.Name)
			}
			assert.Equal(t, test.wantCalls, throttling.calls)
			assert.Less(t, time.Since(started), 2*time.Second, "RetryInterval replaces the definition's 2 s interval")
		})
	}
}

// The Task overrides replace TimeoutSeconds everywhere and HeartbeatSeconds
// where a Task has one.
func TestTaskOverrides(t *testing.T) {
	const definition = `{"StartAt":"Send","States":{
		"Send":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSeconds":300,"HeartbeatSeconds":60,"Next":"Fork"},
		"Fork":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"Call","States":{
			"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"shout"},"TimeoutSecondsPath":"$.timeout","End":true}}}]}}}`
	machine, err := asl.Load([]byte(definition), asl.Options{Integrations: asl.IntegrationMap{lambdaInvokeResource: nil}})
	require.NoError(t, err)
	overrides{TaskTimeout: 4 * time.Second, TaskHeartbeat: 1500 * time.Millisecond}.apply(&machine.Graph)
	send, call := machine.States["Send"], machine.States["Fork"].Branches[0].States["Call"]
	assert.Equal(t, int64(4), send.TimeoutSeconds)
	assert.Equal(t, int64(1), send.HeartbeatSeconds, "whole seconds")
	assert.Equal(t, int64(4), call.TimeoutSeconds)
	assert.Empty(t, call.TimeoutSecondsPath)
	assert.Nil(t, call.HeartbeatSeconds, "a Task without HeartbeatSeconds keeps none")
}
