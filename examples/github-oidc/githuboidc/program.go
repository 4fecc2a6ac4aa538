// Package githuboidc is a Pulumi program an administrator runs once per AWS
// account so that a GitHub repository's workflows can preview and deploy the
// workflow stack with short-lived credentials: GitHub's OIDC
// identity provider, a deploy role only the deploy environment's jobs can
// assume, a read-only preview role for pull requests, the deployer policy
// and the permissions boundary from infra/, and optionally an S3 bucket for
// Pulumi's state.
package githuboidc

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"stepfunctions-go/infra"
	"stepfunctions-go/internal/projectname"
)

// GitHub's OIDC issuer, and the audience aws-actions/configure-aws-credentials
// asks GitHub to put in the token.
const (
	issuerURL = "https://token.actions.githubusercontent.com"
	audience  = "sts.amazonaws.com"
)

// namePrefix keeps the bootstrap's roles and policy out of the names
// infra/deployer-policy.json lets the deployer manage (<project>-*): a deploy
// role named like the stack's roles could rewrite its own trust policy.
const namePrefix = "gha-"

// maxRoleName is IAM's limit on a role name.
const maxRoleName = 64

type settings struct {
	// workflowProject is the workflow stack's project: it names what the
	// deployer policy and the boundary let the roles touch.
	workflowProject     string
	repository          string
	deployEnvironment   string
	oidcProviderArn     string
	permissionsBoundary string
	stateBucket         bool
}

// Program declares the bootstrap and exports deployRoleArn, previewRoleArn,
// oidcProviderArn, permissionsBoundaryArn, deployerPolicyArn and, with
// stateBucket, stateBucketName and backendUrl.
func Program(ctx *pulumi.Context) error {
	// Everything that can be checked locally is checked before the first
	// resource is registered, so a typo never leaves a half-made stack.
	s, err := loadSettings(ctx)
	if err != nil {
		return err
	}
	prefix := namePrefix + ctx.Project() + "-" + ctx.Stack()
	deployRoleName, previewRoleName := prefix+"-deploy", prefix+"-preview"
	for _, name := range []string{deployRoleName, previewRoleName} {
		if len(name) <= maxRoleName {
			continue
		}
		if fits := len(ctx.Stack()) - (len(name) - maxRoleName); fits >= 1 {
			return fmt.Errorf("role name %q is %d characters, IAM allows %d: use a stack name at most %d characters long",
				name, len(name), maxRoleName, fits)
		}
		return fmt.Errorf("role name %q is %d characters, IAM allows %d: the project name %q leaves no room for a stack name, shorten it in Pulumi.yaml",
			name, len(name), maxRoleName, ctx.Project())
	}
	deployerPolicy := projectname.Render(infra.DeployerPolicyJSON, s.workflowProject)
	readOnly, err := readOnlyStatements(deployerPolicy)
	if err != nil {
		return err
	}
	tags := pulumi.StringMap{"project": pulumi.String(ctx.Project()), "stack": pulumi.String(ctx.Stack())}

	providerArn, err := oidcProvider(ctx, s.oidcProviderArn, tags)
	if err != nil {
		return err
	}

	boundary, err := iam.NewPolicy(ctx, "permissions-boundary", &iam.PolicyArgs{
		Name:        pulumi.String(s.permissionsBoundary),
		Description: pulumi.String("The most any role of the " + ctx.Project() + " workflow stack may do (infra/permissions-boundary.json)"),
		Policy:      pulumi.String(projectname.Render(infra.PermissionsBoundaryJSON, s.workflowProject)),
		Tags:        tags,
	})
	if err != nil {
		return err
	}
	deployer, err := iam.NewPolicy(ctx, "deployer", &iam.PolicyArgs{
		Name:        pulumi.String(prefix + "-deployer"),
		Description: pulumi.String("What pulumi up for the workflow stack may do (infra/deployer-policy.json)"),
		Policy:      pulumi.String(deployerPolicy),
		Tags:        tags,
	})
	if err != nil {
		return err
	}

	deployRole, err := iam.NewRole(ctx, "deploy", &iam.RoleArgs{
		Name:             pulumi.String(deployRoleName),
		Description:      pulumi.String("Assumed by " + s.repository + "'s deploy job in the " + s.deployEnvironment + " environment"),
		AssumeRolePolicy: trustPolicyOutput(providerArn, deploySubject(s.repository, s.deployEnvironment)),
		Tags:             tags,
	})
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicyAttachment(ctx, "deploy-deployer", &iam.RolePolicyAttachmentArgs{
		Role:      deployRole.Name,
		PolicyArn: deployer.Arn,
	}); err != nil {
		return err
	}

	previewRole, err := iam.NewRole(ctx, "preview", &iam.RoleArgs{
		Name:             pulumi.String(previewRoleName),
		Description:      pulumi.String("Assumed by " + s.repository + "'s pull request previews: reads only"),
		AssumeRolePolicy: trustPolicyOutput(providerArn, previewSubject(s.repository)),
		Tags:             tags,
	})
	if err != nil {
		return err
	}
	readOnlyJSON, err := infra.Policy(readOnly...).JSON()
	if err != nil {
		return fmt.Errorf("encoding the preview role's policy: %w", err)
	}
	if _, err := iam.NewRolePolicy(ctx, "preview-read", &iam.RolePolicyArgs{
		Role:   previewRole.Name,
		Policy: pulumi.String(readOnlyJSON),
	}); err != nil {
		return err
	}

	if s.stateBucket {
		bucket, err := stateBucket(ctx, tags)
		if err != nil {
			return err
		}
		for _, grant := range []struct {
			name   string
			role   *iam.Role
			policy func(bucketArn string) infra.PolicyDocument
		}{
			{"deploy-state", deployRole, deployStatePolicy},
			{"preview-state", previewRole, previewStatePolicy},
		} {
			if _, err := iam.NewRolePolicy(ctx, grant.name, &iam.RolePolicyArgs{
				Role: grant.role.Name,
				Policy: bucket.Arn.ApplyT(func(arn string) (string, error) {
					return grant.policy(arn).JSON()
				}).(pulumi.StringOutput),
			}); err != nil {
				return err
			}
		}
		region, err := aws.GetRegion(ctx, nil)
		if err != nil {
			return fmt.Errorf("looking up the Region the state bucket is in: %w", err)
		}
		ctx.Export("stateBucketName", bucket.Bucket)
		ctx.Export("backendUrl", pulumi.Sprintf("s3://%s?region=%s", bucket.Bucket, region.Name))
	}

	ctx.Export("oidcProviderArn", providerArn)
	ctx.Export("deployRoleArn", deployRole.Arn)
	ctx.Export("previewRoleArn", previewRole.Arn)
	ctx.Export("permissionsBoundaryArn", boundary.Arn)
	ctx.Export("deployerPolicyArn", deployer.Arn)
	return nil
}

// oidcProvider creates GitHub's OIDC provider, or returns the ARN of the one
// the account already has: IAM holds one provider per issuer URL, so a
// second bootstrap in the same account must reuse the first's.
func oidcProvider(ctx *pulumi.Context, existingArn string, tags pulumi.StringMap) (pulumi.StringOutput, error) {
	if existingArn != "" {
		return pulumi.String(existingArn).ToStringOutput(), nil
	}
	// No thumbprint: IAM verifies GitHub's certificate against its own
	// library of trusted root CAs and ignores thumbprints for this issuer.
	provider, err := iam.NewOpenIdConnectProvider(ctx, "github", &iam.OpenIdConnectProviderArgs{
		Url:           pulumi.String(issuerURL),
		ClientIdLists: pulumi.StringArray{pulumi.String(audience)},
		Tags:          tags,
	})
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return provider.Arn, nil
}

// stateBucket is a private, versioned, encrypted bucket for Pulumi's S3
// backend: versions let a person recover a checkpoint a failed run wrote.
func stateBucket(ctx *pulumi.Context, tags pulumi.StringMap) (*s3.BucketV2, error) {
	bucket, err := s3.NewBucketV2(ctx, "state", &s3.BucketV2Args{
		// Bucket names are global: AWS's provider appends a unique suffix
		// to a prefix of at most 37 lowercase characters.
		BucketPrefix: pulumi.String(strings.ToLower(strings.TrimRight(truncate(ctx.Project(), 30), "-.")) + "-state-"),
		Tags:         tags,
	}, pulumi.Protect(true)) // the state of every stack deployed through it
	if err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketPublicAccessBlock(ctx, "state", &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketVersioningV2(ctx, "state", &s3.BucketVersioningV2Args{
		Bucket:                  bucket.ID(),
		VersioningConfiguration: s3.BucketVersioningV2VersioningConfigurationArgs{Status: pulumi.String("Enabled")},
	}); err != nil {
		return nil, err
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, "state", &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
			ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
				SseAlgorithm: pulumi.String("AES256"),
			},
		}},
	}); err != nil {
		return nil, err
	}
	return bucket, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// repositoryPattern is owner/repo, each optionally followed by @<numeric
// id> (GitHub's immutable subject claims): GitHub's owner names are
// letters, digits and hyphens, its repository names also . and _.
var repositoryPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:@[0-9]+)?/[A-Za-z0-9._-]{1,100}(?:@[0-9]+)?$`)

// environmentPattern keeps wildcards and the subject's own separator out of
// an environment name.
var environmentPattern = regexp.MustCompile(`^[^*?:\s][^*?:]{0,254}$`)

// policyNamePattern is IAM's rule for a managed policy name.
var policyNamePattern = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,128}$`)

// providerArnPattern is an IAM OIDC provider ARN for GitHub's issuer.
var providerArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$`)

func loadSettings(ctx *pulumi.Context) (settings, error) {
	cfg := config.New(ctx, "")
	key := func(name string) string { return ctx.Project() + ":" + name }
	var s settings
	var err error
	s.repository = strings.TrimSpace(cfg.Get("githubRepository"))
	if s.repository == "" {
		return s, fmt.Errorf("config key %s is not set: `pulumi config set githubRepository <owner>/<repo>`", key("githubRepository"))
	}
	if !repositoryPattern.MatchString(s.repository) {
		return s, fmt.Errorf("config key %s is %q, want <owner>/<repo> (e.g. octo-org/my-workflows) or, with immutable subject claims, <owner>@<owner id>/<repo>@<repository id>; no wildcards", key("githubRepository"), s.repository)
	}
	s.deployEnvironment = cfg.Get("deployEnvironment")
	if !environmentPattern.MatchString(s.deployEnvironment) {
		return s, fmt.Errorf("config key %s is %q, want a GitHub environment name such as production, without *, ? or : (they would widen or break the subject)", key("deployEnvironment"), s.deployEnvironment)
	}
	s.oidcProviderArn = cfg.Get("oidcProviderArn")
	if s.oidcProviderArn != "" && !providerArnPattern.MatchString(s.oidcProviderArn) {
		return s, fmt.Errorf("config key %s is %q, want the ARN of GitHub's OIDC provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com, or empty to create it", key("oidcProviderArn"), s.oidcProviderArn)
	}
	if s.workflowProject = cfg.Get("workflowProject"); s.workflowProject == "" {
		if s.workflowProject, err = projectname.ReadModuleRoot(); err != nil {
			return s, fmt.Errorf("config key %s is empty, so the workflow project's name comes from the repository's Pulumi.yaml: %w", key("workflowProject"), err)
		}
	}
	if s.permissionsBoundary = cfg.Get("permissionsBoundary"); s.permissionsBoundary == "" {
		s.permissionsBoundary = infra.DefaultPermissionsBoundary(s.workflowProject)
	}
	if !policyNamePattern.MatchString(s.permissionsBoundary) {
		return s, fmt.Errorf("config key %s is %q, want a managed policy name (letters, digits and +=,.@_-, at most 128), the workflow stack's permissionsBoundary", key("permissionsBoundary"), s.permissionsBoundary)
	}
	bucket, err := cfg.TryBool("stateBucket")
	switch {
	case err == nil:
		s.stateBucket = bucket
	case errors.Is(err, config.ErrMissingVar):
		return s, fmt.Errorf("config key %s is not set: Pulumi.yaml declares it with a default", key("stateBucket"))
	default:
		return s, fmt.Errorf("config key %s: %w; want true or false", key("stateBucket"), err)
	}
	return s, nil
}
