package localrun

import (
	"context"
	"fmt"
	"sync"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// The Tasks of an execution started on <stateMachineArn>#<test case>: each
// state the test case mocks answers with its mocked response
// (mockconfig.go), the others call what they call without it.

// mockableIntegrations serve every Resource: a state the execution's test
// case mocks gets its mocked response, any other what base serves, or,
// when base serves nothing for it, a States.Runtime error that says to run
// a test case that mocks it.
type mockableIntegrations struct{ base asl.Integrations }

func (m mockableIntegrations) Lookup(resource string) (asl.Integration, bool) {
	real, served := m.base.Lookup(resource)
	return func(ctx context.Context, call asl.TaskCall) (any, error) {
		if mocks, ok := ctx.Value(mockedRunKey{}).(*mockedRun); ok {
			if response, mocked := mocks.testCase.states[call.StateName]; mocked {
				return mocks.answer(ctx, call, response)
			}
		}
		if !served {
			return nil, stateserror.New(stateserror.Runtime, "The local endpoint does not serve the resource %s of state '%s'; only a mock config test case that mocks the state runs it: start the execution on <stateMachineArn>#<test case>", resource, call.StateName)
		}
		return real(ctx, call)
	}, true
}

// mockedRunKey finds an execution's mockedRun in its Tasks' context.
type mockedRunKey struct{}

// mockedRun is one execution of a test case: it counts each state's
// invocations.
type mockedRun struct {
	testCase *mockTestCase

	mu          sync.Mutex
	invocations map[string]int
}

func withTestCase(ctx context.Context, testCase *mockTestCase) context.Context {
	if testCase == nil {
		return ctx
	}
	return context.WithValue(ctx, mockedRunKey{}, &mockedRun{testCase: testCase, invocations: map[string]int{}})
}

// answer is the state's mocked response for this invocation. A
// .waitForTaskToken Task gets it as the report on its token, as Step
// Functions Local answers such a Task itself.
func (m *mockedRun) answer(ctx context.Context, call asl.TaskCall, response *mockedResponse) (any, error) {
	m.mu.Lock()
	invocation := m.invocations[call.StateName]
	m.invocations[call.StateName]++
	m.mu.Unlock()
	answer, err := response.answer(call.StateName, invocation)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "test case %s: %v", m.testCase.name, err)
	}
	var result any
	if answer.err == nil {
		if result, err = value.Decode(answer.result); err != nil {
			return nil, err // parseMockAnswer decoded it once
		}
	}
	if call.TaskToken != "" {
		owner, _ := ctx.Value(runKey{}).(*run)
		if owner == nil {
			return nil, fmt.Errorf("no execution to report the mocked response of state %q to", call.StateName)
		}
		if answer.err != nil {
			err = owner.engine().SendTaskFailure(call.TaskToken, answer.err.Error, answer.err.Cause)
		} else {
			err = owner.engine().SendTaskSuccess(call.TaskToken, result)
		}
		return value.NewObject(0), err
	}
	if answer.err != nil {
		return nil, &stateserror.Error{Name: answer.err.Error, Cause: answer.err.Cause}
	}
	return result, nil
}

// checkMockedStates fails a test case that mocks a state graph does not
// have, at any depth: it would mock nothing.
func checkMockedStates(testCase *mockTestCase, graph *asl.Graph) error {
	names := map[string]bool{}
	for st := range graph.AllStates() {
		names[st.Name] = true
	}
	for state := range testCase.states {
		if !names[state] {
			return apiErrorf("ValidationException", "the mock config's test case %s of %s mocks the state %q, which the state machine's definition does not have", testCase.name, testCase.machine, state)
		}
	}
	return nil
}
