// Package infra is the Pulumi program: configuration in, resources, outputs
// out. Deploy reads top to bottom as the stack's table of contents.
package infra

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// The workflows in statemachine/.
const (
	MainWorkflow     = "main"
	CallbackWorkflow = "callback"
)

// The functions each workflow's placeholders name.
var (
	mainFunctions     = []lambdas.Function{lambdas.Reverse, lambdas.HelloWorld}
	callbackFunctions = []lambdas.Function{lambdas.HelloWorld}
)

// Deploy declares the whole stack.
func Deploy(ctx *pulumi.Context) error {
	// Inputs: everything is checked before the first resource is declared.
	mainTemplate, err := statemachine.Load(MainWorkflow)
	if err != nil {
		return err
	}
	callbackTemplate, err := statemachine.Load(CallbackWorkflow)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(ctx, min(mainTemplate.ShortestTaskTimeout, callbackTemplate.ShortestTaskTimeout))
	if err != nil {
		return err
	}
	functions := mainFunctions
	if err := mainTemplate.Check(arnPlaceholders(mainFunctions)); err != nil {
		return err
	}
	if cfg.CallbackWorkflow {
		functions = slices.Concat(mainFunctions, []lambdas.Function{lambdas.CallbackQueue.Consumer})
		if err := callbackTemplate.Check(append(arnPlaceholders(callbackFunctions), lambdas.CallbackQueue.URLPlaceholder)); err != nil {
			return err
		}
	}
	account, err := LookupAccount(ctx)
	if err != nil {
		return err
	}
	packages, err := buildPackages(ctx, functions, cfg.Architecture)
	if err != nil {
		return err
	}

	// Resources: the functions, then the workflows that invoke them.
	deployed := make(map[string]*GoFunction, len(packages))
	for _, pkg := range packages {
		if deployed[pkg.Function.Name], err = NewGoFunction(ctx, GoFunctionArgs{Package: pkg.Package, ZipPath: pkg.Path, Config: cfg}); err != nil {
			return err
		}
	}
	mainWorkflow, err := NewWorkflow(ctx, MainWorkflow, WorkflowArgs{
		Template:      mainTemplate,
		Name:          cfg.Names.StateMachine,
		Type:          cfg.WorkflowType,
		Substitutions: publishedVersionArns(mainFunctions, deployed),
		Grants:        []Grant{invokeGrant(mainFunctions, deployed)},
		Account:       account,
		Config:        cfg,
	})
	if err != nil {
		return err
	}
	outputs := stackOutputs{functions: functions, deployed: deployed, main: mainWorkflow}
	if cfg.CallbackWorkflow {
		if outputs.callback, outputs.queues, err = newCallbackWorkflow(ctx, callbackTemplate, deployed, account, cfg); err != nil {
			return err
		}
	}

	// Outputs.
	outputs.export(ctx)
	return nil
}

func arnPlaceholders(functions []lambdas.Function) []string {
	names := make([]string, len(functions))
	for i, fn := range functions {
		names[i] = fn.ArnPlaceholder()
	}
	return names
}

// publishedVersionArns point the workflow at the versions this deploy
// publishes, never at $LATEST.
func publishedVersionArns(functions []lambdas.Function, deployed map[string]*GoFunction) map[string]pulumi.StringOutput {
	arns := make(map[string]pulumi.StringOutput, len(functions))
	for _, fn := range functions {
		arns[fn.ArnPlaceholder()] = deployed[fn.Name].Function.QualifiedArn
	}
	return arns
}

// invokeGrant lets the workflow invoke these functions and their versions only.
func invokeGrant(functions []lambdas.Function, deployed map[string]*GoFunction) Grant {
	grant := Grant{Sid: "InvokeWorkflowFunctions", Actions: []string{"lambda:InvokeFunction"}}
	for _, fn := range functions {
		arn := deployed[fn.Name].Function.Arn
		grant.Resources = append(grant.Resources, arn, pulumi.Sprintf("%s:*", arn))
	}
	return grant
}

// writtenPackage is a built function and the path Pulumi uploads it from.
type writtenPackage struct {
	bundle.Package
	Path string
}

// buildPackages builds every function and writes its zip under
// .build/<arch>/ in the project.
func buildPackages(ctx *pulumi.Context, functions []lambdas.Function, arch bundle.Arch) ([]writtenPackage, error) {
	root, err := bundle.ModuleRoot(ctx.Context())
	if err != nil {
		return nil, err
	}
	built, err := bundle.BuildAll(ctx.Context(), functions, arch)
	if err != nil {
		return nil, err
	}
	workingDir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	written := make([]writtenPackage, len(built))
	for i, pkg := range built {
		path, err := pkg.WriteTo(filepath.Join(root, ".build", string(arch)))
		if err != nil {
			return nil, err
		}
		// A path relative to the project keeps the state the same on every machine.
		if relative, err := filepath.Rel(workingDir, path); err == nil {
			path = relative
		}
		written[i] = writtenPackage{Package: pkg, Path: path}
	}
	return written, nil
}
