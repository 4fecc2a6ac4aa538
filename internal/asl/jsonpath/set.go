package jsonpath

import (
	"fmt"
	"strconv"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// Set is ResultPath: it returns doc with result placed at resultPath, a
// Reference Path on $. "$" returns result itself. Missing objects on the way
// are created. doc is not changed: the objects and arrays along the path
// are copied and the rest is shared. A step that cannot be taken (a field
// of something that is not an object, an index of something that is not an
// array or outside it) fails with States.ResultPathMatchFailure.
//
// ResultPath null (discard the result) is the engine's to handle: it never
// reaches Set.
func Set(doc any, resultPath string, result any) (any, error) {
	parsed, err := parsePath(resultPath)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "%v", err)
	}
	if parsed.root != rootInput || !parsed.reference() {
		return nil, stateserror.New(stateserror.Runtime, "ResultPath %q must be a Reference Path on the state's input ($, $.field, $['field'], $.list[0])", resultPath)
	}
	return setAt(doc, parsed.steps, result)
}

func setAt(node any, steps []step, result any) (any, error) {
	if len(steps) == 0 {
		return result, nil
	}
	s := steps[0]
	if s.sel == selNames {
		name := s.names[0]
		obj, ok := node.(*value.Object)
		if !ok {
			return nil, matchFailure(name, node)
		}
		child, has := obj.Get(name)
		if !has && len(steps) > 1 {
			child = value.NewObject(1)
		}
		updated, err := setAt(child, steps[1:], result)
		if err != nil {
			return nil, err
		}
		// A field already there keeps its place; a new one comes last, as
		// Jackson's ObjectNode.set does.
		out := obj.Clone()
		out.Set(name, updated)
		return out, nil
	}
	index := s.indexes[0]
	arr, ok := node.([]any)
	if ok && index < 0 {
		index += len(arr)
	}
	if !ok || index < 0 || index >= len(arr) {
		return nil, matchFailure(strconv.Itoa(s.indexes[0]), node)
	}
	updated, err := setAt(arr[index], steps[1:], result)
	if err != nil {
		return nil, err
	}
	out := append([]any(nil), arr...)
	out[index] = updated
	return out, nil
}

// matchFailure is AWS's cause for a ResultPath step that does not fit the
// input: Unable to apply step "name" to input {...}.
func matchFailure(stepName string, node any) error {
	return stateserror.New(stateserror.ResultPathMatchFailure, "%s", fmt.Sprintf("Unable to apply step %q to input %s", stepName, toJSON(node)))
}
