package tests

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/bundle/bundletest"
)

const (
	roleType         = "aws:iam/role:Role"
	rolePolicyType   = "aws:iam/rolePolicy:RolePolicy"
	logGroupType     = "aws:cloudwatch/logGroup:LogGroup"
	functionType     = "aws:lambda/function:Function"
	stateMachineType = "aws:sfn/stateMachine:StateMachine"
	aliasType        = "aws:sfn/alias:Alias"
	// stackReferenceType is a read, not a resource the stack creates.
	stackReferenceType = "pulumi:pulumi:StackReference"

	queueType              = "aws:sqs/queue:Queue"
	redriveAllowPolicyType = "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"
	eventSourceMappingType = "aws:lambda/eventSourceMapping:EventSourceMapping"

	alarmsComponentType   = "stepfunctions:index:Alarms"
	topicType             = "aws:sns/topic:Topic"
	topicSubscriptionType = "aws:sns/topicSubscription:TopicSubscription"
	metricAlarmType       = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

var (
	prefix      = project + "-" + stack
	machineName = prefix + "-main-standard"
	machineArn  = "arn:aws:states:" + region + ":" + accountID + ":stateMachine:" + machineName
)

func functionArn(short string) string {
	return "arn:aws:lambda:" + region + ":" + accountID + ":function:" + prefix + "-" + short
}

func logGroupArn(name string) string {
	return "arn:aws:logs:" + region + ":" + accountID + ":log-group:" + name
}

func TestStackDeclaresEachResourceOnce(t *testing.T) {
	for _, callback := range []bool{true, false} {
		t.Run(fmt.Sprintf("callbackWorkflow=%t", callback), func(t *testing.T) {
			model := modelOf(t, callback)
			d := deployDefault(t)
			if !callback {
				d = mustDeploy(t, map[string]string{"callbackWorkflow": "false"})
			}
			counts := map[string]int{}
			for _, r := range d.resources {
				counts[r.Type]++
			}
			functions, workflows, queues := len(model.functions), len(model.workflows), len(model.queues)
			want := map[string]int{
				"stepfunctions:index:GoFunction": functions,
				"stepfunctions:index:Workflow":   workflows,
				roleType:                         functions + workflows,
				rolePolicyType:                   functions + workflows + queues, // each consumer's policy to consume
				logGroupType:                     functions + workflows,
				functionType:                     functions,
				stateMachineType:                 workflows,
				alarmsComponentType:              1,
				topicType:                        1,
				// three per workflow, two per function, one per dead-letter queue
				metricAlarmType: 3*workflows + 2*functions + queues,
				aliasType:       workflows, // each machine's live alias
			}
			if queues > 0 {
				want["stepfunctions:index:CallbackQueues"] = queues
				want[queueType] = 2 * queues // each with its dead-letter queue
				want[redriveAllowPolicyType] = queues
				want[eventSourceMappingType] = queues
			}
			assert.Equal(t, want, counts)
			for _, r := range d.resources {
				if !callback {
					assert.NotContains(t, r.Name, "callback", "callbackWorkflow false declares no callback resource")
				}
			}
		})
	}
}

func TestFunctions(t *testing.T) {
	d := deployDefault(t)
	for _, spec := range modelOf(t, true).functions {
		short := spec.Name
		t.Run(short, func(t *testing.T) {
			fn := d.one(t, functionType, short)
			name := prefix + "-" + short
			assert.Equal(t, name, fn.str("name"))
			assert.Equal(t, spec.Description, fn.str("description"))
			assert.Equal(t, "provided.al2023", fn.str("runtime"))
			assert.Equal(t, "bootstrap", fn.str("handler"))
			assert.Equal(t, []any{"arm64"}, fn.Inputs["architectures"].Mappable())
			assert.Equal(t, true, fn.Inputs["publish"].BoolValue(), "the workflow invokes published versions")
			assert.Equal(t, float64(128), fn.Inputs["memorySize"].NumberValue())
			assert.Equal(t, float64(10), fn.Inputs["timeout"].NumberValue())
			assert.Equal(t, "arn:aws:iam::"+accountID+":role/"+roleName(name), fn.str("role"))
			logging := fn.Inputs["loggingConfig"].ObjectValue()
			assert.Equal(t, "/aws/lambda/"+name, logging["logGroup"].StringValue())
			assert.Equal(t, "PassThrough", fn.Inputs["tracingConfig"].ObjectValue()["mode"].StringValue())

			zipBytes := uploadedZip(t, fn)
			digest := sha256.Sum256(zipBytes)
			assert.Equal(t, base64.StdEncoding.EncodeToString(digest[:]), fn.str("sourceCodeHash"))
			bundletest.AssertBootstrapZip(t, zipBytes, bundle.ARM64)
		})
	}
}

// uploadedZip reads the archive the function uploads, which must be a
// FileArchive of a .zip (Pulumi passes those through byte for byte).
func uploadedZip(t *testing.T, fn registered) []byte {
	t.Helper()
	code := fn.Inputs["code"]
	require.True(t, code.IsArchive(), "code must be an archive")
	archive := code.ArchiveValue()
	require.True(t, archive.IsPath(), "code must be a FileArchive, not an AssetArchive that loses file modes")
	require.Equal(t, ".zip", filepath.Ext(archive.Path))
	zipBytes, err := os.ReadFile(archive.Path)
	require.NoError(t, err)
	return zipBytes
}

func TestFunctionRolesWriteOnlyTheirOwnLogs(t *testing.T) {
	d := deployDefault(t)
	for _, fn := range modelOf(t, true).functions {
		short := fn.Name
		t.Run(short, func(t *testing.T) {
			name := prefix + "-" + short
			role := d.one(t, roleType, short)
			assert.Equal(t, roleName(name), role.str("name"))
			trust := role.policy(t, "assumeRolePolicy")
			require.Len(t, trust.Statement, 1)
			assert.Equal(t, map[string][]string{"Service": {"lambda.amazonaws.com"}}, trust.Statement[0].Principal)
			assert.Equal(t, []string{"sts:AssumeRole"}, trust.Statement[0].Action)

			policy := d.one(t, rolePolicyType, short)
			assert.Equal(t, short+"-id", policy.str("role"), "the policy belongs to the function's own role")
			assert.Equal(t, []infra.Statement{{
				Sid: "WriteOwnLogs", Effect: "Allow",
				Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
				Resource: []string{logGroupArn("/aws/lambda/"+name) + ":*"},
			}}, policy.policy(t, "policy").Statement)
		})
	}
}

func TestStateMachineRoleTrustsOnlyThisStateMachine(t *testing.T) {
	d := deployDefault(t)
	role := d.one(t, roleType, "main")
	assert.Equal(t, roleName(machineName), role.str("name"))
	assert.Equal(t, []infra.Statement{{
		Effect:    "Allow",
		Principal: map[string][]string{"Service": {"states.amazonaws.com"}},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]map[string][]string{
			"ArnLike":      {"aws:SourceArn": {machineArn, machineArn + ":*"}},
			"StringEquals": {"aws:SourceAccount": {accountID}},
		},
	}}, role.policy(t, "assumeRolePolicy").Statement)
	// The ARN the trust policy pins is the one the state machine gets.
	assert.Equal(t, machineArn, d.outputs["stateMachineArn"])
}

// Each state machine may invoke exactly the functions its workflow file
// names, and their versions.
func TestStateMachineRolesInvokeExactlyTheirFunctions(t *testing.T) {
	d := deployDefault(t)
	for _, workflow := range modelOf(t, true).workflows {
		t.Run(workflow.Name, func(t *testing.T) {
			statements := d.one(t, rolePolicyType, workflow.Name).policy(t, "policy").Statement
			invoke := statementBySid(t, statements, "InvokeWorkflowFunctions")
			assert.Equal(t, []string{"lambda:InvokeFunction"}, invoke.Action)
			assert.ElementsMatch(t, invokeResources(workflow), invoke.Resource)
			for _, statement := range statements {
				if slices.Contains(statement.Resource, "*") {
					assert.Contains(t, []string{"DeliverLogs", "WriteTraces"}, statement.Sid, "only log delivery and X-Ray may use Resource *")
				}
				for _, action := range statement.Action {
					assert.NotContains(t, action, "*", "no wildcard actions")
				}
			}
		})
	}
}

func statementBySid(t *testing.T, statements []infra.Statement, sid string) infra.Statement {
	t.Helper()
	for _, statement := range statements {
		if statement.Sid == sid {
			return statement
		}
	}
	require.FailNowf(t, "statement missing", "no statement %q in %+v", sid, statements)
	return infra.Statement{}
}

func sids(statements []infra.Statement) []string {
	var names []string
	for _, statement := range statements {
		names = append(names, statement.Sid)
	}
	return names
}

// Every state that invokes a function names the version this deploy
// publishes, of the function its placeholder names.
func TestDefinitionsInvokeThePublishedVersions(t *testing.T) {
	d := deployDefault(t)
	for _, workflow := range modelOf(t, true).workflows {
		t.Run(workflow.Name, func(t *testing.T) {
			machine := d.one(t, stateMachineType, workflow.Name)
			assert.Equal(t, stateMachineName(workflow.Name), machine.str("name"))
			assert.Equal(t, "STANDARD", machine.str("type"))
			assert.Equal(t, "arn:aws:iam::"+accountID+":role/"+roleName(stateMachineName(workflow.Name)), machine.str("roleArn"))
			assert.NotContains(t, machine.str("definition"), "${")

			var definition struct {
				StartAt string
				States  map[string]deployedTask
			}
			require.NoError(t, json.Unmarshal([]byte(machine.str("definition")), &definition))
			assert.Equal(t, workflow.StartAt, definition.StartAt)
			for state, fn := range workflow.invokes {
				assert.Equal(t, functionArn(fn)+":7", definition.States[state].arguments()["FunctionName"], state)
			}
			assert.NotEmpty(t, workflow.invokes)
		})
	}
}

func TestLogGroupsBelongToTheStack(t *testing.T) {
	d := deployDefault(t)
	groups := map[string]float64{}
	for _, group := range d.ofType(logGroupType) {
		groups[group.str("name")] = group.Inputs["retentionInDays"].NumberValue()
	}
	model := modelOf(t, true)
	want := map[string]float64{}
	for _, fn := range model.functions {
		want["/aws/lambda/"+prefix+"-"+fn.Name] = 14
	}
	for _, workflow := range model.workflows {
		want["/aws/vendedlogs/states/"+stateMachineName(workflow.Name)] = 14
	}
	assert.Equal(t, want, groups)

	logging := d.one(t, stateMachineType, "main").Inputs["loggingConfiguration"].ObjectValue()
	assert.Equal(t, "ERROR", logging["level"].StringValue())
	assert.False(t, logging["includeExecutionData"].BoolValue())
	assert.Equal(t, logGroupArn("/aws/vendedlogs/states/"+machineName)+":*", logging["logDestination"].StringValue())
	statements := d.one(t, rolePolicyType, "main").policy(t, "policy").Statement
	assert.Equal(t, []string{"WriteTraces", "DeliverLogs", "InvokeWorkflowFunctions"}, sids(statements))
}

func TestEveryTaggableResourceIsTagged(t *testing.T) {
	d := deployDefault(t)
	// sfn.Alias takes no tags in pulumi-aws v6.83.4.
	untaggable := []string{rolePolicyType, redriveAllowPolicyType, topicSubscriptionType, aliasType, "stepfunctions:index:GoFunction", "stepfunctions:index:Workflow", "stepfunctions:index:CallbackQueues", alarmsComponentType}
	for _, r := range d.resources {
		if slices.Contains(untaggable, r.Type) {
			continue
		}
		tags, ok := r.Inputs["tags"]
		if assert.True(t, ok, "%s %s has no tags", r.Type, r.Name) {
			assert.Equal(t, map[string]any{"project": project, "stack": stack}, tags.Mappable(), "%s %s", r.Type, r.Name)
		}
	}
}

func TestOutputs(t *testing.T) {
	want := map[string]any{
		"stateMachineArn":              machineArn,
		"stateMachineName":             machineName,
		"stateMachineRoleArn":          "arn:aws:iam::" + accountID + ":role/" + roleName(machineName),
		"stateMachineLogGroupName":     "/aws/vendedlogs/states/" + machineName,
		"stateMachineAliasArn":         machineArn + ":live",
		"stateMachineVersionArn":       machineArn + ":1",
		"stateMachineStableVersionArn": machineArn + ":1",
		"alarmTopicArn":                alarmTopicArn,

		"callbackStateMachineArn":              callbackMachineArn,
		"callbackStateMachineName":             prefix + "-callback",
		"callbackStateMachineLogGroupName":     "/aws/vendedlogs/states/" + prefix + "-callback",
		"callbackStateMachineAliasArn":         callbackMachineArn + ":live",
		"callbackStateMachineVersionArn":       callbackMachineArn + ":1",
		"callbackStateMachineStableVersionArn": callbackMachineArn + ":1",
		"callbackQueueUrl":                     callbackQueueURL,
		"callbackQueueArn":                     callbackQueueArn,
		"deadLetterQueueUrl":                   "https://sqs." + region + ".amazonaws.com/" + accountID + "/" + prefix + "-callback-dlq",
	}
	for _, fn := range modelOf(t, true).functions {
		stem, name := outputStem(fn), prefix+"-"+fn.Name
		want[stem+"FunctionArn"] = functionArn(fn.Name)
		want[stem+"FunctionName"] = name
		want[stem+"FunctionVersion"] = "7"
		want[stem+"FunctionRoleArn"] = "arn:aws:iam::" + accountID + ":role/" + roleName(name)
		want[stem+"LogGroupName"] = "/aws/lambda/" + name
	}
	assert.Equal(t, want, deployDefault(t).outputs)
}

// outputStem begins a function's outputs: "hello-world" → "helloWorld".
func outputStem(fn modelFunction) string {
	pascal := pascalCase(fn.Name)
	return strings.ToLower(pascal[:1]) + pascal[1:]
}

// TestRedeployDeclaresTheSameInputs is what makes a second `pulumi up`
// change nothing: the same source gives the same zip, hash and definition.
func TestRedeployDeclaresTheSameInputs(t *testing.T) {
	first, second := deployDefault(t), mustDeploy(t, nil)
	assert.Equal(t, first.inputs(), second.inputs())
}

// TestAWrongUploadFailsTheUpdate: when Lambda's CodeSha256 differs from the
// hash of the zip the program built (the provider uploaded other bytes, see
// infra/assetmemo.go), the update fails naming the function and both
// hashes, and no workflow or event source mapping is pointed at that version.
func TestAWrongUploadFailsTheUpdate(t *testing.T) {
	wrong := base64.StdEncoding.EncodeToString(make([]byte, 32))
	m := &mocks{uploaded: wrong}
	setConfig(t, nil)
	err := runStack(stack, m)
	d := deployment{resources: m.resources}
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Lambda reports CodeSha256 "+wrong)
	assert.Contains(t, err.Error(), "No workflow is switched to this version")
	named := false
	for _, fn := range d.ofType(functionType) {
		named = named || strings.Contains(err.Error(), "function "+fn.str("name")+":")
	}
	assert.True(t, named, "the error names no declared function: %v", err)
	assert.Empty(t, d.ofType(stateMachineType), "a state machine was declared on an unverified version")
	assert.Empty(t, d.ofType(eventSourceMappingType), "an event source mapping was declared on an unverified version")
}
