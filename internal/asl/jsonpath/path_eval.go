package jsonpath

import (
	"fmt"
	"slices"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// notFound is a path that selects nothing where it must select something:
// Jayway's PathNotFoundException. Callers wrap its message in the cause
// AWS shows for the field the path came from.
type notFound struct{ msg string }

func (e *notFound) Error() string { return e.msg }

// Get evaluates a Path on doc. A definite path (names and single indexes,
// or any path ending in a function such as length()) yields the value it
// points to and fails with States.Runtime when there is none; any other
// path yields the array of what it matched, possibly empty.
// The path must start with $; paths on the context object ($$) and on
// variables ($name) go through Scope.Get.
//
// The result shares parts with doc: treat both as immutable.
func Get(doc any, pathText string) (any, error) {
	parsed, err := parsePath(pathText)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "%v", err)
	}
	if parsed.root != rootInput {
		return nil, stateserror.New(stateserror.Runtime, "Invalid path '%s' : the path must start with $ followed by . or [ here", pathText)
	}
	v, err := parsed.evaluate(doc)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "Invalid path '%s' : %v", pathText, err)
	}
	return v, nil
}

// evaluate runs the path from doc, as Jayway's JsonPath.read does.
func (p *path) evaluate(doc any) (any, error) {
	if p.function != nil {
		bare := *p
		bare.function = nil
		v, err := bare.evaluate(doc)
		if err != nil {
			return nil, err
		}
		return p.function.apply(v)
	}
	var results []any
	if err := p.walk(0, doc, "$", doc, &results); err != nil {
		return nil, err
	}
	if !p.definite() {
		if results == nil {
			results = []any{}
		}
		return results, nil
	}
	if len(results) == 0 {
		return nil, &notFound{msg: "No results for path: " + p.normalized()}
	}
	return results[0], nil
}

// lookup is evaluate for filters, where a missing value is a false test
// and not an error.
func (p *path) lookup(doc any) (any, bool) {
	v, err := p.evaluate(doc)
	return v, err == nil
}

// walk applies steps[i:] to node and appends what they select to out.
// at is node's place in Jayway notation, for messages.
func (p *path) walk(i int, node any, at string, root any, out *[]any) error {
	if i == len(p.steps) {
		*out = append(*out, node)
		return nil
	}
	s := p.steps[i]
	if s.deep {
		return p.scan(i, node, at, root, out)
	}
	last := i == len(p.steps)-1
	// Jayway reports a wrong type or a missing property only while every
	// step so far has selected a single node.
	strict := p.prefixDefinite[i]
	switch s.sel {
	case selNames:
		obj, ok := node.(*value.Object)
		if !ok {
			if strict {
				return &notFound{msg: fmt.Sprintf("Expected to find an object with property %s in path %s but found '%s'", s.fragment(), at, typeName(node))}
			}
			return nil
		}
		if last && len(s.names) > 1 {
			merged := value.NewObject(len(s.names))
			for _, name := range s.names {
				if v, has := obj.Get(name); has {
					merged.Set(name, v)
				}
			}
			*out = append(*out, merged)
			return nil
		}
		for _, name := range s.names {
			v, has := obj.Get(name)
			here := at + "['" + name + "']"
			if !has {
				if !last && strict && s.definite() {
					return &notFound{msg: "Missing property in path " + here}
				}
				continue
			}
			if err := p.walk(i+1, v, here, root, out); err != nil {
				return err
			}
		}
	case selWildcard:
		for _, c := range children(node) {
			if err := p.walk(i+1, c.value, at+c.fragment, root, out); err != nil {
				return err
			}
		}
	case selIndexes, selSlice:
		arr, ok := node.([]any)
		if !ok {
			if !strict {
				return nil
			}
			if node == nil {
				return &notFound{msg: fmt.Sprintf("The path %s is null", at)}
			}
			return &notFound{msg: fmt.Sprintf("Filter: %s can only be applied to arrays. Current context is: %s", s.fragment(), toJSON(node))}
		}
		for _, index := range s.positions(len(arr)) {
			if err := p.walk(i+1, arr[index], fmt.Sprintf("%s[%d]", at, index), root, out); err != nil {
				return err
			}
		}
	case selFilter:
		switch n := node.(type) {
		case *value.Object:
			if s.filter.test(filterScope{current: n, root: root}) {
				return p.walk(i+1, n, at, root, out)
			}
		case []any:
			for index, e := range n {
				if s.filter.test(filterScope{current: e, root: root}) {
					if err := p.walk(i+1, e, fmt.Sprintf("%s[%d]", at, index), root, out); err != nil {
						return err
					}
				}
			}
		default:
			if strict {
				return &notFound{msg: fmt.Sprintf("Filter: %s can not be applied to primitives. Current context is: %s", s.fragment(), toJSON(node))}
			}
		}
	}
	return nil
}

// scan applies a ".." step: the step's selector at node and at every node
// below it, parents before children. As in Jayway's scan, a name step
// applies only to objects that have all its names, and a filter tests
// objects only, so that an object inside an array is not selected twice.
func (p *path) scan(i int, node any, at string, root any, out *[]any) error {
	s := p.steps[i]
	shallow := *p
	shallow.steps = slices.Clone(p.steps)
	shallow.steps[i].deep = false
	shallow.prefixDefinite = make([]bool, len(p.steps)) // nothing below ".." is strict
	var visit func(node any, at string) error
	visit = func(node any, at string) error {
		if applies(s, node) {
			if err := shallow.walk(i, node, at, root, out); err != nil {
				return err
			}
		}
		for _, c := range children(node) {
			if err := visit(c.value, at+c.fragment); err != nil {
				return err
			}
		}
		return nil
	}
	return visit(node, at)
}

// applies says whether a ".." step's selector is tried at node.
func applies(s step, node any) bool {
	obj, isObject := node.(*value.Object)
	switch s.sel {
	case selFilter:
		return isObject
	case selNames:
		for _, name := range s.names {
			if !obj.Has(name) {
				return false
			}
		}
		return isObject
	}
	return true
}

type child struct {
	fragment string
	value    any
}

// children lists an array's elements and an object's values in order.
func children(node any) []child {
	switch n := node.(type) {
	case []any:
		out := make([]child, len(n))
		for i, v := range n {
			out[i] = child{fmt.Sprintf("[%d]", i), v}
		}
		return out
	case *value.Object:
		out := make([]child, 0, n.Len())
		for k, v := range n.All() {
			out = append(out, child{"['" + k + "']", v})
		}
		return out
	}
	return nil
}

// positions are the array indexes an index list or a slice selects in an
// array of length n, as Jayway picks them: negative numbers count from the
// end, indexes outside the array select nothing, slice bounds are clamped.
func (s step) positions(n int) []int {
	var out []int
	if s.sel == selIndexes {
		for _, index := range s.indexes {
			if index < 0 {
				index += n
			}
			if index >= 0 && index < n {
				out = append(out, index)
			}
		}
		return out
	}
	from, to := 0, n
	if s.from != nil {
		from = *s.from
		if from < 0 {
			from = max(0, n+from)
		}
	}
	if s.to != nil {
		to = *s.to
		if to < 0 {
			to = n + to
		}
	}
	to = min(to, n)
	for index := from; index < to; index++ {
		out = append(out, index)
	}
	return out
}
