package infra

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// serviceRoleArgs describe a role one AWS service assumes.
type serviceRoleArgs struct {
	Name, Description string
	// Service is the principal, e.g. "lambda.amazonaws.com".
	Service string
	// Conditions limit who may assume the role (nil for none).
	Conditions map[string]map[string][]string
	// Policy is the role's one inline policy: an inline policy is deleted
	// with its role, so `pulumi destroy` leaves no managed policy behind.
	Policy pulumi.StringOutput
	// PermissionsBoundary is the ARN of the managed policy that caps what
	// the role may do, whatever its policies say. The deployer policy
	// requires it on every role it lets the deployer create, so a deployer
	// cannot create a role with more power than the boundary and pass it.
	//
	// The stack names the policy (config permissionsBoundary) rather than
	// creating it: a deployer that could create or change the boundary
	// could widen it, and the escalation would be back. An administrator
	// creates it once from infra/permissions-boundary.json, and the deployer
	// policy denies writing any policy named like it.
	PermissionsBoundary string
}

// newServiceRole declares the role and its inline policy.
func newServiceRole(ctx *pulumi.Context, resourceName string, args serviceRoleArgs, opts ...pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	// Names.InRegion checks the longest name it knows of; this holds every
	// role, whatever its name.
	if len(args.Name) > maxRoleNameLength {
		return nil, nil, fmt.Errorf("IAM role name %q has %d characters; IAM allows %d: choose a shorter stack name", args.Name, len(args.Name), maxRoleNameLength)
	}
	trust, err := Policy(Statement{
		Effect:    "Allow",
		Principal: map[string][]string{"Service": {args.Service}},
		Action:    []string{"sts:AssumeRole"},
		Condition: args.Conditions,
	}).JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, resourceName, &iam.RoleArgs{
		Name:                pulumi.String(args.Name),
		Description:         pulumi.String(args.Description),
		AssumeRolePolicy:    pulumi.String(trust),
		PermissionsBoundary: pulumi.String(args.PermissionsBoundary),
		Tags:                Tags(ctx),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	policy, err := iam.NewRolePolicy(ctx, resourceName, &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: args.Policy,
	}, opts...)
	return role, policy, err
}
