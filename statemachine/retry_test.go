package statemachine

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryLambdaTaskMustCarryTheRetryPolicy takes every Task of every
// workflow that invokes a function, spoils its retry policy one way at a
// time, and expects the workflow to be refused, naming the Task. With
// TestNamesListsEveryWorkflow (every workflow as it is loads) this says each
// Lambda task carries LambdaRetry and the check would notice if one did not.
func TestEveryLambdaTaskMustCarryTheRetryPolicy(t *testing.T) {
	type spoiler struct {
		name  string
		spoil func(task map[string]any)
	}
	spoilers := []spoiler{{"no Retry", func(task map[string]any) { delete(task, "Retry") }}}
	for _, errorName := range LambdaRetry.ErrorEquals {
		spoilers = append(spoilers, spoiler{"not retrying " + errorName, eachRetrier(func(retrier map[string]any) {
			retrier["ErrorEquals"] = slices.DeleteFunc(retrier["ErrorEquals"].([]any), func(e any) bool { return e == errorName })
		})})
	}
	spoilers = append(spoilers,
		spoiler{"retrying every error", eachRetrier(func(retrier map[string]any) {
			retrier["ErrorEquals"] = append(retrier["ErrorEquals"].([]any), "States.ALL")
		})},
		spoiler{"MaxAttempts 2", eachRetrier(func(retrier map[string]any) { retrier["MaxAttempts"] = 2 })},
		spoiler{"BackoffRate 1", eachRetrier(func(retrier map[string]any) { retrier["BackoffRate"] = 1 })},
		spoiler{"IntervalSeconds 1", eachRetrier(func(retrier map[string]any) { retrier["IntervalSeconds"] = 1 })},
		spoiler{"no MaxDelaySeconds", eachRetrier(func(retrier map[string]any) { delete(retrier, "MaxDelaySeconds") })},
		spoiler{"no jitter", eachRetrier(func(retrier map[string]any) { retrier["JitterStrategy"] = "NONE" })},
	)

	lambdaTasks := 0
	for _, name := range Names() {
		source, err := files.ReadFile(name + extension)
		require.NoError(t, err)
		for stateName, state := range decodeTasks(t, source) {
			if resource, _ := state["Resource"].(string); !strings.HasSuffix(resource, ":states:::lambda:invoke") {
				continue
			}
			lambdaTasks++
			for _, spoiler := range spoilers {
				t.Run(name+"/"+stateName+"/"+spoiler.name, func(t *testing.T) {
					definition := decode(t, source)
					spoiler.spoil(definition["States"].(map[string]any)[stateName].(map[string]any))
					spoiled, err := json.Marshal(definition)
					require.NoError(t, err)
					_, err = parse(name, spoiled)
					require.Error(t, err, "the spoiled policy was accepted")
					assert.Contains(t, err.Error(), "statemachine/"+name+extension+`: Task "`+stateName+`" invokes Lambda without the stack's retry policy: add `+LambdaRetry.String())
				})
			}
		}
	}
	require.NotZero(t, lambdaTasks, "no workflow has a Task whose Resource ends in :states:::lambda:invoke; the rule would check nothing")
}

// TestTaskTokenWaitsAreNotRetried: a Task that waits for a task token must
// not retry, whatever it would retry, in every workflow that has one.
func TestTaskTokenWaitsAreNotRetried(t *testing.T) {
	for _, name := range Names() {
		source, err := files.ReadFile(name + extension)
		require.NoError(t, err)
		for stateName, state := range decodeTasks(t, source) {
			resource, _ := state["Resource"].(string)
			if !strings.HasSuffix(resource, ".waitForTaskToken") {
				continue
			}
			t.Run(name+"/"+stateName, func(t *testing.T) {
				definition := decode(t, source)
				definition["States"].(map[string]any)[stateName].(map[string]any)["Retry"] = []Retrier{{ErrorEquals: []string{"States.Timeout"}, MaxAttempts: 1}}
				spoiled, err := json.Marshal(definition)
				require.NoError(t, err)
				_, err = parse(name, spoiled)
				assert.ErrorContains(t, err, `Task "`+stateName+`" waits for a task token and must not retry`)
			})
		}
	}
}

func TestRetryRulesKeyOnTheResourceEnd(t *testing.T) {
	task := func(resource, retry string) string {
		return `{"TimeoutSeconds":9,"States":{"T":{"Type":"Task","TimeoutSeconds":5,"Resource":"` + resource + `"` + retry + `}}}`
	}
	policy := `,"Retry":[` + LambdaRetry.String() + `]`
	reordered := `,"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException","Lambda.SdkClientException","Lambda.AWSLambdaException","Lambda.ServiceException","Lambda.ClientExecutionTimeoutException"],` +
		`"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":2,"MaxDelaySeconds":20,"JitterStrategy":"FULL","Comment":"any order"}]`
	tests := []struct{ name, source, wantErr string }{
		{"Lambda with the policy", task("arn:${Partition}:states:::lambda:invoke", policy), ""},
		{"Lambda with the policy's errors in another order", task("arn:aws:states:::lambda:invoke", reordered), ""},
		{"Lambda after another retrier", task("arn:aws:states:::lambda:invoke", `,"Retry":[{"ErrorEquals":["Custom.Error"]},`+LambdaRetry.String()+`]`), ""},
		{"Lambda in another partition, no Retry", task("arn:aws-cn:states:::lambda:invoke", ""), "invokes Lambda without the stack's retry policy"},
		{"Lambda with a partition placeholder, no Retry", task("arn:${Partition}:states:::lambda:invoke", ""), "invokes Lambda without the stack's retry policy"},
		{"task token wait with a Retry", task("arn:${Partition}:states:::sqs:sendMessage.waitForTaskToken", policy), "waits for a task token and must not retry"},
		{"task token wait without Retry", task("arn:aws:states:::sqs:sendMessage.waitForTaskToken", ""), ""},
		{"another integration without Retry", task("arn:aws:states:::sqs:sendMessage", ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse("t", []byte(tt.source))
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// eachRetrier applies change to every entry of a Task's Retry.
func eachRetrier(change func(retrier map[string]any)) func(task map[string]any) {
	return func(task map[string]any) {
		retry, _ := task["Retry"].([]any)
		for _, entry := range retry {
			change(entry.(map[string]any))
		}
	}
}

func decode(t *testing.T, source []byte) map[string]any {
	var definition map[string]any
	require.NoError(t, json.Unmarshal(source, &definition))
	return definition
}

// decodeTasks returns a definition's Task states by name.
func decodeTasks(t *testing.T, source []byte) map[string]map[string]any {
	tasks := map[string]map[string]any{}
	for name, state := range decode(t, source)["States"].(map[string]any) {
		if state := state.(map[string]any); state["Type"] == "Task" {
			tasks[name] = state
		}
	}
	return tasks
}
