package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/seed"
	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/lambdas/envelope/envelopetest"
	"stepfunctions-go/lambdas/unicodetext"
)

// report is one call the worker made to Step Functions.
type report struct {
	Kind, Token, Output, Error, Cause string
}

// fakeStepFunctions records reports and answers each kind with a set error.
type fakeStepFunctions struct {
	reports []report
	fail    map[string]error // by report kind
}

func (f *fakeStepFunctions) record(r report) error {
	f.reports = append(f.reports, r)
	return f.fail[r.Kind]
}

func (f *fakeStepFunctions) SendTaskHeartbeat(_ context.Context, in *sfn.SendTaskHeartbeatInput, _ ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error) {
	return &sfn.SendTaskHeartbeatOutput{}, f.record(report{Kind: "heartbeat", Token: aws.ToString(in.TaskToken)})
}

func (f *fakeStepFunctions) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	return &sfn.SendTaskSuccessOutput{}, f.record(report{Kind: "success", Token: aws.ToString(in.TaskToken), Output: aws.ToString(in.Output)})
}

func (f *fakeStepFunctions) SendTaskFailure(_ context.Context, in *sfn.SendTaskFailureInput, _ ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error) {
	return &sfn.SendTaskFailureOutput{}, f.record(report{Kind: "failure", Token: aws.ToString(in.TaskToken), Error: aws.ToString(in.Error), Cause: aws.ToString(in.Cause)})
}

func envelopeJSON(t *testing.T, payload string) string {
	t.Helper()
	encoded, err := json.Marshal(envelope.OK(payload))
	require.NoError(t, err)
	return string(encoded)
}

func TestWorkerReportsEachMessage(t *testing.T) {
	throttled := errors.New("ThrottlingException: rate exceeded")
	tests := []struct {
		name        string
		body        string
		fail        map[string]error
		wantReports []string // kinds, in order
		wantRetry   bool
		check       func(t *testing.T, reports []report)
	}{
		{
			name: "reverses the payload and completes the task", body: `{"payload":"HI MOM","taskToken":"t1"}`,
			wantReports: []string{"heartbeat", "success"},
			check: func(t *testing.T, reports []report) {
				assert.Equal(t, "t1", reports[1].Token)
				assert.JSONEq(t, seed.Output, reports[1].Output, "the seed's envelope")
			},
		},
		{
			name: "bad input fails the task with the named error", body: `{"payload":42,"taskToken":"t2"}`,
			wantReports: []string{"heartbeat", "failure"},
			check: func(t *testing.T, reports []report) {
				assert.Equal(t, "InvalidInputError", reports[1].Error)
				assert.Contains(t, reports[1].Cause, `field "payload" must be a string, got a number`)
			},
		},
		{
			name: "an unexpected field fails the task too", body: `{"payload":"x","extra":true,"taskToken":"t3"}`,
			wantReports: []string{"heartbeat", "failure"},
		},
		{
			name: "a lone surrogate fails the task, naming where", body: `{"payload":"a\ud800b","taskToken":"t7"}`,
			wantReports: []string{"heartbeat", "failure"},
			check: func(t *testing.T, reports []report) {
				assert.Equal(t, "InvalidInputError", reports[1].Error)
				assert.Contains(t, reports[1].Cause, `the message body has an unpaired UTF-16 surrogate escape \ud800 at byte offset 13`)
			},
		},
		{
			name: "invalid UTF-8 fails the task, naming where", body: "{\"payload\":\"a\xffb\",\"taskToken\":\"t8\"}",
			wantReports: []string{"heartbeat", "failure"},
			check: func(t *testing.T, reports []report) {
				assert.Equal(t, "InvalidInputError", reports[1].Error)
				assert.Contains(t, reports[1].Cause, `the message body is not valid UTF-8: byte 0xff at byte offset 13`)
			},
		},
		{
			name: "a surrogate in a field name is not repaired into the message", body: `{"payload":"x","\udc00":1,"taskToken":"t9"}`,
			wantReports: []string{"heartbeat", "failure"},
			check: func(t *testing.T, reports []report) {
				assert.Contains(t, reports[1].Cause, `unpaired UTF-16 surrogate escape \udc00 at byte offset 16`)
				assert.NotContains(t, reports[1].Cause, "\ufffd")
			},
		},
		{
			name: "a surrogate pair is text like any other", body: `{"payload":"\ud83d\ude00x","taskToken":"t10"}`,
			wantReports: []string{"heartbeat", "success"},
			check: func(t *testing.T, reports []report) {
				assert.JSONEq(t, strings.Replace(seed.Output, `"MOM IH"`, `"x😀"`, 1), reports[1].Output)
			},
		},
		{name: "no token: nobody to tell, so the queue keeps it", body: `{"payload":"x"}`, wantRetry: true},
		{name: "empty token", body: `{"payload":"x","taskToken":""}`, wantRetry: true},
		{name: "not JSON", body: `hello`, wantRetry: true},
		{
			name: "a report that does not reach Step Functions is retried", body: `{"payload":"x","taskToken":"t4"}`,
			fail: map[string]error{"success": throttled}, wantReports: []string{"heartbeat", "success"}, wantRetry: true,
		},
		{
			name: "a task that timed out will never take a report", body: `{"payload":"x","taskToken":"t5"}`,
			fail: map[string]error{"heartbeat": &types.TaskTimedOut{}}, wantReports: []string{"heartbeat"},
		},
		{
			name: "an ended execution will never take a report", body: `{"payload":"x","taskToken":"t6"}`,
			fail: map[string]error{"success": &types.TaskDoesNotExist{}}, wantReports: []string{"heartbeat", "success"},
		},
		{
			name: "a token Step Functions does not know will never be accepted", body: `{"payload":"x","taskToken":"forged"}`,
			fail: map[string]error{"heartbeat": &types.InvalidToken{}}, wantReports: []string{"heartbeat"},
		},
		{
			name: "an invalid token is settled when reporting success", body: `{"payload":"x","taskToken":"forged"}`,
			fail: map[string]error{"success": &types.InvalidToken{}}, wantReports: []string{"heartbeat", "success"},
		},
		{
			name: "an invalid token is settled when reporting failure", body: `{"payload":1,"taskToken":"forged"}`,
			fail: map[string]error{"failure": &types.InvalidToken{}}, wantReports: []string{"heartbeat", "failure"},
		},
		{
			name: "a task that timed out is settled when reporting failure", body: `{"payload":1,"taskToken":"t11"}`,
			fail: map[string]error{"failure": &types.TaskTimedOut{}}, wantReports: []string{"heartbeat", "failure"},
		},
		{
			name: "an ended execution is settled at the heartbeat", body: `{"payload":"x","taskToken":"t12"}`,
			fail: map[string]error{"heartbeat": &types.TaskDoesNotExist{}}, wantReports: []string{"heartbeat"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeStepFunctions{fail: tt.fail}
			response, err := worker{tasks: fake}.handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m1", Body: tt.body}}})
			require.NoError(t, err, "a batch never fails as a whole")
			var kinds []string
			for _, r := range fake.reports {
				kinds = append(kinds, r.Kind)
			}
			assert.Equal(t, tt.wantReports, kinds)
			if tt.wantRetry {
				assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "m1"}}, response.BatchItemFailures)
			} else {
				assert.Empty(t, response.BatchItemFailures)
			}
			if tt.check != nil {
				tt.check(t, fake.reports)
			}
		})
	}
}

func TestWorkerReturnsOnlyTheFailedMessagesOfABatch(t *testing.T) {
	fake := &fakeStepFunctions{}
	response, err := worker{tasks: fake}.handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "ok-1", Body: `{"payload":"a","taskToken":"t1"}`},
		{MessageId: "no-token", Body: `{"payload":"b"}`},
		{MessageId: "ok-2", Body: `{"payload":"c","taskToken":"t3"}`},
	}})
	require.NoError(t, err)
	assert.Equal(t, []events.SQSBatchItemFailure{{ItemIdentifier: "no-token"}}, response.BatchItemFailures)
}

// FuzzWorker: any message body ends in exactly one of a completed task,
// a failed task or a message handed back to the queue; never a panic. A
// completed task carries the reverse of the payload exactly as an
// independent strict decoder reads it: nothing repaired on the way.
func FuzzWorker(f *testing.F) {
	for _, seed := range []string{
		`{"payload":"hi","taskToken":"t"}`, `{"payload":null,"taskToken":"t"}`, `{"taskToken":7}`, `[]`, `{`,
		`{"payload":"a\ud800b","taskToken":"t"}`, `{"payload":"\ud83d\ude00","taskToken":"t"}`, "{\"payload\":\"\xff\",\"taskToken\":\"t\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fake := &fakeStepFunctions{}
		response, err := worker{tasks: fake}.handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "m", Body: body}}})
		require.NoError(t, err)
		outcomes := len(response.BatchItemFailures)
		for _, r := range fake.reports {
			if r.Kind == "success" || r.Kind == "failure" {
				outcomes++
			}
			if r.Kind == "success" {
				payload, err := envelopetest.StrictPayload([]byte(body))
				require.NoError(t, err, "completed a task for a body the strict decoder rejects: %q", body)
				assert.JSONEq(t, envelopeJSON(t, unicodetext.Reverse(payload)), r.Output, "body %q", body)
			}
		}
		assert.Equal(t, 1, outcomes, "body %q", body)
	})
}
