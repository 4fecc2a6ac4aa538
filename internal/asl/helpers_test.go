package asl

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"stepfunctions-go/internal/asl/jsonata"
	"stepfunctions-go/internal/asl/value"

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
	v, err := value.Decode([]byte(s))
	require.NoError(t, err, s)
	return v
}

// shared is the JSONata worker of this test binary: one Node process,
// started by the first test that needs it and stopped by TestMain.
var shared struct {
	once   sync.Once
	worker *jsonata.Worker
	err    error
}

// jsonataWorker is the reference JSONata (internal/asl/jsonata); its first
// use installs it.
func jsonataWorker(t testing.TB) *jsonata.Worker {
	t.Helper()
	shared.once.Do(func() {
		shared.worker, shared.err = jsonata.New(context.Background(), jsonata.Options{})
	})
	require.NoError(t, shared.err, "starting the JSONata worker")
	return shared.worker
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.worker != nil {
		shared.worker.Close()
	}
	os.Exit(code)
}

func (s setup) options(t testing.TB) Options {
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
		Integrations: s.integrations, JSONata: jsonataWorker(t), Clock: s.clock, Random: s.random,
		NewTaskToken: func() string { n++; return "token-" + string(rune('0'+n)) },
	}
}

func (s setup) load(t testing.TB, definition string) *Machine {
	t.Helper()
	m, err := Load([]byte(definition), s.options(t))
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
