package tests

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/judges"
	"stepfunctions-go/internal/projectname"
)

// deployerRequest is a request by the deploying identity, decided by
// infra/deployer-policy.json.
func deployerRequest(t *testing.T) func(action, resource string, context map[string]string) judges.Request {
	t.Helper()
	document, err := os.ReadFile("../infra/deployer-policy.json")
	require.NoError(t, err)
	policies := []judges.Policy{{Name: "deployer", Document: projectname.Render(string(document), project)}}
	const deployer = "arn:aws:iam::" + accountID + ":user/deployer"
	return func(action, resource string, context map[string]string) judges.Request {
		return judges.Request{Principal: deployer, Action: action, Resource: resource, ResourceAccount: accountID, Context: context, IdentityPolicies: policies}
	}
}

// configVariants are the configurations that change which resources the
// stack declares: the default, each boolean key of Pulumi.yaml turned the
// other way, and an Express main workflow (which cannot have the callback
// workflow).
func configVariants(t *testing.T) map[string]map[string]string {
	t.Helper()
	variants := map[string]map[string]string{"default": nil, "workflowType EXPRESS": {"workflowType": "EXPRESS", "callbackWorkflow": "false"}}
	for key, setting := range pulumiYAMLConfig(t) {
		if setting.Type == "boolean" {
			flipped := fmt.Sprint(!setting.Default.(bool))
			variants[key+" "+flipped] = map[string]string{key: flipped}
		}
	}
	return variants
}

// TestDeployerPolicyCoversEveryProviderCall simulates, for every resource
// each configuration variant declares, every call the provider makes to
// create, read back, refresh, update and destroy it (providerCalls), and
// every call behind the program's invokes, with the deployer policy: each
// must be allowed. A resource type, or an invoke, without a row fails the
// test until the provider's calls for it are written down.
func TestDeployerPolicyCoversEveryProviderCall(t *testing.T) {
	request := deployerRequest(t)
	var cases []iamCase
	seen := map[string]bool{}
	add := func(name string, r judges.Request) {
		if !seen[r.String()] {
			seen[r.String()] = true
			cases = append(cases, iamCase{name: name, request: r, allow: true})
		}
	}
	for variant, config := range configVariants(t) {
		d := deployDefault(t)
		if config != nil {
			d = mustDeploy(t, config)
		}
		for _, r := range d.resources {
			if strings.HasPrefix(r.Type, componentPrefix) {
				continue
			}
			calls, ok := providerCalls[r.Type]
			if !ok {
				t.Errorf("%s declares %s %q, and providerCalls has no row for that type: add the calls terraform-provider-aws makes to create, read, update and delete it, with the source file", variant, r.Type, r.Name)
				continue
			}
			for _, call := range calls(t, d, r) {
				add(fmt.Sprintf("%s %s %s: %s", variant, r.Type, r.Name, call.phase), request(call.action, call.resource, call.context))
			}
		}
		for _, token := range d.invokes {
			actions, ok := invokeCalls[token]
			if !ok {
				t.Errorf("%s invokes %s, and invokeCalls has no row for it: add the calls the provider makes to answer it", variant, token)
			}
			for _, action := range actions {
				add(variant+" invoke "+token, request(action, "*", nil))
			}
		}
	}
	judgeIAM(t, cases)
}

// TestEveryProviderCallRowIsWellFormed runs each row on example inputs, so
// a row for a type no configuration declares yet is checked too: AWS's
// authorization data must know every action, and every resource must be of
// a type the action takes (the simulator refuses the request otherwise).
func TestEveryProviderCallRowIsWellFormed(t *testing.T) {
	request := deployerRequest(t)
	var requests []judges.Request
	for token, calls := range providerCalls {
		if _, ok := exampleInputs[token]; !ok {
			continue // declared by the stack: TestDeployerPolicyCoversEveryProviderCall runs it
		}
		phases := map[string]bool{}
		for _, call := range calls(t, deployment{}, example(token)) {
			phases[call.phase] = true
			requests = append(requests, request(call.action, call.resource, call.context))
		}
		assert.Len(t, phases, 4, "%s: a row covers create, read, update and delete", token)
	}
	require.NotEmpty(t, requests)
	_, err := judges.SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
}

// TestDeployerPolicyDeniesWhatTheStackDoesNotNeed: passing the roles to
// anyone but Lambda and Step Functions, lifting or rewriting the
// boundary, and touching another project's resources are denied.
func TestDeployerPolicyDeniesWhatTheStackDoesNotNeed(t *testing.T) {
	request := deployerRequest(t)
	var cases []iamCase
	deny := func(name string, r judges.Request) {
		cases = append(cases, iamCase{name: name, request: r, allow: false})
	}
	d := deployDefault(t)
	boundaryArn := "arn:aws:iam::" + accountID + ":policy/" + infra.DefaultPermissionsBoundary(project)
	administrator := map[string]string{"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"}
	for _, action := range []string{"iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"} {
		deny("rewrites the boundary: "+action, request(action, boundaryArn, nil))
	}
	for _, role := range d.ofType(roleType) {
		arn := "arn:aws:iam::" + accountID + ":role/" + role.str("name")
		require.Equal(t, boundaryArn, role.str("permissionsBoundary"), "role %s must carry the permissions boundary", role.Name)
		bounded := map[string]string{"iam:PermissionsBoundary": role.str("permissionsBoundary")}
		// The escalation path: a role without the boundary, or under a
		// boundary of the deployer's choosing, given any inline policy.
		deny(role.Name+": iam:CreateRole without a boundary", request("iam:CreateRole", arn, nil))
		deny(role.Name+": iam:CreateRole under AdministratorAccess", request("iam:CreateRole", arn, administrator))
		deny(role.Name+": iam:PutRolePolicy on it without a boundary", request("iam:PutRolePolicy", arn, nil))
		deny(role.Name+": iam:PutRolePermissionsBoundary AdministratorAccess", request("iam:PutRolePermissionsBoundary", arn, administrator))
		deny(role.Name+": iam:DeleteRolePermissionsBoundary", request("iam:DeleteRolePermissionsBoundary", arn, bounded))
		deny(role.Name+": iam:AttachRolePolicy AdministratorAccess", request("iam:AttachRolePolicy", arn, map[string]string{"iam:PermissionsBoundary": boundaryArn, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}))
		deny(role.Name+": passed to EC2", request("iam:PassRole", arn, map[string]string{"iam:PassedToService": "ec2.amazonaws.com"}))
	}
	for _, mapping := range d.ofType(eventSourceMappingType) {
		deny(mapping.Name+": a mapping to another project's function", request("lambda:CreateEventSourceMapping", "*", map[string]string{"lambda:FunctionArn": "arn:aws:lambda:" + region + ":" + accountID + ":function:payroll"}))
	}
	for _, action := range []string{"lambda:TagResource", "lambda:UntagResource"} {
		deny("tags another project's function: "+action, request(action, "arn:aws:lambda:"+region+":"+accountID+":function:payroll", nil))
	}
	deny("another project's function", request("lambda:UpdateFunctionCode", "arn:aws:lambda:"+region+":"+accountID+":function:payroll", nil))
	deny("another project's role", request("iam:PutRolePolicy", "arn:aws:iam::"+accountID+":role/admin", nil))
	deny("another project's state machine", request("states:DeleteStateMachine", "arn:aws:states:"+region+":"+accountID+":stateMachine:payroll", nil))
	deny("an IAM user", request("iam:CreateUser", "arn:aws:iam::"+accountID+":user/"+project+"-x", nil))

	// Versions and the live alias: the stack never deletes a version (a
	// stable one must stay published while it carries traffic) and never
	// lists aliases.
	for _, machine := range d.ofType(stateMachineType) {
		arn := "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + machine.str("name")
		for _, action := range []string{"states:DeleteStateMachineVersion", "states:ListStateMachineAliases"} {
			deny(machine.Name+": "+action, request(action, arn, nil))
		}
	}
	for _, action := range []string{"states:CreateStateMachineAlias", "states:DescribeStateMachineAlias", "states:UpdateStateMachineAlias", "states:DeleteStateMachineAlias", "states:PublishStateMachineVersion"} {
		deny("another project's state machine: "+action, request(action, "arn:aws:states:"+region+":"+accountID+":stateMachine:payroll", nil))
	}

	// Alarms act only on the stack's topics, and the topic takes only email
	// subscriptions.
	for _, alarm := range d.ofType(metricAlarmType) {
		arn := "arn:aws:cloudwatch:" + region + ":" + accountID + ":alarm:" + alarm.str("name")
		deny(alarm.Name+": an alarm that terminates an instance", request("cloudwatch:PutMetricAlarm", arn, map[string]string{"cloudwatch:AlarmActions": "arn:aws:automate:" + region + ":ec2:terminate"}))
		deny(alarm.Name+": an alarm that notifies another project's topic", request("cloudwatch:PutMetricAlarm", arn, map[string]string{"cloudwatch:AlarmActions": "arn:aws:sns:" + region + ":" + accountID + ":payroll"}))
	}
	for _, topic := range d.ofType(topicType) {
		arn := "arn:aws:sns:" + region + ":" + accountID + ":" + topic.str("name")
		for _, protocol := range []string{"https", "lambda", "sqs", "sms"} {
			deny(topic.Name+": subscribes an endpoint by "+protocol, request("sns:Subscribe", arn, map[string]string{"sns:Protocol": protocol}))
		}
	}
	deny("another project's alarm", request("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:"+region+":"+accountID+":alarm:payroll-errors", nil))
	deny("another project's topic", request("sns:Subscribe", "arn:aws:sns:"+region+":"+accountID+":payroll", map[string]string{"sns:Protocol": "email"}))
	deny("publishes to the alarm topic", request("sns:Publish", alarmTopicArn, nil))
	judgeIAM(t, cases)
}
