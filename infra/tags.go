package infra

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Tags mark every taggable resource with the project and stack it belongs to.
func Tags(ctx *pulumi.Context) pulumi.StringMap {
	return pulumi.StringMap{
		"project": pulumi.String(ctx.Project()),
		"stack":   pulumi.String(ctx.Stack()),
	}
}
