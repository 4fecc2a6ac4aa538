// Package infra is the Pulumi program: configuration in, resources, outputs
// out. Deploy reads top to bottom as the stack's table of contents.
package infra

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/statemachine"
)

// The workflows in statemachine/ the stack deploys.
const (
	MainWorkflow     = "main"
	CallbackWorkflow = "callback"
)

// Deploy declares the whole stack. What it deploys follows from the
// workflow files: each ${<Name>FunctionArn} placeholder brings in the
// function in lambdas/<name>/, and only the workflows that name a function
// may invoke it.
func Deploy(ctx *pulumi.Context) error {
	// Inputs: everything is checked before the first resource is declared.
	project, cfg, mainFlow, callbackFlow, err := loadInputs(ctx)
	if err != nil {
		return err
	}
	account, err := LookupAccount(ctx)
	if err != nil {
		return err
	}
	if cfg.Names, err = cfg.Names.InRegion(account.Region); err != nil {
		return err
	}
	cfg.PermissionsBoundaryArn = account.PolicyArn(cfg.PermissionsBoundary)
	packages, err := buildPackages(ctx, project.Deployed(mainFlow, callbackFlow), cfg.Architecture)
	if err != nil {
		return err
	}

	var last lastUpdate
	if cfg.CanaryPercent > 0 {
		if last, err = readLastUpdate(ctx); err != nil {
			return err
		}
	}

	// Resources: the functions, then the workflows that invoke them.
	deployed := make(deployedFunctions, len(packages))
	for _, pkg := range packages {
		if deployed[pkg.Function.Name], err = NewGoFunction(ctx, GoFunctionArgs{Package: pkg.Package, ZipPath: pkg.Path, Config: cfg}); err != nil {
			return err
		}
	}
	outputs := stackOutputs{deployed: deployed}
	if outputs.main, err = NewWorkflow(ctx, MainWorkflow, WorkflowArgs{
		Template:      mainFlow.Template,
		Name:          cfg.Names.StateMachine,
		Type:          cfg.WorkflowType,
		Substitutions: deployed.substitutions(mainFlow, account),
		Grants:        []Grant{deployed.invokeGrant(mainFlow)},
		StableVersion: last.stableVersion(stableVersionOutput(MainWorkflow)),
		Account:       account,
		Config:        cfg,
	}); err != nil {
		return err
	}
	if callbackFlow != nil {
		if outputs.callback, outputs.queues, err = newCallbackWorkflow(ctx, callbackFlow, deployed, last.stableVersion(stableVersionOutput(CallbackWorkflow)), account, cfg); err != nil {
			return err
		}
	}

	// Alarms on all of the above.
	if outputs.alarms, err = NewAlarms(ctx, AlarmsArgs{Workflows: outputs.watchedWorkflows(), Functions: deployed, Queues: outputs.queues, Config: cfg}); err != nil {
		return err
	}

	// Outputs.
	outputs.export(ctx)
	return nil
}

// loadInputs reads the workflows and the configuration, and checks them
// and the values that only matter together (checkTiming), warning of what
// is left out or only AWS will stop.
func loadInputs(ctx *pulumi.Context) (project *statemachine.Project, cfg Config, mainFlow, callbackFlow *statemachine.Workflow, err error) {
	if project, err = statemachine.LoadProject(); err != nil {
		return nil, Config{}, nil, nil, err
	}
	if cfg, err = LoadConfig(ctx, project.ShortestTaskTimeout()); err != nil {
		return nil, Config{}, nil, nil, err
	}
	if mainFlow, callbackFlow, err = enabledWorkflows(project, cfg); err != nil {
		return nil, Config{}, nil, nil, err
	}
	warnings, err := checkTiming(ctx.Project(), cfg, mainFlow, callbackFlow)
	if err != nil {
		return nil, Config{}, nil, nil, err
	}
	if warning := project.UnusedWarning(); warning != "" {
		warnings = append(warnings, warning)
	}
	for _, warning := range warnings {
		_ = ctx.Log.Warn(warning, nil)
	}
	return project, cfg, mainFlow, callbackFlow, nil
}

// enabledWorkflows are the main workflow and, when callbackWorkflow is on,
// the callback workflow (nil otherwise).
func enabledWorkflows(project *statemachine.Project, cfg Config) (mainFlow, callbackFlow *statemachine.Workflow, err error) {
	if mainFlow, err = project.Workflow(MainWorkflow); err != nil {
		return nil, nil, err
	}
	if cfg.CallbackWorkflow {
		if callbackFlow, err = project.Workflow(CallbackWorkflow); err != nil {
			return nil, nil, err
		}
	}
	return mainFlow, callbackFlow, nil
}
