package jsonpath

import (
	"errors"
	"fmt"
	"strings"

	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/internal/asl/value"
)

// Template builds the value of a payload template (Parameters,
// ItemSelector, ResultSelector): objects and arrays are rebuilt, a field
// whose name ends in ".$" takes the value of its path or intrinsic call
// under the name without ".$", and everything else is copied as it is.
// The result's fields keep the template's order.
//
// A path that selects nothing fails with States.Runtime, worded as AWS
// words it ("The JSONPath '$.x' specified for the field 'x.$' could not be
// found in the input '{...}'"); a failing intrinsic function fails with
// States.IntrinsicFailure. The template is expected to have passed
// ValidateTemplate; one that did not fails with States.Runtime.
func Template(template any, scope Scope) (any, error) {
	switch t := template.(type) {
	case *value.Object:
		out := value.NewObject(t.Len())
		for key, field := range t.All() {
			if name, dynamic := strings.CutSuffix(key, ".$"); dynamic {
				expression, ok := field.(string)
				if !ok {
					return nil, stateserror.New(stateserror.Runtime, "The value of the field '%s' must be a path or an intrinsic function call, not %s", key, describe(field))
				}
				v, err := scope.Field(key, expression)
				if err != nil {
					return nil, err
				}
				out.Set(name, v)
				continue
			}
			v, err := Template(field, scope)
			if err != nil {
				return nil, err
			}
			out.Set(key, v)
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			v, err := Template(e, scope)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return template, nil
}

// Field evaluates the path or intrinsic call a definition's field gives (a
// template's "x.$", a Fail state's ErrorPath and CausePath): a path that
// selects nothing fails with States.Runtime and the cause AWS records,
// "The JSONPath '$.x' specified for the field 'ErrorPath' could not be
// found in the input '{...}'"; a failing call with States.IntrinsicFailure.
func (s Scope) Field(field, expression string) (any, error) {
	if IsIntrinsic(expression) {
		c, err := parseIntrinsic(expression)
		if err != nil {
			return nil, stateserror.New(stateserror.Runtime, "The field '%s': %v", field, err)
		}
		return c.evaluate(field, s)
	}
	parsed, err := parsePath(expression)
	if err != nil {
		return nil, stateserror.New(stateserror.Runtime, "The field '%s': %v", field, err)
	}
	return s.fieldValue(field, parsed)
}

// fieldValue evaluates a path given in field key, with AWS's cause when it
// selects nothing.
func (s Scope) fieldValue(key string, p *path) (any, error) {
	v, err := s.resolve(p)
	var missing *notFound
	if errors.As(err, &missing) {
		if _, defined := s.Variables[p.variable]; p.root == rootVariable && !defined {
			return nil, stateserror.New(stateserror.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found: %v", p.text, key, err)
		}
		return nil, stateserror.New(stateserror.Runtime, "The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", p.text, key, toJSON(s.document(p)))
	}
	return v, err
}

// ValidateTemplate checks a payload template when the definition loads:
// every ".$" value is a string holding a valid path or intrinsic call, and
// no object has both "x" and "x.$".
func ValidateTemplate(template any) error {
	return validateTemplate(template, "")
}

func validateTemplate(template any, at string) error {
	switch t := template.(type) {
	case *value.Object:
		for key, field := range t.All() {
			where := at + "/" + key
			if name, dynamic := strings.CutSuffix(key, ".$"); dynamic {
				if t.Has(name) {
					return &DefinitionError{msg: fmt.Sprintf("the template has both %q and %q at %s: the field would be set twice", name, key, at+"/")}
				}
				expression, ok := field.(string)
				if !ok {
					return &DefinitionError{msg: fmt.Sprintf("the value of %s must be a string holding a path or an intrinsic function call, not %s", where, describe(field))}
				}
				var err error
				if IsIntrinsic(expression) {
					err = ValidateIntrinsic(expression)
				} else {
					err = Validate(expression, false)
				}
				if err != nil {
					return &DefinitionError{msg: fmt.Sprintf("%s: %v", where, err)}
				}
				continue
			}
			if err := validateTemplate(field, where); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range t {
			if err := validateTemplate(e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
