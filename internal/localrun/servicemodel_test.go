package localrun

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/awsmodel"
)

// The Step Functions service model that botocore ships (the machine image's
// Python carries it) judges every exchange the endpoint's tests make:
// requests and responses, errors included. It is read where botocore keeps
// it, never copied into this repository.

// serviceModel is the part of a botocore service-2.json the judge reads.
type serviceModel struct {
	Metadata struct {
		TargetPrefix string `json:"targetPrefix"`
	} `json:"metadata"`
	Operations map[string]struct {
		Input  struct{ Shape string }   `json:"input"`
		Output struct{ Shape string }   `json:"output"`
		Errors []struct{ Shape string } `json:"errors"`
	} `json:"operations"`
	Shapes map[string]modelShape `json:"shapes"`
}

type modelShape struct {
	Type      string                 `json:"type"`
	Required  []string               `json:"required"`
	Members   map[string]modelMember `json:"members"`
	Member    struct{ Shape string } `json:"member"`
	Value     struct{ Shape string } `json:"value"`
	Min       *float64               `json:"min"`
	Max       *float64               `json:"max"`
	Enum      []string               `json:"enum"`
	Pattern   string                 `json:"pattern"`
	Sensitive bool                   `json:"sensitive"`
	Exception bool                   `json:"exception"`
}

type modelMember struct {
	Shape         string `json:"shape"`
	Documentation string `json:"documentation"`
}

// commonErrors are the errors every operation of an AWS JSON protocol
// service may return besides its own (the API reference's "Common Errors",
// with ValidationException as JSON services name ValidationError), and the
// protocol's own SerializationException and UnknownOperationException.
var commonErrors = []string{
	"AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction", "InvalidClientTokenId",
	"NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable", "ThrottlingException",
	"ValidationException", "SerializationException", "UnknownOperationException",
}

var loadModel = sync.OnceValues(func() (*serviceModel, error) {
	var model serviceModel
	if err := awsmodel.Decode("stepfunctions", &model); err != nil {
		return nil, err
	}
	return &model, nil
})

// serviceModelOf is the model, or fails the test in CI and skips it
// elsewhere, saying what to install.
func serviceModelOf(t *testing.T) *serviceModel {
	t.Helper()
	model, err := loadModel()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must judge the endpoint by the service model: %v", err)
		}
		t.Skipf("no service model to judge by: %v", err)
	}
	return model
}

// violation is a value that breaks a constraint of the model.
type violation struct {
	path, value string
	sensitive   bool
	constraint  string
}

// awsForm is the violation as a ValidationException's message lists it.
func (v violation) awsForm() string {
	if v.sensitive {
		return fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", v.path, v.constraint)
	}
	return fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v.value, v.path, v.constraint)
}

// javaPatterns translates the model's patterns into Go's syntax.
var javaPatterns = strings.NewReplacer(`\p{ASCII}`, `[\x00-\x7F]`)

// check lists how value, decoded JSON, breaks shape's constraints;
// strict also refuses members the model does not define, as a response
// must not carry them.
func (m *serviceModel) check(shapeName string, value any, path string, strict bool) []violation {
	shape, ok := m.Shapes[shapeName]
	if !ok {
		return []violation{{path: path, constraint: "the model has no shape " + shapeName}}
	}
	quoted := func(s string) string { return "'" + s + "'" }
	wrongType := []violation{{path: path, value: fmt.Sprint(value), constraint: "must be a " + shape.Type + " (" + shapeName + ")"}}
	var found []violation
	switch shape.Type {
	case "structure":
		object, ok := value.(map[string]any)
		if !ok {
			return wrongType
		}
		for _, member := range shape.Required {
			if object[member] == nil {
				found = append(found, violation{path: join(path, member), value: "null", constraint: "Member must not be null"})
			}
		}
		for name, memberValue := range object {
			member, defined := shape.Members[name]
			switch {
			case !defined && strict:
				found = append(found, violation{path: join(path, name), constraint: "the model defines no such member of " + shapeName})
			case defined && memberValue != nil:
				found = append(found, m.check(member.Shape, memberValue, join(path, name), strict)...)
			}
		}
	case "list":
		items, ok := value.([]any)
		if !ok {
			return wrongType
		}
		found = append(found, bounds(shape, float64(len(items)), path, fmt.Sprint(len(items)), "length")...)
		for i, item := range items {
			found = append(found, m.check(shape.Member.Shape, item, fmt.Sprintf("%s.%d.member", path, i+1), strict)...)
		}
	case "map":
		entries, ok := value.(map[string]any)
		if !ok {
			return wrongType
		}
		for key, entry := range entries {
			found = append(found, m.check(shape.Value.Shape, entry, join(path, key), strict)...)
		}
	case "string":
		s, ok := value.(string)
		if !ok {
			return wrongType
		}
		for _, v := range bounds(shape, float64(utf8.RuneCountInString(s)), path, quoted(s), "length") {
			v.sensitive = shape.Sensitive
			found = append(found, v)
		}
		if shape.Enum != nil && !slices.Contains(shape.Enum, s) {
			found = append(found, violation{path: path, value: quoted(s), sensitive: shape.Sensitive, constraint: "Member must satisfy enum value set: [" + strings.Join(shape.Enum, ", ") + "]"})
		}
		if shape.Pattern != "" && !regexp.MustCompile("^(?:"+javaPatterns.Replace(shape.Pattern)+")$").MatchString(s) {
			found = append(found, violation{path: path, value: quoted(s), sensitive: shape.Sensitive, constraint: "Member must satisfy regular expression pattern: " + shape.Pattern})
		}
	case "integer", "long":
		n, ok := value.(float64)
		if !ok || n != math.Trunc(n) {
			return wrongType
		}
		found = append(found, bounds(shape, n, path, quoted(fmt.Sprint(int64(n))), "value")...)
	case "double", "float", "timestamp": // AWS JSON writes timestamps as epoch seconds
		if _, ok := value.(float64); !ok {
			return wrongType
		}
	case "boolean":
		if _, ok := value.(bool); !ok {
			return wrongType
		}
	case "blob":
		if _, ok := value.(string); !ok {
			return wrongType
		}
	default:
		return []violation{{path: path, constraint: "the judge does not know the model's type " + shape.Type}}
	}
	return found
}

// bounds checks n, a length or a value, against shape's min and max,
// written as AWS writes them: 1048576, never 1.048576e+06.
func bounds(shape modelShape, n float64, path, value, of string) []violation {
	limit := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch {
	case shape.Min != nil && n < *shape.Min:
		return []violation{{path: path, value: value, constraint: fmt.Sprintf("Member must have %s greater than or equal to %s", of, limit(*shape.Min))}}
	case shape.Max != nil && n > *shape.Max:
		return []violation{{path: path, value: value, constraint: fmt.Sprintf("Member must have %s less than or equal to %s", of, limit(*shape.Max))}}
	}
	return nil
}

func join(path, member string) string {
	if path == "" {
		return member
	}
	return path + "." + member
}

// validationMessageParts is the ValidationException message AWS writes
// for violations: the count, then the violations in any order, joined by "; ".
func validationMessageParts(violations []violation) (count string, parts []string) {
	count = "1 validation error detected: "
	if len(violations) > 1 {
		count = fmt.Sprintf("%d validation errors detected: ", len(violations))
	}
	for _, v := range violations {
		parts = append(parts, v.awsForm())
	}
	return count, parts
}

// modelJudge is an http.RoundTripper that checks each exchange with the
// endpoint against the service model:
//   - every response carries x-amzn-RequestId;
//   - a request that breaks the model gets a ValidationException listing
//     each violation in AWS's words, and nothing else;
//   - a success has the operation's output shape, every constraint held
//     and no member the model lacks;
//   - an error is one the operation lists, or a common error, with its
//     shape, as HTTP 4xx or 5xx.
type modelJudge struct {
	t     *testing.T
	model *serviceModel
	next  http.RoundTripper
}

// judgedSuccesses are the operations the judge has seen succeed in this
// test binary.
var judgedSuccesses sync.Map

// TestMain fails a run of the whole package in which some operation the
// endpoint serves never succeeded under the model's judge: every operation
// is held to the model, its success response included.
func TestMain(m *testing.M) {
	code := m.Run()
	wholePackage := flag.Lookup("test.run").Value.String() == "" && flag.Lookup("test.skip").Value.String() == ""
	if _, err := loadModel(); code == 0 && wholePackage && err == nil {
		var unjudged []string
		for _, operation := range slices.Sorted(maps.Keys(operations)) {
			if _, ok := judgedSuccesses.Load(operation); !ok {
				unjudged = append(unjudged, operation)
			}
		}
		if len(unjudged) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: the service model judged no successful exchange of %s: a test must call each operation the endpoint serves through judgedHTTPClient\n", strings.Join(unjudged, ", "))
			code = 1
		}
	}
	os.Exit(code)
}

// judgedHTTPClient is an HTTP client whose exchanges the model judges; with
// no model it says so once and judges nothing (serviceModelOf's tests fail
// in CI then).
func judgedHTTPClient(t *testing.T) *http.Client {
	model, err := loadModel()
	if err != nil {
		t.Logf("exchanges NOT judged by the service model: %v", err)
		return &http.Client{}
	}
	return &http.Client{Transport: modelJudge{t: t, model: model, next: http.DefaultTransport}}
}

func (j modelJudge) RoundTrip(request *http.Request) (*http.Response, error) {
	var requestBody []byte
	if request.Body != nil {
		var err error
		if requestBody, err = io.ReadAll(request.Body); err != nil {
			return nil, err
		}
		request.Body.Close()
		request.Body = io.NopCloser(bytes.NewReader(requestBody))
	}
	response, err := j.next.RoundTrip(request)
	if err != nil {
		return nil, err
	}
	responseBody, err := io.ReadAll(response.Body)
	response.Body.Close()
	if err != nil {
		return nil, err
	}
	response.Body = io.NopCloser(bytes.NewReader(responseBody))
	operation, _ := strings.CutPrefix(request.Header.Get("X-Amz-Target"), j.model.Metadata.TargetPrefix+".")
	if response.StatusCode == http.StatusOK {
		judgedSuccesses.Store(operation, true)
	}
	for _, problem := range j.judge(operation, requestBody, response.StatusCode, response.Header, responseBody) {
		j.t.Errorf("the service model judges %s (request %.300s, HTTP %d, response %.300s): %s", operation, requestBody, response.StatusCode, responseBody, problem)
	}
	return response, nil
}

// judge lists what is wrong with one exchange.
func (j modelJudge) judge(operation string, requestBody []byte, status int, header http.Header, responseBody []byte) []string {
	var problems []string
	if header.Get("x-amzn-RequestId") == "" {
		problems = append(problems, "no x-amzn-RequestId header")
	}
	op, known := j.model.Operations[operation]
	if !known {
		return append(problems, "the model has no operation "+operation)
	}
	var request, response any
	requestErr := json.Unmarshal(requestBody, &request)
	if err := json.Unmarshal(responseBody, &response); err != nil {
		return append(problems, "the response is not JSON: "+err.Error())
	}
	if status == http.StatusOK {
		if requestErr != nil {
			problems = append(problems, "a request that is not JSON succeeded")
		} else if violations := j.model.check(op.Input.Shape, request, "", false); len(violations) > 0 {
			problems = append(problems, fmt.Sprintf("a request that breaks the model succeeded: %v", violations))
		}
		for _, v := range j.model.check(op.Output.Shape, response, "", true) {
			problems = append(problems, "the response breaks the model: "+v.path+": "+v.constraint)
		}
		return problems
	}
	apiErr, _ := response.(map[string]any)
	errorType, _ := apiErr["__type"].(string)
	message, _ := apiErr["message"].(string)
	listed := slices.ContainsFunc(op.Errors, func(e struct{ Shape string }) bool { return e.Shape == errorType })
	if !listed && !slices.Contains(commonErrors, errorType) {
		problems = append(problems, fmt.Sprintf("error %q is neither one %s lists nor a common error", errorType, operation))
	}
	if status < 400 || status > 599 {
		problems = append(problems, fmt.Sprintf("an error with HTTP status %d", status))
	}
	if shape, ok := j.model.Shapes[errorType]; ok && shape.Exception {
		fields := maps.Clone(apiErr)
		delete(fields, "__type")
		for _, v := range j.model.check(errorType, fields, "", true) {
			problems = append(problems, "the error breaks the model: "+v.path+": "+v.constraint)
		}
	}
	if requestErr != nil {
		return problems
	}
	violations := j.model.check(op.Input.Shape, request, "", false)
	if len(violations) == 0 {
		return problems
	}
	if errorType != "ValidationException" {
		return append(problems, fmt.Sprintf("a request that breaks the model got %s, not ValidationException: %v", errorType, violations))
	}
	count, parts := validationMessageParts(violations)
	got, hasCount := strings.CutPrefix(message, count)
	if !hasCount || !assert.ElementsMatch(noT{}, parts, strings.Split(got, "; ")) {
		problems = append(problems, fmt.Sprintf("the ValidationException's message is %q; AWS would write %q with %q, in any order", message, count, parts))
	}
	return problems
}

// noT lets assert.ElementsMatch compare without reporting.
type noT struct{}

func (noT) Errorf(string, ...any) {}

// The judge itself: it must refuse what breaks the model, or it proves
// nothing about the endpoint.
func TestTheModelJudgeRefusesWhatBreaksTheModel(t *testing.T) {
	model := serviceModelOf(t)
	judge := modelJudge{t: t, model: model}
	withID := http.Header{"X-Amzn-Requestid": {"id"}}
	tests := []struct {
		name, operation, request string
		status                   int
		header                   http.Header
		response                 string
		wantProblem              string // "" for none
	}{
		{"a listed error", "DescribeExecution", `{"executionArn":"x"}`, 400, withID, `{"__type":"InvalidArn","message":"m"}`, ""},
		{"a common error", "DescribeExecution", `{"executionArn":"x"}`, 503, withID, `{"__type":"ServiceUnavailable","message":"m"}`, ""},
		{"no request id", "DescribeExecution", `{"executionArn":"x"}`, 400, http.Header{}, `{"__type":"InvalidArn","message":"m"}`, "x-amzn-RequestId"},
		{"an error the operation does not list", "SendTaskSuccess", `{"taskToken":"x","output":"{}"}`, 400, withID, `{"__type":"TaskDoesNotExis","message":"m"}`, "neither one SendTaskSuccess lists"},
		{"a success for a request over a limit", "StopExecution", `{"executionArn":"x","error":"` + strings.Repeat("e", 300) + `"}`, 200, withID, `{"stopDate":1}`, "a request that breaks the model succeeded"},
		{"another error for a request over a limit", "StartExecution", `{"stateMachineArn":"x","name":"` + strings.Repeat("n", 81) + `"}`, 400, withID, `{"__type":"InvalidName","message":"m"}`, "not ValidationException"},
		{"a ValidationException in other words", "StartExecution", `{"stateMachineArn":"x","name":"` + strings.Repeat("n", 81) + `"}`, 400, withID, `{"__type":"ValidationException","message":"name too long"}`, "AWS would write"},
		{"a ValidationException in AWS's words", "StartExecution", `{"stateMachineArn":"x","name":"` + strings.Repeat("n", 81) + `"}`, 400, withID,
			`{"__type":"ValidationException","message":"1 validation error detected: Value '` + strings.Repeat("n", 81) + `' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80"}`, ""},
		{"a response member the model lacks", "StopExecution", `{"executionArn":"x"}`, 200, withID, `{"stopDate":1,"extra":true}`, "no such member"},
		{"a response without a required member", "StartExecution", `{"stateMachineArn":"x"}`, 200, withID, `{"executionArn":"a"}`, "startDate: Member must not be null"},
		{"a response value outside its enum", "DescribeExecution", `{"executionArn":"x"}`, 200, withID,
			`{"executionArn":"a","stateMachineArn":"b","status":"DONE","startDate":1}`, "status: Member must satisfy enum value set"},
		{"a response value over its limit", "DescribeExecution", `{"executionArn":"x"}`, 200, withID,
			`{"executionArn":"a","stateMachineArn":"b","status":"ABORTED","startDate":1,"error":"` + strings.Repeat("e", 300) + `"}`, "error: Member must have length less than or equal to 256"},
		{"a TaskFailed event without its resource: only TaskTimedOut's is a known divergence", "GetExecutionHistory", `{"executionArn":"x"}`, 200, withID,
			`{"events":[{"id":1,"previousEventId":0,"timestamp":1,"type":"TaskFailed","taskFailedEventDetails":{"resourceType":"","resource":""}}]}`, "taskFailedEventDetails.resource: Member must have length greater than or equal to 1"},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			problems := judge.judge(test.operation, []byte(test.request), test.status, test.header, []byte(test.response))
			if test.wantProblem == "" {
				assert.Empty(t, problems)
				return
			}
			require.NotEmpty(t, problems)
			assert.Contains(t, strings.Join(problems, "\n"), test.wantProblem)
		})
	}
}
