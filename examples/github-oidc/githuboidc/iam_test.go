package githuboidc

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/judges"
	"stepfunctions-go/internal/projectname"
)

// A GitHub OIDC token as IAM sees it: the two claims a trust policy tests.
// GitHub's subject forms (OpenID Connect reference): repo:<repo>:environment:<name>
// for a job that names an environment, repo:<repo>:ref:<ref> for one that
// does not, repo:<repo>:pull_request for a pull_request run (forks included).
type token struct{ aud, sub string }

func (tk token) context() map[string]string {
	c := map[string]string{}
	if tk.aud != "" {
		c[audienceKey] = tk.aud
	}
	if tk.sub != "" {
		c[subjectKey] = tk.sub
	}
	return c
}

type trustCase struct {
	name     string
	provider string // the principal: the provider that issued the token
	token    token
	allow    bool
}

// judgeTrust asks the IAM simulator whether each token may assume the role
// with this trust policy.
func judgeTrust(t *testing.T, roleArn, trust string, cases []trustCase) {
	t.Helper()
	requests := make([]judges.Request, len(cases))
	for i, c := range cases {
		requests[i] = judges.Request{
			Principal: c.provider, Action: "sts:AssumeRoleWithWebIdentity", Resource: roleArn, ResourceAccount: account,
			Context: c.token.context(), ResourcePolicy: trust,
		}
	}
	decisions, err := judges.SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
	for i, c := range cases {
		assert.Equal(t, c.allow, decisions[i].Result == "Allowed", "%s: %s: %s (decisive: %v)", roleArn, c.name, decisions[i].Result, decisions[i].Decisive)
	}
}

// TestTrustPoliciesAdmitOnlyTheirWorkflows runs both roles' trust policies
// through the IAM simulator with the tokens GitHub issues to this
// repository's jobs and to everyone else's.
func TestTrustPoliciesAdmitOnlyTheirWorkflows(t *testing.T) {
	const (
		sts       = "sts.amazonaws.com"
		otherRepo = "octo-org/other-repo"
		fork      = "mallory/my-workflows"
		gitlab    = "arn:aws:iam::" + account + ":oidc-provider/gitlab.com"
	)
	tests := []struct {
		name, repository string
		deploy, preview  []trustCase
	}{
		{
			name:       "owner/repo",
			repository: repository,
			deploy: []trustCase{
				{"main's deploy job in the production environment", providerArn, token{sts, "repo:" + repository + ":environment:production"}, true},
				{"a job on main without the environment (it would skip the reviewers)", providerArn, token{sts, "repo:" + repository + ":ref:refs/heads/main"}, false},
				{"another branch", providerArn, token{sts, "repo:" + repository + ":ref:refs/heads/feature"}, false},
				{"a tag", providerArn, token{sts, "repo:" + repository + ":ref:refs/tags/v1.0.0"}, false},
				{"another environment", providerArn, token{sts, "repo:" + repository + ":environment:staging"}, false},
				{"a pull request, a fork's included", providerArn, token{sts, "repo:" + repository + ":pull_request"}, false},
				{"another repository's production", providerArn, token{sts, "repo:" + otherRepo + ":environment:production"}, false},
				{"a fork's production", providerArn, token{sts, "repo:" + fork + ":environment:production"}, false},
				{"a token for another audience", providerArn, token{"https://github.com/octo-org", "repo:" + repository + ":environment:production"}, false},
				{"a token without an audience", providerArn, token{"", "repo:" + repository + ":environment:production"}, false},
				{"a token without a subject", providerArn, token{sts, ""}, false},
				{"another provider's token with the same claims", gitlab, token{sts, "repo:" + repository + ":environment:production"}, false},
			},
			preview: []trustCase{
				{"a pull request", providerArn, token{sts, "repo:" + repository + ":pull_request"}, true},
				{"main's deploy job", providerArn, token{sts, "repo:" + repository + ":environment:production"}, false},
				{"a push to main", providerArn, token{sts, "repo:" + repository + ":ref:refs/heads/main"}, false},
				{"another repository's pull request", providerArn, token{sts, "repo:" + otherRepo + ":pull_request"}, false},
				{"a token for another audience", providerArn, token{"https://github.com/octo-org", "repo:" + repository + ":pull_request"}, false},
				{"a token without an audience", providerArn, token{"", "repo:" + repository + ":pull_request"}, false},
			},
		},
		{
			// With immutable subject claims a recycled name no longer
			// matches: the IDs are part of the subject.
			name:       "immutable subject claims",
			repository: "octo-org@123456/my-workflows@456789",
			deploy: []trustCase{
				{"main's deploy job", providerArn, token{sts, "repo:octo-org@123456/my-workflows@456789:environment:production"}, true},
				{"a recreated repository of the same name", providerArn, token{sts, "repo:octo-org@123456/my-workflows@999999:environment:production"}, false},
				{"the name-only subject", providerArn, token{sts, "repo:octo-org/my-workflows:environment:production"}, false},
			},
			preview: []trustCase{
				{"a pull request", providerArn, token{sts, "repo:octo-org@123456/my-workflows@456789:pull_request"}, true},
				{"a recreated owner of the same name", providerArn, token{sts, "repo:octo-org@777/my-workflows@456789:pull_request"}, false},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, stack, map[string]string{"githubRepository": tc.repository})
			require.NoError(t, r.err)
			judgeTrust(t, r.exports["deployRoleArn"].(string), str(t, r.one(t, roleType, "deploy"), "assumeRolePolicy"), tc.deploy)
			judgeTrust(t, r.exports["previewRoleArn"].(string), str(t, r.one(t, roleType, "preview"), "assumeRolePolicy"), tc.preview)
		})
	}
}

// permissionCase is one request a role's session makes.
type permissionCase struct {
	name, action, resource string
	context                map[string]string
	allow                  bool
}

func judgePermissions(t *testing.T, roleArn string, policies []judges.Policy, cases []permissionCase) {
	t.Helper()
	session := strings.Replace(roleArn, ":iam::", ":sts::", 1)
	session = strings.Replace(session, ":role/", ":assumed-role/", 1) + "/GitHubActions"
	requests := make([]judges.Request, len(cases))
	for i, c := range cases {
		requests[i] = judges.Request{Principal: session, Action: c.action, Resource: c.resource, ResourceAccount: account, Context: c.context, IdentityPolicies: policies}
	}
	decisions, err := judges.SimulateIAM(t.Context(), requests)
	require.NoError(t, err)
	for i, c := range cases {
		assert.Equal(t, c.allow, decisions[i].Result == "Allowed", "%s: %s %s on %s: %s (decisive: %v)", roleArn, c.name, c.action, c.resource, decisions[i].Result, decisions[i].Decisive)
	}
}

// rolePolicies are the policies the program gives a role: inline ones and
// the attached deployer policy.
func rolePolicies(t *testing.T, r result, roleName string) []judges.Policy {
	t.Helper()
	var policies []judges.Policy
	for _, p := range r.ofType(rolePolicyType) {
		if str(t, p.inputs, "role") == roleName {
			policies = append(policies, judges.Policy{Name: p.name, Document: str(t, p.inputs, "policy")})
		}
	}
	for _, a := range r.ofType(attachmentType) {
		if str(t, a.inputs, "role") != roleName {
			continue
		}
		for _, p := range r.ofType(policyType) {
			if strings.HasSuffix(str(t, a.inputs, "policyArn"), ":policy/"+str(t, p.inputs, "name")) {
				policies = append(policies, judges.Policy{Name: p.name, Document: str(t, p.inputs, "policy")})
			}
		}
	}
	require.NotEmpty(t, policies, "role %s has no policy", roleName)
	return policies
}

// deployerRequest is an action infra/deployer-policy.json allows, on a
// concrete resource its statement's patterns match.
type deployerRequest struct {
	sid, action, resource string
}

// resourceTypeOf names, for a statement whose resources are of several
// types, the type each of its actions acts on (Service Authorization
// Reference).
var resourceTypeOf = map[string]string{
	"states:StartExecution":      "stateMachine",
	"states:StartSyncExecution":  "stateMachine",
	"states:DescribeExecution":   "execution",
	"states:GetExecutionHistory": "execution",
	"states:ListExecutions":      "stateMachine",
	"logs:FilterLogEvents":       "log-group",
	"logs:StartLiveTail":         "log-group",
}

// deployerRequests reads infra/deployer-policy.json's unconditional Allow
// statements that name resources (a "*" statement has none to try): each
// action on its statement's resource pattern made concrete in this account
// and Region.
func deployerRequests(t *testing.T) []deployerRequest {
	t.Helper()
	var document struct {
		Statement []struct {
			Sid, Effect      string
			Action, Resource stringList
			Condition        json.RawMessage
		}
	}
	require.NoError(t, json.Unmarshal([]byte(projectname.Render(infra.DeployerPolicyJSON, workflowProject(t))), &document))
	var requests []deployerRequest
	for _, s := range document.Statement {
		if s.Effect != "Allow" || s.Resource[0] == "*" || s.Condition != nil {
			continue
		}
		byType := map[string]string{}
		for _, pattern := range s.Resource {
			parts := strings.SplitN(pattern, ":", 6)
			require.Len(t, parts, 6, "%s: resource %s", s.Sid, pattern)
			parts[1] = "aws"
			if parts[3] == "*" {
				parts[3] = region
			}
			if parts[4] == "*" {
				parts[4] = account
			}
			parts[5] = strings.ReplaceAll(parts[5], "*", "x")
			typ, _, _ := strings.Cut(parts[5], ":")
			typ, _, _ = strings.Cut(typ, "/")
			byType[typ] = strings.Join(parts, ":")
		}
		for _, action := range s.Action {
			resource := s.Resource[0]
			if len(byType) == 1 {
				for _, only := range byType {
					resource = only
				}
			} else {
				typ, ok := resourceTypeOf[action]
				require.True(t, ok, "%s: %s acts on one of several resource types: name it in resourceTypeOf", s.Sid, action)
				resource, ok = byType[typ]
				require.True(t, ok, "%s: %s acts on a %s, which the statement does not name", s.Sid, action, typ)
			}
			requests = append(requests, deployerRequest{s.Sid, action, resource})
		}
	}
	require.NotEmpty(t, requests)
	return requests
}

// Verbs by what a preview may do: read, and nothing that changes AWS.
var (
	previewReads  = []string{"Get", "List", "Describe"}
	previewWrites = []string{"Create", "Update", "Delete", "Put", "Publish", "Tag", "Untag", "Pass", "Set", "Subscribe", "Unsubscribe", "Start", "Send", "Filter"}
)

func hasVerb(action string, verbs []string) bool {
	_, name, _ := strings.Cut(action, ":")
	for _, verb := range verbs {
		if strings.HasPrefix(name, verb) {
			return true
		}
	}
	return false
}

// TestPreviewRoleOnlyReads runs the preview role's policies through the
// simulator for every action the deployer policy allows on the stack's
// resources: it may read each of them and change none, and of the state
// bucket it may read everything but write only the stack's lock.
func TestPreviewRoleOnlyReads(t *testing.T) {
	r := run(t, stack, nil)
	require.NoError(t, r.err)
	previewRole := str(t, r.one(t, roleType, "preview"), "name")
	var cases []permissionCase
	for _, d := range deployerRequests(t) {
		switch {
		case hasVerb(d.action, previewReads):
			cases = append(cases, permissionCase{d.sid, d.action, d.resource, nil, true})
		case hasVerb(d.action, previewWrites):
			cases = append(cases, permissionCase{d.sid, d.action, d.resource, nil, false})
		default:
			t.Errorf("%s: %s is neither a read nor a write to this test: add its verb to one list", d.sid, d.action)
		}
	}
	bucket := "arn:aws:s3:::" + bucketName
	workflow := workflowProject(t)
	cases = append(cases,
		permissionCase{"state", "s3:ListBucket", bucket, nil, true},
		permissionCase{"state", "s3:GetObject", bucket + "/.pulumi/stacks/" + workflow + "/dev.json", nil, true},
		permissionCase{"state", "s3:PutObject", bucket + "/.pulumi/locks/organization/" + workflow + "/dev/lock.json", nil, true},
		permissionCase{"state", "s3:DeleteObject", bucket + "/.pulumi/locks/organization/" + workflow + "/dev/lock.json", nil, true},
		permissionCase{"state", "s3:PutObject", bucket + "/.pulumi/stacks/" + workflow + "/dev.json", nil, false},
		permissionCase{"state", "s3:DeleteObject", bucket + "/.pulumi/stacks/" + workflow + "/dev.json", nil, false},
		permissionCase{"state", "s3:DeleteBucket", bucket, nil, false},
		// The log delivery and event source mapping writes, whose
		// statements name no resource above.
		permissionCase{"log delivery", "logs:CreateLogDelivery", "*", nil, false},
		permissionCase{"log delivery", "logs:PutResourcePolicy", "*", nil, false},
		permissionCase{"event source mapping", "lambda:CreateEventSourceMapping", "*", nil, false},
		permissionCase{"account", "sts:GetCallerIdentity", "*", nil, true},
	)
	judgePermissions(t, "arn:aws:iam::"+account+":role/"+previewRole, rolePolicies(t, r, previewRole), cases)
}

// TestDeployRoleCannotWidenItsOwnPower: the deploy role manages the
// stack's roles under the boundary the bootstrap creates, and cannot touch
// the bootstrap's own roles and policies, whose names lie outside the
// deployer policy's patterns.
func TestDeployRoleCannotWidenItsOwnPower(t *testing.T) {
	r := run(t, stack, nil)
	require.NoError(t, r.err)
	deployRole := str(t, r.one(t, roleType, "deploy"), "name")
	deployRoleArn := r.exports["deployRoleArn"].(string)
	previewRoleArn := r.exports["previewRoleArn"].(string)
	boundaryArn := r.exports["permissionsBoundaryArn"].(string)
	deployerArn := r.exports["deployerPolicyArn"].(string)
	workflow := workflowProject(t)
	stackRole := "arn:aws:iam::" + account + ":role/" + workflow + "-dev-a-new-role-us-east-1"
	withBoundary := func(arn string) map[string]string { return map[string]string{"iam:PermissionsBoundary": arn} }
	cases := []permissionCase{
		{"creates a stack role under the bootstrap's boundary", "iam:CreateRole", stackRole, withBoundary(boundaryArn), true},
		{"creates a stack role under another boundary", "iam:CreateRole", stackRole, withBoundary("arn:aws:iam::" + account + ":policy/AdministratorAccess"), false},
		{"rewrites the boundary", "iam:CreatePolicyVersion", boundaryArn, nil, false},
		{"rewrites its own policy", "iam:CreatePolicyVersion", deployerArn, nil, false},
		{"state", "s3:PutObject", "arn:aws:s3:::" + bucketName + "/.pulumi/stacks/" + workflow + "/dev.json", nil, true},
	}
	for _, role := range []string{deployRoleArn, previewRoleArn} {
		for _, action := range []string{"iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRole"} {
			cases = append(cases, permissionCase{"changes the bootstrap's role", action, role, nil, false})
		}
	}
	judgePermissions(t, deployRoleArn, rolePolicies(t, r, deployRole), cases)
}
