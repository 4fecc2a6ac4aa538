package localrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// State machines a client creates, on an endpoint that serves no workflow
// (quick: no function is built): their definitions' Tasks are mocked by a
// mock config file in Step Functions Local's format. machines_stack_test.go
// has those that call the stack's functions.

const testRole = "arn:aws:iam::000000000000:role/machines-test"

// startMachinesEndpoint is an endpoint with no workflow, serving the mock
// config file text (none when empty), and an SDK client for it.
func startMachinesEndpoint(t *testing.T, mockConfig string) (*stepFunctionsEndpoint, *sfn.Client) {
	t.Helper()
	endpoint := startBareEndpoint(t)
	if mockConfig != "" {
		path := filepath.Join(t.TempDir(), "MockConfigFile.json")
		require.NoError(t, os.WriteFile(path, []byte(mockConfig), 0o600))
		mocks, err := readMockConfig(path)
		require.NoError(t, err)
		endpoint.mocks = mocks
	}
	endpoint.serve(nil)
	return endpoint, sdkClient(t, endpoint)
}

func createMachine(t *testing.T, client *sfn.Client, name, definition string) string {
	t.Helper()
	created, err := client.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition), RoleArn: aws.String(testRole)})
	require.NoError(t, err)
	return *created.StateMachineArn
}

// runToEnd starts an execution of arn on input and waits for its end.
func runToEnd(t *testing.T, client *sfn.Client, arn, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	started, err := client.StartExecution(t.Context(), &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)})
	require.NoError(t, err)
	return awaitEnd(t, client, started.ExecutionArn)
}

func historyTypes(t *testing.T, client *sfn.Client, executionArn *string) []string {
	t.Helper()
	history, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: executionArn, MaxResults: 1000})
	require.NoError(t, err)
	var kinds []string
	for _, event := range history.Events {
		kinds = append(kinds, string(event.Type))
	}
	return kinds
}

func count(kinds []string, kind string) int {
	n := 0
	for _, k := range kinds {
		if k == kind {
			n++
		}
	}
	return n
}

const passDefinition = `{"StartAt": "Greet", "States": {"Greet": {"Type": "Pass", "Result": "%s", "ResultPath": "$.greeting", "End": true}}}`

// A created machine is listed, described, run, updated (new executions run
// the new definition, earlier ones keep theirs) and deleted, as on AWS.
func TestCreatedMachineLifecycle(t *testing.T) {
	endpoint, client := startMachinesEndpoint(t, "")
	ctx := t.Context()
	first := fmt.Sprintf(passDefinition, "hello")
	arn := createMachine(t, client, "lifecycle", first)
	assert.Equal(t, "arn:aws:states:us-east-1:000000000000:stateMachine:lifecycle", arn)

	listed, err := client.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	require.NoError(t, err)
	require.Len(t, listed.StateMachines, 1)
	assert.Equal(t, types.StateMachineTypeStandard, listed.StateMachines[0].Type)

	described, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	assert.Equal(t, first, *described.Definition)
	assert.Equal(t, testRole, *described.RoleArn)
	assert.Equal(t, types.StateMachineStatusActive, described.Status)
	assert.Equal(t, types.LogLevelOff, described.LoggingConfiguration.Level, "AWS's default")

	before := runToEnd(t, client, arn, `{"who": "mom"}`)
	assert.JSONEq(t, `{"who": "mom", "greeting": "hello"}`, *before.Output)

	second := fmt.Sprintf(passDefinition, "bye")
	updated, err := client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(second)})
	require.NoError(t, err)
	require.NotNil(t, updated.RevisionId)
	after := runToEnd(t, client, arn, `{"who": "mom"}`)
	assert.JSONEq(t, `{"who": "mom", "greeting": "bye"}`, *after.Output)
	for _, test := range []struct {
		execution  *string
		definition string
	}{{before.ExecutionArn, first}, {after.ExecutionArn, second}} {
		ran, err := client.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: test.execution})
		require.NoError(t, err)
		assert.Equal(t, test.definition, *ran.Definition)
		assert.Equal(t, arn, *ran.StateMachineArn)
	}

	// Delete stops what runs, then the machine is gone; its name is free.
	waiting := createMachine(t, client, "waiting", `{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}`)
	started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &waiting})
	require.NoError(t, err)
	_, err = client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &waiting})
	require.NoError(t, err)
	awaitGone(t, client, waiting)
	var missing *types.StateMachineDoesNotExist
	_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &waiting})
	require.ErrorAs(t, err, &missing)
	_, err = client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
	var gone *types.ExecutionDoesNotExist
	require.ErrorAs(t, err, &gone)
	_, err = client.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &waiting})
	require.NoError(t, err, "deleting what does not exist succeeds, as on AWS")
	createMachine(t, client, "waiting", first)

	// While a machine is DELETING (its executions stopping), AWS refuses to
	// start, update or re-create it.
	machine, err := endpoint.machine(arn)
	require.NoError(t, err)
	machine.mu.Lock()
	machine.deleting = true
	machine.mu.Unlock()
	described, err = client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
	require.NoError(t, err)
	assert.Equal(t, types.StateMachineStatusDeleting, described.Status)
	var deleting *types.StateMachineDeleting
	_, err = client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	assert.ErrorAs(t, err, &deleting)
	_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(first)})
	assert.ErrorAs(t, err, &deleting)
	_, err = client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("lifecycle"), Definition: aws.String(second), RoleArn: aws.String(testRole)})
	assert.ErrorAs(t, err, &deleting)
}

// awaitGone polls DescribeStateMachine until the machine no longer exists.
func awaitGone(t *testing.T, client *sfn.Client, arn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for {
		described, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &arn})
		if err != nil {
			var missing *types.StateMachineDoesNotExist
			require.ErrorAs(t, err, &missing)
			return
		}
		require.Equal(t, types.StateMachineStatusDeleting, described.Status)
		time.Sleep(10 * time.Millisecond)
	}
}

// CreateStateMachine is idempotent by AWS's rule: the same name with the
// same definition, type, logging and tracing is the same machine, whatever
// the role and tags; anything else under that name already exists.
func TestCreateStateMachineIsIdempotentAsOnAWS(t *testing.T) {
	_, client := startMachinesEndpoint(t, "")
	ctx := t.Context()
	definition := fmt.Sprintf(passDefinition, "hi")
	request := func() *sfn.CreateStateMachineInput {
		return &sfn.CreateStateMachineInput{Name: aws.String("same"), Definition: aws.String(definition), RoleArn: aws.String(testRole), Type: types.StateMachineTypeExpress}
	}
	first, err := client.CreateStateMachine(ctx, request())
	require.NoError(t, err)

	again := request()
	again.RoleArn = aws.String("arn:aws:iam::000000000000:role/other")
	again.Tags = []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}
	second, err := client.CreateStateMachine(ctx, again)
	require.NoError(t, err, "roleArn and tags do not count")
	assert.Equal(t, *first.StateMachineArn, *second.StateMachineArn)
	assert.Equal(t, *first.CreationDate, *second.CreationDate)
	tags, err := client.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: first.StateMachineArn})
	require.NoError(t, err)
	assert.Empty(t, tags.Tags, "the second request's tags are ignored, as on AWS")

	for name, change := range map[string]func(*sfn.CreateStateMachineInput){
		"definition": func(r *sfn.CreateStateMachineInput) { r.Definition = aws.String(fmt.Sprintf(passDefinition, "ho")) },
		"type":       func(r *sfn.CreateStateMachineInput) { r.Type = types.StateMachineTypeStandard },
		"logging": func(r *sfn.CreateStateMachineInput) {
			r.LoggingConfiguration = &types.LoggingConfiguration{Level: types.LogLevelAll, Destinations: []types.LogDestination{{CloudWatchLogsLogGroup: &types.CloudWatchLogsLogGroup{LogGroupArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/aws/vendedlogs/states/same:*")}}}}
		},
		"tracing": func(r *sfn.CreateStateMachineInput) {
			r.TracingConfiguration = &types.TracingConfiguration{Enabled: true}
		},
	} {
		t.Run("another "+name, func(t *testing.T) {
			other := request()
			change(other)
			_, err := client.CreateStateMachine(ctx, other)
			var exists *types.StateMachineAlreadyExists
			assert.ErrorAs(t, err, &exists)
		})
	}
}

// Every error AWS lists for the operations on machines, for what this
// endpoint refuses, in AWS's code; the model's judge checks each answer's
// shape, and each nested constraint's ValidationException.
func TestMachineOperationsErrors(t *testing.T) {
	endpoint, client := startMachinesEndpoint(t, "")
	arn := createMachine(t, client, "errors", fmt.Sprintf(passDefinition, "hi"))
	ended := runToEnd(t, client, arn, `{}`)
	create := func(changes map[string]any) map[string]any {
		request := map[string]any{"name": "new", "definition": fmt.Sprintf(passDefinition, "hi"), "roleArn": testRole}
		for k, v := range changes {
			request[k] = v
		}
		return request
	}
	tags := func(n int) []any {
		var list []any
		for i := range n {
			list = append(list, map[string]any{"key": fmt.Sprint("k", i), "value": "v"})
		}
		return list
	}
	logGroup := map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:g:*"}}
	unserved := `{"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}}`
	waits := `{"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`
	tests := []struct {
		name, operation string
		request         map[string]any
		wantType        string
		wantMessage     []string
	}{
		{"a name with a space", "CreateStateMachine", create(map[string]any{"name": "a b"}), "InvalidName", nil},
		{"a name of 81 characters", "CreateStateMachine", create(map[string]any{"name": strings.Repeat("n", 81)}), "ValidationException", nil},
		{"a role that is not an IAM role", "CreateStateMachine", create(map[string]any{"roleArn": "arn:aws:s3:::bucket"}), "InvalidArn", []string{"arn:aws:s3:::bucket"}},
		{"a definition that is not JSON", "CreateStateMachine", create(map[string]any{"definition": "{"}), "InvalidDefinition", []string{"not JSON"}},
		{"a Task nobody serves or mocks", "CreateStateMachine", create(map[string]any{"definition": unserved}), "InvalidDefinition", []string{`state "Put"`, "arn:aws:states:::dynamodb:putItem", "neither serves nor mocks"}},
		{"an EXPRESS machine waiting for a token", "CreateStateMachine", create(map[string]any{"definition": waits, "type": "EXPRESS"}), "InvalidDefinition", []string{`state "Ask"`, "EXPRESS"}},
		{"an unknown type", "CreateStateMachine", create(map[string]any{"type": "BATCH"}), "ValidationException", nil},
		{"publish", "CreateStateMachine", create(map[string]any{"publish": true}), "ValidationException", []string{"no state machine versions"}},
		{"a version description", "CreateStateMachine", create(map[string]any{"versionDescription": "v1"}), "ValidationException", []string{"no state machine versions"}},
		{"a customer managed key", "CreateStateMachine", create(map[string]any{"encryptionConfiguration": map[string]any{"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "k"}}), "InvalidEncryptionConfiguration", nil},
		{"an encryption without its type", "CreateStateMachine", create(map[string]any{"encryptionConfiguration": map[string]any{}}), "ValidationException", nil},
		{"logging without a destination", "CreateStateMachine", create(map[string]any{"loggingConfiguration": map[string]any{"level": "ALL"}}), "InvalidLoggingConfiguration", nil},
		{"logging to two destinations", "CreateStateMachine", create(map[string]any{"loggingConfiguration": map[string]any{"level": "ALL", "destinations": []any{logGroup, logGroup}}}), "InvalidLoggingConfiguration", nil},
		{"a log level outside its enum", "CreateStateMachine", create(map[string]any{"loggingConfiguration": map[string]any{"level": "SOME"}}), "ValidationException", nil},
		{"a log group ARN of 257 characters", "CreateStateMachine", create(map[string]any{"loggingConfiguration": map[string]any{"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": strings.Repeat("a", 257)}}}}}), "ValidationException", nil},
		{"51 tags", "CreateStateMachine", create(map[string]any{"tags": tags(51)}), "TooManyTags", nil},
		{"a tag key of 129 characters", "CreateStateMachine", create(map[string]any{"tags": []any{map[string]any{"key": strings.Repeat("k", 129), "value": "v"}}}), "ValidationException", nil},
		{"a tag value of 257 characters", "TagResource", map[string]any{"resourceArn": arn, "tags": []any{map[string]any{"key": "k", "value": strings.Repeat("v", 257)}}}, "ValidationException", nil},
		{"a tag without its key", "TagResource", map[string]any{"resourceArn": arn, "tags": []any{map[string]any{"value": "v"}}}, "ValidationException", []string{"key"}},
		{"a created machine's tag without its key", "CreateStateMachine", create(map[string]any{"tags": []any{map[string]any{"value": "v"}}}), "ValidationException", []string{"key"}},
		{"an empty tag key to remove", "UntagResource", map[string]any{"resourceArn": arn, "tagKeys": []any{""}}, "ValidationException", nil},
		{"tagging an unknown machine", "TagResource", map[string]any{"resourceArn": arn + "x", "tags": tags(1)}, "ResourceNotFound", nil},
		{"tagging an execution", "TagResource", map[string]any{"resourceArn": *ended.ExecutionArn, "tags": tags(1)}, "InvalidArn", nil},
		{"untagging an unknown machine", "UntagResource", map[string]any{"resourceArn": arn + "x", "tagKeys": []any{"k"}}, "ResourceNotFound", nil},
		{"listing an unknown machine's tags", "ListTagsForResource", map[string]any{"resourceArn": arn + "x"}, "ResourceNotFound", nil},
		{"tags past 50", "TagResource", map[string]any{"resourceArn": arn, "tags": tags(51)}, "TooManyTags", nil},
		{"an update of nothing", "UpdateStateMachine", map[string]any{"stateMachineArn": arn}, "MissingRequiredParameter", nil},
		{"an update of an unknown machine", "UpdateStateMachine", map[string]any{"stateMachineArn": arn + "x", "roleArn": testRole}, "StateMachineDoesNotExist", nil},
		{"an update to a Task nobody serves", "UpdateStateMachine", map[string]any{"stateMachineArn": arn, "definition": unserved}, "InvalidDefinition", []string{`state "Put"`}},
		{"an update with an execution ARN", "UpdateStateMachine", map[string]any{"stateMachineArn": *ended.ExecutionArn, "roleArn": testRole}, "InvalidArn", nil},
		{"deleting an execution", "DeleteStateMachine", map[string]any{"stateMachineArn": *ended.ExecutionArn}, "InvalidArn", nil},
		{"the machine of an unknown execution", "DescribeStateMachineForExecution", map[string]any{"executionArn": *ended.ExecutionArn + "x"}, "ExecutionDoesNotExist", nil},
		{"the machine of a machine ARN", "DescribeStateMachineForExecution", map[string]any{"executionArn": arn}, "InvalidArn", nil},
		{"validating with maxResults 101", "ValidateStateMachineDefinition", map[string]any{"definition": "{}", "maxResults": 101}, "ValidationException", nil},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			answer := callAPI(t, endpoint.url, test.operation, test.request)
			assert.Equal(t, test.wantType, answer.errorType, answer.message)
			for _, want := range test.wantMessage {
				assert.Contains(t, answer.message, want)
			}
		})
	}
}

// Tags on a machine: added, replaced by key, removed, listed; a stack
// machine (registered, as StartServer does) is tagged the same way.
func TestMachineTags(t *testing.T) {
	endpoint, client := startMachinesEndpoint(t, "")
	ctx := t.Context()
	stack := endpoint.register(nil, "stack-machine", "STANDARD", "{}")
	created, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("tagged"), Definition: aws.String(fmt.Sprintf(passDefinition, "hi")), RoleArn: aws.String(testRole),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	require.NoError(t, err)
	for _, arn := range []string{*created.StateMachineArn, stack.arn} {
		t.Run(arn, func(t *testing.T) {
			_, err := client.TagResource(ctx, &sfn.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("b")}, {Key: aws.String("cost"), Value: aws.String("")}}})
			require.NoError(t, err)
			listed, err := client.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &arn})
			require.NoError(t, err)
			assert.ElementsMatch(t, []string{"team=b", "cost="}, tagStrings(listed.Tags))
			_, err = client.UntagResource(ctx, &sfn.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team", "absent"}})
			require.NoError(t, err)
			listed, err = client.ListTagsForResource(ctx, &sfn.ListTagsForResourceInput{ResourceArn: &arn})
			require.NoError(t, err)
			assert.Equal(t, []string{"cost="}, tagStrings(listed.Tags))
		})
	}
}

func tagStrings(tags []types.Tag) []string {
	var list []string
	for _, tag := range tags {
		list = append(list, *tag.Key+"="+*tag.Value)
	}
	return list
}

// ValidateStateMachineDefinition reports the engine's load errors as AWS's
// diagnostics: severity, code, message and the JSON pointer to the place.
func TestValidateStateMachineDefinition(t *testing.T) {
	_, client := startMachinesEndpoint(t, "")
	tests := []struct {
		name, definition string
		kind             types.StateMachineType
		wantCodes        []string // none: OK
		wantLocations    []string
	}{
		{"a valid definition", fmt.Sprintf(passDefinition, "hi"), "", nil, nil},
		{"a Task whose resource nobody serves: AWS does not check it", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": true}}}`, "", nil, nil},
		{"not JSON", `{"StartAt": `, "", []string{"INVALID_JSON_DESCRIPTION"}, []string{""}},
		{"a missing transition target", `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}`, "", []string{"MISSING_TRANSITION_TARGET"}, []string{"/States/A/Next"}},
		{"a field of the wrong type in a Parallel branch", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": "ten", "End": true}}}]}}}`, "",
			[]string{"SCHEMA_VALIDATION_FAILED"}, []string{"/States/P/Branches/0/States/B/Seconds"}},
		{"an unknown field in a Map's item processor", `{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true, "Colour": "red"}}}}}}`, "",
			[]string{"SCHEMA_VALIDATION_FAILED"}, []string{"/States/M/ItemProcessor/States/I"}},
		{"a token wait in an EXPRESS machine", `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}`, types.StateMachineTypeExpress,
			[]string{"SCHEMA_VALIDATION_FAILED"}, []string{"/States/T/Resource"}},
	}
	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			validated, err := client.ValidateStateMachineDefinition(t.Context(), &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(test.definition), Type: test.kind})
			require.NoError(t, err)
			if test.wantCodes == nil {
				assert.Equal(t, types.ValidateStateMachineDefinitionResultCodeOk, validated.Result)
				assert.Empty(t, validated.Diagnostics)
				return
			}
			assert.Equal(t, types.ValidateStateMachineDefinitionResultCodeFail, validated.Result)
			var codes, locations []string
			for _, d := range validated.Diagnostics {
				assert.Equal(t, types.ValidateStateMachineDefinitionSeverityError, d.Severity)
				assert.NotEmpty(t, *d.Message)
				codes = append(codes, *d.Code)
				locations = append(locations, aws.ToString(d.Location))
			}
			assert.Equal(t, test.wantCodes, codes)
			assert.Equal(t, test.wantLocations, locations)
		})
	}
	t.Run("maxResults truncates", func(t *testing.T) {
		twoProblems := `{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "C": {"Type": "Pass", "Next": "D"}}}`
		all, err := client.ValidateStateMachineDefinition(t.Context(), &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(twoProblems)})
		require.NoError(t, err)
		require.Greater(t, len(all.Diagnostics), 1)
		assert.False(t, aws.ToBool(all.Truncated))
		one, err := client.ValidateStateMachineDefinition(t.Context(), &sfn.ValidateStateMachineDefinitionInput{Definition: aws.String(twoProblems), MaxResults: 1})
		require.NoError(t, err)
		assert.Len(t, one.Diagnostics, 1)
		assert.True(t, aws.ToBool(one.Truncated))
	})
}

// ordersMockConfig mocks the DynamoDB Tasks of ordersDefinition, in Step
// Functions Local's format.
const ordersMockConfig = `{
  "StateMachines": {
    "orders": {
      "TestCases": {
        "HappyPath": {"Save": "Saved", "Load": "Alice"},
        "ThrottledOnce": {"Save": "Saved", "Load": "ThrottledThenAlice"},
        "NoTable": {"Save": "Saved", "Load": "NoSuchTable"},
        "Ghost": {"Haunt": "Saved"}
      }
    },
    "orders-express": {"TestCases": {"HappyPath": {"Save": "Saved", "Load": "Alice"}}}
  },
  "MockedResponses": {
    "Saved": {"0-2": {"Return": {"SdkHttpMetadata": {"HttpStatusCode": 200}}}},
    "Alice": {"0": {"Return": {"Item": {"id": {"S": "a"}, "name": {"S": "Alice"}}}}},
    "ThrottledThenAlice": {
      "0": {"Throw": {"Error": "DynamoDB.ProvisionedThroughputExceededException", "Cause": "throttled"}},
      "1": {"Return": {"Item": {"id": {"S": "a"}, "name": {"S": "Alice"}}}}
    },
    "NoSuchTable": {"0": {"Throw": {"Error": "DynamoDB.ResourceNotFoundException", "Cause": "Requested resource not found"}}}
  }
}`

// ordersDefinition saves each item through a Map while a parallel branch
// loads one, then shapes both results.
const ordersDefinition = `{
  "StartAt": "Both",
  "States": {
    "Both": {
      "Type": "Parallel",
      "Next": "Shape",
      "Branches": [
        {"StartAt": "SaveAll", "States": {"SaveAll": {"Type": "Map", "ItemsPath": "$.items", "End": true,
          "ItemProcessor": {"StartAt": "Save", "States": {"Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
            "ResultSelector": {"status.$": "$.SdkHttpMetadata.HttpStatusCode"}, "End": true}}}}}},
        {"StartAt": "Load", "States": {"Load": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
          "Parameters": {"TableName": "orders", "Key": {"id": {"S": "a"}}},
          "ResultSelector": {"name.$": "$.Item.name.S"},
          "Retry": [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException"], "IntervalSeconds": 1, "MaxAttempts": 1}],
          "End": true}}}
      ]
    },
    "Shape": {"Type": "Pass", "Parameters": {"saved.$": "States.ArrayLength($[0])", "statuses.$": "$[0][*].status", "name.$": "$[1].name"}, "End": true}
  }
}`

// A created machine with Map, Parallel and DynamoDB Tasks that nothing here
// serves: a Step Functions Local mock config file's test cases run it to
// the output and history its mocked responses imply.
func TestCreatedMachineWithMapParallelAndMockedDynamoDB(t *testing.T) {
	endpoint, client := startMachinesEndpoint(t, ordersMockConfig)
	arn := createMachine(t, client, "orders", ordersDefinition)
	input := `{"items": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}`
	items := 3

	happy := runToEnd(t, client, arn+"#HappyPath", input)
	require.Equal(t, types.ExecutionStatusSucceeded, happy.Status, "%s: %s", aws.ToString(happy.Error), aws.ToString(happy.Cause))
	assert.Equal(t, arn, *happy.StateMachineArn, "the test case is not part of the machine's ARN")
	assert.JSONEq(t, `{"saved": 3, "statuses": [200, 200, 200], "name": "Alice"}`, *happy.Output)
	history := historyTypes(t, client, happy.ExecutionArn)
	for kind, want := range map[string]int{
		"ParallelStateEntered": 1, "ParallelStateSucceeded": 1, "MapStateEntered": 1, "MapStateSucceeded": 1,
		"MapIterationStarted": items, "MapIterationSucceeded": items,
		"TaskScheduled": items + 1, "TaskSucceeded": items + 1, "TaskFailed": 0, "ExecutionSucceeded": 1,
	} {
		assert.Equal(t, want, count(history, kind), "%s events in %v", kind, history)
	}
	assert.Equal(t, "ExecutionSucceeded", history[len(history)-1])
	events, err := client.GetExecutionHistory(t.Context(), &sfn.GetExecutionHistoryInput{ExecutionArn: happy.ExecutionArn, MaxResults: 1000})
	require.NoError(t, err)
	var resources []string
	for _, event := range events.Events {
		if event.TaskScheduledEventDetails != nil {
			assert.Equal(t, "dynamodb", *event.TaskScheduledEventDetails.ResourceType)
			resources = append(resources, *event.TaskScheduledEventDetails.Resource)
		}
	}
	assert.ElementsMatch(t, []string{"putItem", "putItem", "putItem", "getItem"}, resources)

	throttled := runToEnd(t, client, arn+"#ThrottledOnce", input)
	require.Equal(t, types.ExecutionStatusSucceeded, throttled.Status)
	assert.JSONEq(t, *happy.Output, *throttled.Output, "the retry gets invocation 1's response")
	history = historyTypes(t, client, throttled.ExecutionArn)
	assert.Equal(t, 1, count(history, "TaskFailed"))
	assert.Equal(t, items+2, count(history, "TaskScheduled"))

	noTable := runToEnd(t, client, arn+"#NoTable", input)
	assert.Equal(t, types.ExecutionStatusFailed, noTable.Status)
	assert.Equal(t, "DynamoDB.ResourceNotFoundException", *noTable.Error)
	assert.Equal(t, "Requested resource not found", *noTable.Cause)

	// Without a test case, what only a mock serves fails the execution,
	// saying so.
	plain := runToEnd(t, client, arn, input)
	assert.Equal(t, types.ExecutionStatusFailed, plain.Status)
	assert.Equal(t, "States.Runtime", *plain.Error)
	assert.Contains(t, *plain.Cause, "only a mock config test case that mocks the state runs it")

	for _, test := range []struct{ name, arn, wantType, want string }{
		{"an unknown test case", arn + "#SadPath", "StateMachineDoesNotExist", `no test case "SadPath" for the state machine "orders" (it has Ghost, HappyPath, NoTable, ThrottledOnce)`},
		{"a test case mocking a state the machine lacks", arn + "#Ghost", "ValidationException", `mocks the state "Haunt", which the state machine's definition does not have`},
	} {
		t.Run(test.name, func(t *testing.T) {
			answer := callAPI(t, endpoint.url, "StartExecution", map[string]any{"stateMachineArn": test.arn})
			assert.Equal(t, test.wantType, answer.errorType)
			assert.Contains(t, answer.message, test.want)
		})
	}

	// StartSyncExecution runs a test case on an EXPRESS machine.
	express, err := client.CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String("orders-express"), Definition: aws.String(ordersDefinition), RoleArn: aws.String(testRole), Type: types.StateMachineTypeExpress})
	require.NoError(t, err)
	synced, err := client.StartSyncExecution(t.Context(), &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(*express.StateMachineArn + "#HappyPath"), Input: aws.String(input)}, withoutHostPrefix)
	require.NoError(t, err)
	assert.Equal(t, types.SyncExecutionStatusSucceeded, synced.Status)
	assert.JSONEq(t, *happy.Output, aws.ToString(synced.Output))

	// A machine the mock config does not name is refused at creation.
	other := callAPI(t, endpoint.url, "CreateStateMachine", map[string]any{"name": "other", "definition": ordersDefinition, "roleArn": testRole})
	assert.Equal(t, "InvalidDefinition", other.errorType)
	assert.Contains(t, other.message, `state "Load"`)
	assert.Contains(t, other.message, `state "Save"`)
}

// An execution past its machine's TimeoutSeconds ends TIMED_OUT with
// States.Timeout, and its history with ExecutionTimedOut.
func TestCreatedMachineTimesOut(t *testing.T) {
	_, client := startMachinesEndpoint(t, "")
	arn := createMachine(t, client, "slow", `{"TimeoutSeconds": 1, "StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 600, "End": true}}}`)
	ended := runToEnd(t, client, arn, `{}`)
	assert.Equal(t, types.ExecutionStatusTimedOut, ended.Status)
	assert.Equal(t, "States.Timeout", aws.ToString(ended.Error))
	history := historyTypes(t, client, ended.ExecutionArn)
	require.NotEmpty(t, history)
	assert.Equal(t, "ExecutionTimedOut", history[len(history)-1], "%v", history)
	assert.False(t, slices.Contains(history, "WaitStateExited"), "the Wait never ended: %v", history)
}

// The JSON pointer of each kind of problem the engine reports.
func TestDiagnosticLocation(t *testing.T) {
	tests := []struct{ problem, want string }{
		{`state "A": field "Next" names "B", which is not a state here`, "/States/A/Next"},
		{`state "A/b~c": unknown field "X"`, "/States/A~1b~0c"},
		{`state "P" branch 1: state "B": field "Seconds" must be a number`, "/States/P/Branches/1/States/B/Seconds"},
		{`state "M" item processor: state "I": needs either Next or "End": true`, "/States/M/ItemProcessor/States/I"},
		{`the definition: field "StartAt" is required`, ""},
		{`not JSON: unexpected end`, ""},
	}
	for _, test := range tests {
		assert.Equal(t, test.want, diagnosticLocation(test.problem), test.problem)
	}
}
