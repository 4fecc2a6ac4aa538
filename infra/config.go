package infra

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
)

// Config is the stack's validated configuration. Every key is declared, with
// the same default and a description, in Pulumi.yaml.
type Config struct {
	Architecture         bundle.Arch
	WorkflowType         string
	LogLevel             string
	IncludeExecutionData bool
	LogRetentionDays     int
	Tracing              bool
	LambdaMemoryMB       int
	LambdaTimeoutSeconds int
	CallbackWorkflow     bool
	// CanaryPercent is the share of new executions the live alias sends to
	// a newly published version while the rest stay on the stable one
	// (infra/alias.go); 0 routes everything to the newest version.
	CanaryPercent int
	// PermissionsBoundary names the customer managed policy every role the
	// stack creates carries as its permissions boundary; an administrator
	// creates it once from infra/permissions-boundary.json.
	// PermissionsBoundaryArn is its ARN, set once the account is known.
	PermissionsBoundary    string
	PermissionsBoundaryArn string
	// AlarmEmail is the address subscribed to the alarms' topic; empty for none.
	AlarmEmail string

	// Names derive from project and stack so stacks can share an account.
	Names Names
}

// Defaults, mirrored in Pulumi.yaml (a test keeps the two equal).
const (
	DefaultArchitecture         = bundle.ARM64
	DefaultWorkflowType         = "STANDARD"
	DefaultLogLevel             = "ERROR"
	DefaultLogRetentionDays     = 14
	DefaultLambdaMemoryMB       = lambdas.DefaultMemoryMB
	DefaultLambdaTimeoutSeconds = lambdas.DefaultTimeoutSeconds
)

// DefaultPermissionsBoundary is the policy the README's one-time
// administrator step creates for project; Pulumi.yaml's default, empty,
// stands for it, since a YAML default cannot follow the project's name.
func DefaultPermissionsBoundary(project string) string {
	return project + "-permissions-boundary"
}

var (
	workflowTypes = []string{"STANDARD", "EXPRESS"}
	logLevels     = []string{"ALL", "ERROR", "FATAL", "OFF"}
	// retentionDays are the only values CloudWatch Logs accepts.
	retentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)

// Lambda's own limits.
const (
	minMemoryMB      = 128
	maxMemoryMB      = 10240
	maxLambdaTimeout = 900
)

// maxCanaryPercent leaves the stable version at least 1 %: an alias's two
// weights add up to 100, and a canary of 100 % would be a promotion.
const maxCanaryPercent = 99

// LoadConfig reads and checks the configuration. It returns every invalid
// key at once, each named with its allowed values, before the program
// registers any resource. shortestTaskTimeout is the workflow's smallest Task
// TimeoutSeconds, which a function's own timeout must stay under.
func LoadConfig(ctx *pulumi.Context, shortestTaskTimeout int) (Config, error) {
	r := reader{cfg: config.New(ctx, ""), project: ctx.Project()}
	maxTimeout := min(maxLambdaTimeout, shortestTaskTimeout-1)
	c := Config{
		Architecture:         bundle.Arch(r.oneOf("architecture", string(DefaultArchitecture), archNames())),
		WorkflowType:         r.oneOf("workflowType", DefaultWorkflowType, workflowTypes),
		LogLevel:             r.oneOf("logLevel", DefaultLogLevel, logLevels),
		IncludeExecutionData: r.boolean("includeExecutionData", false),
		LogRetentionDays: r.integer("logRetentionDays", DefaultLogRetentionDays,
			func(days int) bool { return slices.Contains(retentionDays, days) },
			"one of the values CloudWatch Logs accepts: "+joinInts(retentionDays)),
		Tracing: r.boolean("tracing", false),
		LambdaMemoryMB: r.integer("lambdaMemoryMb", DefaultLambdaMemoryMB,
			func(mb int) bool { return mb >= minMemoryMB && mb <= maxMemoryMB },
			fmt.Sprintf("a whole number of MB from %d to %d", minMemoryMB, maxMemoryMB)),
		LambdaTimeoutSeconds: r.integer("lambdaTimeoutSeconds", DefaultLambdaTimeoutSeconds,
			func(seconds int) bool { return seconds >= 1 && seconds <= maxTimeout },
			fmt.Sprintf("from 1 to %d seconds: below the workflow's shortest Task TimeoutSeconds (%d s in statemachine/), and Lambda allows at most %d", maxTimeout, shortestTaskTimeout, maxLambdaTimeout)),
	}
	c.CallbackWorkflow = r.boolean("callbackWorkflow", true)
	c.CanaryPercent = r.integer("canaryPercent", 0,
		func(percent int) bool { return percent >= 0 && percent <= maxCanaryPercent },
		fmt.Sprintf("a whole percentage from 0 (send every new execution to the newest version) to %d", maxCanaryPercent))
	c.PermissionsBoundary = r.boundaryName("permissionsBoundary", DefaultPermissionsBoundary(ctx.Project()))
	c.AlarmEmail = r.email("alarmEmail")
	if c.CallbackWorkflow && c.WorkflowType == "EXPRESS" {
		r.errs = append(r.errs, fmt.Errorf("config %s:workflowType = EXPRESS cannot run the callback workflow: Express workflows cannot wait for a task token; set %s:callbackWorkflow false, or workflowType STANDARD", r.project, r.project))
	}
	names, err := NewNames(ctx.Project(), ctx.Stack(), c.WorkflowType)
	if err != nil {
		r.errs = append(r.errs, err)
	}
	c.Names = names
	return c, errors.Join(r.errs...)
}

// reader reads typed settings and collects what is wrong with them.
type reader struct {
	cfg     *config.Config
	project string
	errs    []error
}

func (r *reader) invalid(key, value, allowed string) {
	r.errs = append(r.errs, fmt.Errorf("config %s:%s = %q is invalid: use %s", r.project, key, value, allowed))
}

func (r *reader) oneOf(key, fallback string, allowed []string) string {
	value := r.cfg.Get(key)
	if value == "" {
		return fallback
	}
	if !slices.Contains(allowed, value) {
		r.invalid(key, value, "one of "+strings.Join(allowed, ", "))
	}
	return value
}

func (r *reader) integer(key string, fallback int, valid func(int) bool, allowed string) int {
	value := r.cfg.Get(key)
	if value == "" {
		return fallback
	}
	number, err := strconv.Atoi(value)
	if err != nil || !valid(number) {
		r.invalid(key, value, allowed)
	}
	return number
}

// policyNamePattern is what IAM allows in a managed policy's name.
var policyNamePattern = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,128}$`)

// boundaryName reads the name of the permissions boundary policy. It must
// begin with "<project>-": the deployer policy lets roles be created only
// under a boundary named so, and gives the deployer no way to create or
// change such a policy.
func (r *reader) boundaryName(key, fallback string) string {
	value := r.cfg.Get(key)
	if value == "" {
		return fallback
	}
	if !policyNamePattern.MatchString(value) || !strings.HasPrefix(value, r.project+"-") {
		r.invalid(key, value, fmt.Sprintf("the name of a customer managed policy that begins with %q (the deployer policy allows no other boundary): letters, digits and +=,.@_- only, at most 128 characters", r.project+"-"))
	}
	return value
}

// emailPattern is the HTML standard's "valid e-mail address"
// (https://html.spec.whatwg.org/multipage/input.html#valid-e-mail-address)
// with a dot required in the domain: SNS must be able to deliver to it.
var emailPattern = regexp.MustCompile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")

// maxEmailLength is the longest address SMTP carries (RFC 5321, 4.5.3.1.3).
const maxEmailLength = 254

// email reads an optional email address; empty means none.
func (r *reader) email(key string) string {
	value := r.cfg.Get(key)
	if value != "" && (len(value) > maxEmailLength || !emailPattern.MatchString(value)) {
		r.invalid(key, value, fmt.Sprintf("one email address such as ops@example.com, at most %d characters: letters, digits and .!#$%%&'*+/=?^_`{|}~- before the @, a domain with at least one dot after it (no spaces, commas or display names); or leave it unset for no subscription", maxEmailLength))
	}
	return value
}

func (r *reader) boolean(key string, fallback bool) bool {
	value := r.cfg.Get(key)
	if value == "" {
		return fallback
	}
	parsed, err := strconv.ParseBool(value)
	if err != nil {
		r.invalid(key, value, "true or false")
	}
	return parsed
}

func archNames() []string {
	names := make([]string, len(bundle.Arches))
	for i, arch := range bundle.Arches {
		names[i] = string(arch)
	}
	return names
}

func joinInts(values []int) string {
	texts := make([]string, len(values))
	for i, value := range values {
		texts[i] = strconv.Itoa(value)
	}
	return strings.Join(texts, ", ")
}

// Names are the physical names of the stack's resources.
type Names struct {
	// Prefix is "<project>-<stack>", the start of every name.
	Prefix string
	// StateMachine carries the workflow type, because changing the type
	// replaces the state machine and AWS refuses a new one under a name that
	// is still being deleted.
	StateMachine string
	// Region is where the stack deploys, set by InRegion once the provider
	// has said. IAM is global: a role name must differ between Regions.
	Region string

	stack string
}

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Limits AWS puts on names.
const (
	maxFunctionNameLength     = 64
	maxRoleNameLength         = 64
	maxStateMachineNameLength = 80
)

// longestSuffix is the longest "-<function>" a name may get: that of the
// longest function in lambdas/, so that a new or renamed function is held to
// the limits without an edit here.
func longestSuffix() (string, error) {
	functions, err := lambdas.All()
	if err != nil {
		return "", err
	}
	longest := ""
	for _, fn := range functions {
		if len(fn.Name) > len(longest) {
			longest = fn.Name
		}
	}
	return "-" + longest, nil
}

// NewNames derives names from project and stack, and checks AWS will accept them.
func NewNames(project, stack, workflowType string) (Names, error) {
	prefix := project + "-" + stack
	names := Names{Prefix: prefix, StateMachine: prefix + "-main-" + strings.ToLower(workflowType), stack: stack}
	if !namePattern.MatchString(prefix) {
		return names, fmt.Errorf("project and stack name %q: Lambda, IAM and Step Functions names allow only letters, digits, - and _; choose a stack name made of those", prefix)
	}
	suffix, err := longestSuffix()
	if err != nil {
		return names, err
	}
	if longest := prefix + suffix; len(longest) > maxFunctionNameLength {
		fix := "choose a shorter project name"
		if allowed := len(stack) - (len(longest) - maxFunctionNameLength); allowed > 0 {
			fix = fmt.Sprintf("choose a stack name at most %d characters long", allowed)
		}
		return names, fmt.Errorf("project and stack name %q is too long: %q has %d characters and Lambda function names allow %d; %s",
			prefix, longest, len(longest), maxFunctionNameLength, fix)
	}
	if len(names.StateMachine) > maxStateMachineNameLength {
		return names, fmt.Errorf("state machine name %q is longer than the %d characters Step Functions allows", names.StateMachine, maxStateMachineNameLength)
	}
	return names, nil
}

// Resource is the physical name of the stack's resource called short: a
// function, a queue, the callback state machine.
func (n Names) Resource(short string) string { return n.Prefix + "-" + short }

// InRegion is n for a stack in region, with every role name checked
// against IAM's limit. IAM role names are global to the account, so the
// same stack in a second Region (or a stack whose aws:region changes) would
// fail with EntityAlreadyExists if its role names did not carry the Region.
func (n Names) InRegion(region string) (Names, error) {
	n.Region = region
	if !namePattern.MatchString(region) {
		return n, fmt.Errorf("region %q: role names carry the Region, which must be letters, digits and - only; set aws:region to a Region name such as us-east-1", region)
	}
	// The longest role is that of the longest function or state machine name.
	suffix, err := longestSuffix()
	if err != nil {
		return n, err
	}
	longest := n.Role(n.Prefix + suffix)
	if machine := n.Role(n.StateMachine); len(machine) > len(longest) {
		longest = machine
	}
	if len(longest) > maxRoleNameLength {
		fix := "choose a shorter project name"
		if allowed := len(n.stack) - (len(longest) - maxRoleNameLength); allowed > 0 {
			fix = fmt.Sprintf("choose a stack name at most %d characters long in %s", allowed, region)
		}
		return n, fmt.Errorf("project and stack name %q is too long for region %s: IAM role name %q has %d characters and IAM allows %d; %s",
			n.Prefix, region, longest, len(longest), maxRoleNameLength, fix)
	}
	return n, nil
}

// Role is the IAM role name of the function or state machine called name:
// the name and the Region.
func (n Names) Role(name string) string { return name + "-" + n.Region }
