package infra

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"stepfunctions-go/statemachine"
)

// TestConsumerValuesAtTheirBoundaries: batch size, batching window, the
// worker's timeout and the visibility timeout, each at and beside the
// value where it stops fitting the others.
func TestConsumerValuesAtTheirBoundaries(t *testing.T) {
	fits := consumer{BatchSize: 10, BatchingWindowSeconds: 0, VisibilityTimeoutSeconds: 60, FunctionTimeoutSeconds: 10}
	with := func(change func(c *consumer)) consumer {
		c := fits
		change(&c)
		return c
	}
	tests := []struct {
		name    string
		c       consumer
		wantErr string
	}{
		{"as deployed with a 10 s worker", fits, ""},
		{"batch of 1", with(func(c *consumer) { c.BatchSize = 1 }), ""},
		{"batch of 0", with(func(c *consumer) { c.BatchSize = 0 }), "batch size 0 is outside the 1 to 10000"},
		{"batch of 11 without a window", with(func(c *consumer) { c.BatchSize, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 11, 20, 120 }), "batch size 11 needs a batching window of at least 1 s (it has 0 s)"},
		{"batch of 11 with a 1 s window", with(func(c *consumer) {
			c.BatchSize, c.BatchingWindowSeconds, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 11, 1, 20, 121
		}), ""},
		{"batch of 10000", with(func(c *consumer) {
			c.BatchSize, c.BatchingWindowSeconds, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 10000, 1, 10000, 60001
		}), ""},
		{"batch of 10001", with(func(c *consumer) {
			c.BatchSize, c.BatchingWindowSeconds, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 10001, 1, 10001, 60007
		}), "batch size 10001 is outside the 1 to 10000"},
		{"window of 300 s", with(func(c *consumer) { c.BatchingWindowSeconds, c.VisibilityTimeoutSeconds = 300, 360 }), ""},
		{"window of 301 s", with(func(c *consumer) { c.BatchingWindowSeconds, c.VisibilityTimeoutSeconds = 301, 361 }), "batching window of 301 s is outside the 0 to 300 s"},
		{"window of -1 s", with(func(c *consumer) { c.BatchingWindowSeconds = -1 }), "batching window of -1 s is outside"},
		{"batch as large as the worker's timeout", with(func(c *consumer) { c.BatchSize, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 5, 5, 30 }), ""},
		{"batch one larger than the worker's timeout", with(func(c *consumer) { c.BatchSize, c.FunctionTimeoutSeconds, c.VisibilityTimeoutSeconds = 6, 5, 30 }),
			"batch size 6 does not fit the worker's timeout of 5 s at 1 s a message: use a batch size of at most 5, or a worker timeout of at least 6 s"},
		{"visibility timeout one short of six times the worker's", with(func(c *consumer) { c.VisibilityTimeoutSeconds = 59 }),
			"visibility timeout of 59 s is below 6 × the worker's timeout of 10 s + the batching window of 0 s = 60 s"},
		{"visibility timeout short of the window on top", with(func(c *consumer) { c.BatchingWindowSeconds = 5 }),
			"visibility timeout of 60 s is below 6 × the worker's timeout of 10 s + the batching window of 5 s = 65 s"},
		{"visibility timeout with the window on top", with(func(c *consumer) { c.BatchingWindowSeconds, c.VisibilityTimeoutSeconds = 5, 65 }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.check()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

// TestNewConsumerAtEveryWorkerTimeout: whatever timeout the worker may
// have, the deployed consumer fits it, with the visibility timeout AWS
// advises (six times the worker's: the window is 0) and no more than 10
// messages, the most a batch may hold without a window.
func TestNewConsumerAtEveryWorkerTimeout(t *testing.T) {
	for timeout := 1; timeout <= maxLambdaTimeout; timeout++ {
		c := newConsumer(timeout)
		require.NoError(t, c.check(), "worker timeout %d s", timeout)
		require.Equal(t, 6*timeout, c.VisibilityTimeoutSeconds, "worker timeout %d s", timeout)
		require.Equal(t, 0, c.BatchingWindowSeconds)
		require.LessOrEqual(t, c.BatchSize, 10)
	}
}

// TestTokenTaskOutwaitsARedelivery: with a 10 s worker the visibility
// timeout is 60 s, so a failed delivery comes back, and heartbeats, within
// 70 s; a Task that waits no longer than that fails first.
func TestTokenTaskOutwaitsARedelivery(t *testing.T) {
	c := newConsumer(10)
	tests := []struct {
		name               string
		heartbeat, timeout int
		wantErr            string
	}{
		{"heartbeat one beyond", 71, 600, ""},
		{"heartbeat at the redelivery", 70, 600, `Task "Wait" of workflow "w" waits 70 s without a heartbeat, not longer than a failed delivery of the q queue takes to come back: the visibility timeout of 60 s + the batching window of 0 s + the worker's timeout of 10 s = 70 s; give it a HeartbeatSeconds (or, without one, a TimeoutSeconds) of at least 71`},
		{"no heartbeat, timeout one beyond", 0, 71, ""},
		{"no heartbeat, timeout at the redelivery", 0, 70, `Task "Wait" of workflow "w" waits 70 s without a heartbeat`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := statemachine.Task{Name: "Wait", Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken", TimeoutSeconds: tt.timeout, HeartbeatSeconds: tt.heartbeat}
			err := quietEnough("w", task, "q", c, "config p:lambdaTimeoutSeconds = 10")
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, "config p:lambdaTimeoutSeconds = 10: "+tt.wantErr)
		})
	}
}

// TestCheckTimingReadsTheWorkflowFiles: every Task of the workflow files
// that waits for a task token from a queue is held to the redelivery at
// the worker timeout where it stops fitting (7 × the timeout: six for the
// visibility timeout, one for the worker), computed here; and an Express
// main workflow that can outlast five minutes is warned of.
func TestCheckTimingReadsTheWorkflowFiles(t *testing.T) {
	project, err := statemachine.LoadProject()
	require.NoError(t, err)
	tokenTasks := 0
	for _, workflow := range project.All() {
		for _, task := range workflow.Tasks {
			if !task.WaitsForToken() {
				continue
			}
			tokenTasks++
			quiet := task.HeartbeatSeconds
			if quiet == 0 {
				quiet = task.TimeoutSeconds
			}
			tooSlow := (quiet + 6) / 7 // the least timeout with 7 × it ≥ quiet
			for _, timeout := range []int{tooSlow - 1, tooSlow} {
				_, err := checkTiming("p", Config{LambdaTimeoutSeconds: timeout, WorkflowType: "STANDARD"}, workflow)
				mentions := err != nil && strings.Contains(err.Error(), fmt.Sprintf("Task %q of workflow %q waits %d s", task.Name, workflow.Name, quiet))
				assert.Equal(t, timeout == tooSlow, mentions, "%s/%s with a %d s worker: %v", workflow.Name, task.Name, timeout, err)
			}
		}
	}
	require.Positive(t, tokenTasks, "no workflow waits for a task token: this test checks nothing")

	main, err := project.Workflow(MainWorkflow)
	require.NoError(t, err)
	worst, _, err := main.WorstCase(29)
	require.NoError(t, err)
	warnings, err := checkTiming("p", Config{LambdaTimeoutSeconds: 29, WorkflowType: "EXPRESS"}, main)
	require.NoError(t, err)
	if worst > 300 {
		assert.Contains(t, strings.Join(warnings, "\n"), fmt.Sprintf("its worst case is %d s, beyond the 300 s an Express execution may run", worst))
	} else {
		assert.Empty(t, warnings)
	}
}

// schemaValues are the values of one key of Pulumi.yaml's config block to
// walk: both booleans; an integer key's least and greatest, from its
// description ("128 to 10240", or "one of 1, 3, ..."); for a string key,
// its default and the names its description offers (arm64, EXPRESS,
// ERROR...), some of which LoadConfig may refuse as not the key's.
func schemaValues(t *testing.T, key, kind, description string, fallback any) []string {
	t.Helper()
	switch kind {
	case "boolean":
		return []string{"true", "false"}
	case "integer":
		if bounds := regexp.MustCompile(`(\d+) to (\d+)`).FindStringSubmatch(description); bounds != nil {
			return bounds[1:]
		}
		list := regexp.MustCompile(`one of ([\d, ]+)`).FindStringSubmatch(description)
		require.NotNil(t, list, "integer key %s: its description states no range (\"A to B\") or list (\"one of A, B\")", key)
		values := strings.Split(strings.Trim(list[1], ", "), ", ")
		return []string{values[0], values[len(values)-1]}
	case "string":
		values := []string{fmt.Sprint(fallback)}
		for _, word := range regexp.MustCompile(`[A-Za-z0-9_]+`).FindAllString(description, -1) {
			if regexp.MustCompile(`[a-z]`).MatchString(word) && !regexp.MustCompile(`\d`).MatchString(word) {
				continue // an ordinary word, not a name
			}
			if regexp.MustCompile(`[A-Za-z]`).MatchString(word) && !slices.Contains(values, word) {
				values = append(values, word)
			}
		}
		return values
	}
	require.Failf(t, "unknown config type", "key %s has type %q", key, kind)
	return nil
}

// TestEveryConfigTheSchemaAllowsFitsTheTimingRules walks Pulumi.yaml's
// config block: every combination of each key's extreme values. Each must
// either load, and then the shipped workflows meet the timing rules by this
// test's own arithmetic, or be refused with a message naming a key; a
// refusal by a timing rule must be one this arithmetic agrees with.
func TestEveryConfigTheSchemaAllowsFitsTheTimingRules(t *testing.T) {
	source, err := os.ReadFile("../Pulumi.yaml")
	require.NoError(t, err)
	var schema struct {
		Config map[string]struct {
			Type, Description string
			Default           any
		}
	}
	require.NoError(t, yaml.Unmarshal(source, &schema))
	keys := slices.Sorted(maps.Keys(schema.Config))
	configs := []map[string]string{{}}
	for _, key := range keys {
		if strings.Contains(key, ":") {
			continue // another namespace's, such as pulumi:tags, not the program's
		}
		setting := schema.Config[key]
		var next []map[string]string
		for _, value := range schemaValues(t, key, setting.Type, setting.Description, setting.Default) {
			for _, config := range configs {
				extended := maps.Clone(config)
				extended[key] = value
				next = append(next, extended)
			}
		}
		configs = next
	}
	loaded, refused := 0, 0
	for _, config := range configs {
		err := loadWith(t, config)
		switch {
		case err == nil:
			loaded++
			timeout, _ := strconv.Atoi(config["lambdaTimeoutSeconds"])
			for _, workflow := range enabledFiles(config) {
				assert.Empty(t, timingViolations(t, workflow, timeout), "config %v loads", config)
			}
		case strings.Contains(err.Error(), "is invalid: use"):
			// a name from a description that is not the key's value
		default:
			refused++
			assert.Contains(t, err.Error(), "config "+timingProject+":", "config %v", config)
			if strings.Contains(err.Error(), "lambdaTimeoutSeconds = ") {
				timeout, _ := strconv.Atoi(config["lambdaTimeoutSeconds"])
				var violations []string
				for _, workflow := range enabledFiles(config) {
					violations = append(violations, timingViolations(t, workflow, timeout)...)
				}
				assert.NotEmpty(t, violations, "config %v is refused by a timing rule this test finds met: %v", config, err)
			}
		}
	}
	t.Logf("%d combinations of extreme values: %d load, %d refused", len(configs), loaded, refused)
	require.Positive(t, loaded)
}

// timingProject is the project the config walk deploys under mocks.
const timingProject = "orders"

// loadWith runs what Deploy runs before its first resource, with config.
func loadWith(t *testing.T, config map[string]string) error {
	t.Helper()
	namespaced := map[string]string{}
	for key, value := range config {
		namespaced[timingProject+":"+key] = value
	}
	encoded, err := json.Marshal(namespaced)
	require.NoError(t, err)
	t.Setenv("PULUMI_CONFIG", string(encoded))
	return pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, _, _, _, err := loadInputs(ctx)
		return err
	}, pulumi.WithMocks(timingProject, "dev", echoMocks{}))
}

// enabledFiles are the workflow files a config deploys: main always, the
// callback workflow unless callbackWorkflow is false.
func enabledFiles(config map[string]string) []string {
	if config["callbackWorkflow"] == "false" {
		return []string{"main"}
	}
	return []string{"main", "callback"}
}

// timingViolations reads statemachine/<name>.asl.json itself and says which
// timing rule the workflow breaks with functions (and the worker) timing
// out after functionTimeout seconds. It follows Next from StartAt, which is
// all the shipped workflows do (a Catch only leads to a Fail), and knows
// the deployed queue's settings as AWS advises them: a visibility timeout
// of six times the worker's timeout, no batching window.
func timingViolations(t *testing.T, name string, functionTimeout int) []string {
	t.Helper()
	source, err := os.ReadFile("../statemachine/" + name + ".asl.json")
	require.NoError(t, err)
	var definition struct {
		StartAt        string
		TimeoutSeconds int
		States         map[string]struct {
			Type, Resource, Next             string
			TimeoutSeconds, HeartbeatSeconds int
			Retry                            []struct {
				IntervalSeconds, MaxAttempts, MaxDelaySeconds int
				BackoffRate                                   float64
			}
		}
	}
	require.NoError(t, json.Unmarshal(source, &definition))
	var violations []string
	worst := 0.0
	for stateName := definition.StartAt; stateName != ""; stateName = definition.States[stateName].Next {
		state := definition.States[stateName]
		if state.Type != "Task" {
			continue
		}
		attempt := float64(state.TimeoutSeconds)
		if strings.HasSuffix(state.Resource, ":lambda:invoke") {
			attempt = min(attempt, float64(functionTimeout))
		}
		attempts, waits := 1.0, 0.0
		for _, r := range state.Retry {
			attempts += float64(r.MaxAttempts)
			for n := range r.MaxAttempts {
				wait := float64(r.IntervalSeconds)
				for range n {
					wait *= r.BackoffRate
				}
				waits += min(wait, float64(r.MaxDelaySeconds))
			}
		}
		worst += attempts*attempt + waits
		if strings.HasSuffix(state.Resource, ".waitForTaskToken") {
			quiet := state.HeartbeatSeconds
			if quiet == 0 {
				quiet = state.TimeoutSeconds
			}
			if redelivery := 6*functionTimeout + functionTimeout; quiet <= redelivery {
				violations = append(violations, fmt.Sprintf("%s: %s waits %d s quietly, a redelivery takes %d s", name, stateName, quiet, redelivery))
			}
		}
	}
	if worst > float64(definition.TimeoutSeconds) {
		violations = append(violations, fmt.Sprintf("%s: worst case %g s, TimeoutSeconds %d", name, worst, definition.TimeoutSeconds))
	}
	return violations
}
