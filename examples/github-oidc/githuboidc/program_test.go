package githuboidc

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/projectname"
)

const (
	project    = "stepfunctions-go-github-oidc"
	stack      = "dev"
	account    = "123456789012"
	region     = "us-east-1"
	repository = "octo-org/my-workflows"
	// The ARN IAM gives GitHub's provider in this account.
	providerArn = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
	bucketName  = "stepfunctions-go-github-oidc-state-20261128"
)

// Type tokens of the resources the program declares.
const (
	providerType   = "aws:iam/openIdConnectProvider:OpenIdConnectProvider"
	policyType     = "aws:iam/policy:Policy"
	roleType       = "aws:iam/role:Role"
	attachmentType = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	rolePolicyType = "aws:iam/rolePolicy:RolePolicy"
	bucketType     = "aws:s3/bucketV2:BucketV2"
	publicType     = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	versioningType = "aws:s3/bucketVersioningV2:BucketVersioningV2"
	encryptionType = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
)

type registration struct {
	typ, name string
	inputs    resource.PropertyMap
}

// mocks answers for every resource type and invoke the program uses, as
// AWS would name them, and records each registration.
type mocks struct {
	mu         sync.Mutex
	registered []registration
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	m.registered = append(m.registered, registration{args.TypeToken, args.Name, args.Inputs})
	m.mu.Unlock()

	outs := args.Inputs.Copy()
	name := args.Name
	if v := args.Inputs["name"]; v.IsString() {
		name = v.StringValue()
	}
	switch args.TypeToken {
	case providerType:
		host := strings.TrimPrefix(args.Inputs["url"].StringValue(), "https://")
		outs["arn"] = resource.NewStringProperty("arn:aws:iam::" + account + ":oidc-provider/" + host)
	case policyType:
		outs["arn"] = resource.NewStringProperty("arn:aws:iam::" + account + ":policy/" + name)
	case roleType:
		outs["arn"] = resource.NewStringProperty("arn:aws:iam::" + account + ":role/" + name)
	case bucketType:
		outs["bucket"] = resource.NewStringProperty(bucketName)
		outs["arn"] = resource.NewStringProperty("arn:aws:s3:::" + bucketName)
		name = bucketName
	case attachmentType, rolePolicyType, publicType, versioningType, encryptionType:
	default:
		return "", nil, fmt.Errorf("unexpected resource type %s: mock it", args.TypeToken)
	}
	return name, outs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "aws:index/getRegion:getRegion" {
		return resource.NewPropertyMapFromMap(map[string]any{"name": region, "id": region}), nil
	}
	return nil, fmt.Errorf("unexpected invoke %s: mock it", args.Token)
}

type result struct {
	registered []registration
	exports    map[string]any
	err        error
}

func (r result) ofType(typ string) []registration {
	var found []registration
	for _, reg := range r.registered {
		if reg.typ == typ {
			found = append(found, reg)
		}
	}
	return found
}

func (r result) one(t *testing.T, typ, name string) resource.PropertyMap {
	t.Helper()
	for _, reg := range r.ofType(typ) {
		if reg.name == name {
			return reg.inputs
		}
	}
	require.Failf(t, "resource not declared", "no %s named %s", typ, name)
	return nil
}

// run runs Program under mocks with the defaults declared in Pulumi.yaml
// and githubRepository set, overridden by cfg, so the declared defaults are
// themselves under test.
func run(t *testing.T, stackName string, cfg map[string]string) result {
	t.Helper()
	return runAs(t, project, stackName, cfg)
}

// runAs is run under another project name, as `pulumi new` gives one.
func runAs(t *testing.T, projectName, stackName string, cfg map[string]string) result {
	t.Helper()
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
	require.Equal(t, project, proj.Name.String())
	full := map[string]string{projectName + ":githubRepository": repository}
	for key, decl := range proj.Config {
		if decl.Default != nil {
			full[projectName+":"+key] = fmt.Sprint(decl.Default)
		}
	}
	for key, v := range cfg {
		full[projectName+":"+key] = v
	}
	encoded, err := json.Marshal(full)
	require.NoError(t, err)
	t.Setenv("PULUMI_CONFIG", string(encoded))

	m := &mocks{}
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
	}, pulumi.WithMocks(projectName, stackName, m))
	return result{registered: m.registered, exports: exports, err: err}
}

func str(t *testing.T, m resource.PropertyMap, key string) string {
	t.Helper()
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsString() {
		assert.Failf(t, "missing string property", "property %q is %v", key, v)
		return ""
	}
	return v.StringValue()
}

func TestProgramCreatesTheProviderRolesAndPolicies(t *testing.T) {
	r := run(t, stack, nil)
	require.NoError(t, r.err)

	providers := r.ofType(providerType)
	require.Len(t, providers, 1)
	assert.Equal(t, "https://token.actions.githubusercontent.com", str(t, providers[0].inputs, "url"))
	assert.Equal(t, []any{"sts.amazonaws.com"}, providers[0].inputs["clientIdLists"].Mappable(),
		"the audience aws-actions/configure-aws-credentials requests")

	boundary := r.one(t, policyType, "permissions-boundary")
	assert.Equal(t, infra.DefaultPermissionsBoundary(workflowProject(t)), str(t, boundary, "name"),
		"the boundary must have the name the workflow stack's permissionsBoundary defaults to")
	assert.Equal(t, projectname.Render(infra.PermissionsBoundaryJSON, workflowProject(t)), str(t, boundary, "policy"))
	assert.NotContains(t, str(t, boundary, "policy"), projectname.Placeholder, "the boundary names the workflow project")
	deployer := r.one(t, policyType, "deployer")
	assert.Equal(t, projectname.Render(infra.DeployerPolicyJSON, workflowProject(t)), str(t, deployer, "policy"))

	deployRole := "gha-" + project + "-" + stack + "-deploy"
	previewRole := "gha-" + project + "-" + stack + "-preview"
	assert.Equal(t, deployRole, str(t, r.one(t, roleType, "deploy"), "name"))
	assert.Equal(t, previewRole, str(t, r.one(t, roleType, "preview"), "name"))
	attachment := r.one(t, attachmentType, "deploy-deployer")
	assert.Equal(t, deployRole, str(t, attachment, "role"))
	assert.Equal(t, "arn:aws:iam::"+account+":policy/gha-"+project+"-"+stack+"-deployer", str(t, attachment, "policyArn"))
	// Only the deployer policy grants the deploy role anything on AWS
	// beyond the state bucket; the preview role has its read-only policy.
	var rolePolicies []string
	for _, p := range r.ofType(rolePolicyType) {
		rolePolicies = append(rolePolicies, str(t, p.inputs, "role")+"/"+p.name)
	}
	assert.ElementsMatch(t, []string{deployRole + "/deploy-state", previewRole + "/preview-read", previewRole + "/preview-state"}, rolePolicies)
	assert.Len(t, r.ofType(attachmentType), 1)

	bucket := r.one(t, bucketType, "state")
	assert.LessOrEqual(t, len(str(t, bucket, "bucketPrefix")), 37, "AWS's limit on a bucket prefix")
	for _, typ := range []string{publicType, versioningType, encryptionType} {
		assert.Equal(t, bucketName, str(t, r.one(t, typ, "state"), "bucket"), typ)
	}
	public := r.one(t, publicType, "state")
	for _, key := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
		assert.True(t, public[resource.PropertyKey(key)].BoolValue(), key)
	}

	assert.Equal(t, map[string]any{
		"oidcProviderArn":        providerArn,
		"deployRoleArn":          "arn:aws:iam::" + account + ":role/" + deployRole,
		"previewRoleArn":         "arn:aws:iam::" + account + ":role/" + previewRole,
		"permissionsBoundaryArn": "arn:aws:iam::" + account + ":policy/" + infra.DefaultPermissionsBoundary(workflowProject(t)),
		"deployerPolicyArn":      "arn:aws:iam::" + account + ":policy/gha-" + project + "-" + stack + "-deployer",
		"stateBucketName":        bucketName,
		"backendUrl":             "s3://" + bucketName + "?region=" + region,
	}, r.exports)
}

func TestProgramReusesAnExistingProvider(t *testing.T) {
	const existing = "arn:aws:iam::" + account + ":oidc-provider/token.actions.githubusercontent.com"
	r := run(t, stack, map[string]string{"oidcProviderArn": existing})
	require.NoError(t, r.err)
	assert.Empty(t, r.ofType(providerType), "IAM holds one provider per issuer: an existing one must not be created again")
	for _, role := range []string{"deploy", "preview"} {
		assert.Contains(t, str(t, r.one(t, roleType, role), "assumeRolePolicy"), `"Federated":["`+existing+`"]`, role)
	}
	assert.Equal(t, existing, r.exports["oidcProviderArn"])
}

func TestProgramWithoutTheStateBucket(t *testing.T) {
	r := run(t, stack, map[string]string{"stateBucket": "false"})
	require.NoError(t, r.err)
	for _, typ := range []string{bucketType, publicType, versioningType, encryptionType} {
		assert.Empty(t, r.ofType(typ), typ)
	}
	for _, p := range r.ofType(rolePolicyType) {
		assert.NotContains(t, p.name, "state")
	}
	assert.NotContains(t, r.exports, "backendUrl")
	assert.NotContains(t, r.exports, "stateBucketName")
	assert.Contains(t, r.exports, "deployRoleArn")
}

func TestProgramRefusesBadSettingsBeforeAnyResource(t *testing.T) {
	tests := []struct {
		name, stack string
		cfg         map[string]string
		wantErr     string
	}{
		{"no repository", stack, map[string]string{"githubRepository": ""}, project + ":githubRepository is not set"},
		{"an owner alone", stack, map[string]string{"githubRepository": "octo-org"}, "want <owner>/<repo>"},
		{"a wildcard repository", stack, map[string]string{"githubRepository": "octo-org/*"}, "no wildcards"},
		{"a URL", stack, map[string]string{"githubRepository": "https://github.com/octo-org/my-workflows"}, "want <owner>/<repo>"},
		{"a wildcard environment", stack, map[string]string{"deployEnvironment": "prod*"}, project + ":deployEnvironment"},
		{"an environment with the subject's separator", stack, map[string]string{"deployEnvironment": "production:ref"}, "without *, ? or :"},
		{"another issuer's provider", stack, map[string]string{"oidcProviderArn": "arn:aws:iam::" + account + ":oidc-provider/gitlab.com"}, project + ":oidcProviderArn"},
		{"a boundary name IAM refuses", stack, map[string]string{"permissionsBoundary": "my boundary"}, project + ":permissionsBoundary"},
		{"stateBucket not a boolean", stack, map[string]string{"stateBucket": "yes"}, project + ":stateBucket"},
		{"a stack name too long for the role names", strings.Repeat("s", 24), nil, "use a stack name at most 23 characters long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.stack, tc.cfg)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tc.wantErr)
			assert.Empty(t, r.registered, "nothing may be created before the settings are checked")
		})
	}
	// The longest stack name the error names does fit.
	require.NoError(t, run(t, strings.Repeat("s", 23), nil).err)

	long := runAs(t, strings.Repeat("p", 60), "a", nil)
	require.Error(t, long.err)
	assert.Contains(t, long.err.Error(), "leaves no room for a stack name, shorten it in Pulumi.yaml")
	assert.Empty(t, long.registered)
}

// workflowProject is the workflow stack's project, as the repository's
// Pulumi.yaml names it.
func workflowProject(t *testing.T) string {
	t.Helper()
	name, err := projectname.Read("../../..")
	require.NoError(t, err)
	return name
}

// TestPulumiYAMLBoundaryIsTheStacksBoundary: the boundary the bootstrap
// creates is the one the workflow stack's roles carry by default.
func TestPulumiYAMLBoundaryIsTheStacksBoundary(t *testing.T) {
	bootstrap, err := workspace.LoadProject("../Pulumi.yaml")
	require.NoError(t, err)
	stackProject, err := workspace.LoadProject("../../../Pulumi.yaml")
	require.NoError(t, err)
	assert.Equal(t, stackProject.Config["permissionsBoundary"].Default, bootstrap.Config["permissionsBoundary"].Default)
}

// TestDocsNameTheOutputs holds the pages that tell a person which output
// goes where to the program's exports: this example's README lists every
// export, and docs/ci-cd.md names only outputs that exist.
func TestDocsNameTheOutputs(t *testing.T) {
	r := run(t, stack, nil)
	require.NoError(t, r.err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, exportsSentence, ok := strings.Cut(string(readme), "It exports ")
	require.True(t, ok, "README.md has no sentence beginning \"It exports\"")
	exportsSentence, _, _ = strings.Cut(exportsSentence, "\n\n")
	for name := range r.exports {
		assert.Contains(t, exportsSentence, "`"+name+"`", "README.md's list of exports")
	}

	guide, err := os.ReadFile("../../../docs/ci-cd.md")
	require.NoError(t, err)
	named := regexp.MustCompile("bootstrap output `([A-Za-z]+)`|pulumi stack output ([A-Za-z]+)").FindAllStringSubmatch(string(guide), -1)
	require.NotEmpty(t, named, "docs/ci-cd.md names no bootstrap output: is the pattern still right?")
	for _, m := range named {
		output := m[1] + m[2]
		assert.Contains(t, r.exports, output, "docs/ci-cd.md names output %q, which the bootstrap does not export", output)
	}
}
