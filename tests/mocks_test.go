package tests

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/projectname"
)

// The account, region and partition every mocked lookup answers with.
const (
	accountID = "123456789012"
	region    = "us-east-1"
	stack     = "dev"
)

// project is the name in Pulumi.yaml, which `pulumi new` sets to the name
// its user chooses: the tests run under the project's own name.
var project = func() string {
	name, err := projectname.Read("..")
	if err != nil {
		panic("the tests run under the project's name: " + err.Error())
	}
	return name
}()

// roleName is the IAM role name of the function or state machine called
// name: IAM is global, so the name carries the Region.
func roleName(name string) string { return name + "-" + region }

// registered is one resource the program declared.
type registered struct {
	Type, Name string
	Inputs     resource.PropertyMap
}

// mocks answers like AWS would and records every resource. Each resource
// type returns every output the program reads (arn, qualifiedArn,
// version...): a forgotten output would silently resolve to "" and let
// wrong ARNs pass. An unknown type or invoke is an error, so a new resource
// cannot slip past the mocks.
type mocks struct {
	mu        sync.Mutex
	resources []registered
	// invokes are the tokens of every invoke the program made.
	invokes []string
	// partition is what getPartition answers and every ARN carries; "aws"
	// when empty.
	partition string
	// uploaded, when set, is the CodeSha256 Lambda reports for every
	// function, as if the provider had uploaded other bytes; otherwise
	// Lambda reports the hash of what the program built (sourceCodeHash).
	uploaded string
	// functionVersion is the version Lambda publishes for every function;
	// "7" when empty. Changing it between runs changes every definition.
	functionVersion string
	// versions publishes state machine versions as Step Functions does; a
	// fresh ledger when nil. Runs that share one are consecutive updates.
	versions *versionLedger
	// lastUpdate is what a StackReference to the stack itself returns:
	// the exports of the previous update, nil for none.
	lastUpdate map[string]any
}

// versionLedger numbers state machine versions: an update that publishes a
// definition other than the machine's last one gets the next number, an
// unchanged one keeps its version (the provider calls UpdateStateMachine
// only when something changed, and reads the newest version back).
type versionLedger struct {
	mu        sync.Mutex
	byMachine map[string]publishedVersion
}

type publishedVersion struct {
	definition string
	number     int
}

func (l *versionLedger) publish(machine, definition string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byMachine == nil {
		l.byMachine = map[string]publishedVersion{}
	}
	last := l.byMachine[machine]
	if last.number == 0 || last.definition != definition {
		last = publishedVersion{definition: definition, number: last.number + 1}
		l.byMachine[machine] = last
	}
	return last.number
}

func (m *mocks) ledger() *versionLedger {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.versions == nil {
		m.versions = &versionLedger{}
	}
	return m.versions
}

func (m *mocks) arnPrefix() string {
	if m.partition == "" {
		return "arn:aws:"
	}
	return "arn:" + m.partition + ":"
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.resources = append(m.resources, registered{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs})
	m.mu.Unlock()

	outputs := args.Inputs.Copy()
	name := registered{Inputs: args.Inputs}.str("name")
	set := func(key, value string) { outputs[resource.PropertyKey(key)] = resource.NewStringProperty(value) }
	switch args.TypeToken {
	case "stepfunctions:index:GoFunction", "stepfunctions:index:Workflow", "stepfunctions:index:CallbackQueues", "stepfunctions:index:Alarms":
	case stackReferenceType:
		return args.Name + "-id", resource.PropertyMap{
			"name":    resource.NewStringProperty(registered{Inputs: args.Inputs}.str("name")),
			"outputs": resource.NewObjectProperty(resource.NewPropertyMapFromMap(m.lastUpdate)),
		}, nil
	case "aws:iam/role:Role":
		set("arn", m.arnPrefix()+"iam::"+accountID+":role/"+name)
	case "aws:iam/rolePolicy:RolePolicy":
	case "aws:cloudwatch/logGroup:LogGroup":
		set("arn", fmt.Sprintf("%slogs:%s:%s:log-group:%s", m.arnPrefix(), region, accountID, name))
	case "aws:lambda/function:Function":
		arn := fmt.Sprintf("%slambda:%s:%s:function:%s", m.arnPrefix(), region, accountID, name)
		set("arn", arn)
		version := cmp.Or(m.functionVersion, "7")
		set("qualifiedArn", arn+":"+version)
		set("version", version)
		codeSha256 := registered{Inputs: args.Inputs}.str("sourceCodeHash")
		if m.uploaded != "" {
			codeSha256 = m.uploaded
		}
		set("codeSha256", codeSha256)
	case "aws:sqs/queue:Queue":
		set("arn", fmt.Sprintf("%ssqs:%s:%s:%s", m.arnPrefix(), region, accountID, name))
		set("url", fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, accountID, name))
	case "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":
	case "aws:lambda/eventSourceMapping:EventSourceMapping":
		set("arn", fmt.Sprintf("%slambda:%s:%s:event-source-mapping:%s-uuid", m.arnPrefix(), region, accountID, args.Name))
		set("uuid", args.Name+"-uuid")
	case "aws:sns/topic:Topic":
		set("arn", fmt.Sprintf("%ssns:%s:%s:%s", m.arnPrefix(), region, accountID, name))
	case "aws:sns/topicSubscription:TopicSubscription":
		// SNS names a subscription after its topic and an ID it picks.
		set("arn", registered{Inputs: args.Inputs}.str("topic")+":5f0b3c55-0d5c-4c7e-9d8a-1a2b3c4d5e6f")
	case "aws:cloudwatch/metricAlarm:MetricAlarm":
		set("arn", fmt.Sprintf("%scloudwatch:%s:%s:alarm:%s", m.arnPrefix(), region, accountID, name))
	case "aws:sfn/stateMachine:StateMachine":
		arn := fmt.Sprintf("%sstates:%s:%s:stateMachine:%s", m.arnPrefix(), region, accountID, name)
		set("arn", arn)
		if args.Inputs["publish"].IsBool() && args.Inputs["publish"].BoolValue() {
			set("stateMachineVersionArn", fmt.Sprintf("%s:%d", arn, m.ledger().publish(arn, registered{Inputs: args.Inputs}.str("definition"))))
		}
	case aliasType:
		// An alias is named after the state machine its versions belong to.
		routes := args.Inputs["routingConfigurations"].ArrayValue()
		if len(routes) == 0 {
			return "", nil, fmt.Errorf("alias %s routes to no version", args.Name)
		}
		version := routes[0].ObjectValue()["stateMachineVersionArn"].StringValue()
		set("arn", version[:strings.LastIndex(version, ":")]+":"+name)
	default:
		return "", nil, fmt.Errorf("the mocks do not know resource type %s: teach them its outputs", args.TypeToken)
	}
	return args.Name + "-id", outputs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.invokes = append(m.invokes, args.Token)
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": accountID, "arn": m.arnPrefix() + "iam::" + accountID + ":user/ci", "userId": "AIDAEXAMPLE", "id": accountID,
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": region, "id": region, "endpoint": "states." + region + ".amazonaws.com", "description": "US East (N. Virginia)"}), nil
	case "aws:index/getPartition:getPartition":
		partition := strings.TrimSuffix(strings.TrimPrefix(m.arnPrefix(), "arn:"), ":")
		return resource.NewPropertyMapFromMap(map[string]any{"partition": partition, "dnsSuffix": "amazonaws.com", "id": partition, "reverseDnsPrefix": "com.amazonaws"}), nil
	}
	return nil, fmt.Errorf("the mocks do not answer invoke %s", args.Token)
}

// deployment is what one run of the program declared and exported.
type deployment struct {
	resources []registered
	invokes   []string
	outputs   map[string]any
}

// deploy runs the program under the mocks with the given project config
// (keys without the "<project>:" prefix).
func deploy(t *testing.T, config map[string]string) (deployment, error) {
	t.Helper()
	return deployWith(t, &mocks{}, config)
}

// deployWith is deploy with mocks of the caller's, e.g. in another partition.
func deployWith(t *testing.T, m *mocks, config map[string]string) (deployment, error) {
	t.Helper()
	setConfig(t, config)
	var exports map[string]pulumi.Input
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := infra.Deploy(ctx); err != nil {
			return err
		}
		exports = ctx.GetCurrentExportMap()
		return nil
	}, pulumi.WithMocks(project, stack, m))

	outputs := map[string]any{}
	for name, value := range exports {
		result, awaitErr := internals.UnsafeAwaitOutput(context.Background(), value.(pulumi.Output))
		require.NoError(t, awaitErr, name)
		outputs[name] = result.Value
	}
	return deployment{resources: m.resources, invokes: m.invokes, outputs: outputs}, err
}

var defaultStack struct {
	once       sync.Once
	deployment deployment
	err        error
}

// deployDefault is the stack with no config set, deployed once for all the
// tests that only read it: each deployment builds every function.
func deployDefault(t *testing.T) deployment {
	t.Helper()
	defaultStack.once.Do(func() { defaultStack.deployment, defaultStack.err = deploy(t, nil) })
	require.NoError(t, defaultStack.err)
	return defaultStack.deployment
}

// mustDeploy is deploy for a configuration that must work.
func mustDeploy(t *testing.T, config map[string]string) deployment {
	t.Helper()
	d, err := deploy(t, config)
	require.NoError(t, err)
	return d
}

// runStack runs the program as a stack of another name.
func runStack(stackName string, m *mocks) error {
	return pulumi.RunErr(infra.Deploy, pulumi.WithMocks(project, stackName, m))
}

func setConfig(t *testing.T, config map[string]string) {
	t.Helper()
	// The program writes the bridge's upload memos (infra/assetmemo.go)
	// into the temporary directory: one of the test's own.
	t.Setenv("TMPDIR", t.TempDir())
	namespaced := map[string]string{"aws:region": region}
	for key, value := range config {
		namespaced[project+":"+key] = value
	}
	encoded, err := json.Marshal(namespaced)
	require.NoError(t, err)
	t.Setenv("PULUMI_CONFIG", string(encoded))
}

// ofType lists the resources of one type token.
func (d deployment) ofType(token string) []registered {
	var found []registered
	for _, r := range d.resources {
		if r.Type == token {
			found = append(found, r)
		}
	}
	return found
}

// inputs are every resource's inputs by type and name, in no particular
// order (resources register concurrently).
func (d deployment) inputs() map[string]resource.PropertyMap {
	inputs := make(map[string]resource.PropertyMap, len(d.resources))
	for _, r := range d.resources {
		inputs[r.Type+"::"+r.Name] = r.Inputs
	}
	return inputs
}

// one is the single resource of a type with the given logical name.
func (d deployment) one(t *testing.T, token, name string) registered {
	t.Helper()
	for _, r := range d.ofType(token) {
		if r.Name == name {
			return r
		}
	}
	require.FailNowf(t, "resource not declared", "%s %q", token, name)
	return registered{}
}

func (r registered) str(key string) string {
	value, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok || !value.IsString() {
		return ""
	}
	return value.StringValue()
}

// policy parses a JSON policy input such as "policy" or "assumeRolePolicy".
func (r registered) policy(t *testing.T, key string) infra.PolicyDocument {
	t.Helper()
	var document infra.PolicyDocument
	require.NoError(t, json.Unmarshal([]byte(r.str(key)), &document), "%s of %s %s", key, r.Type, r.Name)
	return document
}
