package statemachine

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The query languages a state may be written in. A state's QueryLanguage
// overrides the definition's top-level one; without either it is JSONPath.
// States in Parallel branches and Map processors inherit the top level's,
// as the specification says and asl-validator and the AWS CDK read it.
const (
	JSONPath = "JSONPath"
	JSONata  = "JSONata"
)

// queryLanguage is the language a state is written in, in a definition
// written in inherited.
func (s state) queryLanguage(inherited string) (string, error) {
	switch s.QueryLanguage {
	case "":
		return inherited, nil
	case JSONPath, JSONata:
		return s.QueryLanguage, nil
	}
	return "", fmt.Errorf("has QueryLanguage %q: use %s or %s", s.QueryLanguage, JSONPath, JSONata)
}

// target reads the function a Task written in language invokes and the
// queue it sends to, from its Parameters (JSONPath) or its Arguments
// (JSONata). Both must be literal strings, where a ${...}
// placeholder names a function or a queue of this project: the stack
// deploys and grants what the placeholders name before any execution
// runs, so a value chosen at run time (a JSONPath ".$" field, a JSONata
// {% %} expression) would name something it never granted.
func (s state) target(language string) (functionName, queueURL string, err error) {
	field, raw, otherField, other := "Parameters", s.Parameters, "Arguments", s.Arguments
	if language == JSONata {
		field, raw, otherField, other = otherField, other, field, raw
	}
	if len(other) > 0 {
		return "", "", fmt.Errorf("is %s, which passes arguments in %s, not %s", language, field, otherField)
	}
	if len(raw) == 0 {
		return "", "", nil
	}
	var arguments map[string]any
	if err := json.Unmarshal(raw, &arguments); err != nil {
		if !strings.Contains(s.Resource, ":states:::") {
			return "", "", nil // a function's ARN as Resource: they are its payload
		}
		return "", "", fmt.Errorf("has %s that are not an object, so the stack cannot see which function or queue it calls: write an object with %s",
			field, strings.Join([]string{`"FunctionName": ` + placeholderExample["FunctionName"], `"QueueUrl": ` + placeholderExample["QueueUrl"]}, " or "))
	}
	named := map[string]string{}
	for _, name := range []string{"FunctionName", "QueueUrl"} {
		given, present := arguments[name]
		if _, fromPath := arguments[name+".$"]; fromPath && language == JSONPath {
			return "", "", fmt.Errorf("takes %s.%s.$ from a path, known only at run time, but the stack deploys and grants what the definition names before it runs: write \"%s\": %s", field, name, name, placeholderExample[name])
		}
		if !present {
			continue
		}
		text, isString := given.(string)
		if !isString {
			return "", "", fmt.Errorf("gives %s.%s a value that is not a string: write \"%s\": %s", field, name, name, placeholderExample[name])
		}
		if language == JSONata && isExpression(text) {
			return "", "", fmt.Errorf("computes %s.%s with a JSONata expression, known only at run time, but the stack deploys and grants what the definition names before it runs: write \"%s\": %s, a plain string outside {%% %%}", field, name, name, placeholderExample[name])
		}
		named[name] = text
	}
	return named["FunctionName"], named["QueueUrl"], nil
}

// placeholderExample is what to write for each field target reads.
var placeholderExample = map[string]string{
	"FunctionName": `"${<Name>FunctionArn}" (for the function in lambdas/<name>/)`,
	"QueueUrl":     `"${<Queue>QueueUrl}"`,
}

// isExpression reports whether a string of a JSONata state is a {% %}
// expression rather than a literal.
func isExpression(text string) bool {
	return strings.HasPrefix(text, "{%") && strings.HasSuffix(text, "%}")
}
