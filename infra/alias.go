package infra

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LiveAlias is the alias of every workflow that clients start executions
// on: an execution keeps the version it started on, so a deploy never
// changes a running execution, and a rollback is a change of the alias.
const LiveAlias = "live"

// route is one version the live alias sends a share of new executions to.
type route struct {
	VersionArn string
	Weight     int
}

// liveRouting is where the live alias of the state machine machineArn sends
// new executions, and the stable version the stack records for the next
// update. newest is the version this update published (or the newest one,
// when nothing changed); stable is what the last update recorded.
//
// With canaryPercent above 0 and a version published since the stable one,
// the newest version gets canaryPercent and the stable one the rest, and
// stays the stable one, so that updates during the canary keep it; with
// canaryPercent 0 the newest version gets everything and becomes stable:
// that is the promotion. Pulumi changes the weights only when `pulumi up`
// runs: shifting them over time is the operator's (docs/deploy-day-two.md).
//
// note, when not empty, says why a canary was asked for and not set up.
func liveRouting(machineArn, newest, stable string, canaryPercent int) (routes []route, nextStable, note string, err error) {
	if !strings.HasPrefix(newest, machineArn+":") {
		return nil, "", "", fmt.Errorf("state machine %s reports %q as its newest version, want %s:<version>: is publish on?", machineArn, newest, machineArn)
	}
	everything := []route{{VersionArn: newest, Weight: 100}}
	switch {
	case canaryPercent == 0 || stable == newest:
		return everything, newest, "", nil
	case !strings.HasPrefix(stable, machineArn+":"):
		// No earlier update, or one of a state machine that has since been
		// replaced (workflowType changed): there is nothing to share with.
		return everything, newest, fmt.Sprintf("canaryPercent %d: the stack's last update recorded no version of %s (%q), so alias %q sends every new execution to %s",
			canaryPercent, machineArn, stable, LiveAlias, newest), nil
	}
	return []route{{VersionArn: newest, Weight: canaryPercent}, {VersionArn: stable, Weight: 100 - canaryPercent}}, stable, "", nil
}

// newLiveAlias declares the live alias of machine, whose unqualified ARN is
// machineArn, and returns it with the stable version to record.
//
// The stable version stays published while it carries traffic: the stack
// never deletes a version (the provider publishes and lists them, and only
// DeleteStateMachine removes them, with the state machine), and Step
// Functions refuses to delete a version an alias points to
// (DeleteStateMachineVersion in the Step Functions API reference).
func newLiveAlias(ctx *pulumi.Context, resourceName, machineArn string, machine *sfn.StateMachine, stable pulumi.StringOutput, canaryPercent int, opts ...pulumi.ResourceOption) (*sfn.Alias, pulumi.StringOutput, error) {
	type decision struct {
		routes     []route
		nextStable string
	}
	decided := pulumi.All(machine.StateMachineVersionArn, stable).ApplyT(func(values []any) (decision, error) {
		routes, nextStable, note, err := liveRouting(machineArn, values[0].(string), values[1].(string), canaryPercent)
		if note != "" {
			_ = ctx.Log.Warn(note, &pulumi.LogArgs{Resource: machine})
		}
		return decision{routes: routes, nextStable: nextStable}, err
	})
	routing := decided.ApplyT(func(d any) []sfn.AliasRoutingConfiguration {
		var configurations []sfn.AliasRoutingConfiguration
		for _, r := range d.(decision).routes {
			configurations = append(configurations, sfn.AliasRoutingConfiguration{StateMachineVersionArn: r.VersionArn, Weight: r.Weight})
		}
		return configurations
	}).(sfn.AliasRoutingConfigurationArrayOutput)
	alias, err := sfn.NewAlias(ctx, resourceName, &sfn.AliasArgs{
		Name:                  pulumi.String(LiveAlias),
		Description:           pulumi.String("Where clients start executions: the stable version and, during a canary, the newest"),
		RoutingConfigurations: routing,
	}, opts...)
	if err != nil {
		return nil, pulumi.StringOutput{}, err
	}
	return alias, decided.ApplyT(func(d any) string { return d.(decision).nextStable }).(pulumi.StringOutput), nil
}
