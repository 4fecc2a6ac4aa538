package infra

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// lastUpdate is what the stack's previous update exported, read back
// through a StackReference to the stack itself.
//
// A canary needs the version the live alias sent executions to before this
// update (the stable version), and Pulumi gives a program no memory between
// updates but resource state, which a program cannot read back for its own
// resources. The other candidates fail:
//   - sfn.LookupAlias (the getAlias invoke) and sfn.GetAlias (a read of the
//     alias by its ARN) fail the whole update when the alias does not exist
//     yet: on the first update, or when callbackWorkflow is switched on;
//   - the state machine's stateMachineVersionArn is the newest version
//     (terraform-provider-aws internal/service/sfn/state_machine.go reads it
//     as the first of ListStateMachineVersions), which during a canary is
//     the canary itself, so a second `pulumi up` would promote by accident.
//
// A stack may read its own outputs through a StackReference (a Pulumi
// maintainer's example in pulumi/pulumi#3722): they are those of the last
// completed update, and a stack that never completed one has none
// (pkg/backend/diy/state.go getSnapshotStackOutputs returns an empty map),
// which reads as "no stable version yet". Under mocks the reference is a
// resource whose outputs a test sets to the previous run's exports, so two
// consecutive updates run as they do under Pulumi.
//
// The reference is declared only when canaryPercent is above 0: it needs the
// fully qualified stack name, which a legacy self-managed backend (one that
// names stacks without organization and project) cannot resolve.
type lastUpdate struct{ ref *pulumi.StackReference }

// readLastUpdate references this stack.
func readLastUpdate(ctx *pulumi.Context) (lastUpdate, error) {
	name := ctx.Organization() + "/" + ctx.Project() + "/" + ctx.Stack()
	ref, err := pulumi.NewStackReference(ctx, "last-update", &pulumi.StackReferenceArgs{Name: pulumi.String(name)})
	if err != nil {
		return lastUpdate{}, fmt.Errorf("referencing stack %s to read the stable versions its last update recorded (canaryPercent > 0): %w", name, err)
	}
	return lastUpdate{ref: ref}, nil
}

// stableVersion is the version ARN the last update recorded under output,
// "" when there is none (no reference, no earlier update, or an update from
// before the output existed).
func (u lastUpdate) stableVersion(output string) pulumi.StringOutput {
	if u.ref == nil {
		return pulumi.String("").ToStringOutput()
	}
	return u.ref.GetOutput(pulumi.String(output)).ApplyT(func(value any) (string, error) {
		if value == nil {
			return "", nil
		}
		arn, ok := value.(string)
		if !ok {
			return "", fmt.Errorf("output %s of this stack's last update is %#v, want a state machine version ARN", output, value)
		}
		return arn, nil
	}).(pulumi.StringOutput)
}
