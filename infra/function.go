package infra

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
)

// GoFunction is a Go Lambda function on provided.al2023 with everything it
// needs and nothing more: its own log group, and a role that may write to
// that group only. Each deploy publishes a version, and Version is what
// callers invoke, so code and workflow switch together.
type GoFunction struct {
	pulumi.ResourceState

	// Spec is the function in lambdas/ this deploys.
	Spec     lambdas.Function
	Function *lambda.Function
	// VerifiedQualifiedArn is the published version's ARN once Lambda's
	// CodeSha256 has been found equal to the hash of the zip this program
	// built; a mismatch fails the update here, before any workflow or
	// event source mapping switches to that version.
	VerifiedQualifiedArn pulumi.StringOutput
	Role                 *iam.Role
	LogGroup             *cloudwatch.LogGroup
}

// GoFunctionArgs describe one function.
type GoFunctionArgs struct {
	// Package is the built zip; ZipPath is where it was written for upload.
	Package bundle.Package
	ZipPath string
	Config  Config
}

// NewGoFunction declares the function, its role, policy and log group.
func NewGoFunction(ctx *pulumi.Context, args GoFunctionArgs, opts ...pulumi.ResourceOption) (*GoFunction, error) {
	fn := args.Package.Function
	cfg := args.Config
	component := &GoFunction{}
	if err := ctx.RegisterComponentResource("stepfunctions:index:GoFunction", fn.Name, component, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(component)
	name := cfg.Names.Resource(fn.Name)

	logGroup, err := newLogGroup(ctx, fn.Name, "/aws/lambda/"+name, cfg.LogRetentionDays, parent)
	if err != nil {
		return nil, err
	}
	role, policy, err := newServiceRole(ctx, fn.Name, serviceRoleArgs{
		Name:                cfg.Names.Role(name),
		Description:         "Runs the " + name + " function: writes to its own log group only.",
		Service:             "lambda.amazonaws.com",
		PermissionsBoundary: cfg.PermissionsBoundaryArn,
		// Not logs:CreateLogGroup: the group is a stack resource already.
		Policy: policyOutput(tracingStatements(cfg.Tracing), Grant{
			Sid:       "WriteOwnLogs",
			Actions:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resources: []pulumi.StringOutput{pulumi.Sprintf("%s:*", logGroup.Arn)},
		}),
	}, parent)
	if err != nil {
		return nil, err
	}
	tracingMode := "PassThrough"
	if cfg.Tracing {
		tracingMode = "Active"
	}
	zipHash := sha256.Sum256(args.Package.Zip)
	sourceCodeHash := base64.StdEncoding.EncodeToString(zipHash[:])
	function, err := lambda.NewFunction(ctx, fn.Name, &lambda.FunctionArgs{
		Name:          pulumi.String(name),
		Description:   pulumi.String(fn.Description),
		Role:          role.Arn,
		Runtime:       lambda.RuntimeCustomAL2023,
		Handler:       pulumi.String(bundle.BootstrapName),
		Architectures: pulumi.StringArray{pulumi.String(string(cfg.Architecture))},
		// A FileArchive of a .zip reaches Lambda byte for byte, keeping the
		// bootstrap's executable bit; the hash makes the diff exact.
		Code:           pulumi.NewFileArchive(args.ZipPath),
		SourceCodeHash: pulumi.String(sourceCodeHash),
		MemorySize:     pulumi.Int(cfg.LambdaMemoryMB),
		Timeout:        pulumi.Int(cfg.LambdaTimeoutSeconds),
		Publish:        pulumi.Bool(true),
		LoggingConfig: &lambda.FunctionLoggingConfigArgs{
			LogFormat: pulumi.String("Text"),
			LogGroup:  logGroup.Name,
		},
		TracingConfig: &lambda.FunctionTracingConfigArgs{Mode: pulumi.String(tracingMode)},
		Tags:          Tags(ctx),
	}, parent, pulumi.DependsOn([]pulumi.Resource{policy}))
	if err != nil {
		return nil, err
	}
	component.Spec, component.Function, component.Role, component.LogGroup = fn, function, role, logGroup
	// Lambda computes CodeSha256 from the bytes it received, so this is the
	// one check that what runs is what was built (see seedAssetMemo).
	component.VerifiedQualifiedArn = pulumi.All(function.CodeSha256, function.QualifiedArn).ApplyT(func(values []any) (string, error) {
		if got := values[0].(string); got != sourceCodeHash {
			return "", fmt.Errorf("function %s: Lambda reports CodeSha256 %s for the code it received, but the zip this program built (%s) has SHA-256 %s (base64); the provider uploaded other bytes, such as a stale %s<hash> file in the provider's temporary directory. No workflow is switched to this version. Delete those files and run pulumi up again",
				name, got, args.ZipPath, sourceCodeHash, assetMemoPrefix)
		}
		return values[1].(string), nil
	}).(pulumi.StringOutput)
	return component, ctx.RegisterResourceOutputs(component, pulumi.Map{
		"functionArn":          function.Arn,
		"functionQualifiedArn": component.VerifiedQualifiedArn,
		"roleArn":              role.Arn,
		"logGroupName":         logGroup.Name,
	})
}
