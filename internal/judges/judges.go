// Package judges runs tools nobody on this project wrote over what the
// stack declares, so tests check our IAM policies and workflows against
// AWS's own data rather than against our beliefs:
//
//   - SimulateIAM: @cloud-copilot/iam-simulate, an IAM policy evaluator
//     built on AWS's service authorization data. It is AGPL-3.0: a
//     test-time tool only, never linked into a Lambda zip. A web identity
//     request (sts:AssumeRoleWithWebIdentity) may carry the OIDC keys
//     <provider>:aud and :sub, which its front door drops; judges.mjs
//     then runs the same engine on the whole context (see webIdentity).
//   - ValidateASL: amazon-states-language-service, the Amazon States
//     Language service inside the AWS Toolkit for VS Code (MIT), and
//     asl-validator (Apache-2.0). The language service checks fields and
//     JSONPath states but takes any JSONata state (a Parameters in it, a
//     broken {% %} expression); asl-validator's schema knows both languages
//     and parses every expression with the jsonata package, which
//     package.json overrides to 2.0.6, the version Step Functions
//     implements, so an operator AWS lacks (2.1's ??) is refused too.
//
// Both are npm packages pinned by js/package-lock.json, installed with
// `npm ci` on first use (internal/npmtools), and run by the Node.js 20 or
// newer on PATH: one node process per table.
package judges

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"

	"stepfunctions-go/internal/npmtools"
)

//go:embed js/package.json js/package-lock.json js/judges.mjs
var jsFiles embed.FS

// minNodeMajor is the oldest Node.js the judges are tested with.
const minNodeMajor = 20

// Policy is a named IAM policy document, as JSON.
type Policy struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// Request is one request to AWS and the policies that decide it.
type Request struct {
	// Principal makes the request: an IAM ARN, or a service principal
	// such as "states.amazonaws.com" when the request is an AssumeRole.
	Principal string
	Action    string
	Resource  string
	// ResourceAccount owns Resource.
	ResourceAccount string
	// Context holds condition keys such as aws:SourceArn.
	Context map[string]string
	// IdentityPolicies are the principal's policies.
	IdentityPolicies []Policy
	// ResourcePolicy is the resource's policy, e.g. a role's trust
	// policy; "" for none.
	ResourcePolicy string
	// PermissionsBoundary is the principal's permissions boundary, a
	// managed policy that caps its identity policies; "" for none.
	PermissionsBoundary string
}

func (r Request) String() string {
	with := ""
	if len(r.Context) > 0 {
		encoded, _ := json.Marshal(r.Context) // a map of strings always encodes
		with = " with " + string(encoded)
	}
	return fmt.Sprintf("%s: %s on %s%s", r.Principal, r.Action, r.Resource, with)
}

// Decision is the simulator's answer to one request.
type Decision struct {
	// Result is "Allowed", "ImplicitlyDenied" or "ExplicitlyDenied".
	Result string
	// Decisive names the statements that decided: those that allow an
	// Allowed request, those that deny a denied one.
	Decisive []string
}

// SimulateIAM evaluates every request in one node process and returns the
// decisions in order. A request the simulator rejects (an unknown action,
// a malformed policy, a resource of the wrong type) is an error naming the
// request, never a denial.
func SimulateIAM(ctx context.Context, requests []Request) ([]Decision, error) {
	type input struct {
		Principal           string            `json:"principal"`
		Action              string            `json:"action"`
		Resource            string            `json:"resource"`
		ResourceAccount     string            `json:"resourceAccount"`
		Context             map[string]string `json:"context"`
		IdentityPolicies    []Policy          `json:"identityPolicies"`
		ResourcePolicy      string            `json:"resourcePolicy,omitempty"`
		PermissionsBoundary string            `json:"permissionsBoundary,omitempty"`
	}
	inputs := make([]input, len(requests))
	for i, r := range requests {
		policies := r.IdentityPolicies
		if policies == nil {
			policies = []Policy{}
		}
		inputs[i] = input{r.Principal, r.Action, r.Resource, r.ResourceAccount, r.Context, policies, r.ResourcePolicy, r.PermissionsBoundary}
	}
	answers, err := run(ctx, "iam", inputs, len(requests))
	if err != nil {
		return nil, err
	}
	decisions := make([]Decision, len(answers))
	var rejected []error
	for i, raw := range answers {
		var answer struct {
			Result   string
			Decisive []string
			Error    string
		}
		if err := json.Unmarshal(raw, &answer); err != nil {
			return nil, fmt.Errorf("the IAM simulator's answer to request %d (%s) is not an answer: %v: %s", i, requests[i], err, raw)
		}
		if answer.Error != "" {
			rejected = append(rejected, fmt.Errorf("request %d (%s): %s", i, requests[i], answer.Error))
			continue
		}
		decisions[i] = Decision{Result: answer.Result, Decisive: answer.Decisive}
	}
	if len(rejected) > 0 {
		return nil, errors.Join(rejected...)
	}
	return decisions, nil
}

// Definition is a state machine definition to validate.
type Definition struct {
	// Name identifies it in diagnostics, e.g. "statemachine/main.asl.json".
	Name string
	JSON string
}

// Diagnostic is one finding of the ASL language service.
type Diagnostic struct {
	Definition   string
	Line, Column int
	Severity     string
	Message      string
}

func (d Diagnostic) String() string {
	if d.Line == 0 { // asl-validator's findings have no position
		return fmt.Sprintf("%s: %s: %s", d.Definition, d.Severity, d.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.Definition, d.Line, d.Column, d.Severity, d.Message)
}

// severities are the Language Server Protocol's DiagnosticSeverity values.
var severities = map[int]string{1: "error", 2: "warning", 3: "information", 4: "hint"}

// ValidateASL runs AWS's ASL language service and asl-validator over every
// definition in one node process and returns every diagnostic, of any
// severity.
func ValidateASL(ctx context.Context, definitions []Definition) ([]Diagnostic, error) {
	type input struct {
		Name       string `json:"name"`
		Definition string `json:"definition"`
	}
	inputs := make([]input, len(definitions))
	for i, d := range definitions {
		inputs[i] = input{d.Name, d.JSON}
	}
	answers, err := run(ctx, "asl", inputs, len(definitions))
	if err != nil {
		return nil, err
	}
	var diagnostics []Diagnostic
	for i, raw := range answers {
		var found []struct {
			Line, Character, Severity int
			Message                   string
		}
		if err := json.Unmarshal(raw, &found); err != nil {
			return nil, fmt.Errorf("the ASL validator's answer for %s is not a list of diagnostics: %v: %s", definitions[i].Name, err, raw)
		}
		for _, f := range found {
			severity, ok := severities[f.Severity]
			if !ok {
				severity = "severity " + strconv.Itoa(f.Severity)
			}
			diagnostics = append(diagnostics, Diagnostic{definitions[i].Name, f.Line, f.Character, severity, f.Message})
		}
	}
	return diagnostics, nil
}

// run feeds table to `node judges.mjs <judge>` and returns its answers,
// one per entry.
func run(ctx context.Context, judge string, table any, entries int) ([]json.RawMessage, error) {
	script, err := provision(ctx)
	if err != nil {
		return nil, err
	}
	input, err := json.Marshal(table)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s table: %w", judge, err)
	}
	cmd := exec.CommandContext(ctx, "node", script, judge)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("`node %s %s` failed: %v\n%s", script, judge, err, strings.TrimSpace(stderr.String()))
	}
	var answers []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &answers); err != nil {
		return nil, fmt.Errorf("`node %s %s` answered something other than a JSON list: %v\n%s", script, judge, err, stdout.String())
	}
	if len(answers) != entries {
		return nil, fmt.Errorf("`node %s %s` answered %d entries for %d", script, judge, len(answers), entries)
	}
	return answers, nil
}

// provision checks node and installs the judges' packages, and returns the
// path of judges.mjs beside them.
func provision(ctx context.Context) (string, error) {
	if err := checkNode(ctx); err != nil {
		return "", err
	}
	packageJSON, _ := jsFiles.ReadFile("js/package.json")
	lockfile, _ := jsFiles.ReadFile("js/package-lock.json")
	script, _ := jsFiles.ReadFile("js/judges.mjs")
	dir, err := npmtools.Install(ctx, npmtools.Packages{
		Name:        "judges-js",
		Contents:    "the test judges (@cloud-copilot/iam-simulate, amazon-states-language-service, asl-validator)",
		Tag:         "judges",
		PackageJSON: packageJSON,
		Lockfile:    lockfile,
	}, io.Discard)
	if err != nil {
		return "", err
	}
	return npmtools.WriteScript(dir, "judges", ".mjs", script)
}

func checkNode(ctx context.Context) error {
	const install = "install Node.js 20 or newer with npm (for example `apt-get install -y nodejs npm`, or Node's official packages)"
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("node is not installed: it runs the test judges (IAM simulator, AWS's ASL validator); %s", install)
	}
	output, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		return fmt.Errorf("`node --version` failed: %v; %s", err, install)
	}
	version := strings.TrimSpace(string(output))
	major, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(version, "v"), ".", 2)[0])
	if err != nil || major < minNodeMajor {
		return fmt.Errorf("node %s is too old for the test judges: %s", version, install)
	}
	return nil
}
