package localrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl"
)

// The endpoint's request layer, without workflows behind it: what it
// answers before it looks at what a request names.

// startBareEndpoint starts an endpoint that serves no workflow.
func startBareEndpoint(t *testing.T) *stepFunctionsEndpoint {
	t.Helper()
	endpoint, err := startStepFunctionsEndpoint("127.0.0.1:0", testWriter{t})
	require.NoError(t, err)
	t.Cleanup(endpoint.stop)
	return endpoint
}

// apiAnswer is an answer as the AWS JSON 1.0 protocol carries it.
type apiAnswer struct {
	status    int
	requestID string
	errorType string
	message   string
	body      map[string]any
}

// callAPI sends body to operation as an SDK would, through the model's judge.
func callAPI(t *testing.T, url, operation string, body any) apiAnswer {
	t.Helper()
	payload, err := json.Marshal(body)
	require.NoError(t, err)
	response, raw := postAPI(t, url, operation, payload)
	answer := apiAnswer{status: response.StatusCode, requestID: response.Header.Get("x-amzn-RequestId")}
	require.NoError(t, json.Unmarshal(raw, &answer.body), "%s", raw)
	answer.errorType, _ = answer.body["__type"].(string)
	answer.message, _ = answer.body["message"].(string)
	return answer
}

// postAPI sends the request body payload to operation, through the
// model's judge, and returns the response with its body read.
func postAPI(t *testing.T, url, operation string, payload []byte) (*http.Response, []byte) {
	t.Helper()
	request, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(payload))
	require.NoError(t, err)
	request.Header.Set("X-Amz-Target", "AWSStepFunctions."+operation)
	request.Header.Set("Content-Type", "application/x-amz-json-1.0")
	response, err := judgedHTTPClient(t).Do(request)
	require.NoError(t, err)
	defer response.Body.Close()
	raw, err := io.ReadAll(response.Body)
	require.NoError(t, err)
	return response, raw
}

// requestCase is a request derived from the model, and whether the model
// refuses it.
type requestCase struct {
	name      string
	operation string
	request   map[string]any
	refused   []violation
}

// constraintCases are, for every operation the endpoint serves, requests
// at and across each bound the model sets on a member, the members of
// nested structures and of a list's one item included: every required
// member left out, every length, range and enum, at its limit and one past
// it. The other members hold values the model accepts.
func constraintCases(t *testing.T, model *serviceModel) []requestCase {
	var cases []requestCase
	for _, operation := range slices.Sorted(maps.Keys(operations)) {
		op, ok := model.Operations[operation]
		require.True(t, ok, "the endpoint serves %s, which the model does not define", operation)
		input := model.Shapes[op.Input.Shape]
		base := map[string]any{}
		for _, member := range input.Required {
			base[member] = acceptedValue(model.Shapes[input.Members[member].Shape])
		}
		// with is base with the member at path set to value, or left out
		// when value is nil; the structures on its way are made afresh, and
		// a listItem step is a list of that one item.
		with := func(path []string, value any) map[string]any {
			request := maps.Clone(base)
			var object any = request
			set := func(step string, inner any) {
				if step == listItem {
					object.([]any)[0] = inner
				} else {
					object.(map[string]any)[step] = inner
				}
			}
			for i, step := range path[:len(path)-1] {
				inner := any(map[string]any{})
				if path[i+1] == listItem {
					inner = []any{nil}
				}
				set(step, inner)
				object = inner
			}
			if leaf := path[len(path)-1]; value == nil {
				delete(object.(map[string]any), leaf)
			} else {
				set(leaf, value)
			}
			return request
		}
		add := func(name string, request map[string]any) {
			var decoded any // as the judge sees it: decoded JSON
			encoded, err := json.Marshal(request)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(encoded, &decoded))
			cases = append(cases, requestCase{name: operation + "/" + name, operation: operation, request: request, refused: model.check(op.Input.Shape, decoded, "", false)})
		}
		// addMembers adds the cases of structure's members, at path, and of
		// the members of the structures and lists among them.
		var addMembers func(path []string, structure modelShape)
		var addValue func(at []string, shape modelShape)
		addMembers = func(path []string, structure modelShape) {
			for _, name := range slices.Sorted(maps.Keys(structure.Members)) {
				at := append(slices.Clone(path), name)
				if slices.Contains(structure.Required, name) {
					add(strings.ReplaceAll(strings.Join(at, "."), listItem, "1.member")+" left out", with(at, nil))
				}
				addValue(at, model.Shapes[structure.Members[name].Shape])
			}
		}
		addValue = func(at []string, shape modelShape) {
			member := strings.ReplaceAll(strings.Join(at, "."), listItem, "1.member")
			switch shape.Type {
			case "list":
				addValue(append(slices.Clone(at), listItem), model.Shapes[shape.Member.Shape])
			case "structure":
				addMembers(at, shape)
			case "string":
				if shape.Max != nil {
					limit := int(*shape.Max)
					add(fmt.Sprintf("%s of %d characters", member, limit), with(at, strings.Repeat("a", limit)))
					add(fmt.Sprintf("%s of %d characters", member, limit+1), with(at, strings.Repeat("a", limit+1)))
				}
				if shape.Min != nil && *shape.Min > 0 {
					limit := int(*shape.Min)
					add(fmt.Sprintf("%s of %d characters", member, limit-1), with(at, strings.Repeat("a", limit-1)))
				}
				for _, value := range shape.Enum {
					add(member+" "+value, with(at, value))
				}
				if shape.Enum != nil {
					add(member+" outside its enum", with(at, "NOT_"+shape.Enum[0]))
				}
				if shape.Pattern != "" {
					add(member+" outside its pattern", with(at, "é"))
				}
			case "integer", "long":
				var bounds []int
				if shape.Min != nil {
					bounds = append(bounds, int(*shape.Min)-1, int(*shape.Min))
				}
				if shape.Max != nil {
					bounds = append(bounds, int(*shape.Max), int(*shape.Max)+1)
				} else {
					bounds = append(bounds, math.MaxInt32) // the largest a Java int holds
				}
				for _, n := range bounds {
					add(fmt.Sprintf("%s %d", member, n), with(at, n))
				}
			}
		}
		addMembers(nil, input)
	}
	return cases
}

// listItem is a step of a member's path into a list's one item.
const listItem = "[]"

// acceptedValue is a value the model accepts for shape.
func acceptedValue(shape modelShape) any {
	switch {
	case shape.Enum != nil:
		return shape.Enum[0]
	case shape.Type == "string":
		n := 1
		if shape.Min != nil {
			n = max(n, int(*shape.Min))
		}
		return strings.Repeat("a", n)
	case shape.Type == "boolean":
		return false
	case shape.Type == "list":
		return []any{}
	case shape.Type == "structure":
		return map[string]any{}
	}
	return 1
}

// Every bound the model sets on a request member, for every operation the
// endpoint serves: one past it is a ValidationException in AWS's words (the
// judge checks the message), at it is not refused for that bound.
func TestEndpointValidatesTheModelsConstraints(t *testing.T) {
	model := serviceModelOf(t)
	endpoint := startBareEndpoint(t)
	endpoint.serve(nil)
	cases := constraintCases(t, model)
	refused := 0
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			answer := callAPI(t, endpoint.url, test.operation, test.request)
			if len(test.refused) == 0 {
				// Only a violation of the model is refused in the model's words;
				// other rules may still be ValidationExceptions.
				assert.NotRegexp(t, `^\d+ validation errors? detected`, answer.message)
				return
			}
			assert.Equal(t, "ValidationException", answer.errorType, "the model refuses it: %v", test.refused)
			for _, v := range test.refused {
				assert.Contains(t, answer.message, v.awsForm())
			}
		})
		if len(test.refused) > 0 {
			refused++
		}
	}
	require.Greater(t, refused, len(operations), "the model refuses too few of the derived requests to judge anything")

	t.Run("two violations in one message", func(t *testing.T) {
		answer := callAPI(t, endpoint.url, "StopExecution", map[string]any{"executionArn": "a", "error": strings.Repeat("e", 300), "cause": strings.Repeat("c", 32769)})
		assert.Equal(t, "ValidationException", answer.errorType)
		assert.True(t, strings.HasPrefix(answer.message, "2 validation errors detected: "), answer.message)
	})
}

// Task tokens as AWS answers them: one never issued is InvalidToken; one
// whose task has ended (reported, timed out, or its execution over) is
// TaskTimedOut.
func TestEndpointTellsUnknownTokensFromEndedTasks(t *testing.T) {
	endpoint := startBareEndpoint(t)
	client := sdkClient(t, endpoint)
	reported := waitOnToken(t, endpoint, "reported", 60)
	_, err := client.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String("reported"), Output: aws.String("{}")})
	require.NoError(t, err)
	require.Equal(t, asl.Succeeded, reported.wait().Status)
	// No heartbeat comes within the Task's HeartbeatSeconds.
	timedOut := waitOnToken(t, endpoint, "timed-out", 1)
	require.Equal(t, asl.Failed, timedOut.wait().Status)

	reports := map[string]func(token string) error{
		"SendTaskSuccess": func(token string) error {
			_, err := client.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String("{}")})
			return err
		},
		"SendTaskFailure": func(token string) error {
			_, err := client.SendTaskFailure(t.Context(), &sfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("E")})
			return err
		},
		"SendTaskHeartbeat": func(token string) error {
			_, err := client.SendTaskHeartbeat(t.Context(), &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
			return err
		},
	}
	tests := []struct {
		token string
		want  func(error) bool
	}{
		{"never-issued", isA[*types.InvalidToken]},
		{"reported", isA[*types.TaskTimedOut]},
		{"timed-out", isA[*types.TaskTimedOut]},
	}
	for operation, report := range reports {
		for _, test := range tests {
			t.Run(operation+"/"+test.token, func(t *testing.T) {
				err := report(test.token)
				assert.True(t, test.want(err), "error %v", err)
			})
		}
	}
}

// Until every state machine is registered, the execution API answers
// ServiceUnavailable (HTTP 503, which SDKs retry), never an empty list;
// the callback worker's operations are answered from the start. Every
// answer carries a request id.
func TestEndpointIsUnavailableUntilItServesItsStateMachines(t *testing.T) {
	endpoint := startBareEndpoint(t)
	// Every operation's required members; each ignores the others'.
	request := map[string]any{"stateMachineArn": "a", "executionArn": "a", "taskToken": "a", "output": "{}", "definition": "a",
		"name": "a", "roleArn": "a", "resourceArn": "a", "tags": []any{}, "tagKeys": []any{}}
	for _, operation := range slices.Sorted(maps.Keys(operations)) {
		answer := callAPI(t, endpoint.url, operation, request)
		assert.NotEmpty(t, answer.requestID, operation)
		if slices.Contains(servedWhileStarting, operation) {
			assert.NotEqual(t, "ServiceUnavailable", answer.errorType, operation)
			continue
		}
		assert.Equal(t, http.StatusServiceUnavailable, answer.status, operation)
		assert.Equal(t, "ServiceUnavailable", answer.errorType, operation)
	}
	endpoint.register(nil, "ready", "STANDARD", "{}")
	endpoint.serve(nil)
	answer := callAPI(t, endpoint.url, "ListStateMachines", request)
	assert.Equal(t, http.StatusOK, answer.status)
	assert.Len(t, answer.body["stateMachines"], 1)
}

// ListStateMachines pages as the Go SDK's paginator expects: every page
// size walks the same list, in the same order, as one page holds.
func TestEndpointPagesStateMachines(t *testing.T) {
	endpoint := startBareEndpoint(t)
	for i := range 7 {
		endpoint.register(nil, fmt.Sprintf("machine-%d", i), "STANDARD", "{}")
	}
	endpoint.serve(nil)
	client := sdkClient(t, endpoint)
	whole, err := client.ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{MaxResults: 1000})
	require.NoError(t, err)
	require.Len(t, whole.StateMachines, 7)
	assert.Nil(t, whole.NextToken)
	for _, size := range []int32{0, 1, 2, 3, 7, 8} {
		t.Run(fmt.Sprint("maxResults ", size), func(t *testing.T) {
			var walked []types.StateMachineListItem
			pages := 0
			for paginator := sfn.NewListStateMachinesPaginator(client, &sfn.ListStateMachinesInput{MaxResults: size}); paginator.HasMorePages(); pages++ {
				require.LessOrEqual(t, pages, 7, "the pages do not end: a nextToken leads back")
				page, err := paginator.NextPage(t.Context())
				require.NoError(t, err)
				if size > 0 {
					assert.LessOrEqual(t, len(page.StateMachines), int(size))
				}
				walked = append(walked, page.StateMachines...)
			}
			assert.Equal(t, whole.StateMachines, walked)
			if size > 0 {
				assert.Equal(t, (7+int(size)-1)/int(size), pages)
			}
		})
	}
	first, err := client.ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{MaxResults: 2})
	require.NoError(t, err)
	require.NotNil(t, first.NextToken)
	for name, token := range map[string]string{
		"made up":    "bm9wZQ",
		"not base64": "%%%",
		"cut short":  aws.ToString(first.NextToken)[:len(aws.ToString(first.NextToken))-2],
	} {
		t.Run("nextToken "+name, func(t *testing.T) {
			_, err := client.ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{NextToken: aws.String(token)})
			assert.True(t, isA[*types.InvalidToken](err), "error %v", err)
		})
	}
}

// EXPRESS execution ARNs are InvalidArn wherever the API would look an
// execution up: AWS records EXPRESS executions in CloudWatch Logs only.
func TestEndpointRefusesExpressExecutionArns(t *testing.T) {
	endpoint := startBareEndpoint(t)
	endpoint.serve(nil)
	express := "arn:aws:states:" + localRegion + ":" + localAccount + ":express:machine:name:" + uuid()
	for _, operation := range []string{"DescribeExecution", "GetExecutionHistory", "StopExecution"} {
		t.Run(operation, func(t *testing.T) {
			answer := callAPI(t, endpoint.url, operation, map[string]any{"executionArn": express})
			assert.Equal(t, "InvalidArn", answer.errorType, answer.message)
		})
	}
}

// hasCode recognises an API error by its code, as for the common errors,
// which the SDK has no type for.
func hasCode(code string) func(error) bool {
	return func(err error) bool {
		var apiErr smithy.APIError
		return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
	}
}

// refusedNameCharacters are the characters the model's documentation of
// StartExecution's name says a name must not contain, one per class and
// each end of every range: its <code> lists of single characters and
// U+XXXX ranges, and "white space". Surrogates cannot be sent: a JSON
// string of valid UTF-8 cannot carry one.
func refusedNameCharacters(t *testing.T, model *serviceModel) []string {
	t.Helper()
	doc := model.Shapes["StartExecutionInput"].Members["name"].Documentation
	_, list, found := strings.Cut(doc, "must <i>not</i> contain:")
	require.True(t, found, "the model no longer documents which characters a name refuses: %s", doc)
	list, _, _ = strings.Cut(list, "</ul>")
	refused := []string{" ", "\t"} // white space
	require.Contains(t, list, "white space")
	codes := regexp.MustCompile(`<code>([^<]*)</code>`).FindAllStringSubmatch(list, -1)
	require.NotEmpty(t, codes)
	codePoint := regexp.MustCompile(`U\+([0-9A-F]{4,6})(?:-([0-9A-F]{4}))?`)
	for _, code := range codes {
		text := html.UnescapeString(strings.TrimSpace(code[1]))
		if ranges := codePoint.FindAllStringSubmatch(text, -1); ranges != nil {
			for _, r := range ranges {
				first, err := strconv.ParseUint(r[1], 16, 32)
				require.NoError(t, err)
				last := first
				if r[2] != "" {
					// "U+007F-009F": the end shares the start's leading digits.
					last, err = strconv.ParseUint(r[1][:len(r[1])-len(r[2])]+r[2], 16, 32)
					require.NoError(t, err)
				}
				for _, c := range slices.Compact([]uint64{first, last}) {
					if !utf16.IsSurrogate(rune(c)) {
						refused = append(refused, string(rune(c)))
					}
				}
			}
			continue
		}
		refused = append(refused, strings.Fields(text)...)
	}
	return refused
}

// The rules of StartExecution, StopExecution, ListExecutions and
// SendTaskSuccess at their exact bounds, on executions that stay open
// until stopped, and paging through ListExecutions and
// GetExecutionHistory with the Go SDK's paginators.
func TestServerAtAWSsBoundaries(t *testing.T) {
	model := serviceModelOf(t)
	stuck := make(chan struct{}) // never closed: executions stay open
	server, client := startServer(t, ServeConfig{Sessions: Config{Faults: func(string, int) Fault { return Fault{Hold: stuck} }}})
	main := aws.String(server.StateMachineARNs[0])
	start := func(name *string, input string) (*sfn.StartExecutionOutput, error) {
		return client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: main, Name: name, Input: aws.String(input)})
	}
	// payloadOf is JSON of exactly n bytes.
	payloadOf := func(n int) string {
		envelope := `{"payload":""}`
		return envelope[:12] + strings.Repeat("x", n-len(envelope)) + envelope[12:]
	}
	type startCase struct {
		name        string
		executionID *string
		input       string
		want        func(error) bool // nil: it starts
	}
	validation := hasCode("ValidationException")
	cases := []startCase{
		{"a name of 0 characters", aws.String(""), "{}", validation},
		{"a name of 1 character", aws.String("n"), "{}", nil},
		{"a name of 80 characters", aws.String(strings.Repeat("n", 80)), "{}", nil},
		{"a name of 81 characters", aws.String(strings.Repeat("n", 81)), "{}", validation},
		{"a name of 80 characters that are not ASCII", aws.String(strings.Repeat("é", 80)), "{}", nil},
		{"a name the logs advise against but AWS takes", aws.String("a.b@c+d=e!'()"), "{}", nil},
		{"no name: a UUID", nil, "{}", nil},
		{"input of exactly 262,144 bytes", aws.String("largest-input"), payloadOf(PayloadLimit), nil},
		{"input of 262,145 bytes", aws.String("too-large-input"), payloadOf(PayloadLimit + 1), validation},
	}
	for _, c := range refusedNameCharacters(t, model) {
		cases = append(cases, startCase{fmt.Sprintf("a name with %q", c), aws.String("a" + c + "b"), "{}", isA[*types.InvalidName]})
	}
	for _, test := range cases {
		t.Run(test.name, func(t *testing.T) {
			started, err := start(test.executionID, test.input)
			if test.want != nil {
				assert.True(t, test.want(err), "error %v", err)
				return
			}
			require.NoError(t, err)
			if test.executionID != nil {
				assert.True(t, strings.HasSuffix(aws.ToString(started.ExecutionArn), ":"+*test.executionID))
			}
		})
	}

	t.Run("SendTaskSuccess output of exactly 262,144 bytes and one more", func(t *testing.T) {
		for size, want := range map[int]func(error) bool{PayloadLimit: isA[*types.InvalidToken], PayloadLimit + 1: validation} {
			_, err := client.SendTaskSuccess(t.Context(), &sfn.SendTaskSuccessInput{TaskToken: aws.String("never-issued"), Output: aws.String(payloadOf(size))})
			assert.True(t, want(err), "%d bytes: error %v", size, err)
		}
	})
	t.Run("an invalid statusFilter", func(t *testing.T) {
		_, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: main, StatusFilter: "DONE"})
		assert.True(t, validation(err), "error %v", err)
	})

	stopped, err := start(aws.String("stopped"), "{}")
	require.NoError(t, err)
	// Its history is long enough to page once its first Task has started
	// (and is held).
	require.Eventually(t, func() bool {
		history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn})
		return err == nil && slices.ContainsFunc(history.Events, func(e types.HistoryEvent) bool { return e.Type == types.HistoryEventTypeTaskStarted })
	}, time.Minute, 10*time.Millisecond)
	t.Run("StopExecution with an error over 256 characters is refused, and stores nothing", func(t *testing.T) {
		_, err := client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: stopped.ExecutionArn, Error: aws.String(strings.Repeat("e", 300))})
		assert.True(t, validation(err), "error %v", err)
		described, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: stopped.ExecutionArn})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusRunning, described.Status)
	})
	_, err = client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: stopped.ExecutionArn, Error: aws.String(strings.Repeat("e", 256)), Cause: aws.String("first")})
	require.NoError(t, err)
	t.Run("StopExecution on an ended execution changes nothing", func(t *testing.T) {
		before, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: stopped.ExecutionArn})
		require.NoError(t, err)
		historyBefore, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn})
		require.NoError(t, err)
		_, err = client.StopExecution(t.Context(), &sfn.StopExecutionInput{ExecutionArn: stopped.ExecutionArn, Error: aws.String("Again"), Cause: aws.String("second")})
		require.NoError(t, err)
		after, err := client.DescribeExecution(t.Context(), &sfn.DescribeExecutionInput{ExecutionArn: stopped.ExecutionArn})
		require.NoError(t, err)
		historyAfter, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn})
		require.NoError(t, err)
		assert.Equal(t, types.ExecutionStatusAborted, after.Status)
		assert.Equal(t, before.Status, after.Status)
		assert.Equal(t, before.StopDate, after.StopDate)
		assert.Equal(t, before.Error, after.Error)
		assert.Equal(t, before.Output, after.Output)
		assert.Equal(t, "first", aws.ToString(after.Cause))
		assert.Equal(t, historyBefore.Events, historyAfter.Events)
	})

	t.Run("ListExecutions pages", func(t *testing.T) {
		for _, filter := range []types.ExecutionStatus{"", types.ExecutionStatusRunning, types.ExecutionStatusAborted} {
			whole, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: main, StatusFilter: filter, MaxResults: 1000})
			require.NoError(t, err)
			require.NotEmpty(t, whole.Executions)
			assert.Nil(t, whole.NextToken)
			for _, size := range []int32{1, 2, 3} {
				var walked []types.ExecutionListItem
				for paginator := sfn.NewListExecutionsPaginator(client, &sfn.ListExecutionsInput{StateMachineArn: main, StatusFilter: filter, MaxResults: size}); paginator.HasMorePages(); {
					require.LessOrEqual(t, len(walked), len(whole.Executions), "the pages do not end: a nextToken leads back")
					page, err := paginator.NextPage(t.Context())
					require.NoError(t, err)
					assert.LessOrEqual(t, len(page.Executions), int(size))
					walked = append(walked, page.Executions...)
				}
				assert.Equal(t, whole.Executions, walked, "statusFilter %q, maxResults %d", filter, size)
			}
		}
		first, err := client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: main, MaxResults: 1})
		require.NoError(t, err)
		require.NotNil(t, first.NextToken)
		_, err = client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: main, StatusFilter: types.ExecutionStatusAborted, NextToken: first.NextToken})
		assert.True(t, isA[*types.InvalidToken](err), "a token for another statusFilter: error %v", err)
		_, err = client.ListExecutions(t.Context(), &sfn.ListExecutionsInput{StateMachineArn: main, NextToken: aws.String("made-up")})
		assert.True(t, isA[*types.InvalidToken](err), "a made-up token: error %v", err)
	})

	t.Run("GetExecutionHistory pages", func(t *testing.T) {
		for _, reverse := range []bool{false, true} {
			whole, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn, ReverseOrder: reverse, MaxResults: 1000})
			require.NoError(t, err)
			require.Greater(t, len(whole.Events), 2, "too short a history to page")
			for _, size := range []int32{1, 2} {
				var walked []types.HistoryEvent
				for paginator := sfn.NewGetExecutionHistoryPaginator(client, &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn, ReverseOrder: reverse, MaxResults: size}); paginator.HasMorePages(); {
					require.LessOrEqual(t, len(walked), len(whole.Events), "the pages do not end: a nextToken leads back")
					page, err := paginator.NextPage(t.Context())
					require.NoError(t, err)
					assert.LessOrEqual(t, len(page.Events), int(size))
					walked = append(walked, page.Events...)
				}
				assert.Equal(t, whole.Events, walked, "reverseOrder %t, maxResults %d", reverse, size)
			}
		}
		forward, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn, MaxResults: 1})
		require.NoError(t, err)
		_, err = client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: stopped.ExecutionArn, ReverseOrder: true, NextToken: forward.NextToken})
		assert.True(t, isA[*types.InvalidToken](err), "a forward token read backwards: error %v", err)
	})
}
