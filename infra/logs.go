package infra

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// newLogGroup declares a log group as a stack resource, with retention. A
// group the service creates on first write would outlive `pulumi destroy`
// and keep logs forever, so each writer gets its group before it runs.
func newLogGroup(ctx *pulumi.Context, resourceName, groupName string, retentionDays int, opts ...pulumi.ResourceOption) (*cloudwatch.LogGroup, error) {
	return cloudwatch.NewLogGroup(ctx, resourceName, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(groupName),
		RetentionInDays: pulumi.Int(retentionDays),
		Tags:            Tags(ctx),
	}, opts...)
}
