package localrun

import (
	"errors"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/awsmodel"
)

// TestState: one state run once by the engine (asl.TestState), as the Step
// Functions API runs it, against the stack's functions and queues. A Task
// that names one of the stack's functions, by ARN or through lambda:invoke,
// really invokes it unless the request mocks it; the engine refuses an
// unmocked activity, .sync or .waitForTaskToken Task, as AWS does.

// testStateMachine names the state machine in the context object of a
// TestState run ($$.StateMachine), which belongs to none.
const testStateMachine = "TestState"

func (s *stepFunctionsEndpoint) testState(body []byte) (any, error) {
	var in asl.TestStateInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		return nil, apiErrorf("ServiceUnavailable", "the local endpoint is shutting down")
	}
	// A test in progress holds the endpoint's stop, as an execution does,
	// so the functions and the JSONata worker it uses outlive it.
	s.running.Add(1)
	stack := s.stack
	s.mu.Unlock()
	defer s.running.Done()

	name := uuid()
	opts := asl.TestStateOptions{
		Options: asl.Options{Integrations: stack},
		Execution: asl.ExecutionInfo{
			ID:               "arn:aws:states:" + localRegion + ":" + localAccount + ":execution:" + testStateMachine + ":" + name,
			Name:             name,
			StateMachineID:   "arn:aws:states:" + localRegion + ":" + localAccount + ":stateMachine:" + testStateMachine,
			StateMachineName: testStateMachine,
			Region:           localRegion,
		},
		Results: awsmodel.TaskResults{},
	}
	if usesJSONata(in.Definition) {
		worker, err := s.jsonata.get(s.executions, s.progress)
		if err != nil {
			return nil, err
		}
		opts.JSONata = worker
	}
	out, err := asl.TestState(s.executions, in, opts)
	var refused *asl.TestStateError
	switch {
	case errors.As(err, &refused):
		return nil, apiErrorf(refused.Code, "%s", refused.Message)
	case err != nil && s.executions.Err() != nil:
		return nil, apiErrorf("ServiceUnavailable", "the local endpoint stopped while the state ran")
	case err != nil:
		return nil, err
	}
	return out, nil
}
