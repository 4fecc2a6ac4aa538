package localrun

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"stepfunctions-go/internal/asl"
	"stepfunctions-go/internal/asl/stateserror"
	"stepfunctions-go/lambdas"
)

const sqsSendMessageWaitResource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"

// sendMessageAndWait is the sqs:sendMessage.waitForTaskToken integration:
// it sends the Task's message to a local queue and tells the local Step
// Functions endpoint which execution waits on the task token, so that a
// worker's SendTask* reaches it. The engine then waits for the token, with
// the Task's HeartbeatSeconds and TimeoutSeconds.
type sendMessageAndWait struct {
	queues        map[string]*localQueue // by URL
	stepFunctions *stepFunctionsEndpoint
	// deliveries is the context the queues deliver in: it ends with the
	// session, not with the Task, which ends once the message is sent.
	deliveries context.Context
}

func (s *sendMessageAndWait) call(ctx context.Context, task asl.TaskCall) (any, error) {
	field, _ := argument(task.Arguments, "QueueUrl")
	queueURL, _ := field.(string)
	body, hasBody := argument(task.Arguments, "MessageBody")
	if queueURL == "" || !hasBody {
		return nil, stateserror.New(stateserror.Runtime, "sqs:sendMessage needs arguments with a QueueUrl string and a MessageBody, got %s", jsonText(task.Arguments))
	}
	queue, ok := s.queues[queueURL]
	if !ok {
		return nil, &stateserror.Error{Name: "SQS.QueueDoesNotExistException", Cause: "The specified queue does not exist: " + queueURL}
	}
	owner, ok := ctx.Value(runKey{}).(*run)
	if !ok {
		return nil, errors.New("sqs:sendMessage.waitForTaskToken: the Task runs outside a Session's execution")
	}
	s.stepFunctions.expect(task.TaskToken, task.StateName, owner)
	message := queue.send(s.deliveries, messageBody(body))
	return sendMessageResult(message), nil
}

// messageBody is the text SQS receives: Step Functions sends a string
// MessageBody as it is and serializes anything else as JSON.
func messageBody(body any) string {
	if text, ok := body.(string); ok {
		return text
	}
	return jsonText(body)
}

// sendMessageResult is SendMessage's response as the Task's result, which
// TaskSubmitted records.
func sendMessageResult(message events.SQSMessage) map[string]any {
	requestID := uuid()
	return map[string]any{
		"MD5OfMessageBody": message.Md5OfBody,
		"MessageId":        message.MessageId,
		"SdkHttpMetadata": map[string]any{
			"HttpHeaders":    map[string]any{"Content-Type": "text/xml", "x-amzn-RequestId": requestID},
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
	}
}

// localQueue stands in for an SQS queue and the event source mapping that
// hands its messages to a consumer function, one message per invocation.
type localQueue struct {
	lambdas.Queue
	lambda   *lambdaInvoke // the Lambda service the mapping invokes
	progress io.Writer

	mu         sync.Mutex
	closed     bool
	deliveries sync.WaitGroup
}

// localQueueURL has the form of an SQS queue URL on a host that cannot
// leave the machine; no one connects to it: Tasks find the queue by it.
func localQueueURL(name string) string {
	return "http://sqs." + localRegion + ".localhost/" + localAccount + "/" + name
}

func (q *localQueue) arn() string {
	return "arn:" + localPartition + ":sqs:" + localRegion + ":" + localAccount + ":" + q.Name
}

// send enqueues body and delivers it in the background until the consumer
// processes it, it goes to the dead-letter queue, or ctx ends.
func (q *localQueue) send(ctx context.Context, body string) events.SQSMessage {
	message := q.newMessage(body)
	fmt.Fprintf(q.progress, "  sqs: message %s sent to %s\n", message.MessageId, q.Name)
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.deliveries.Go(func() { q.deliver(ctx, message) })
	}
	return message
}

// newMessage is body as SQS holds it once sent to the queue.
func (q *localQueue) newMessage(body string) events.SQSMessage {
	sum := md5.Sum([]byte(body))
	sent := strconv.FormatInt(time.Now().UnixMilli(), 10)
	return events.SQSMessage{
		MessageId: uuid(),
		Body:      body,
		Md5OfBody: hex.EncodeToString(sum[:]),
		Attributes: map[string]string{
			"SentTimestamp":                    sent,
			"SenderId":                         localAccount,
			"ApproximateFirstReceiveTimestamp": sent,
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		EventSource:       "aws:sqs",
		EventSourceARN:    q.arn(),
		AWSRegion:         localRegion,
	}
}

// deliveryEvent is the event the mapping invokes the consumer with for the
// receive-th delivery of message: a batch of that one message.
func deliveryEvent(message events.SQSMessage, receive int) []byte {
	message.Attributes = maps.Clone(message.Attributes)
	message.Attributes["ApproximateReceiveCount"] = strconv.Itoa(receive)
	message.ReceiptHandle = rand.Text()
	event, _ := json.Marshal(events.SQSEvent{Records: []events.SQSMessage{message}}) // strings and maps of strings
	return event
}

// deliver invokes the consumer with message until it is processed. A failed
// message comes back at once: the deployed queue's visibility timeout (six
// times the function timeout) would only slow the run down.
func (q *localQueue) deliver(ctx context.Context, message events.SQSMessage) {
	for receive := 1; receive <= q.MaxReceiveCount; receive++ {
		fmt.Fprintf(q.progress, "  sqs: message %s delivered to %s (receive %d of %d)\n", message.MessageId, q.Consumer, receive, q.MaxReceiveCount)
		answer, err := q.invokeWhenFree(ctx, deliveryEvent(message, receive))
		if err != nil && ctx.Err() != nil {
			return // the session is closing
		}
		failure := deliveryFailure(answer, err, message.MessageId)
		if failure == "" {
			fmt.Fprintf(q.progress, "  sqs: message %s processed, deleted from %s\n", message.MessageId, q.Name)
			return
		}
		fmt.Fprintf(q.progress, "  sqs: message %s not processed: %s\n", message.MessageId, failure)
	}
	fmt.Fprintf(q.progress, "  sqs: message %s received %d times (the redrive policy's maxReceiveCount): moved to the dead-letter queue, no more deliveries\n", message.MessageId, q.MaxReceiveCount)
}

// throttleBackoff is how long the mapping waits before invoking a
// throttled consumer again.
const throttleBackoff = 20 * time.Millisecond

// invokeWhenFree invokes the consumer, waiting while it is throttled: the
// mapping's pollers back off to what the function can take instead of
// handing the message back, which here would dead-letter it within
// milliseconds. (On AWS a long throttle can still use up receives.)
func (q *localQueue) invokeWhenFree(ctx context.Context, event []byte) ([]byte, error) {
	for {
		answer, err := q.lambda.invoke(ctx, q.Consumer, event)
		var taskErr *stateserror.Error
		if !errors.As(err, &taskErr) || taskErr.Name != throttledError {
			return answer, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(throttleBackoff):
		}
	}
}

// deliveryFailure says why an invocation leaves the message in the queue:
// the invocation failed, or the function listed the message among its
// batchItemFailures (the mapping reports batch item failures). Empty means
// the message is deleted.
func deliveryFailure(answer []byte, err error, messageID string) string {
	if err != nil {
		return "the invocation failed: " + err.Error()
	}
	if taskErr := functionError(answer); taskErr != nil {
		return "the function failed: " + taskErr.Cause
	}
	var response events.SQSEventResponse
	if err := json.Unmarshal(answer, &response); err != nil {
		return "the function's result is not an SQSEventResponse: " + string(answer)
	}
	for _, failure := range response.BatchItemFailures {
		if failure.ItemIdentifier == messageID {
			return "the function returned it as a batch item failure"
		}
	}
	return ""
}

// close stops new deliveries and waits for those under way, which end with
// the context they were sent with.
func (q *localQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.deliveries.Wait()
}

// uuid is a random (version 4) UUID, the form of SQS message IDs.
func uuid() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
