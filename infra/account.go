package infra

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account is where the stack deploys, for ARNs that must be known before
// the resource they name exists.
type Account struct {
	Partition, Region, ID string
}

// LookupAccount asks the AWS provider for partition, region and account.
func LookupAccount(ctx *pulumi.Context) (Account, error) {
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return Account{}, fmt.Errorf("looking up the AWS account (are credentials set?): %w", err)
	}
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return Account{}, fmt.Errorf("looking up the AWS region (set aws:region): %w", err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return Account{}, fmt.Errorf("looking up the AWS partition: %w", err)
	}
	return Account{Partition: partition.Partition, Region: region.Name, ID: identity.AccountId}, nil
}

// StateMachineArn is the ARN a state machine called name will have.
func (a Account) StateMachineArn(name string) string {
	return fmt.Sprintf("arn:%s:states:%s:%s:stateMachine:%s", a.Partition, a.Region, a.ID, name)
}

// PolicyArn is the ARN of the customer managed policy called name (IAM is
// global: no Region).
func (a Account) PolicyArn(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:policy/%s", a.Partition, a.ID, name)
}
