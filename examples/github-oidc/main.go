// Command github-oidc is the Pulumi program of the OIDC bootstrap project
// (examples/github-oidc/Pulumi.yaml).
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/examples/github-oidc/githuboidc"
)

func main() {
	pulumi.Run(githuboidc.Program)
}
