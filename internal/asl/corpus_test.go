package asl_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/statemachine"
)

// The corpus (testdata/corpus/*.json) is whole definitions written from the
// ASL specification and the Step Functions developer guide, and the shipped
// workflows (statemachine/*.asl.json) rendered with local values. Each file
// is one case:
//
//	{"comment":    what it exercises and where the documents define it,
//	 "definition": an ASL definition, or "workflow": a name in statemachine/,
//	 "input":      the execution's input,
//	 "tasks":      {"StateName": [answer, …]}}
//
// A Task state's calls take its answers in turn, the last one repeating:
// {"result": v}, {"error": "Name", "cause": "…"}, or {"takesSeconds": n}
// (the task answers with its arguments after n seconds). A Task with no
// answers returns its arguments. testdata/reference.mjs serves the
// reference's Tasks from the same table.
type corpusCase struct {
	Name       string                    `json:"-"`
	Comment    string                    `json:"comment"`
	Definition any                       `json:"definition"`
	Workflow   string                    `json:"workflow"`
	Input      any                       `json:"input"`
	Tasks      map[string][]corpusAnswer `json:"tasks"`
}

type corpusAnswer struct {
	Result       any    `json:"result"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
	TakesSeconds int    `json:"takesSeconds,omitempty"`
}

// corpusStart is the virtual clock's start; the reference's context object
// gets the same StartTime.
var corpusStart = time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)

var corpusInfo = asl.ExecutionInfo{
	ID: "arn:aws:states:us-east-1:123456789012:execution:corpus:case", Name: "case",
	RoleArn: "arn:aws:iam::123456789012:role/corpus", StateMachineID: "arn:aws:states:us-east-1:123456789012:stateMachine:corpus",
	StateMachineName: "corpus", Region: "us-east-1",
}

// corpusToken is every .waitForTaskToken task's token, in both engines, so
// that a case may pass $$.Task.Token on.
const corpusToken = "corpus-task-token"

// loadCorpus reads every case; a shipped workflow is rendered with a
// local value for each placeholder.
func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no corpus in testdata/corpus")
	cases := make([]corpusCase, 0, len(files))
	for _, file := range files {
		text, err := os.ReadFile(file)
		require.NoError(t, err)
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.UseNumber()
		dec.DisallowUnknownFields()
		var c corpusCase
		require.NoError(t, dec.Decode(&c), "%s: not a corpus case", file)
		c.Name = strings.TrimSuffix(filepath.Base(file), ".json")
		require.NotEmpty(t, c.Comment, "%s: say what the case exercises and where the documents define it", file)
		require.True(t, (c.Definition == nil) != (c.Workflow == ""), "%s: give a definition or a workflow, not both", file)
		if c.Workflow != "" {
			c.Definition = renderWorkflow(t, c.Workflow)
		}
		cases = append(cases, c)
	}
	return cases
}

// renderWorkflow fills a shipped workflow's placeholders as a local run
// would: the partition is aws, every other placeholder names itself.
func renderWorkflow(t *testing.T, name string) any {
	t.Helper()
	template, err := statemachine.Load(name)
	require.NoError(t, err)
	values := map[string]string{}
	for _, p := range template.Placeholders() {
		values[p] = "local-" + p
	}
	if template.Uses("Partition") {
		values["Partition"] = "aws"
	}
	text, err := template.Render(values)
	require.NoError(t, err)
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var definition any
	require.NoError(t, dec.Decode(&definition))
	return definition
}

// isJSONata: the case's definition uses JSONata somewhere (top level or a
// state), which aws-local-stepfunctions cannot run.
func (c corpusCase) isJSONata() bool {
	text, _ := json.Marshal(c.Definition)
	return bytes.Contains(text, []byte(`"QueryLanguage":"JSONata"`))
}

// outcome is how a run ended, in the terms both engines can report.
type outcome struct {
	Output  any    `json:"output"`
	Error   string `json:"error"`
	Cause   string `json:"cause"`
	Invalid string `json:"invalid"`
}

func (o outcome) String() string {
	switch {
	case o.Invalid != "":
		return "refused at load: " + o.Invalid
	case o.Error != "":
		return o.Error + ": " + o.Cause
	}
	text, _ := json.Marshal(o.Output)
	return string(text)
}

// runOurs runs a case on our engine, on a virtual clock, with its Tasks
// served by tasks.
func runOurs(t *testing.T, c corpusCase, jsonata asl.Evaluator) outcome {
	t.Helper()
	definition, err := json.Marshal(c.Definition)
	require.NoError(t, err)
	clock := asl.NewVirtualClock(corpusStart)
	tasks := &corpusTasks{answers: c.Tasks, calls: map[string]int{}, execution: make(chan *asl.Execution, 1), clock: clock}
	m, err := asl.Load(definition, asl.Options{
		Integrations: tasks,
		JSONata:      jsonata,
		Clock:        clock,
		// JitterStrategy FULL scales each retry interval by this draw; the
		// intervals take no real time in either engine, so only the
		// attempts show in the outcome.
		Random:       func() float64 { return 0.5 },
		NewTaskToken: func() string { return corpusToken },
	})
	if err != nil {
		return outcome{Invalid: err.Error()}
	}
	exec := m.Start(context.Background(), c.Input, corpusInfo)
	tasks.execution <- exec
	r := exec.Wait()
	if r.Status == asl.Succeeded {
		return outcome{Output: r.Output}
	}
	require.NotNil(t, r.Error, "%s ended %s without an error", c.Name, r.Status)
	return outcome{Error: r.Error.Name, Cause: r.Error.Cause}
}

// corpusTasks serves every Task resource from the case's tasks table.
type corpusTasks struct {
	answers   map[string][]corpusAnswer
	mu        sync.Mutex
	calls     map[string]int
	execution chan *asl.Execution // the running execution, for task tokens
	started   *asl.Execution
	clock     asl.Clock
}

func (c *corpusTasks) Lookup(string) (asl.Integration, bool) { return c.call, true }

func (c *corpusTasks) call(ctx context.Context, call asl.TaskCall) (any, error) {
	c.mu.Lock()
	answers := c.answers[call.StateName]
	n := c.calls[call.StateName]
	c.calls[call.StateName]++
	if c.started == nil {
		c.started = <-c.execution
	}
	exec := c.started
	c.mu.Unlock()
	var result any = call.Arguments
	var failure *stateserror.Error
	if len(answers) > 0 {
		a := answers[min(n, len(answers)-1)]
		switch {
		case a.Error != "":
			failure = &stateserror.Error{Name: a.Error, Cause: a.Cause}
		case a.TakesSeconds > 0:
			if err := asl.Sleep(ctx, c.clock, time.Duration(a.TakesSeconds)*time.Second); err != nil {
				return nil, err
			}
		default:
			result = a.Result
		}
	}
	if call.TaskToken == "" {
		if failure != nil {
			return nil, failure
		}
		return result, nil
	}
	// A .waitForTaskToken task: the answer comes back through the token,
	// as a worker's SendTaskSuccess or SendTaskFailure would bring it.
	if failure != nil {
		return map[string]any{}, exec.SendTaskFailure(call.TaskToken, failure.Name, failure.Cause)
	}
	return map[string]any{}, exec.SendTaskSuccess(call.TaskToken, result)
}

// referenceContext is the context object our engine gives a case's
// execution, for the reference (which would otherwise make up its own).
func referenceContext(c corpusCase) map[string]any {
	return map[string]any{
		"Execution": map[string]any{
			"Id": corpusInfo.ID, "Input": c.Input, "Name": corpusInfo.Name, "RoleArn": corpusInfo.RoleArn,
			"StartTime": corpusStart.Format("2006-01-02T15:04:05.000Z"), "RedriveCount": 0,
		},
		"StateMachine": map[string]any{"Id": corpusInfo.StateMachineID, "Name": corpusInfo.StateMachineName},
		"Task":         map[string]any{"Token": corpusToken},
	}
}

// equalJSON compares two values as JSON (numbers by value).
func equalJSON(a, b any) bool {
	na, errA := normalize(a)
	nb, errB := normalize(b)
	return errA == nil && errB == nil && slices.Equal(na, nb)
}

func normalize(v any) ([]byte, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var floats any
	if err := json.Unmarshal(text, &floats); err != nil {
		return nil, err
	}
	return json.Marshal(floats)
}
