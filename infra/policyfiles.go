package infra

import _ "embed"

// The two IAM policy documents an administrator creates outside the stack,
// embedded so that the OIDC bootstrap (examples/github-oidc) creates
// exactly what the README tells a person to create by hand.
var (
	// DeployerPolicyJSON is deployer-policy.json: what the identity that
	// runs `pulumi up` for this stack may do.
	//go:embed deployer-policy.json
	DeployerPolicyJSON string

	// PermissionsBoundaryJSON is permissions-boundary.json: the most any
	// role of the stack may do, whatever its own policy says.
	//go:embed permissions-boundary.json
	PermissionsBoundaryJSON string
)
