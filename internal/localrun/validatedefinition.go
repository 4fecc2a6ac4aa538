package localrun

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"

	"stepfunctions-go/internal/asl"
)

// validateStateMachineDefinition reports what the engine finds wrong with
// a definition as AWS's diagnostics. Like AWS, it does not ask whether a
// Task's Resource exists.
func (s *stepFunctionsEndpoint) validateStateMachineDefinition(body []byte) (any, error) {
	var request struct {
		Definition string `json:"definition"`
		Type       string `json:"type"`
		MaxResults int    `json:"maxResults"`
	}
	if err := decode(body, &request); err != nil {
		return nil, err
	}
	_, problems := s.definitionProblems(request.Definition, cmp.Or(request.Type, "STANDARD"), mockableIntegrations{base: asl.IntegrationMap{}})
	diagnostics := []map[string]string{}
	for _, problem := range problems {
		diagnostic := map[string]string{"severity": "ERROR", "code": diagnosticCode(problem), "message": problem}
		if location := diagnosticLocation(problem); location != "" {
			diagnostic["location"] = location
		}
		diagnostics = append(diagnostics, diagnostic)
	}
	limit := request.MaxResults
	if limit == 0 {
		limit = 100 // the model's documented default
	}
	response := map[string]any{"result": "OK", "diagnostics": diagnostics, "truncated": len(diagnostics) > limit}
	if len(diagnostics) > 0 {
		response["result"] = "FAIL"
		response["diagnostics"] = diagnostics[:min(limit, len(diagnostics))]
	}
	return response, nil
}

// diagnosticCode is AWS's code for the kind of problem the engine found.
func diagnosticCode(problem string) string {
	switch {
	case strings.HasPrefix(problem, "not JSON"):
		return "INVALID_JSON_DESCRIPTION"
	case strings.Contains(problem, "which is not a state here"):
		return "MISSING_TRANSITION_TARGET"
	}
	return "SCHEMA_VALIDATION_FAILED"
}

// A problem begins with where it is: the states leading to it (through
// Parallel branches and Map item processors), then the field.
var (
	problemState = regexp.MustCompile(`^state ("(?:[^"\\]|\\.)*")( branch (\d+)| item processor)?: `)
	problemField = regexp.MustCompile(`^field ("(?:[^"\\]|\\.)*")`)
	pointerToken = strings.NewReplacer("~", "~0", "/", "~1")
)

// diagnosticLocation is the JSON pointer to where problem is, as AWS's
// diagnostics locate it (/States/A/Branches/0/States/B/Next), or "".
func diagnosticLocation(problem string) string {
	var location strings.Builder
	rest := problem
	for {
		match := problemState.FindStringSubmatch(rest)
		if match == nil {
			break
		}
		name, err := strconv.Unquote(match[1])
		if err != nil {
			return ""
		}
		location.WriteString("/States/" + pointerToken.Replace(name))
		switch {
		case match[3] != "":
			location.WriteString("/Branches/" + match[3] + "/")
		case match[2] != "":
			location.WriteString("/ItemProcessor/")
		}
		rest = rest[len(match[0]):]
	}
	if match := problemField.FindStringSubmatch(rest); match != nil && location.Len() > 0 {
		if field, err := strconv.Unquote(match[1]); err == nil {
			location.WriteString("/" + pointerToken.Replace(field))
		}
	}
	return strings.ReplaceAll(strings.TrimSuffix(location.String(), "/"), "//", "/")
}
