package statemachine

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// machine is a definition with the given TimeoutSeconds and states.
func machine(t *testing.T, timeout int, startAt string, states map[string]any) []byte {
	t.Helper()
	source, err := json.Marshal(map[string]any{"TimeoutSeconds": timeout, "StartAt": startAt, "States": states})
	require.NoError(t, err)
	return source
}

// task is a Task that sends to a queue (no retry policy required).
func task(timeout int, fields ...any) map[string]any {
	state := map[string]any{"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": timeout, "End": true}
	for i := 0; i+1 < len(fields); i += 2 {
		state[fields[i].(string)] = fields[i+1]
	}
	return state
}

// TestTaskTimeoutsAtTheirBoundaries: HeartbeatSeconds must stay below the
// Task's TimeoutSeconds, and that below the machine's (100 s here).
func TestTaskTimeoutsAtTheirBoundaries(t *testing.T) {
	tests := []struct {
		name               string
		timeout, heartbeat int
		wantErr            []string // every part of the message, or none
	}{
		{"timeout one below the machine's", 99, 0, nil},
		{"timeout at the machine's", 100, 0, []string{"TimeoutSeconds 100, not below the machine's TimeoutSeconds 100", "use at most 99"}},
		{"timeout above the machine's", 101, 0, []string{"TimeoutSeconds 101, not below the machine's TimeoutSeconds 100"}},
		{"heartbeat 1", 50, 1, nil},
		{"heartbeat one below the timeout", 50, 49, nil},
		{"heartbeat at the timeout", 50, 50, []string{"HeartbeatSeconds 50 and TimeoutSeconds 50", "from 1 to 49"}},
		{"heartbeat above the timeout", 50, 51, []string{"HeartbeatSeconds 51 and TimeoutSeconds 50"}},
		{"heartbeat negative", 50, -1, []string{"HeartbeatSeconds -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := task(tt.timeout)
			if tt.heartbeat != 0 {
				state["HeartbeatSeconds"] = tt.heartbeat
			}
			_, err := parse("t", machine(t, 100, "Wait", map[string]any{"Wait": state}))
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), `statemachine/t.asl.json: Task "Wait" has`)
			for _, part := range tt.wantErr {
				assert.Contains(t, err.Error(), part)
			}
		})
	}
}

// TestEveryShippedTaskIsHeldToTheMachine spoils each Task of each workflow
// file in turn, so a new Task is covered without an edit here.
func TestEveryShippedTaskIsHeldToTheMachine(t *testing.T) {
	tasks := 0
	for _, name := range Names() {
		source, err := files.ReadFile(name + extension)
		require.NoError(t, err)
		for stateName := range decodeTasks(t, source) {
			tasks++
			spoilers := map[string]func(definition, task map[string]any){
				"TimeoutSeconds at the machine's":        func(definition, task map[string]any) { task["TimeoutSeconds"] = definition["TimeoutSeconds"] },
				"HeartbeatSeconds at its TimeoutSeconds": func(_, task map[string]any) { task["HeartbeatSeconds"] = task["TimeoutSeconds"] },
			}
			for spoilerName, spoil := range spoilers {
				t.Run(name+"/"+stateName+"/"+spoilerName, func(t *testing.T) {
					definition := decode(t, source)
					spoil(definition, definition["States"].(map[string]any)[stateName].(map[string]any))
					spoiled, err := json.Marshal(definition)
					require.NoError(t, err)
					_, err = parse(name, spoiled)
					assert.ErrorContains(t, err, "statemachine/"+name+extension+`: Task "`+stateName+`" has`)
				})
			}
		}
	}
	require.Positive(t, tasks)
}

// TestWorstCaseAddsUpEveryPath: the worst case of hand-made machines,
// computed by hand. LambdaRetry waits 2, 4, 8, 16, then 20 and 20 (the
// cap): 70 s over 6 retries.
func TestWorstCaseAddsUpEveryPath(t *testing.T) {
	lambdaTask := func(timeout int, next string) map[string]any {
		state := map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": timeout, "Retry": []Retrier{LambdaRetry}}
		if next == "" {
			state["End"] = true
		} else {
			state["Next"] = next
		}
		return state
	}
	retrier := func(fields map[string]any) []any { return []any{fields} }
	branch := func(states map[string]any, startAt string) map[string]any {
		return map[string]any{"StartAt": startAt, "States": states}
	}
	tests := []struct {
		name            string
		startAt         string
		states          map[string]any
		functionTimeout int
		want            int
		wantErr         string
	}{
		{"a Task without retries", "A", map[string]any{"A": task(30)}, 0, 30, ""},
		{"a Lambda task, no function timeout known", "A", map[string]any{"A": lambdaTask(30, "")}, 0, 7*30 + 70, ""},
		{"a Lambda task ends with its function", "A", map[string]any{"A": lambdaTask(30, "")}, 10, 7*10 + 70, ""},
		{"a function timeout above the Task's counts the Task's", "A", map[string]any{"A": lambdaTask(30, "")}, 31, 7*30 + 70, ""},
		{"the function timeout leaves other Tasks alone", "A", map[string]any{"A": task(30)}, 10, 30, ""},
		{"ASL's retrier defaults: 3 retries, 1 s doubling", "A", map[string]any{"A": task(30, "Retry", retrier(map[string]any{"ErrorEquals": []string{"X"}}))}, 0, 4*30 + 1 + 2 + 4, ""},
		{"MaxDelaySeconds at a wait caps only later ones", "A", map[string]any{"A": task(10, "Retry", retrier(map[string]any{"ErrorEquals": []string{"X"}, "IntervalSeconds": 2, "MaxAttempts": 4, "MaxDelaySeconds": 8}))}, 0, 5*10 + 2 + 4 + 8 + 8, ""},
		{"MaxAttempts 0 retries nothing", "A", map[string]any{"A": task(10, "Retry", retrier(map[string]any{"ErrorEquals": []string{"X"}, "MaxAttempts": 0}))}, 0, 10, ""},
		{"a fractional backoff rounds up once", "A", map[string]any{"A": task(10, "Retry", retrier(map[string]any{"ErrorEquals": []string{"X"}, "BackoffRate": 1.5}))}, 0, 40 + int(math.Ceil(1+1.5+2.25)), ""},
		{"two retriers each count their attempts", "A", map[string]any{"A": task(10, "Retry", []any{
			map[string]any{"ErrorEquals": []string{"X"}, "MaxAttempts": 1, "IntervalSeconds": 3},
			map[string]any{"ErrorEquals": []string{"Y"}, "MaxAttempts": 2, "IntervalSeconds": 5, "BackoffRate": 1},
		})}, 0, 4*10 + 3 + 5 + 5, ""},
		{"a path along Next adds up", "A", map[string]any{"A": task(10, "End", false, "Next", "B"), "B": task(20)}, 0, 30, ""},
		{"a Catch leading to a longer path counts it", "A", map[string]any{
			"A":     task(10, "End", false, "Next", "Short", "Catch", []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "Next": "Long"}}),
			"Short": task(5), "Long": task(50),
		}, 0, 60, ""},
		{"a Choice takes its longest way", "C", map[string]any{
			"C":     map[string]any{"Type": "Choice", "Choices": []any{map[string]any{"Variable": "$.x", "IsPresent": true, "Next": "Long"}}, "Default": "Short"},
			"Short": task(5), "Long": task(50),
		}, 0, 50, ""},
		{"a Wait counts its Seconds", "W", map[string]any{"W": map[string]any{"Type": "Wait", "Seconds": 7, "Next": "A"}, "A": task(10)}, 0, 17, ""},
		{"a Parallel takes its slowest branch", "P", map[string]any{"P": map[string]any{"Type": "Parallel", "End": true, "Branches": []any{
			branch(map[string]any{"A": task(10)}, "A"), branch(map[string]any{"B": task(40)}, "B"),
		}}}, 0, 40, ""},
		{"a Map takes one iteration, retried as a whole", "M", map[string]any{"M": map[string]any{"Type": "Map", "End": true,
			"ItemProcessor": branch(map[string]any{"A": task(10)}, "A"),
			"Retry":         retrier(map[string]any{"ErrorEquals": []string{"X"}, "MaxAttempts": 1, "IntervalSeconds": 2}),
		}}, 0, 2*10 + 2, ""},
		{"a loop cannot be bounded", "A", map[string]any{"A": task(10, "End", false, "Next", "B"), "B": task(10, "End", false, "Next", "A")}, 0, 0, `state "A" is on a loop`},
		{"a Wait on a path cannot be bounded", "W", map[string]any{"W": map[string]any{"Type": "Wait", "SecondsPath": "$.s", "End": true}}, 0, 0, `state "W" waits without Seconds`},
		{"a transition to nowhere", "A", map[string]any{"A": task(10, "End", false, "Next", "Nowhere")}, 0, 0, `no state "Nowhere"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			template, err := parse("t", machine(t, 100000, tt.startAt, tt.states))
			require.NoError(t, err)
			worst, steps, err := template.WorstCase(tt.functionTimeout)
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, "statemachine/t.asl.json: "+tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, worst, "%s", strings.Join(steps, ", "))
		})
	}
}

// TestCheckDurationAtTheBoundary: one Lambda task of 30 s under
// LambdaRetry, functions timing out after 10 s, is 7 × 10 + 70 = 140 s at
// worst. A machine of 140 s fits; 139 s does not, and the message names both
// values and the longest function timeout that fits 139 s (7 × 9 + 70 = 133).
func TestCheckDurationAtTheBoundary(t *testing.T) {
	tests := []struct {
		machineTimeout int
		wantErr        []string
	}{
		{141, nil},
		{140, nil},
		{139, []string{"TimeoutSeconds 139 is below the worst case of its path, 140 s with functions that time out after 10 s", "Lambda: 7 × 10 s + 70 s backoff", "raise TimeoutSeconds to at least 140", "functions time out after at most 9 s"}},
		{70, []string{"TimeoutSeconds 70", "no function timeout fits it"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.machineTimeout), func(t *testing.T) {
			template, err := parse("t", machine(t, tt.machineTimeout, "Lambda", map[string]any{"Lambda": map[string]any{
				"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 30, "Retry": []Retrier{LambdaRetry}, "End": true,
			}}))
			require.NoError(t, err)
			err = template.CheckDuration(10)
			if tt.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, part := range tt.wantErr {
				assert.Contains(t, err.Error(), part)
			}
		})
	}
}
