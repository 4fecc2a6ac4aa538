package asl

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 3, 14, 1, 0, 0, 0, time.UTC)

// run is one execution of a definition on a virtual clock.
type run struct {
	result  Result
	history []Event
	elapsed time.Duration // virtual time the execution took
}

type setup struct {
	integrations IntegrationMap
	random       func() float64
	clock        *VirtualClock
}

func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), s)
	return v
}

func (s setup) options() Options {
	if s.clock == nil {
		s.clock = NewVirtualClock(epoch)
	}
	if s.random == nil {
		s.random = func() float64 { return 0.5 }
	}
	if s.integrations == nil {
		s.integrations = IntegrationMap{}
	}
	n := 0
	return Options{
		Integrations: s.integrations, Paths: fakePaths{}, JSONata: fakeJSONata{}, Clock: s.clock, Random: s.random,
		NewTaskToken: func() string { n++; return "token-" + string(rune('0'+n)) },
	}
}

func (s setup) load(t testing.TB, definition string) *Machine {
	t.Helper()
	m, err := Load([]byte(definition), s.options())
	require.NoError(t, err)
	return m
}

func (s setup) run(t testing.TB, definition, input string) run {
	t.Helper()
	if s.clock == nil {
		s.clock = NewVirtualClock(epoch)
	}
	m := s.load(t, definition)
	exec := m.Start(context.Background(), decodeJSON(t, input), testInfo)
	r := exec.Wait()
	return run{result: r, history: exec.History(), elapsed: s.clock.Now().Sub(epoch)}
}

var testInfo = ExecutionInfo{
	ID: "arn:aws:states:us-east-1:123456789012:execution:sm:ex", Name: "ex",
	RoleArn: "arn:aws:iam::123456789012:role/r", StateMachineID: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
	StateMachineName: "sm", Region: "us-east-1",
}

// requireOutput checks a succeeded run's output as JSON.
func requireOutput(t testing.TB, r run, want string) {
	t.Helper()
	require.Equal(t, Succeeded, r.result.Status, "error: %v", r.result.Error)
	require.JSONEq(t, want, jsonText(r.result.Output))
}

func requireError(t testing.TB, r run, name string) {
	t.Helper()
	require.Equal(t, Failed, r.result.Status, "output: %s", jsonText(r.result.Output))
	require.Equal(t, name, r.result.Error.Name, r.result.Error.Cause)
}

func eventTypes(events []Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}
