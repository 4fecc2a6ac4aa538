package tests

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"
)

// componentPrefix starts the type of every component resource the program
// registers itself: they group resources and make no AWS call.
const componentPrefix = "stepfunctions:index:"

// providerCall is one request terraform-provider-aws makes with the
// deployer's credentials, in one phase of a resource's life.
type providerCall struct {
	phase    string // create (and the read back after it), read (refresh), update, delete
	action   string
	resource string
	context  map[string]string
}

// lifecycle lists every call the provider makes for one declared resource,
// against the names and ARNs its inputs give.
type lifecycle func(t *testing.T, d deployment, r registered) []providerCall

// phase builds the calls of one phase on one resource.
func phase(name, resource string, context map[string]string, actions ...string) []providerCall {
	calls := make([]providerCall, len(actions))
	for i, action := range actions {
		calls[i] = providerCall{phase: name, action: action, resource: resource, context: context}
	}
	return calls
}

func concat(lists ...[]providerCall) []providerCall {
	var all []providerCall
	for _, list := range lists {
		all = append(all, list...)
	}
	return all
}

// arnOf is the ARN of a resource in the stack's account and Region.
func arnOf(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, accountID, resource)
}

// passRole is the iam:PassRole a create or update that hands roleArn to
// service needs.
func passRole(phaseName, roleArn, service string) providerCall {
	return providerCall{phase: phaseName, action: "iam:PassRole", resource: roleArn, context: map[string]string{"iam:PassedToService": service}}
}

// exampleEventSourceMapping is an event source mapping's ARN: it ends in a
// UUID AWS picks, so no name narrows it.
const exampleEventSourceMapping = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"

// providerCalls are, by resource type, the calls terraform-provider-aws
// makes to create a resource and read it back, refresh it, update each
// attribute the stack sets and destroy it, each row read from the
// provider's source (hashicorp/terraform-provider-aws, internal/service/).
// A request that carries tags (the stack tags everything it can) also needs
// the service's tagging action. Every type the stack declares needs a row
// (TestDeployerPolicyCoversEveryProviderCall fails otherwise).
var providerCalls = map[string]lifecycle{
	// iam/role.go: resourceRoleCreate (CreateRole with tags and the
	// boundary), resourceRoleRead (GetRole; readRoleInlinePolicies:
	// ListRolePolicies, GetRolePolicy; readRolePolicyAttachments:
	// ListAttachedRolePolicies), resourceRoleUpdate (UpdateAssumeRolePolicy,
	// UpdateRoleDescription, UpdateRole, PutRolePermissionsBoundary,
	// roleUpdateTags), resourceRoleDelete → DeleteRole
	// (deleteRoleInstanceProfiles: ListInstanceProfilesForRole; no inline or
	// managed policies to detach: the stack's are RolePolicy resources).
	roleType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := "arn:aws:iam::" + accountID + ":role/" + r.str("name")
		// IAM sets iam:PermissionsBoundary, the role's boundary, on the
		// actions that take it; the simulator refuses it on the others.
		bounded := map[string]string{"iam:PermissionsBoundary": r.str("permissionsBoundary")}
		return concat(
			phase("create", arn, bounded, "iam:CreateRole", "iam:GetRole"),
			phase("create", arn, nil, "iam:TagRole", "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"),
			phase("read", arn, bounded, "iam:GetRole"),
			phase("read", arn, nil, "iam:ListRolePolicies", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies"),
			phase("update", arn, bounded, "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription", "iam:UpdateRole", "iam:PutRolePermissionsBoundary"),
			phase("update", arn, nil, "iam:TagRole", "iam:UntagRole"),
			phase("delete", arn, nil, "iam:ListInstanceProfilesForRole"),
			phase("delete", arn, bounded, "iam:DeleteRole"),
		)
	},
	// iam/role_policy.go: resourceRolePolicyPut (PutRolePolicy, on create
	// and update), resourceRolePolicyRead (GetRolePolicy),
	// resourceRolePolicyDelete (DeleteRolePolicy). IAM decides each on the
	// role, whose boundary is the condition's value.
	rolePolicyType: func(t *testing.T, d deployment, r registered) []providerCall {
		role := roleByID(t, d, r.str("role"))
		arn := "arn:aws:iam::" + accountID + ":role/" + role.str("name")
		bounded := map[string]string{"iam:PermissionsBoundary": role.str("permissionsBoundary")}
		return concat(
			phase("create", arn, bounded, "iam:PutRolePolicy"),
			phase("create", arn, nil, "iam:GetRolePolicy"),
			phase("read", arn, nil, "iam:GetRolePolicy"),
			phase("update", arn, bounded, "iam:PutRolePolicy"),
			phase("delete", arn, bounded, "iam:DeleteRolePolicy"),
		)
	},
	// logs/group.go: resourceGroupCreate (CreateLogGroup with tags, then
	// PutRetentionPolicy), resourceGroupRead (findLogGroupByName:
	// DescribeLogGroups, which has no resource type; tags:
	// ListTagsForResource), resourceGroupUpdate (PutRetentionPolicy,
	// TagResource, UntagResource), resourceGroupDelete (DeleteLogGroup).
	logGroupType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := logGroupArn(r.str("name"))
		return concat(
			phase("create", arn, nil, "logs:CreateLogGroup", "logs:TagResource", "logs:PutRetentionPolicy", "logs:ListTagsForResource"),
			phase("create", "*", nil, "logs:DescribeLogGroups"),
			phase("read", "*", nil, "logs:DescribeLogGroups"),
			phase("read", arn, nil, "logs:ListTagsForResource"),
			phase("update", arn, nil, "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource"),
			phase("delete", arn, nil, "logs:DeleteLogGroup"),
		)
	},
	// lambda/function.go: resourceFunctionCreate (CreateFunction with tags,
	// passing the role; findFunctionByName and waitFunctionCreated poll
	// GetFunction and GetFunctionConfiguration), resourceFunctionRead
	// (GetFunction, with the tags; findLatestFunctionVersionByName:
	// ListVersionsByFunction; GetFunctionCodeSigningConfig in the aws
	// partition), resourceFunctionUpdate (UpdateFunctionConfiguration,
	// passing the role again when it changes; UpdateFunctionCode;
	// waitFunctionUpdated: GetFunctionConfiguration; PublishVersion, as
	// publish is set; TagResource, UntagResource), resourceFunctionDelete
	// (DeleteFunction).
	functionType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("lambda", "function:"+r.str("name"))
		return concat(
			phase("create", arn, nil, "lambda:CreateFunction", "lambda:TagResource", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
				"lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig"),
			[]providerCall{passRole("create", r.str("role"), "lambda.amazonaws.com")},
			phase("read", arn, nil, "lambda:GetFunction", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig"),
			phase("update", arn, nil, "lambda:UpdateFunctionConfiguration", "lambda:UpdateFunctionCode", "lambda:GetFunctionConfiguration",
				"lambda:PublishVersion", "lambda:TagResource", "lambda:UntagResource"),
			[]providerCall{passRole("update", r.str("role"), "lambda.amazonaws.com")},
			phase("delete", arn, nil, "lambda:DeleteFunction"),
		)
	},
	// sqs/queue.go: resourceQueueCreate (CreateQueue with tags and the
	// attributes; waitQueueAttributesPropagated: GetQueueAttributes),
	// resourceQueueRead (GetQueueAttributes; tags: ListQueueTags),
	// resourceQueueUpdate (SetQueueAttributes, then the wait; TagQueue,
	// UntagQueue), resourceQueueDelete (DeleteQueue; waitQueueDeleted:
	// GetQueueAttributes).
	queueType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("sqs", r.str("name"))
		return concat(
			phase("create", arn, nil, "sqs:CreateQueue", "sqs:TagQueue", "sqs:GetQueueAttributes", "sqs:ListQueueTags"),
			phase("read", arn, nil, "sqs:GetQueueAttributes", "sqs:ListQueueTags"),
			phase("update", arn, nil, "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"),
			phase("delete", arn, nil, "sqs:DeleteQueue", "sqs:GetQueueAttributes"),
		)
	},
	// sqs/queue_redrive_allow_policy.go, through queue_attribute_handler.go:
	// Upsert (SetQueueAttributes, then waitQueueAttributesPropagated:
	// GetQueueAttributes), Read (GetQueueAttributes), Delete
	// (SetQueueAttributes with the attribute emptied), on the queue the
	// policy belongs to.
	redriveAllowPolicyType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := queueArnOf(t, r.str("queueUrl"))
		return concat(
			phase("create", arn, nil, "sqs:SetQueueAttributes", "sqs:GetQueueAttributes"),
			phase("read", arn, nil, "sqs:GetQueueAttributes"),
			phase("update", arn, nil, "sqs:SetQueueAttributes", "sqs:GetQueueAttributes"),
			phase("delete", arn, nil, "sqs:SetQueueAttributes"),
		)
	},
	// lambda/event_source_mapping.go: resourceEventSourceMappingCreate
	// (CreateEventSourceMapping with tags, retried while IAM propagates;
	// waitEventSourceMappingCreate: GetEventSourceMapping),
	// resourceEventSourceMappingRead (GetEventSourceMapping; tags: ListTags),
	// resourceEventSourceMappingUpdate (UpdateEventSourceMapping, then the
	// wait; TagResource, UntagResource), resourceEventSourceMappingDelete
	// (DeleteEventSourceMapping; waitEventSourceMappingDelete:
	// GetEventSourceMapping). Lambda sets lambda:FunctionArn on the mapping
	// calls to the function it invokes.
	eventSourceMappingType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("lambda", "event-source-mapping:"+exampleEventSourceMapping)
		function := map[string]string{"lambda:FunctionArn": r.str("functionName")}
		return concat(
			phase("create", "*", function, "lambda:CreateEventSourceMapping"),
			phase("create", arn, function, "lambda:GetEventSourceMapping"),
			phase("create", arn, nil, "lambda:TagResource", "lambda:ListTags"),
			phase("read", arn, function, "lambda:GetEventSourceMapping"),
			phase("read", arn, nil, "lambda:ListTags"),
			phase("update", arn, function, "lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"),
			phase("update", arn, nil, "lambda:TagResource", "lambda:UntagResource"),
			phase("delete", arn, function, "lambda:DeleteEventSourceMapping", "lambda:GetEventSourceMapping"),
		)
	},
	// sfn/state_machine.go: stateMachineDefinitionValidate at plan time
	// (ValidateStateMachineDefinition, no resource type),
	// resourceStateMachineCreate (CreateStateMachine with tags, passing the
	// role, retried while IAM propagates), resourceStateMachineRead
	// (findStateMachineByARN: DescribeStateMachine; ListStateMachineVersions;
	// tags: ListTagsForResource), resourceStateMachineUpdate
	// (UpdateStateMachine, passing the role; DescribeStateMachine until it
	// shows the change; TagResource, UntagResource), resourceStateMachineDelete
	// (DeleteStateMachine; waitStateMachineDeleted: DescribeStateMachine).
	// With publish set, creating and updating publish a version, which needs
	// PublishStateMachineVersion too. Logging to CloudWatch Logs is vended
	// log delivery, which Step Functions sets up with the caller's
	// credentials (CloudWatch Logs User Guide, "Enabling logging from AWS
	// services": CreateLogDelivery, PutResourcePolicy,
	// DescribeResourcePolicies, DescribeLogGroups).
	stateMachineType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("states", "stateMachine:"+r.str("name"))
		writes := []string{"states:TagResource"}
		if publish, ok := r.Inputs["publish"]; ok && publish.IsBool() && publish.BoolValue() {
			writes = append(writes, "states:PublishStateMachineVersion")
		}
		calls := concat(
			phase("create", "*", nil, "states:ValidateStateMachineDefinition"),
			phase("create", arn, nil, append([]string{"states:CreateStateMachine", "states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"}, writes...)...),
			[]providerCall{passRole("create", r.str("roleArn"), "states.amazonaws.com")},
			phase("read", arn, nil, "states:DescribeStateMachine", "states:ListStateMachineVersions", "states:ListTagsForResource"),
			phase("update", "*", nil, "states:ValidateStateMachineDefinition"),
			phase("update", arn, nil, append([]string{"states:UpdateStateMachine", "states:DescribeStateMachine", "states:UntagResource"}, writes...)...),
			[]providerCall{passRole("update", r.str("roleArn"), "states.amazonaws.com")},
			phase("delete", arn, nil, "states:DeleteStateMachine", "states:DescribeStateMachine"),
		)
		if logging, ok := r.Inputs["loggingConfiguration"]; ok && logging.ObjectValue()["level"].StringValue() != "OFF" {
			for _, name := range []string{"create", "update"} {
				calls = append(calls, phase(name, "*", nil, "logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups")...)
			}
		}
		return calls
	},
	// sfn/alias.go: resourceAliasCreate (CreateStateMachineAlias),
	// resourceAliasRead (DescribeStateMachineAlias), resourceAliasUpdate
	// (UpdateStateMachineAlias), resourceAliasDelete
	// (DeleteStateMachineAlias), all on the alias ARN: the state machine's
	// ARN and the alias name. The machine is the one its routing names a
	// version of ("<machine ARN>:<version>").
	aliasType: func(t *testing.T, _ deployment, r registered) []providerCall {
		routes := r.Inputs["routingConfigurations"]
		require.True(t, routes.IsArray() && len(routes.ArrayValue()) > 0, "alias %s routes to no version", r.Name)
		version := routes.ArrayValue()[0].ObjectValue()["stateMachineVersionArn"].StringValue()
		arn := version[:strings.LastIndex(version, ":")] + ":" + r.str("name")
		return concat(
			phase("create", arn, nil, "states:CreateStateMachineAlias", "states:DescribeStateMachineAlias"),
			phase("read", arn, nil, "states:DescribeStateMachineAlias"),
			phase("update", arn, nil, "states:UpdateStateMachineAlias", "states:DescribeStateMachineAlias"),
			phase("delete", arn, nil, "states:DeleteStateMachineAlias"),
		)
	},
	// cloudwatch/metric_alarm.go: resourceMetricAlarmCreate (PutMetricAlarm
	// with tags), resourceMetricAlarmRead (findMetricAlarmByName:
	// DescribeAlarms; tags: ListTagsForResource), resourceMetricAlarmUpdate
	// (PutMetricAlarm; TagResource, UntagResource), resourceMetricAlarmDelete
	// (DeleteAlarms).
	metricAlarmType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("cloudwatch", "alarm:"+r.str("name"))
		return concat(
			phase("create", arn, nil, "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
			phase("read", arn, nil, "cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"),
			phase("update", arn, nil, "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"),
			phase("delete", arn, nil, "cloudwatch:DeleteAlarms"),
		)
	},
	// sns/topic.go: resourceTopicCreate (CreateTopic with tags and
	// attributes; SetTopicAttributes for the attributes CreateTopic does not
	// take), resourceTopicRead (findTopicAttributesByARN:
	// GetTopicAttributes; tags: ListTagsForResource), resourceTopicUpdate
	// (SetTopicAttributes; TagResource, UntagResource), resourceTopicDelete
	// (DeleteTopic; waitTopicDeleted: GetTopicAttributes).
	topicType: func(t *testing.T, _ deployment, r registered) []providerCall {
		arn := arnOf("sns", r.str("name"))
		return concat(
			phase("create", arn, nil, "sns:CreateTopic", "sns:TagResource", "sns:SetTopicAttributes", "sns:GetTopicAttributes", "sns:ListTagsForResource"),
			phase("read", arn, nil, "sns:GetTopicAttributes", "sns:ListTagsForResource"),
			phase("update", arn, nil, "sns:SetTopicAttributes", "sns:TagResource", "sns:UntagResource"),
			phase("delete", arn, nil, "sns:DeleteTopic", "sns:GetTopicAttributes"),
		)
	},
	// sns/topic_subscription.go: resourceTopicSubscriptionCreate (Subscribe;
	// waitSubscriptionConfirmed: GetSubscriptionAttributes),
	// resourceTopicSubscriptionRead (GetSubscriptionAttributes),
	// resourceTopicSubscriptionUpdate (SetSubscriptionAttributes),
	// resourceTopicSubscriptionDelete (Unsubscribe). AWS's authorization
	// data decides these on the topic.
	topicSubscriptionType: func(t *testing.T, _ deployment, r registered) []providerCall {
		topic := r.str("topic")
		return concat(
			phase("create", topic, nil, "sns:Subscribe", "sns:GetSubscriptionAttributes"),
			phase("read", topic, nil, "sns:GetSubscriptionAttributes"),
			phase("update", topic, nil, "sns:SetSubscriptionAttributes"),
			phase("delete", topic, nil, "sns:Unsubscribe"),
		)
	},
}

// invokeCalls are, by invoke token, the calls the provider makes to answer
// the program's invokes. getRegion and getPartition are answered from the
// provider's configuration (provider/data_source_aws_region.go and
// data_source_aws_partition.go make no request); configuring the provider
// itself asks STS who the caller is (internal/conns/config.go).
var invokeCalls = map[string][]string{
	"aws:index/getCallerIdentity:getCallerIdentity": {"sts:GetCallerIdentity"},
	"aws:index/getRegion:getRegion":                 nil,
	"aws:index/getPartition:getPartition":           nil,
}

// roleByID is the role the mocks gave id (each resource's ID is its
// logical name and "-id").
func roleByID(t *testing.T, d deployment, id string) registered {
	t.Helper()
	for _, role := range d.ofType(roleType) {
		if role.Name+"-id" == id {
			return role
		}
	}
	require.FailNowf(t, "no such role", "no declared role has ID %q", id)
	return registered{}
}

// exampleInputs are inputs of each type as the stack declares (or will
// declare) them, to check rows for types no configuration declares yet.
var exampleInputs = map[string]map[string]any{
	aliasType: {"name": "live", "routingConfigurations": []any{map[string]any{
		"stateMachineVersionArn": machineArn + ":3", "weight": 100,
	}}},
	metricAlarmType:       {"name": prefix + "-main-ExecutionsFailed"},
	topicType:             {"name": prefix + "-alarms"},
	topicSubscriptionType: {"topic": arnOf("sns", prefix+"-alarms")},
}

// example is a resource of type token with the example inputs.
func example(token string) registered {
	return registered{Type: token, Name: "example", Inputs: resource.NewPropertyMapFromMap(exampleInputs[token])}
}
