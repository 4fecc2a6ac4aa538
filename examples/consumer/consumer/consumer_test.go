package consumer

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/projectname"
)

const (
	stack   = "dev"
	account = "123456789012"
)

// project is this example's name, in its Pulumi.yaml; producer is the stack
// producerStack defaults to: the project at the module's root, read from
// its Pulumi.yaml, under this stack's name.
var (
	project    = projectName("..")
	producer   = "organization/" + projectName("../../..") + "/" + stack
	machineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:" + projectName("../../..") + "-dev-workflow"
	aliasArn   = machineArn + ":live"
)

func projectName(root string) string {
	name, err := projectname.Read(root)
	if err != nil {
		panic("the consumer's tests run under the projects' own names: " + err.Error())
	}
	return name
}

// mocks answers for every resource type and invoke the program uses, and
// records each registration so tests can read what was sent to the engine.
type mocks struct {
	producerOutputs resource.PropertyMap

	mu         sync.Mutex
	registered map[string]resource.PropertyMap // by type token
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.registered[args.TypeToken] = args.Inputs
	m.mu.Unlock()

	outs := args.Inputs.Copy()
	name := args.Name
	if v := args.Inputs["name"]; v.IsString() {
		name = v.StringValue()
	}
	switch args.TypeToken {
	case "pulumi:pulumi:StackReference":
		return name, resource.PropertyMap{"name": resource.NewStringProperty(name), "outputs": resource.NewObjectProperty(m.producerOutputs)}, nil
	case "aws:iam/role:Role":
		outs["arn"] = resource.NewStringProperty("arn:aws:iam::" + account + ":role/" + name)
	case "aws:iam/rolePolicy:RolePolicy":
		outs["name"] = resource.NewStringProperty(name)
		name = args.Inputs["role"].StringValue() + ":" + name
	case "aws:scheduler/scheduleGroup:ScheduleGroup":
		outs["arn"] = resource.NewStringProperty("arn:aws:scheduler:us-east-1:" + account + ":schedule-group/" + name)
	case "aws:scheduler/schedule:Schedule":
		group := args.Inputs["groupName"].StringValue()
		outs["arn"] = resource.NewStringProperty("arn:aws:scheduler:us-east-1:" + account + ":schedule/" + group + "/" + name)
	default:
		return "", nil, fmt.Errorf("unexpected resource type %s: mock it", args.TypeToken)
	}
	return name, outs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:index/getCallerIdentity:getCallerIdentity" {
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": account,
			"arn":       "arn:aws:iam::" + account + ":user/test",
			"userId":    "AIDATEST",
			"id":        account,
		}), nil
	}
	return nil, fmt.Errorf("unexpected invoke %s: mock it", args.Token)
}

type result struct {
	registered map[string]resource.PropertyMap
	exports    map[string]any
	err        error
}

// run runs Program under mocks with the defaults declared in Pulumi.yaml,
// overridden by cfg, so the declared defaults are themselves under test.
func run(t *testing.T, cfg map[string]string, producerOutputs map[string]any) result {
	t.Helper()
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
	require.Equal(t, project, proj.Name.String())
	full := map[string]string{}
	for key, decl := range proj.Config {
		full[project+":"+key] = fmt.Sprint(decl.Default)
	}
	for key, v := range cfg {
		full[project+":"+key] = v
	}
	encoded, err := json.Marshal(full)
	require.NoError(t, err)
	t.Setenv("PULUMI_CONFIG", string(encoded))

	m := &mocks{producerOutputs: resource.NewPropertyMapFromMap(producerOutputs), registered: map[string]resource.PropertyMap{}}
	exports := map[string]any{}
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := Program(ctx); err != nil {
			return err
		}
		for name, out := range ctx.GetCurrentExportMap() {
			res, err := internals.UnsafeAwaitOutput(ctx.Context(), out.(pulumi.Output))
			if err != nil {
				return err
			}
			exports[name] = res.Value
		}
		return nil
	}, pulumi.WithMocks(project, stack, m))
	return result{registered: m.registered, exports: exports, err: err}
}

// str reads a string property, failing the test rather than panicking when
// the program left it out.
func str(t *testing.T, m resource.PropertyMap, key string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		assert.Failf(t, "missing string property", "property %q is %v", key, v)
		return ""
	}
	return v.StringValue()
}

func obj(t *testing.T, m resource.PropertyMap, key string) resource.PropertyMap {
	t.Helper()
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsObject() {
		assert.Failf(t, "missing object property", "property %q is %v", key, v)
		return nil
	}
	return v.ObjectValue()
}

func producerWith(aliasArn string) map[string]any {
	return map[string]any{
		StateMachineAliasArnOutput: aliasArn,
		"stateMachineArn":          machineArn,
	}
}

func TestProgramWiresScheduleToReferencedStateMachine(t *testing.T) {
	tests := []struct {
		name       string
		cfg        map[string]string
		alias      string
		machine    string
		wantStack  string
		wantExpr   string
		wantInput  string
		wantPolicy string
	}{
		{
			name:      "Pulumi.yaml defaults",
			alias:     aliasArn,
			machine:   machineArn,
			wantStack: producer,
			wantExpr:  "rate(1 day)",
			wantInput: `{"payload":"hi mom"}`,
		},
		{
			name:      "producer stack blank: the project it sits in",
			cfg:       map[string]string{"producerStack": " "},
			alias:     aliasArn,
			machine:   machineArn,
			wantStack: producer,
			wantExpr:  "rate(1 day)",
			wantInput: `{"payload":"hi mom"}`,
		},
		{
			name: "configured stack, expression and payload",
			cfg: map[string]string{
				"producerStack":      "acme/payroll/prod",
				"scheduleExpression": "cron(0 8 ? * MON-FRI *)",
				"payload":            `{"payload": "good morning"}`,
			},
			alias:     "arn:aws-us-gov:states:us-gov-west-1:210987654321:stateMachine:prod-workflow:live",
			machine:   "arn:aws-us-gov:states:us-gov-west-1:210987654321:stateMachine:prod-workflow",
			wantStack: "acme/payroll/prod",
			wantExpr:  "cron(0 8 ? * MON-FRI *)",
			wantInput: `{"payload": "good morning"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.cfg, producerWith(tt.alias))
			require.NoError(t, r.err)

			ref := r.registered["pulumi:pulumi:StackReference"]
			require.NotNil(t, ref, "no StackReference registered")
			assert.Equal(t, tt.wantStack, str(t, ref, "name"))

			schedule := r.registered["aws:scheduler/schedule:Schedule"]
			require.NotNil(t, schedule, "no schedule registered")
			target := obj(t, schedule, "target")
			assert.Equal(t, tt.alias, str(t, target, "arn"), "schedule must target the referenced stateMachineAliasArn")
			assert.Equal(t, "arn:aws:iam::"+account+":role/"+project+"-"+stack+"-scheduler", str(t, target, "roleArn"))
			assert.Equal(t, tt.wantInput, str(t, target, "input"), "execution input must be the configured payload, unchanged")
			assert.Equal(t, tt.wantExpr, str(t, schedule, "scheduleExpression"))
			assert.Equal(t, "OFF", str(t, obj(t, schedule, "flexibleTimeWindow"), "mode"))
			assert.Equal(t, project+"-"+stack, str(t, schedule, "groupName"))

			policy := r.registered["aws:iam/rolePolicy:RolePolicy"]
			require.NotNil(t, policy, "no role policy registered")
			assert.Equal(t, project+"-"+stack+"-scheduler", str(t, policy, "role"))
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{
				"Effect":"Allow","Action":"states:StartExecution","Resource":"`+tt.machine+`",
				"Condition":{"ForAnyValue:StringEquals":{"states:StateMachineQualifier":"live"}}}]}`,
				str(t, policy, "policy"), "role may do exactly states:StartExecution on exactly the referenced state machine, through its alias")

			role := r.registered["aws:iam/role:Role"]
			require.NotNil(t, role, "no role registered")
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{
				"Effect":"Allow","Principal":{"Service":"scheduler.amazonaws.com"},"Action":"sts:AssumeRole",
				"Condition":{"StringEquals":{"aws:SourceAccount":"`+account+`"}}}]}`,
				str(t, role, "assumeRolePolicy"))

			wantTags := resource.NewPropertyMapFromMap(map[string]any{"project": project, "stack": stack})
			assert.Equal(t, wantTags, obj(t, role, "tags"), "role tags")
			assert.Equal(t, wantTags, obj(t, r.registered["aws:scheduler/scheduleGroup:ScheduleGroup"], "tags"), "schedule group tags")

			assert.Equal(t, map[string]any{
				"scheduleArn":       "arn:aws:scheduler:us-east-1:" + account + ":schedule/" + project + "-" + stack + "/" + project + "-" + stack + "-start-workflow",
				"scheduleName":      project + "-" + stack + "-start-workflow",
				"scheduleGroupName": project + "-" + stack,
				"schedulerRoleArn":  "arn:aws:iam::" + account + ":role/" + project + "-" + stack + "-scheduler",
			}, r.exports)
		})
	}
}

func TestProgramRejectsBadConfigBeforeRegisteringResources(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		wantErr string
	}{
		{"payload not JSON", map[string]string{"payload": `{payload: hi mom}`},
			`config key ` + project + `:payload: payload "{payload: hi mom}" would fail every execution, the workflow refuses it: invalid input: the event must be a JSON object, got malformed JSON; expected {"payload": <string>}; want e.g. {"payload":"hi mom"}`},
		{"payload truncated JSON", map[string]string{"payload": `{"payload":"hi mom"`}, `payload "{\"payload\":\"hi mom\"" would fail every execution`},
		{"payload JSON array", map[string]string{"payload": `["hi mom"]`}, `must be a JSON object, got an array`},
		{"payload JSON null", map[string]string{"payload": `null`}, `must be a JSON object, got null`},
		{"payload with a field the functions refuse", map[string]string{"payload": `{"payload": "good morning", "source": "scheduler"}`}, `unexpected field(s) "source"`},
		{"payload not a string", map[string]string{"payload": `{"payload": 7}`}, `field "payload" must be a string, got a number`},
		{"schedule expression not Scheduler syntax", map[string]string{"scheduleExpression": "every day"},
			`config key ` + project + `:scheduleExpression: schedule expression "every day" is not rate(...), cron(...) or at(...)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.cfg, producerWith(aliasArn))
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tt.wantErr)
			assert.Empty(t, r.registered, "nothing may be registered when config is invalid")
		})
	}
}

func TestProgramRequiresProducerAliasArn(t *testing.T) {
	missing := `stack "` + producer + `" has no output "stateMachineAliasArn": deploy it first`
	tests := []struct {
		name    string
		outputs map[string]any
		wantErr string
	}{
		{"stack has no outputs (not deployed)", map[string]any{}, missing},
		{"a producer from before aliases", map[string]any{"stateMachineArn": machineArn}, "check the stack name in config key " + project + ":producerStack"},
		{"output renamed", map[string]any{"StateMachineAliasArn": aliasArn}, missing},
		{"output is not a string", map[string]any{"stateMachineAliasArn": 42.0},
			`stack "` + producer + `" output "stateMachineAliasArn" is 42, want a state machine alias ARN`},
		{"output is the unqualified state machine", map[string]any{"stateMachineAliasArn": machineArn},
			`output "stateMachineAliasArn" is "` + machineArn + `", want a state machine alias ARN`},
		{"output is another resource's ARN", map[string]any{"stateMachineAliasArn": "arn:aws:lambda:us-east-1:123456789012:function:hello:live"},
			`output "stateMachineAliasArn" is "arn:aws:lambda:us-east-1:123456789012:function:hello:live", want a state machine alias ARN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.outputs)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tt.wantErr)
		})
	}
}
