package tests

import (
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/lambdas/bundle/bundletest"
)

func TestConfigChangesTheResources(t *testing.T) {
	t.Run("x86_64", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"architecture": "x86_64"})
		for _, fn := range d.ofType(functionType) {
			assert.Equal(t, []any{"x86_64"}, fn.Inputs["architectures"].Mappable())
			bundletest.AssertBootstrapZip(t, uploadedZip(t, fn), bundle.X86_64)
		}
	})
	t.Run("EXPRESS gets its own name", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"workflowType": "EXPRESS", "callbackWorkflow": "false"})
		machine := d.one(t, stateMachineType, "main")
		assert.Equal(t, "EXPRESS", machine.str("type"))
		assert.Equal(t, prefix+"-main-express", machine.str("name"))
		assert.Equal(t, "/aws/vendedlogs/states/"+prefix+"-main-express", d.outputs["stateMachineLogGroupName"])
	})
	t.Run("tracing", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"tracing": "true"})
		assert.True(t, d.one(t, stateMachineType, "main").Inputs["tracingConfiguration"].ObjectValue()["enabled"].BoolValue())
		for _, fn := range d.ofType(functionType) {
			assert.Equal(t, "Active", fn.Inputs["tracingConfig"].ObjectValue()["mode"].StringValue())
		}
		for _, policy := range d.ofType(rolePolicyType) {
			if strings.HasSuffix(policy.Name, "-consume") {
				continue // the worker's base policy carries its tracing permissions
			}
			traces := statementBySid(t, policy.policy(t, "policy").Statement, "WriteTraces")
			assert.Equal(t, []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}, traces.Action)
			assert.Equal(t, []string{"*"}, traces.Resource)
		}
	})
	t.Run("tracing changes the state machine, not its role", func(t *testing.T) {
		// Like log delivery, the state machine's X-Ray grant is constant (see NewWorkflow).
		d := mustDeploy(t, map[string]string{"tracing": "true"})
		machines := d.ofType(stateMachineType)
		require.NotEmpty(t, machines)
		for _, machine := range machines {
			assert.True(t, machine.Inputs["tracingConfiguration"].ObjectValue()["enabled"].BoolValue(), machine.Name)
			assert.Equal(t, deployDefault(t).one(t, rolePolicyType, machine.Name).str("policy"), d.one(t, rolePolicyType, machine.Name).str("policy"),
				"the role policy of state machine %s changes with tracing", machine.Name)
		}
	})
	t.Run("logging off changes the state machine, not its role", func(t *testing.T) {
		// Switching logging on later must not wait on IAM to propagate a
		// new grant (see NewWorkflow): the policies stay as they are.
		d := mustDeploy(t, map[string]string{"logLevel": "OFF"})
		logging := d.one(t, stateMachineType, "main").Inputs["loggingConfiguration"].ObjectValue()
		assert.Equal(t, "OFF", logging["level"].StringValue())
		assert.NotContains(t, logging, "logDestination")
		for _, policy := range d.ofType(rolePolicyType) {
			assert.Equal(t, deployDefault(t).one(t, rolePolicyType, policy.Name).str("policy"), policy.str("policy"), policy.Name)
		}
	})
	t.Run("logging all with execution data", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"logLevel": "ALL", "includeExecutionData": "true", "logRetentionDays": "365"})
		logging := d.one(t, stateMachineType, "main").Inputs["loggingConfiguration"].ObjectValue()
		assert.Equal(t, "ALL", logging["level"].StringValue())
		assert.True(t, logging["includeExecutionData"].BoolValue())
		for _, group := range d.ofType(logGroupType) {
			assert.Equal(t, float64(365), group.Inputs["retentionInDays"].NumberValue())
		}
	})
	t.Run("another permissions boundary", func(t *testing.T) {
		// 128 characters, IAM's longest policy name.
		name := project + "-" + strings.Repeat("b", 127-len(project))
		d := mustDeploy(t, map[string]string{"permissionsBoundary": name})
		roles := d.ofType(roleType)
		require.NotEmpty(t, roles)
		for _, role := range roles {
			assert.Equal(t, "arn:aws:iam::"+accountID+":policy/"+name, role.str("permissionsBoundary"), role.Name)
		}
	})
	t.Run("memory and timeout", func(t *testing.T) {
		d := mustDeploy(t, map[string]string{"lambdaMemoryMb": "1024", "lambdaTimeoutSeconds": "29"})
		for _, fn := range d.ofType(functionType) {
			assert.Equal(t, float64(1024), fn.Inputs["memorySize"].NumberValue())
			assert.Equal(t, float64(29), fn.Inputs["timeout"].NumberValue())
		}
	})
}

func TestInvalidConfigFailsBeforeAnyResource(t *testing.T) {
	tests := []struct {
		key, value string
		allowed    string // part of the message that says what is allowed
	}{
		{"architecture", "amd64", "one of arm64, x86_64"},
		{"workflowType", "standard", "one of STANDARD, EXPRESS"},
		{"logLevel", "DEBUG", "one of ALL, ERROR, FATAL, OFF"},
		{"includeExecutionData", "yes please", "true or false"},
		{"logRetentionDays", "10", "1, 3, 5, 7, 14, 30"},
		{"logRetentionDays", "0", "values CloudWatch Logs accepts"},
		{"tracing", "on", "true or false"},
		{"lambdaMemoryMb", "64", "from 128 to 10240"},
		{"lambdaMemoryMb", "lots", "from 128 to 10240"},
		{"lambdaTimeoutSeconds", "901", "from 1 to 29 seconds"},
		{"lambdaTimeoutSeconds", "30", "below the workflow's shortest Task TimeoutSeconds (30 s"},
		{"lambdaTimeoutSeconds", "0", "from 1 to 29 seconds"},
		{"canaryPercent", "-1", "a whole percentage from 0"},
		{"canaryPercent", "100", "to 99"},
		{"canaryPercent", "ten", "a whole percentage from 0"},
		{"permissionsBoundary", "AdministratorAccess", `begins with "` + project + `-"`},
		{"permissionsBoundary", project + "-" + strings.Repeat("b", 128-len(project)), "at most 128 characters"},
		{"permissionsBoundary", project + "-a/b", "letters, digits and +=,.@_- only"},
		{"alarmEmail", "ops", "one email address such as ops@example.com"},
		{"alarmEmail", "ops@example", "a domain with at least one dot"},
		{"alarmEmail", "ops@example.com,dev@example.com", "no spaces, commas or display names"},
		{"alarmEmail", "Ops <ops@example.com>", "no spaces, commas or display names"},
		{"alarmEmail", "ops@-example.com", "one email address"},
		{"alarmEmail", strings.Repeat("a", 255-len("@example.com")) + "@example.com", "at most 254 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			d, err := deploy(t, map[string]string{tt.key: tt.value})
			require.Error(t, err)
			assert.Contains(t, err.Error(), project+":"+tt.key+` = "`+tt.value+`"`)
			assert.Contains(t, err.Error(), tt.allowed)
			assert.Empty(t, d.resources, "nothing may be created with an invalid config")
		})
	}
}

func TestExpressCannotRunTheCallbackWorkflow(t *testing.T) {
	d, err := deploy(t, map[string]string{"workflowType": "EXPRESS"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Express workflows cannot wait for a task token")
	assert.Contains(t, err.Error(), project+":callbackWorkflow false")
	assert.Empty(t, d.resources)
}

func TestEveryInvalidKeyIsReportedAtOnce(t *testing.T) {
	_, err := deploy(t, map[string]string{"architecture": "sparc", "logLevel": "LOUD", "lambdaMemoryMb": "1"})
	require.Error(t, err)
	for _, key := range []string{"architecture", "logLevel", "lambdaMemoryMb"} {
		assert.Contains(t, err.Error(), project+":"+key)
	}
}

// declaredSetting is one key of Pulumi.yaml's config block.
type declaredSetting struct {
	Type        string
	Default     any
	Description string
}

// pulumiYAMLConfig is the project-level config block of Pulumi.yaml: the
// program's keys. A namespaced key is not the program's: `pulumi new` adds
// pulumi:tags, naming the template the project came from.
func pulumiYAMLConfig(t *testing.T) map[string]declaredSetting {
	t.Helper()
	source, err := os.ReadFile("../Pulumi.yaml")
	require.NoError(t, err)
	var project struct{ Config map[string]declaredSetting }
	require.NoError(t, yaml.Unmarshal(source, &project))
	maps.DeleteFunc(project.Config, func(key string, _ declaredSetting) bool { return strings.Contains(key, ":") })
	return project.Config
}

// TestPulumiYAMLDeclaresTheProgramsDefaults: the Pulumi CLI passes
// Pulumi.yaml's defaults to the program, the mocks do not; both must
// declare the same stack.
func TestPulumiYAMLDeclaresTheProgramsDefaults(t *testing.T) {
	declared := pulumiYAMLConfig(t)
	defaults := map[string]string{}
	for key, setting := range declared {
		assert.Contains(t, []string{"string", "integer", "boolean"}, setting.Type, key)
		assert.NotEmpty(t, setting.Description, key)
		require.NotNil(t, setting.Default, "%s needs a default", key)
		if text, ok := setting.Default.(string); ok {
			defaults[key] = text // as written: YAML would quote an empty string
			continue
		}
		defaults[key] = strings.TrimSpace(yamlScalar(t, setting.Default))
	}
	withoutConfig := mustDeploy(t, nil)
	withDeclaredDefaults := mustDeploy(t, defaults)
	assert.Equal(t, withoutConfig.inputs(), withDeclaredDefaults.inputs())
}

// TestEveryDeclaredKeyIsRead: setting a declared key to nonsense must fail,
// which proves the program reads it (and validates it).
func TestEveryDeclaredKeyIsRead(t *testing.T) {
	for key := range pulumiYAMLConfig(t) {
		t.Run(key, func(t *testing.T) {
			_, err := deploy(t, map[string]string{key: "not-a-valid-value"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), project+":"+key)
		})
	}
}

func TestStackNamesAWSWouldRejectFailEarly(t *testing.T) {
	functionsFit, rolesFit := stackNameRoom(t)
	tests := []struct{ stack, want string }{
		{strings.Repeat("s", functionsFit+1), fmt.Sprintf("choose a stack name at most %d characters long", functionsFit)},
		// IAM role names carry the Region: one more character makes a 65-character role.
		{strings.Repeat("s", rolesFit+1), fmt.Sprintf("choose a stack name at most %d characters long in %s", rolesFit, region)},
		{"dev.eu", "only letters, digits, - and _"},
	}
	for _, tt := range tests {
		t.Run(tt.stack, func(t *testing.T) {
			m := &mocks{}
			setConfig(t, nil)
			err := runStack(tt.stack, m)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, m.resources)
		})
	}
}

func yamlScalar(t *testing.T, value any) string {
	t.Helper()
	encoded, err := yaml.Marshal(value)
	require.NoError(t, err)
	return string(encoded)
}

// stackNameRoom is the longest stack name whose names AWS accepts, counted
// here from the longest function directory in lambdas/: for function names,
// "<project>-<stack>-<function>" within Lambda's 64 characters, and for role
// names, which add "-<region>", within IAM's 64.
func stackNameRoom(t *testing.T) (functions, roles int) {
	t.Helper()
	longest := 0
	for fn := range mainPackages(t) {
		longest = max(longest, len(fn))
	}
	functions = 64 - len(project+"-") - len("-") - longest
	return functions, functions - len("-"+region)
}

// TestRoleNamesAtIAMsLimit deploys the longest stack name that fits and
// finds its longest role name exactly at IAM's 64 characters.
func TestRoleNamesAtIAMsLimit(t *testing.T) {
	_, fits := stackNameRoom(t)
	m := &mocks{}
	setConfig(t, nil)
	require.NoError(t, runStack(strings.Repeat("s", fits), m))
	longest := ""
	for _, role := range (deployment{resources: m.resources}).ofType(roleType) {
		name := role.str("name")
		assert.True(t, strings.HasSuffix(name, "-"+region), "role %s does not carry the Region", name)
		if len(name) > len(longest) {
			longest = name
		}
	}
	assert.Len(t, longest, 64, "the longest role name, %s", longest)
}
