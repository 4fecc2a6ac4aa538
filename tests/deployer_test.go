package tests

import (
	"os"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/judges"
	"stepfunctions-go/internal/projectname"
)

// TestDeployerPolicyCoversTheStack holds infra/deployer-policy.json, the
// policy the README asks the deploying identity to have, against what the
// mock deployment declares: creating each resource is allowed, passing the
// roles to anyone but Lambda and Step Functions or touching another
// project's resources is not. The simulator also rejects any action or
// condition key AWS does not know.
func TestDeployerPolicyCoversTheStack(t *testing.T) {
	document, err := os.ReadFile("../infra/deployer-policy.json")
	require.NoError(t, err)
	policies := []judges.Policy{{Name: "deployer", Document: projectname.Render(string(document), project)}}
	const deployer = "arn:aws:iam::" + accountID + ":user/deployer"
	request := func(action, resource string, context map[string]string) judges.Request {
		return judges.Request{Principal: deployer, Action: action, Resource: resource, ResourceAccount: accountID, Context: context, IdentityPolicies: policies}
	}
	var cases []iamCase
	add := func(allow bool, name string, r judges.Request) {
		cases = append(cases, iamCase{name: name, request: r, allow: allow})
	}
	d := deployDefault(t)
	boundaryArn := "arn:aws:iam::" + accountID + ":policy/" + infra.DefaultPermissionsBoundary(project)
	administrator := map[string]string{"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"}
	for _, action := range []string{"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} {
		add(false, "rewrites the boundary: "+action, request(action, boundaryArn, nil))
	}
	services := map[string]string{} // role name → the service it is passed to
	for _, fn := range d.ofType(functionType) {
		arn := functionArn(fn.Name)
		for _, action := range []string{"lambda:CreateFunction", "lambda:UpdateFunctionCode", "lambda:PublishVersion", "lambda:TagResource", "lambda:DeleteFunction"} {
			add(true, fn.Name+": "+action, request(action, arn, nil))
		}
		services[roleName(prefix+"-"+fn.Name)] = "lambda.amazonaws.com"
	}
	for _, machine := range d.ofType(stateMachineType) {
		arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + machine.str("name")
		actions := []string{"states:CreateStateMachine", "states:UpdateStateMachine", "states:ListStateMachineVersions", "states:DeleteStateMachine"}
		if machine.Inputs["publish"].BoolValue() {
			// "If you use the publish parameter of the CreateStateMachine
			// and UpdateStateMachine API actions [...] you also need the
			// ALLOW permission on the PublishStateMachineVersion API action"
			// (Step Functions developer guide, auth-version-alias).
			actions = append(actions, "states:PublishStateMachineVersion")
		}
		for _, action := range actions {
			add(true, machine.Name+": "+action, request(action, arn, nil))
		}
		// The stack never deletes a version (a stable one must stay
		// published while it carries traffic) and never lists aliases.
		for _, action := range []string{"states:DeleteStateMachineVersion", "states:ListStateMachineAliases"} {
			add(false, machine.Name+": "+action, request(action, arn, nil))
		}
		services[roleName(machine.str("name"))] = "states.amazonaws.com"
	}
	// What the provider calls for an alias (terraform-provider-aws
	// internal/service/sfn/alias.go): Step Functions authorizes alias
	// actions on the unqualified state machine ARN.
	aliasActions := []string{"states:CreateStateMachineAlias", "states:DescribeStateMachineAlias", "states:UpdateStateMachineAlias", "states:DeleteStateMachineAlias"}
	for _, alias := range d.ofType(aliasType) {
		arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + d.one(t, stateMachineType, alias.Name).str("name")
		qualifier := map[string]string{"states:StateMachineQualifier": alias.str("name")}
		for _, action := range aliasActions {
			add(true, alias.Name+" alias: "+action, request(action, arn, qualifier))
		}
	}
	for _, action := range append(aliasActions, "states:PublishStateMachineVersion") {
		add(false, "another project's state machine: "+action, request(action, "arn:aws:states:"+region+":"+accountID+":stateMachine:payroll", nil))
	}
	for _, role := range d.ofType(roleType) {
		arn := "arn:aws:iam::" + accountID + ":role/" + role.str("name")
		require.Equal(t, boundaryArn, role.str("permissionsBoundary"), "role %s must carry the permissions boundary", role.Name)
		bounded := map[string]string{"iam:PermissionsBoundary": role.str("permissionsBoundary")}
		add(true, role.Name+": iam:CreateRole", request("iam:CreateRole", arn, bounded))
		add(true, role.Name+": iam:PutRolePolicy", request("iam:PutRolePolicy", arn, bounded))
		add(true, role.Name+": iam:DeleteRolePolicy", request("iam:DeleteRolePolicy", arn, bounded))
		// The escalation path: a role without the boundary, or under a
		// boundary of the deployer's choosing, given any inline policy.
		add(false, role.Name+": iam:CreateRole without a boundary", request("iam:CreateRole", arn, nil))
		add(false, role.Name+": iam:CreateRole under AdministratorAccess", request("iam:CreateRole", arn, administrator))
		add(false, role.Name+": iam:PutRolePolicy on it without a boundary", request("iam:PutRolePolicy", arn, nil))
		add(false, role.Name+": iam:PutRolePermissionsBoundary AdministratorAccess", request("iam:PutRolePermissionsBoundary", arn, administrator))
		add(false, role.Name+": iam:DeleteRolePermissionsBoundary", request("iam:DeleteRolePermissionsBoundary", arn, bounded))
		add(false, role.Name+": iam:AttachRolePolicy AdministratorAccess", request("iam:AttachRolePolicy", arn, map[string]string{"iam:PermissionsBoundary": boundaryArn, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}))
		service := services[role.str("name")]
		require.NotEmpty(t, service, "role %s runs no function or state machine", role.Name)
		add(true, role.Name+": passed to "+service, request("iam:PassRole", arn, map[string]string{"iam:PassedToService": service}))
		add(false, role.Name+": passed to EC2", request("iam:PassRole", arn, map[string]string{"iam:PassedToService": "ec2.amazonaws.com"}))
	}
	for _, group := range d.ofType(logGroupType) {
		add(true, group.Name+": logs:CreateLogGroup", request("logs:CreateLogGroup", logGroupArn(group.str("name")), nil))
		add(true, group.Name+": logs:PutRetentionPolicy", request("logs:PutRetentionPolicy", logGroupArn(group.str("name")), nil))
	}
	for _, queue := range d.ofType(queueType) {
		arn := "arn:aws:sqs:" + region + ":" + accountID + ":" + queue.str("name")
		add(true, queue.Name+": sqs:CreateQueue", request("sqs:CreateQueue", arn, nil))
		add(true, queue.Name+": sqs:SetQueueAttributes", request("sqs:SetQueueAttributes", arn, nil))
	}
	for _, mapping := range d.ofType(eventSourceMappingType) {
		add(true, mapping.Name+": lambda:CreateEventSourceMapping", request("lambda:CreateEventSourceMapping", "*", map[string]string{"lambda:FunctionArn": mapping.str("functionName")}))
		// A mapping's ARN ends in a UUID AWS picks, so no name narrows it.
		mappingArn := "arn:aws:lambda:" + region + ":" + accountID + ":event-source-mapping:14e0db71-5d35-4eb5-b481-8945cf9d10c2"
		for _, action := range []string{"lambda:TagResource", "lambda:UntagResource", "lambda:ListTags"} {
			add(true, mapping.Name+": "+action, request(action, mappingArn, nil))
		}
		add(false, mapping.Name+": a mapping to another project's function", request("lambda:CreateEventSourceMapping", "*", map[string]string{"lambda:FunctionArn": "arn:aws:lambda:" + region + ":" + accountID + ":function:payroll"}))
	}
	// The alarms and their topic, with an address subscribed: every call
	// terraform-provider-aws makes to create, read, update and delete them
	// (internal/service/cloudwatch/metric_alarm.go, sns/topic.go,
	// sns/topic_subscription.go).
	subscribed := mustDeploy(t, map[string]string{"alarmEmail": "ops@example.com"})
	for _, alarm := range subscribed.ofType(metricAlarmType) {
		arn := "arn:aws:cloudwatch:" + region + ":" + accountID + ":alarm:" + alarm.str("name")
		for _, actions := range []string{"alarmActions", "okActions"} {
			for _, action := range alarm.Inputs[resource.PropertyKey(actions)].ArrayValue() {
				add(true, alarm.Name+": cloudwatch:PutMetricAlarm with "+actions, request("cloudwatch:PutMetricAlarm", arn, map[string]string{"cloudwatch:AlarmActions": action.StringValue()}))
			}
		}
		for _, action := range []string{"cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:DeleteAlarms"} {
			add(true, alarm.Name+": "+action, request(action, arn, nil))
		}
		add(false, alarm.Name+": an alarm that terminates an instance", request("cloudwatch:PutMetricAlarm", arn, map[string]string{"cloudwatch:AlarmActions": "arn:aws:automate:" + region + ":ec2:terminate"}))
		add(false, alarm.Name+": an alarm that notifies another project's topic", request("cloudwatch:PutMetricAlarm", arn, map[string]string{"cloudwatch:AlarmActions": "arn:aws:sns:" + region + ":" + accountID + ":payroll"}))
	}
	topicArns := map[string]string{} // the stack's topics, as a subscription names them
	for _, topic := range subscribed.ofType(topicType) {
		arn := "arn:aws:sns:" + region + ":" + accountID + ":" + topic.str("name")
		topicArns[arn] = arn
		for _, action := range []string{"sns:CreateTopic", "sns:SetTopicAttributes", "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:TagResource", "sns:UntagResource", "sns:DeleteTopic"} {
			add(true, topic.Name+": "+action, request(action, arn, nil))
		}
		for _, protocol := range []string{"https", "lambda", "sqs", "sms"} {
			add(false, topic.Name+": subscribes an endpoint by "+protocol, request("sns:Subscribe", arn, map[string]string{"sns:Protocol": protocol}))
		}
	}
	for _, subscription := range subscribed.ofType(topicSubscriptionType) {
		topic, ok := topicArns[subscription.str("topic")]
		require.True(t, ok, "subscription %s is to no topic of the stack (%q)", subscription.Name, subscription.str("topic"))
		add(true, subscription.Name+": sns:Subscribe by "+subscription.str("protocol"), request("sns:Subscribe", topic, map[string]string{"sns:Protocol": subscription.str("protocol"), "sns:Endpoint": subscription.str("endpoint")}))
		// The Service Authorization Reference gives these the subscription's
		// topic as their resource; a subscription's own ARN,
		// "<topic ARN>:<ID>", matches the same pattern in the policy.
		for _, action := range []string{"sns:GetSubscriptionAttributes", "sns:Unsubscribe"} {
			add(true, subscription.Name+": "+action, request(action, topic, nil))
		}
	}
	add(false, "another project's alarm", request("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:"+region+":"+accountID+":alarm:payroll-errors", nil))
	add(false, "another project's topic", request("sns:Subscribe", "arn:aws:sns:"+region+":"+accountID+":payroll", map[string]string{"sns:Protocol": "email"}))
	add(false, "publishes to the alarm topic", request("sns:Publish", alarmTopicArn, nil))

	// The README's walkthrough: start-execution on every machine's alias
	// (authorized on the machine's ARN, with the alias as qualifier), and
	// start-sync-execution on an EXPRESS machine, unqualified.
	express := mustDeploy(t, map[string]string{"workflowType": "EXPRESS", "callbackWorkflow": "false"})
	for _, d := range []deployment{d, express} {
		for _, machine := range d.ofType(stateMachineType) {
			arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + machine.str("name")
			action, qualifier := "states:StartExecution", map[string]string{"states:StateMachineQualifier": d.one(t, aliasType, machine.Name).str("name")}
			if machine.str("type") == "EXPRESS" {
				action, qualifier = "states:StartSyncExecution", nil
			}
			add(true, machine.str("name")+": "+action, request(action, arn, qualifier))
		}
	}
	add(true, "validates definitions", request("states:ValidateStateMachineDefinition", "*", nil))
	add(true, "looks up the account", request("sts:GetCallerIdentity", "*", nil))
	for _, action := range []string{"lambda:TagResource", "lambda:UntagResource"} {
		add(false, "tags another project's function: "+action, request(action, "arn:aws:lambda:"+region+":"+accountID+":function:payroll", nil))
	}
	add(false, "another project's function", request("lambda:UpdateFunctionCode", "arn:aws:lambda:"+region+":"+accountID+":function:payroll", nil))
	add(false, "another project's role", request("iam:PutRolePolicy", "arn:aws:iam::"+accountID+":role/admin", nil))
	add(false, "another project's state machine", request("states:DeleteStateMachine", "arn:aws:states:"+region+":"+accountID+":stateMachine:payroll", nil))
	add(false, "an IAM user", request("iam:CreateUser", "arn:aws:iam::"+accountID+":user/"+project+"-x", nil))
	judgeIAM(t, cases)
}
