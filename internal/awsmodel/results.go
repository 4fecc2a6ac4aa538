package awsmodel

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Model is the part of a service model that a result is checked against.
type Model struct {
	Operations map[string]struct {
		Output *struct{ Shape string } `json:"output"`
	} `json:"operations"`
	Shapes map[string]Shape `json:"shapes"`
}

// Shape is one shape of a model.
type Shape struct {
	Type     string                            `json:"type"`
	Required []string                          `json:"required"`
	Members  map[string]struct{ Shape string } `json:"members"`
	Member   struct{ Shape string }            `json:"member"`
	Value    struct{ Shape string }            `json:"value"`
	Min      *float64                          `json:"min"`
	Max      *float64                          `json:"max"`
	Enum     []string                          `json:"enum"`
}

var (
	loadedMu sync.Mutex
	loaded   = map[string]*Model{}
)

// Load reads and keeps the newest model of service (botocore's name).
func Load(service string) (*Model, error) {
	loadedMu.Lock()
	defer loadedMu.Unlock()
	if m, ok := loaded[service]; ok {
		return m, nil
	}
	m := &Model{}
	if err := Decode(service, m); err != nil {
		return nil, err
	}
	loaded[service] = m
	return m, nil
}

// serviceNames maps the service part of a Step Functions Resource to
// botocore's name where the two differ.
var serviceNames = map[string]string{"sfn": "stepfunctions", "states": "stepfunctions"}

// notValidated are the integrations whose mocks AWS does not validate
// ("Mock validation is not supported for HTTP Task, API Gateway, EKS Call,
// and EKS RunJob integrations").
var notValidated = []string{"http", "apigateway", "eks"}

// TaskResults checks a mocked Task result against the output shape of the
// operation its Resource calls, as TestState's fieldValidationMode asks.
type TaskResults struct{}

// CheckResult lists how result breaks the output shape of the operation
// resource calls; requireAll (STRICT) also asks for every required member.
// validated is false for resources with no model to check against: a
// Lambda function ARN, an activity, .sync and .waitForTaskToken patterns,
// HTTP, API Gateway and EKS, and services or operations botocore lacks.
func (TaskResults) CheckResult(resource string, result any, requireAll bool) (problems []string, validated bool, err error) {
	service, operation, ok := operationOf(resource)
	if !ok {
		return nil, false, nil
	}
	model, err := Load(service)
	if err != nil {
		if _, botocoreMissing := botocoreData(); botocoreMissing != nil {
			return nil, false, err
		}
		return nil, false, nil // botocore has no such service
	}
	var output string
	for name, op := range model.Operations {
		if strings.EqualFold(name, operation) && op.Output != nil {
			output = op.Output.Shape
		}
	}
	if output == "" {
		return nil, false, nil
	}
	plain, err := plainJSON(result)
	if err != nil {
		return nil, false, err
	}
	c := checker{model: model, requireAll: requireAll}
	c.check(output, plain, "")
	slices.Sort(c.problems)
	return c.problems, true, nil
}

// operationOf reads arn:aws:states:::service:action and
// arn:aws:states:::aws-sdk:service:action.
func operationOf(resource string) (service, operation string, ok bool) {
	rest, isIntegration := strings.CutPrefix(resource, "arn:aws:states:::")
	if !isIntegration || strings.Contains(rest, ".sync") || strings.HasSuffix(rest, ".waitForTaskToken") {
		return "", "", false
	}
	parts := strings.Split(rest, ":")
	if parts[0] == "aws-sdk" {
		parts = parts[1:]
	}
	if len(parts) != 2 || slices.Contains(notValidated, parts[0]) {
		return "", "", false
	}
	service = parts[0]
	if alias, ok := serviceNames[service]; ok {
		service = alias
	}
	return service, parts[1], true
}

// plainJSON is v decoded afresh as encoding/json's plain values, whatever
// representation the caller holds it in.
func plainJSON(v any) (any, error) {
	text, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("the mocked result is not JSON: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var plain any
	return plain, dec.Decode(&plain)
}

// CheckResponse lists how v, a response or request as JSON text or Go
// value, breaks shapeName: every required member present, every member one
// the model defines, by its exact name, with its type and constraints.
func (m *Model) CheckResponse(shapeName string, v any) ([]string, error) {
	plain, err := plainJSON(v)
	if err != nil {
		return nil, err
	}
	c := checker{model: m, requireAll: true, exact: true}
	c.check(shapeName, plain, "")
	slices.Sort(c.problems)
	return c.problems, nil
}

type checker struct {
	model      *Model
	requireAll bool
	exact      bool // exact member names, and no member the model lacks
	problems   []string
}

func (c *checker) fail(path, format string, args ...any) {
	if path == "" {
		path = "the result"
	}
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

// member finds an object's key for a model member: results name members
// as the model does or with the first letter in upper case (the aws-sdk
// integrations' PascalCase).
func member(object map[string]any, name string) (string, bool) {
	if _, ok := object[name]; ok {
		return name, true
	}
	r, size := utf8.DecodeRuneInString(name)
	pascal := string(unicode.ToUpper(r)) + name[size:]
	_, ok := object[pascal]
	return pascal, ok
}

func exactMember(object map[string]any, name string) (string, bool) {
	_, ok := object[name]
	return name, ok
}

func (c *checker) check(shapeName string, v any, path string) {
	shape, ok := c.model.Shapes[shapeName]
	if !ok {
		c.fail(path, "the model has no shape %s", shapeName)
		return
	}
	wrongType := func() { c.fail(path, "must be of type %s (%s), not %s", shape.Type, shapeName, describe(v)) }
	switch shape.Type {
	case "structure":
		object, ok := v.(map[string]any)
		if !ok {
			wrongType()
			return
		}
		find := member
		if c.exact {
			find = exactMember
			for key := range object {
				if _, defined := shape.Members[key]; !defined {
					c.fail(join(path, key), "is not a member of %s", shapeName)
				}
			}
		}
		if c.requireAll {
			for _, name := range shape.Required {
				if key, ok := find(object, name); !ok || object[key] == nil {
					c.fail(join(path, name), "is required")
				}
			}
		}
		names := make([]string, 0, len(shape.Members))
		for name := range shape.Members {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if key, ok := find(object, name); ok && object[key] != nil {
				c.check(shape.Members[name].Shape, object[key], join(path, key))
			}
		}
	case "list":
		items, ok := v.([]any)
		if !ok {
			wrongType()
			return
		}
		c.bounds(shape, float64(len(items)), path, "length")
		for i, item := range items {
			c.check(shape.Member.Shape, item, fmt.Sprintf("%s[%d]", path, i))
		}
	case "map":
		entries, ok := v.(map[string]any)
		if !ok {
			wrongType()
			return
		}
		for key, entry := range entries {
			c.check(shape.Value.Shape, entry, join(path, key))
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			wrongType()
			return
		}
		c.bounds(shape, float64(utf8.RuneCountInString(s)), path, "length")
		if shape.Enum != nil && !slices.Contains(shape.Enum, s) {
			c.fail(path, "must be one of %s, not %q", strings.Join(shape.Enum, ", "), s)
		}
	case "integer", "long":
		n, ok := v.(json.Number)
		x, err := n.Float64()
		if !ok || err != nil || x != math.Trunc(x) {
			wrongType()
			return
		}
		c.bounds(shape, x, path, "value")
	case "float", "double":
		if _, ok := v.(json.Number); !ok {
			wrongType()
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			wrongType()
		}
	case "timestamp":
		switch v.(type) {
		case string, json.Number:
		default:
			wrongType()
		}
	case "blob":
		// Step Functions hands a blob on decoded (Lambda's Payload is the
		// function's JSON), so any JSON value stands for one.
	default:
		c.fail(path, "the model's type %s is not one this check knows", shape.Type)
	}
}

func (c *checker) bounds(shape Shape, n float64, path, of string) {
	switch {
	case shape.Min != nil && n < *shape.Min:
		c.fail(path, "must have a %s of at least %v, not %v", of, *shape.Min, n)
	case shape.Max != nil && n > *shape.Max:
		c.fail(path, "must have a %s of at most %v, not %v", of, *shape.Max, n)
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + v.String()
	case bool:
		return fmt.Sprintf("boolean %v", v)
	}
	return fmt.Sprintf("%T", v)
}
