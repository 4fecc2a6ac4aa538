package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"reflect"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/lambdas/unicodetext"
)

// taskReporter is the part of the Step Functions API the worker calls.
type taskReporter interface {
	SendTaskHeartbeat(context.Context, *sfn.SendTaskHeartbeatInput, ...func(*sfn.Options)) (*sfn.SendTaskHeartbeatOutput, error)
	SendTaskSuccess(context.Context, *sfn.SendTaskSuccessInput, ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error)
	SendTaskFailure(context.Context, *sfn.SendTaskFailureInput, ...func(*sfn.Options)) (*sfn.SendTaskFailureOutput, error)
}

type worker struct {
	tasks taskReporter
}

// MissingTaskTokenError reports a message no waiting task can be found for.
type MissingTaskTokenError struct{ Reason string }

func (e *MissingTaskTokenError) Error() string {
	return "message has no task token: " + e.Reason + `; expected {"payload": <string>, "taskToken": <string>}`
}

// handle processes a batch and returns the messages to deliver again. The
// event source mapping reports batch item failures, so one bad message does
// not send its whole batch back to the queue.
func (w worker) handle(ctx context.Context, event events.SQSEvent) (events.SQSEventResponse, error) {
	var response events.SQSEventResponse
	for _, message := range event.Records {
		if err := w.process(ctx, message.Body); err != nil {
			log.Printf("message %s will be delivered again (or dead-lettered): %v", message.MessageId, err)
			response.BatchItemFailures = append(response.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: message.MessageId})
		}
	}
	return response, nil
}

// process completes the task one message stands for. An error means the
// message should be delivered again: a message without a token (so it ends
// in the dead-letter queue) or a report that did not reach Step Functions.
func (w worker) process(ctx context.Context, body string) error {
	token, event, err := splitTaskToken(body)
	if err != nil {
		return err
	}
	// The heartbeat says the message was picked up; the task's
	// HeartbeatSeconds bound how long a message may go unprocessed.
	_, err = w.tasks.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(token)})
	if done, err := settled(err); done {
		return err
	}
	response, err := reverse(body, event)
	if err != nil {
		_, err = w.tasks.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{
			TaskToken: aws.String(token),
			Error:     aws.String(fitLength(errorName(err), maxErrorLength)),
			Cause:     aws.String(fitLength(err.Error(), maxCauseLength)),
		})
		_, err = settled(err)
		return err
	}
	output, err := json.Marshal(response)
	if err != nil {
		return err
	}
	_, err = w.tasks.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(string(output))})
	_, err = settled(err)
	return err
}

// settled says whether a report leaves nothing more to do for the message,
// and the error to return if the message must come back. A task that timed
// out or whose execution has ended will never accept a report: retrying the
// message could not help, so it is done.
func settled(err error) (done bool, retry error) {
	var timedOut *types.TaskTimedOut
	var gone *types.TaskDoesNotExist
	var invalid *types.InvalidToken
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &timedOut), errors.As(err, &gone), errors.As(err, &invalid):
		log.Printf("the task no longer waits, dropping the message: %v", err)
		return true, nil
	default:
		return true, fmt.Errorf("reporting to Step Functions: %w", err)
	}
}

// reverse is the reverse function's work on the message's event. The whole
// body is checked for invalid Unicode first, because taking the token out
// re-encodes the field names, which would repair them.
func reverse(body string, event json.RawMessage) (envelope.Response, error) {
	if err := envelope.CheckUnicode("the message body", []byte(body)); err != nil {
		return envelope.Response{}, err
	}
	return envelope.Apply(event, unicodetext.Reverse)
}

// splitTaskToken separates the task token from the event it came with.
func splitTaskToken(body string) (token string, event json.RawMessage, err error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil || fields == nil {
		return "", nil, &MissingTaskTokenError{Reason: "the body is not a JSON object"}
	}
	if err := json.Unmarshal(fields["taskToken"], &token); err != nil || token == "" {
		return "", nil, &MissingTaskTokenError{Reason: `"taskToken" is missing or not a non-empty string`}
	}
	delete(fields, "taskToken")
	event, err = json.Marshal(fields)
	return token, event, err
}

// errorName is the error's Go type name, the same name Lambda reports as
// errorType, so the workflow sees one name whichever way an error arrives.
func errorName(err error) string {
	errorType := reflect.TypeOf(err)
	if errorType.Kind() == reflect.Pointer {
		errorType = errorType.Elem()
	}
	return errorType.Name()
}
