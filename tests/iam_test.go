package tests

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/judges"
	"stepfunctions-go/internal/projectname"
)

// What AWS requires, from its documentation, written here once and not
// copied from infra/: the IAM tables below check the stack against these.
var (
	// Vended log delivery to CloudWatch Logs (Step Functions' "IAM policies
	// for logging to CloudWatch Logs"); each is checked on its own.
	logDeliveryActions = []string{
		"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
		"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
	}
	// Writing X-Ray traces (AWSXrayWriteOnlyAccess).
	tracingActions = []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"}
	// A function writing its logs (AWSLambdaBasicExecutionRole without
	// CreateLogGroup: the stack owns the groups).
	functionLogActions = []string{"logs:CreateLogStream", "logs:PutLogEvents"}
	// What an SQS event source mapping needs from the function's role
	// (Lambda's "Using Lambda with Amazon SQS").
	queueConsumerActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
	// What the worker reports with the task token.
	taskReportActions = []string{"states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"}
)

// strangerAccount is an account that is not the stack's.
const strangerAccount = "210987654321"

// iamCase is one request and whether the stack must allow it.
type iamCase struct {
	name    string
	request judges.Request
	allow   bool
}

// TestIAMSimulation runs every request the workflows make, and their near
// misses, through an IAM simulator built on AWS's service authorization
// data. Every request is derived from what the mock deployment declares,
// so a new step, function or queue is covered without editing this test.
func TestIAMSimulation(t *testing.T) {
	configs := []struct {
		name   string
		config map[string]string
	}{
		{"default", nil},
		{"logLevel OFF, tracing true", map[string]string{"logLevel": "OFF", "tracing": "true"}},
	}
	for _, cfg := range configs {
		t.Run(cfg.name, func(t *testing.T) {
			d := deployDefault(t)
			if cfg.config != nil {
				d = mustDeploy(t, cfg.config)
			}
			judgeIAM(t, stackIAMCases(t, d))
		})
	}
}

// judgeIAM runs the cases through the simulator in one go and reports
// each wrong decision with its request and the statements that decided.
func judgeIAM(t *testing.T, cases []iamCase) {
	t.Helper()
	requests := make([]judges.Request, len(cases))
	allowed := 0
	for i, c := range cases {
		requests[i] = c.request
		if c.allow {
			allowed++
		}
	}
	decisions, err := judges.SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
	t.Logf("%d requests: %d must be allowed, %d denied", len(cases), allowed, len(cases)-allowed)
	for i, c := range cases {
		got := decisions[i]
		if (got.Result == "Allowed") != c.allow {
			want := "Allowed"
			if !c.allow {
				want = "denied"
			}
			t.Errorf("%s\n  request: %s\n  want %s, got %s\n  decisive: %s", c.name, c.request, want, got.Result, strings.Join(got.Decisive, "; "))
		}
	}
}

// stackView is what the IAM tables need from a deployment.
type stackView struct {
	roles     map[string]judges.Request // by role ARN: trust policy and identity policies
	machines  []machineView
	functions []functionView
	mappings  []mappingView
	logGroups []string // ARNs
	// deadLetterQueues are the queues others dead-letter into (ARNs).
	deadLetterQueues []string
}

type machineView struct {
	name, arn, role string
	// qualified are the ARNs executions start on: its alias and the
	// versions the alias routes to.
	qualified []string
	// invokes and sendsTo are what the definition names: function ARNs
	// and queue ARNs.
	invokes, sendsTo []string
}

type functionView struct {
	name, arn, role, logGroup string
	tracing                   bool
}

type mappingView struct {
	queue  string
	worker functionView
}

func view(t *testing.T, d deployment) stackView {
	t.Helper()
	v := stackView{roles: map[string]judges.Request{}}
	roleArnByID := map[string]string{}
	boundary := permissionsBoundary(t)
	for _, r := range d.ofType(roleType) {
		arn := "arn:aws:iam::" + accountID + ":role/" + r.str("name")
		roleArnByID[r.Name+"-id"] = arn // the ID the mocks give every resource
		// Every role runs under the boundary infra/permissions-boundary.json,
		// so every request below is decided with it.
		require.Equal(t, boundary.arn, r.str("permissionsBoundary"), "role %s must carry the permissions boundary", r.Name)
		v.roles[arn] = judges.Request{ResourcePolicy: r.str("assumeRolePolicy"), PermissionsBoundary: boundary.document}
	}
	for _, p := range d.ofType(rolePolicyType) {
		arn, ok := roleArnByID[p.str("role")]
		require.True(t, ok, "role policy %s belongs to no declared role (%q)", p.Name, p.str("role"))
		role := v.roles[arn]
		role.IdentityPolicies = append(role.IdentityPolicies, judges.Policy{Name: p.Name, Document: p.str("policy")})
		v.roles[arn] = role
	}
	for _, g := range d.ofType(logGroupType) {
		v.logGroups = append(v.logGroups, logGroupArn(g.str("name")))
	}
	for _, q := range d.ofType(queueType) {
		if redrive := q.str("redrivePolicy"); redrive != "" {
			var policy struct{ DeadLetterTargetArn string }
			require.NoError(t, json.Unmarshal([]byte(redrive), &policy))
			v.deadLetterQueues = append(v.deadLetterQueues, policy.DeadLetterTargetArn)
		}
	}
	for _, m := range d.ofType(stateMachineType) {
		name := m.str("name")
		machine := machineView{
			name: name,
			arn:  arnIn(accountID, "states", "stateMachine:"+name),
			role: m.str("roleArn"),
		}
		machine.invokes, machine.sendsTo = tasksOf(t, name, m.str("definition"))
		alias := d.one(t, aliasType, m.Name)
		machine.qualified = append(machine.qualified, machine.arn+":"+alias.str("name"))
		for version := range routing(t, alias) {
			machine.qualified = append(machine.qualified, version)
		}
		v.machines = append(v.machines, machine)
	}
	for _, f := range d.ofType(functionType) {
		name := f.str("name")
		v.functions = append(v.functions, functionView{
			name:     name,
			arn:      arnIn(accountID, "lambda", "function:"+name),
			role:     f.str("role"),
			logGroup: logGroupArn(f.Inputs["loggingConfig"].ObjectValue()["logGroup"].StringValue()),
			tracing:  f.Inputs["tracingConfig"].ObjectValue()["mode"].StringValue() == "Active",
		})
	}
	for _, e := range d.ofType(eventSourceMappingType) {
		target := e.str("functionName")
		index := slices.IndexFunc(v.functions, func(f functionView) bool { return strings.HasPrefix(target, f.arn+":") || target == f.arn })
		require.NotEqual(t, -1, index, "event source mapping %s invokes %s, which the stack does not declare", e.Name, target)
		v.mappings = append(v.mappings, mappingView{queue: e.str("eventSourceArn"), worker: v.functions[index]})
	}
	return v
}

// tasksOf lists the function ARNs and queue ARNs a definition's Task states
// name, wherever they are nested. A Task of another kind fails the test:
// the tables must learn what it needs before it can deploy unchecked.
func tasksOf(t *testing.T, machine, definition string) (functions, queues []string) {
	t.Helper()
	var root any
	require.NoError(t, json.Unmarshal([]byte(definition), &root), "definition of %s", machine)
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if n["Type"] == "Task" {
				resource, _ := n["Resource"].(string)
				arguments := argumentsOf(n)
				_, integration, _ := strings.Cut(resource, ":states:::")
				switch {
				case strings.HasPrefix(integration, "lambda:invoke"):
					name, ok := arguments["FunctionName"].(string)
					require.True(t, ok, "%s: a lambda:invoke Task without a literal FunctionName", machine)
					functions = append(functions, name)
				case strings.HasPrefix(integration, "sqs:sendMessage"):
					queueURL, ok := arguments["QueueUrl"].(string)
					require.True(t, ok, "%s: an sqs:sendMessage Task without a literal QueueUrl", machine)
					queues = append(queues, queueArnOf(t, queueURL))
				default:
					t.Errorf("%s: the IAM tables do not know what a Task with Resource %q needs; teach tests/iam_test.go", machine, resource)
				}
			}
			for _, child := range n {
				walk(child)
			}
		case []any:
			for _, child := range n {
				walk(child)
			}
		}
	}
	walk(root)
	require.NotEmpty(t, append(functions, queues...), "%s names no function or queue", machine)
	return functions, queues
}

// queueArnOf turns https://sqs.<region>.amazonaws.com/<account>/<name> into
// the queue's ARN.
func queueArnOf(t *testing.T, queueURL string) string {
	t.Helper()
	parsed, err := url.Parse(queueURL)
	require.NoError(t, err)
	hostParts := strings.Split(parsed.Host, ".")
	pathParts := strings.Split(strings.Trim(parsed.Path, "/"), "/")
	require.True(t, len(hostParts) > 2 && hostParts[0] == "sqs" && len(pathParts) == 2, "not a queue URL: %s", queueURL)
	return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", hostParts[1], pathParts[0], pathParts[1])
}

func arnIn(account, service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, account, resource)
}

// stackIAMCases are table 1 (every request the stack makes, allowed) and
// table 2 (near misses, denied).
func stackIAMCases(t *testing.T, d deployment) []iamCase {
	t.Helper()
	v := view(t, d)
	var cases []iamCase
	add := func(allow bool, name string, request judges.Request) {
		cases = append(cases, iamCase{name: name, request: request, allow: allow})
	}
	// as is a request by a session of the role, decided by its policies.
	as := func(role, action, resource string) judges.Request {
		account := accountID
		if resource != "*" {
			account = strings.Split(resource, ":")[4]
		}
		session := strings.Replace(role, ":iam::", ":sts::", 1)
		session = strings.Replace(session, ":role/", ":assumed-role/", 1) + "/session"
		return judges.Request{Principal: session, Action: action, Resource: resource, ResourceAccount: account, IdentityPolicies: v.roles[role].IdentityPolicies, PermissionsBoundary: v.roles[role].PermissionsBoundary}
	}
	// assume is service assuming role with the given source, decided by
	// the role's trust policy.
	assume := func(service, role, sourceArn, sourceAccount string) judges.Request {
		request := judges.Request{Principal: service, Action: "sts:AssumeRole", Resource: role, ResourceAccount: accountID, ResourcePolicy: v.roles[role].ResourcePolicy}
		if sourceArn != "" {
			request.Context = map[string]string{"aws:SourceArn": sourceArn, "aws:SourceAccount": sourceAccount}
		}
		return request
	}
	optional := func(on bool, name string, actions []string, role string) {
		for _, action := range actions {
			add(on, fmt.Sprintf("%s (%s) %s", name, map[bool]string{true: "on", false: "off"}[on], action), as(role, action, "*"))
		}
	}
	workers := map[string]bool{}
	for _, m := range v.mappings {
		workers[m.worker.role] = true
	}

	for _, m := range v.machines {
		// Whichever ARN Step Functions names as the source of an execution
		// on the alias (see NewWorkflow): the machine, the alias, a version.
		for _, source := range append([]string{m.arn}, m.qualified...) {
			add(true, m.name+": Step Functions assumes its role for "+source, assume("states.amazonaws.com", m.role, source, accountID))
		}
		for _, other := range v.machines {
			if other.arn != m.arn {
				add(false, m.name+": another state machine of the stack assumes its role", assume("states.amazonaws.com", m.role, other.arn, accountID))
			}
		}
		add(false, m.name+": a state machine whose name starts with this one's assumes its role", assume("states.amazonaws.com", m.role, m.arn+"-other", accountID))
		add(false, m.name+": a version of that state machine assumes its role", assume("states.amazonaws.com", m.role, m.arn+"-other:1", accountID))
		add(false, m.name+": the same name in another account assumes its role", assume("states.amazonaws.com", m.role, arnIn(strangerAccount, "states", "stateMachine:"+m.name), strangerAccount))
		add(false, m.name+": its ARN with another source account", assume("states.amazonaws.com", m.role, m.arn, strangerAccount))
		add(false, m.name+": Step Functions without a source assumes its role", assume("states.amazonaws.com", m.role, "", ""))
		add(false, m.name+": Lambda assumes its role", assume("lambda.amazonaws.com", m.role, m.arn, accountID))

		for _, function := range m.invokes {
			add(true, m.name+": invokes "+function, as(m.role, "lambda:InvokeFunction", function))
			unqualified := function[:strings.LastIndex(function, ":")]
			add(false, m.name+": changes the code of "+unqualified, as(m.role, "lambda:UpdateFunctionCode", unqualified))
			add(false, m.name+": invokes a function whose name starts with "+unqualified, as(m.role, "lambda:InvokeFunction", unqualified+"-other:1"))
			stranger := strings.Replace(function, ":"+accountID+":", ":"+strangerAccount+":", 1)
			add(false, m.name+": invokes a stranger's function "+stranger, as(m.role, "lambda:InvokeFunction", stranger))
		}
		for _, f := range v.functions {
			if !slices.ContainsFunc(m.invokes, func(named string) bool { return strings.HasPrefix(named, f.arn+":") }) {
				add(false, m.name+": invokes "+f.name+", which its definition does not name", as(m.role, "lambda:InvokeFunction", f.arn+":1"))
			}
		}
		for _, queue := range m.sendsTo {
			add(true, m.name+": sends to "+queue, as(m.role, "sqs:SendMessage", queue))
		}
		for _, queue := range v.deadLetterQueues {
			add(false, m.name+": sends to the dead-letter queue "+queue, as(m.role, "sqs:SendMessage", queue))
		}
		// Whatever logLevel says, so switching logging on races no IAM change (see NewWorkflow).
		optional(true, m.name+": log delivery", logDeliveryActions, m.role)
		// Constant like log delivery, so switching tracing on races no IAM change either.
		optional(true, m.name+": tracing", tracingActions, m.role)
		add(false, m.name+": reports a task result", as(m.role, taskReportActions[0], "*"))
	}

	for _, f := range v.functions {
		add(true, f.name+": Lambda assumes its role", assume("lambda.amazonaws.com", f.role, "", ""))
		for _, m := range v.machines {
			add(false, f.name+": "+m.name+" assumes its role", assume("states.amazonaws.com", f.role, m.arn, accountID))
		}
		for _, group := range v.logGroups {
			for _, action := range functionLogActions {
				add(group == f.logGroup, f.name+": "+action+" in "+group, as(f.role, action, group+":log-stream:2026/11/25/[7]0123456789abcdef"))
			}
		}
		add(false, f.name+": creates its log group", as(f.role, "logs:CreateLogGroup", f.logGroup))
		add(false, f.name+": changes its own code", as(f.role, "lambda:UpdateFunctionCode", f.arn))
		optional(f.tracing, f.name+": tracing", tracingActions, f.role)
		if !workers[f.role] {
			add(false, f.name+", not a worker: reports a task result", as(f.role, taskReportActions[0], "*"))
		}
	}

	for _, m := range v.mappings {
		worker := m.worker
		for _, action := range queueConsumerActions {
			add(true, worker.name+": "+action+" on its queue", as(worker.role, action, m.queue))
		}
		for _, action := range taskReportActions {
			add(true, worker.name+": reports task results with "+action, as(worker.role, action, "*"))
		}
		for _, action := range []string{"sqs:PurgeQueue", "sqs:SendMessage"} {
			add(false, worker.name+": "+action+" on its queue", as(worker.role, action, m.queue))
		}
		for _, queue := range v.deadLetterQueues {
			add(false, worker.name+": consumes the dead-letter queue", as(worker.role, queueConsumerActions[0], queue))
		}
		for _, machine := range v.machines {
			add(false, worker.name+": starts an execution of "+machine.name, as(worker.role, "states:StartExecution", machine.arn))
		}
	}
	return cases
}

// boundary is the permissions boundary the stack's roles carry: the ARN
// the default config names and the document an administrator creates it from.
type boundary struct{ arn, document string }

func permissionsBoundary(t *testing.T) boundary {
	t.Helper()
	document, err := os.ReadFile("../infra/permissions-boundary.json")
	require.NoError(t, err)
	return boundary{arn: "arn:aws:iam::" + accountID + ":policy/" + infra.DefaultPermissionsBoundary(project), document: projectname.Render(string(document), project)}
}

// TestBoundaryCapsARoleWithAnyPolicy is the escalation the boundary closes:
// a deployer that gives a stack role an administrator's inline policy still
// gets a role that can do only what the workflows need. Each workflow
// request allowed under the boundary is in TestIAMSimulation; here, with
// "Action": "*" on "*", the requests a stolen role would make are denied,
// and one workflow request of each kind stays allowed.
func TestBoundaryCapsARoleWithAnyPolicy(t *testing.T) {
	b := permissionsBoundary(t)
	admin := []judges.Policy{{Name: "admin", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}
	session := "arn:aws:sts::" + accountID + ":assumed-role/" + prefix + "-escalated/session"
	as := func(action, resource string) judges.Request {
		return judges.Request{Principal: session, Action: action, Resource: resource, ResourceAccount: accountID, IdentityPolicies: admin, PermissionsBoundary: b.document}
	}
	v := view(t, deployDefault(t))
	var cases []iamCase
	add := func(allow bool, name string, r judges.Request) {
		cases = append(cases, iamCase{name: name, request: r, allow: allow})
	}
	for _, f := range v.functions {
		add(true, "invokes "+f.name, as("lambda:InvokeFunction", f.arn+":7"))
		add(false, "changes the code of "+f.name, as("lambda:UpdateFunctionCode", f.arn))
		add(true, "writes to "+f.logGroup, as("logs:PutLogEvents", f.logGroup+":log-stream:s"))
	}
	for _, m := range v.mappings {
		add(true, "consumes "+m.queue, as("sqs:ReceiveMessage", m.queue))
		add(false, "purges "+m.queue, as("sqs:PurgeQueue", m.queue))
	}
	for _, m := range v.machines {
		add(false, "starts "+m.name, as("states:StartExecution", m.arn))
		add(false, "rewrites "+m.name, as("states:UpdateStateMachine", m.arn))
	}
	add(true, "reports a task result", as(taskReportActions[0], "*"))
	add(false, "invokes another project's function", as("lambda:InvokeFunction", arnIn(accountID, "lambda", "function:payroll")))
	add(false, "creates a user", as("iam:CreateUser", "arn:aws:iam::"+accountID+":user/backdoor"))
	add(false, "passes a role", as("iam:PassRole", "arn:aws:iam::"+accountID+":role/admin"))
	add(false, "lifts its own boundary", as("iam:DeleteRolePermissionsBoundary", "arn:aws:iam::"+accountID+":role/"+prefix+"-escalated"))
	add(false, "rewrites the boundary", as("iam:CreatePolicyVersion", b.arn))
	add(false, "reads a bucket", as("s3:GetObject", "arn:aws:s3:::payroll/salaries.csv"))
	add(false, "reads a secret", as("secretsmanager:GetSecretValue", arnIn(accountID, "secretsmanager", "secret:db-AbCdEf")))
	judgeIAM(t, cases)
}
