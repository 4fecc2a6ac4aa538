package infra

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/lambdas"
	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

// deployedFunctions are the stack's functions by name.
type deployedFunctions map[string]*GoFunction

// substitutions fill a workflow's placeholders: each function's published
// version (never $LATEST, so code and workflow switch together) and the
// partition. Queue URLs are added by the workflow that declares the queue.
func (d deployedFunctions) substitutions(workflow *statemachine.Workflow, account Account) map[string]pulumi.StringOutput {
	values := map[string]pulumi.StringOutput{}
	if workflow.Uses(statemachine.PartitionPlaceholder) {
		values[statemachine.PartitionPlaceholder] = pulumi.String(account.Partition).ToStringOutput()
	}
	for _, fn := range workflow.Functions {
		values[fn.ArnPlaceholder()] = d[fn.Name].VerifiedQualifiedArn
	}
	return values
}

// invokeGrant lets the workflow invoke the functions it names, and their
// versions, only.
func (d deployedFunctions) invokeGrant(workflow *statemachine.Workflow) Grant {
	grant := Grant{Sid: "InvokeWorkflowFunctions", Actions: []string{"lambda:InvokeFunction"}}
	for _, fn := range workflow.Functions {
		arn := d[fn.Name].Function.Arn
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
	return writeUploads(built, filepath.Join(root, ".build", string(arch)), workingDir, os.TempDir())
}

// writeUploads writes each zip into dir, the path Pulumi uploads it from,
// and the same bytes under the Terraform bridge's memo name for their hash
// in tempDir (see seedAssetMemo), so the provider uploads exactly them.
func writeUploads(built []bundle.Package, dir, workingDir, tempDir string) ([]writtenPackage, error) {
	written := make([]writtenPackage, len(built))
	for i, pkg := range built {
		path, err := pkg.WriteTo(dir)
		if err != nil {
			return nil, err
		}
		if _, err := seedAssetMemo(tempDir, pkg.SHA256(), pkg.Zip); err != nil {
			return nil, fmt.Errorf("function %s: %w", pkg.Function.Name, err)
		}
		// A path relative to the project keeps the state the same on every machine.
		if relative, err := filepath.Rel(workingDir, path); err == nil {
			path = relative
		}
		written[i] = writtenPackage{Package: pkg, Path: path}
	}
	return written, nil
}
