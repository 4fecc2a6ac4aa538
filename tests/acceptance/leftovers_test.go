package acceptance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
)

type kind string

const (
	lambdaFunction kind = "Lambda function"
	iamRole        kind = "IAM role"
	logGroup       kind = "log group"
	stateMachine   kind = "state machine"
	sqsQueue       kind = "SQS queue"
)

// physical is one AWS resource a stack output names.
type physical struct {
	kind kind
	id   string // what the kind's lookup takes: name, ARN or queue name
}

// physicalResources maps stack outputs to the resources to look for after
// destroy, by the output's name suffix, so outputs added later (the callback
// workflow, its queues) are checked without touching this test.
func physicalResources(outputs map[string]string) []physical {
	suffixes := []struct {
		suffix string
		kind   kind
		id     func(string) string
	}{
		{"StateMachineArn", stateMachine, identity},
		{"FunctionName", lambdaFunction, identity},
		{"FunctionArn", lambdaFunction, functionName},
		{"RoleArn", iamRole, afterLast("/")},
		{"LogGroupName", logGroup, identity},
		{"QueueUrl", sqsQueue, afterLast("/")},
	}
	seen := map[physical]bool{}
	var found []physical
	for key, value := range outputs {
		for _, s := range suffixes {
			// stateMachineArn has no prefix, so compare case-insensitively.
			if strings.HasSuffix(strings.ToLower(key), strings.ToLower(s.suffix)) && value != "" {
				p := physical{s.kind, s.id(value)}
				if !seen[p] {
					seen[p] = true
					found = append(found, p)
				}
			}
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].kind != found[j].kind {
			return found[i].kind < found[j].kind
		}
		return found[i].id < found[j].id
	})
	return found
}

func identity(s string) string { return s }

// functionName takes the name out of a function ARN, qualified or not, so
// that a function exported both by ARN and by name is looked up once.
func functionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[5] != "function" {
		return arn
	}
	return parts[6]
}

func afterLast(sep string) func(string) string {
	return func(s string) string { return s[strings.LastIndex(s, sep)+1:] }
}

type clients struct {
	lambda *lambda.Client
	iam    *iam.Client
	logs   *cloudwatchlogs.Client
	sfn    *sfn.Client
	sqs    *sqs.Client
}

func newClients(cfg aws.Config) clients {
	return clients{
		lambda: lambda.NewFromConfig(cfg),
		iam:    iam.NewFromConfig(cfg),
		logs:   cloudwatchlogs.NewFromConfig(cfg),
		sfn:    sfn.NewFromConfig(cfg),
		sqs:    sqs.NewFromConfig(cfg),
	}
}

// gone reports whether AWS says p no longer exists. Only the service's own
// not-found error counts: any other error (throttling, access denied) is
// returned, since it proves nothing either way.
func (c clients) gone(ctx context.Context, p physical) (bool, error) {
	var err error
	switch p.kind {
	case lambdaFunction:
		_, err = c.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &p.id})
		return notFound[*lambdatypes.ResourceNotFoundException](err)
	case iamRole:
		_, err = c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: &p.id})
		return notFound[*iamtypes.NoSuchEntityException](err)
	case stateMachine:
		// A deleted state machine stays visible as DELETING for a while.
		_, err = c.sfn.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: &p.id})
		return notFound[*sfntypes.StateMachineDoesNotExist](err)
	case sqsQueue:
		_, err = c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &p.id})
		return notFound[*sqstypes.QueueDoesNotExist](err)
	case logGroup:
		pages := cloudwatchlogs.NewDescribeLogGroupsPaginator(c.logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &p.id})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return false, err
			}
			for _, g := range page.LogGroups {
				if aws.ToString(g.LogGroupName) == p.id {
					return false, nil
				}
			}
		}
		return true, nil
	}
	return false, fmt.Errorf("no lookup for %s %q", p.kind, p.id)
}

func notFound[E error](err error) (bool, error) {
	if err == nil {
		return false, nil
	}
	var target E
	if errors.As(err, &target) {
		return true, nil
	}
	return false, err
}

func TestPhysicalResources(t *testing.T) {
	const acct = "123456789012"
	tests := []struct {
		name    string
		outputs map[string]string
		want    []physical
	}{
		{
			name: "seed workflow outputs",
			outputs: map[string]string{
				"stateMachineArn":          "arn:aws:states:us-east-1:" + acct + ":stateMachine:sf-acc-workflow",
				"stateMachineName":         "sf-acc-workflow",
				"stateMachineRoleArn":      "arn:aws:iam::" + acct + ":role/sf-acc-states",
				"stateMachineLogGroupName": "/aws/vendedlogs/states/sf-acc-workflow",
				"shoutFunctionArn":         "arn:aws:lambda:us-east-1:" + acct + ":function:sf-acc-shout",
				"shoutFunctionName":        "sf-acc-shout",
				"shoutLogGroupName":        "/aws/lambda/sf-acc-shout",
				"mirrorFunctionArn":        "arn:aws:lambda:us-east-1:" + acct + ":function:sf-acc-mirror",
				"mirrorFunctionName":       "sf-acc-mirror",
				"mirrorLogGroupName":       "/aws/lambda/sf-acc-mirror",
			},
			want: []physical{
				{iamRole, "sf-acc-states"},
				{lambdaFunction, "sf-acc-mirror"},
				{lambdaFunction, "sf-acc-shout"},
				{logGroup, "/aws/lambda/sf-acc-mirror"},
				{logGroup, "/aws/lambda/sf-acc-shout"},
				{logGroup, "/aws/vendedlogs/states/sf-acc-workflow"},
				{stateMachine, "arn:aws:states:us-east-1:" + acct + ":stateMachine:sf-acc-workflow"},
			},
		},
		{
			name: "callback outputs: queues by name, role under a path, qualified function ARN, queue ARN ignored",
			outputs: map[string]string{
				"callbackStateMachineArn":   "arn:aws:states:us-east-1:" + acct + ":stateMachine:sf-acc-callback",
				"callbackQueueUrl":          "https://sqs.us-east-1.amazonaws.com/" + acct + "/sf-acc-callback",
				"callbackQueueArn":          "arn:aws:sqs:us-east-1:" + acct + ":sf-acc-callback",
				"deadLetterQueueUrl":        "https://sqs.us-east-1.amazonaws.com/" + acct + "/sf-acc-dlq",
				"callbackWorkerFunctionArn": "arn:aws:lambda:us-east-1:" + acct + ":function:sf-acc-worker:live",
				"workerRoleArn":             "arn:aws:iam::" + acct + ":role/service/sf-acc-worker",
				"unrelatedEmpty":            "",
			},
			want: []physical{
				{iamRole, "sf-acc-worker"},
				{lambdaFunction, "sf-acc-worker"},
				{sqsQueue, "sf-acc-callback"},
				{sqsQueue, "sf-acc-dlq"},
				{stateMachine, "arn:aws:states:us-east-1:" + acct + ":stateMachine:sf-acc-callback"},
			},
		},
		{name: "no outputs", outputs: map[string]string{}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, physicalResources(tt.outputs))
		})
	}
}
