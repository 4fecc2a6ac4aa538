package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Machine is a loaded, validated state machine definition.
type Machine struct {
	Graph
	QueryLanguage  string
	TimeoutSeconds int64 // 0: none
	opts           Options
}

// LoadError lists every problem Load found, one per line, each naming the
// state and the field.
type LoadError struct{ Problems []string }

func (e *LoadError) Error() string {
	return "invalid state machine definition:\n  " + strings.Join(e.Problems, "\n  ")
}

// Load parses and validates a definition. Every Task's Resource must be
// served by opts.Integrations.
func Load(definition []byte, opts Options) (*Machine, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	root, err := decodeValue(definition)
	if err != nil {
		return nil, &LoadError{Problems: []string{"not JSON: " + err.Error()}}
	}
	l := &loader{opts: opts}
	top := l.object("the definition", root)
	if top == nil {
		return nil, &LoadError{Problems: l.problems}
	}
	m := &Machine{QueryLanguage: JSONPath, opts: opts}
	if ql, ok := top.string("QueryLanguage"); ok {
		if ql != JSONPath && ql != JSONata {
			top.fail("QueryLanguage", "must be %q or %q, not %q", JSONPath, JSONata, ql)
		} else {
			m.QueryLanguage = ql
		}
	}
	if t, ok := top.positiveInt("TimeoutSeconds"); ok {
		m.TimeoutSeconds = t
	}
	top.string("Comment")
	top.string("Version")
	graph := l.graph(top, m.QueryLanguage, "")
	top.rejectUnknown()
	if graph != nil {
		m.Graph = *graph
		l.checkScopes(&m.Graph, nil)
	}
	if len(l.problems) > 0 {
		sort.Strings(l.problems)
		return nil, &LoadError{Problems: l.problems}
	}
	return m, nil
}

// decodeValue reads one JSON value as the engine's values (see the package
// documentation): definitions, and TestState's input, variables, context
// and mocks.
func decodeValue(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("text after the JSON value")
	}
	return v, nil
}

type loader struct {
	opts     Options
	problems []string
}

func (l *loader) problem(format string, args ...any) {
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// describe names a JSON value's type for messages.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("boolean %v", v)
	case json.Number:
		return "number " + v.String()
	case string:
		return fmt.Sprintf("string %q", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func orExpression(st *State) string {
	if st.QueryLanguage == JSONata {
		return " or a {% %} expression"
	}
	return ""
}

// parseTimestamp reads a timestamp as the specification requires: RFC 3339
// with an uppercase T and, without an offset, an uppercase Z.
func parseTimestamp(s string) (time.Time, error) {
	if strings.ContainsAny(s, "tz") {
		return time.Time{}, errors.New("lowercase t or z")
	}
	return time.Parse(time.RFC3339Nano, s)
}
