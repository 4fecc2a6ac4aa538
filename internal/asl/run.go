package asl

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// thread runs one Graph: the state machine, a Parallel branch or a Map
// iteration. cursor is the id of the last event it recorded, the
// previousEventId of its next one.
type thread struct {
	exec   *Execution
	vars   *scope
	cursor int64
}

func (t *thread) emit(kind string, details map[string]any) int64 {
	t.cursor = t.exec.history.add(t.cursor, kind, details)
	return t.cursor
}

func (t *thread) child(cursor int64) *thread {
	return &thread{exec: t.exec, vars: newScope(t.vars), cursor: cursor}
}

func (t *thread) opts() *Options { return &t.exec.machine.opts }

// runGraph runs states from StartAt until one ends the graph.
func (t *thread) runGraph(ctx context.Context, g *Graph, input any) (any, *stateserror.Error) {
	name := g.StartAt
	for {
		if ctx.Err() != nil {
			return nil, canceled(ctx)
		}
		st := g.States[name]
		out, next, err := t.runState(ctx, st, input)
		if err != nil {
			return nil, err
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// canceled is the error of a thread stopped from outside: the execution was
// stopped or timed out, or a sibling branch or iteration failed. Nothing
// catches it.
func canceled(ctx context.Context) *stateserror.Error {
	return &stateserror.Error{Name: errCanceledName, Cause: context.Cause(ctx).Error()}
}

const errCanceledName = "States.Canceled (engine-internal)"

// abortable are the state types that can be in flight when an execution
// stops, times out or loses a sibling branch; Step Functions records
// <Type>StateAborted for them.
var abortable = map[string]bool{"Task": true, "Wait": true, "Parallel": true, "Map": true}

// step is how a state ended: its output, the state to run next ("" ends the
// graph) and the variables it assigns.
type step struct {
	output   any
	next     string
	assigned map[string]any
}

func (t *thread) runState(ctx context.Context, st *State, input any) (output any, next string, failure *stateserror.Error) {
	// A panic in an evaluator fails the execution, not the process that
	// runs it.
	defer func() {
		if r := recover(); r != nil {
			output, next = nil, ""
			failure = stateserror.New(stateserror.Runtime, "internal error in state '%s': %v", st.Name, r)
		}
	}()
	entered := t.opts().Clock.Now()
	kind := st.Type + "StateEntered"
	t.emit(kind, map[string]any{"name": st.Name, "input": jsonText(input), "inputDetails": notTruncated})
	if err := checkSize(fmt.Sprintf("The input of state '%s'", st.Name), input); err != nil {
		return nil, "", err
	}
	vars := t.vars.visible()
	var s step
	var err *stateserror.Error
	if retriable[st.Type] {
		s, err = t.withRetryAndCatch(ctx, st, input, entered, vars)
	} else {
		s, err = t.attempt(ctx, st, input, entered, 0, vars)
	}
	if err != nil {
		if err.Name == errCanceledName && abortable[st.Type] {
			t.emit(st.Type+"StateAborted", nil)
		}
		return nil, "", err
	}
	if err := checkSize(fmt.Sprintf("The output of state '%s'", st.Name), s.output); err != nil {
		return nil, "", err
	}
	// Assignments take effect once the state is done: every expression of
	// the state read the values from when it was entered.
	if err := t.vars.assign(s.assigned); err != nil {
		return nil, "", err
	}
	details := map[string]any{"name": st.Name, "output": jsonText(s.output), "outputDetails": notTruncated}
	if len(s.assigned) > 0 {
		assigned := map[string]any{}
		for k, v := range s.assigned {
			assigned[k] = jsonText(v)
		}
		details["assignedVariables"] = assigned
		details["assignedVariablesDetails"] = notTruncated
	}
	t.emit(st.Type+"StateExited", details)
	return s.output, s.next, nil
}

// retriable are the state types with Retry and Catch.
var retriable = map[string]bool{"Task": true, "Parallel": true, "Map": true}

// attempt runs a state once, without its Retry and Catch: its output, the
// state to run next and the variables it assigns, or its error.
func (t *thread) attempt(ctx context.Context, st *State, input any, entered time.Time, retryCount int, vars map[string]any) (step, *stateserror.Error) {
	switch st.Type {
	case "Pass":
		return t.pass(ctx, st, input, entered, vars)
	case "Choice":
		return t.choice(ctx, st, input, entered, vars)
	case "Wait":
		return t.wait(ctx, st, input, entered, vars)
	case "Succeed":
		return t.succeed(ctx, st, input, entered, vars)
	case "Fail":
		return step{}, t.fail(ctx, st, input, entered, vars)
	case "Task":
		return t.task(ctx, st, input, entered, retryCount, vars)
	case "Parallel":
		return t.parallel(ctx, st, input, entered, retryCount, vars)
	}
	return t.mapState(ctx, st, input, entered, retryCount, vars)
}

func (t *thread) pass(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, 0, "")
	if st.QueryLanguage == JSONata {
		return t.finishJSONata(ctx, st, statesVar(input, ctxObj), vars, input, st.Assign)
	}
	p := pathScope{input: input, context: ctxObj, vars: vars}
	effective, err := t.inputPath(st, p)
	if err != nil {
		return step{}, err
	}
	p.input = effective
	// Parameters shape the input of the "virtual task"; Result, when set,
	// is its result whatever the input.
	result := effective
	if st.HasParameters {
		if result, err = t.template(st.Parameters, p); err != nil {
			return step{}, err
		}
	}
	t.inspect("afterParameters", result)
	if st.HasResult {
		result = st.Result
	}
	return t.finishJSONPath(st, input, result, p)
}

// finishJSONPath is ResultSelector, Assign, ResultPath and OutputPath,
// in that order, for a state whose result is result.
func (t *thread) finishJSONPath(st *State, input, result any, p pathScope) (step, *stateserror.Error) {
	var err *stateserror.Error
	if st.HasResultSelector {
		p.input = result
		if result, err = t.template(st.ResultSelector, p); err != nil {
			return step{}, err
		}
	}
	t.inspect("afterResultSelector", result)
	p.input = result
	assigned, err := t.assignJSONPath(st.Assign, withStates(p, value.NewObject(3).With("input", input).With("result", result)))
	if err != nil {
		return step{}, err
	}
	output, err := t.resultPath(st.ResultPath, input, result)
	if err != nil {
		return step{}, err
	}
	t.inspect("afterResultPath", output)
	if output, err = t.outputPath(st, output, p); err != nil {
		return step{}, err
	}
	return step{output: output, next: st.Next, assigned: assigned}, nil
}

// withStates adds the reserved $states variable to a JSONPath scope.
func withStates(p pathScope, states *value.Object) pathScope {
	vars := maps.Clone(p.vars)
	if vars == nil {
		vars = map[string]any{}
	}
	states.Set("context", p.context)
	vars["states"] = states
	p.vars = vars
	return p
}

// finishJSONata is Output (defaultOutput when absent) and Assign; both read
// the same $states and the variables from state entry.
func (t *thread) finishJSONata(ctx context.Context, st *State, states *value.Object, vars map[string]any, defaultOutput any, assign *value.Object) (step, *stateserror.Error) {
	j := jsonataScope{states: states, vars: vars}
	output := defaultOutput
	if st.HasOutput {
		var err *stateserror.Error
		if output, err = t.evaluate(ctx, "Output", st.Output, j); err != nil {
			return step{}, err
		}
	}
	assigned, err := t.assignJSONata(ctx, assign, j)
	if err != nil {
		return step{}, err
	}
	return step{output: output, next: st.Next, assigned: assigned}, nil
}

func (t *thread) succeed(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) (step, *stateserror.Error) {
	ctxObj := t.contextObject(st, entered, 0, "")
	if st.QueryLanguage == JSONata {
		return t.finishJSONata(ctx, st, statesVar(input, ctxObj), vars, input, nil)
	}
	p := pathScope{input: input, context: ctxObj, vars: vars}
	effective, err := t.inputPath(st, p)
	if err != nil {
		return step{}, err
	}
	output, err := t.outputPath(st, effective, p)
	return step{output: output}, err
}

func (t *thread) fail(ctx context.Context, st *State, input any, entered time.Time, vars map[string]any) *stateserror.Error {
	ctxObj := t.contextObject(st, entered, 0, "")
	read := func(field string, literal any, path string) (string, *stateserror.Error) {
		var v any
		var err *stateserror.Error
		switch {
		case st.QueryLanguage == JSONata:
			v, err = t.evaluate(ctx, field, literal, jsonataScope{states: statesVar(input, ctxObj), vars: vars})
		case strings.HasPrefix(path, "States."):
			// An intrinsic function: evaluated as a one-field template.
			var out any
			if out, err = t.template(value.NewObject(1).With("v.$", path), pathScope{input: input, context: ctxObj, vars: vars}); err == nil {
				v, _ = out.(*value.Object).Get("v")
			}
		case path != "":
			v, err = t.mustLookup(pathScope{input: input, context: ctxObj, vars: vars}, field, path)
		default:
			v = literal
		}
		if err != nil || v == nil {
			return "", err
		}
		s, ok := v.(string)
		if !ok {
			return "", stateserror.New(stateserror.Runtime, "The %s of state '%s' must be a string, not %s", field, st.Name, describe(v))
		}
		return s, nil
	}
	name, err := read("Error", st.Error, st.ErrorPath)
	if err != nil {
		return err
	}
	cause, err := read("Cause", st.Cause, st.CausePath)
	if err != nil {
		return err
	}
	return &stateserror.Error{Name: name, Cause: cause}
}
