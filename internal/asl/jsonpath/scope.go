package jsonpath

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"

	"stepfunctions-go/internal/asl/stateserror"
)

// Scope is what payload templates and intrinsic functions read from: the
// state's input ($), the context object ($$) and the variables ($name).
type Scope struct {
	Input, Context any
	Variables      map[string]any
	// Entropy feeds States.UUID and States.MathRandom without a seed; nil
	// means crypto/rand. Tests give a fixed stream.
	Entropy io.Reader
}

// Get evaluates a path on the scope: $... on Input, $$... on Context,
// $name... on the variable name. It fails as Get does.
func (s Scope) Get(pathText string) (any, error) {
	parsed, err := parsePath(pathText)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "%v", err)
	}
	v, err := s.resolve(parsed)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "Invalid path '%s' : %v", pathText, err)
	}
	return v, nil
}

// Lookup is Get for Choice rules' IsPresent: found is false, and err nil,
// when the path selects nothing (a definite path with no value there, or
// a variable that is not defined). An indefinite path always finds its
// array, empty or not. err is a *stateserror.Error for a path that does not
// parse.
func (s Scope) Lookup(pathText string) (value any, found bool, err error) {
	parsed, err := parsePath(pathText)
	if err != nil {
		return nil, false, stateserror.New(stateserror.Runtime, "%v", err)
	}
	v, err := s.resolve(parsed)
	var missing *notFound
	if errors.As(err, &missing) {
		return nil, false, nil
	}
	return v, true, err
}

// resolve evaluates a parsed path on the scope. A *notFound error means
// the path selected nothing; callers word the cause for their field.
func (s Scope) resolve(p *path) (any, error) {
	switch p.root {
	case rootContext:
		return p.evaluate(s.Context)
	case rootVariable:
		v, ok := s.Variables[p.variable]
		if !ok {
			return nil, &notFound{msg: fmt.Sprintf("the variable $%s is not defined", p.variable)}
		}
		return p.evaluate(v)
	}
	return p.evaluate(s.Input)
}

// document is what a path's root stands for, for messages.
func (s Scope) document(p *path) any {
	switch p.root {
	case rootContext:
		return s.Context
	case rootVariable:
		return s.Variables[p.variable]
	}
	return s.Input
}

func (s Scope) entropy() io.Reader {
	if s.Entropy != nil {
		return s.Entropy
	}
	return rand.Reader
}
