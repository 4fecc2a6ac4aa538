// Command package writes the zips `pulumi up` uploads, byte for byte:
//
//	go run ./cmd/package -arch arm64 -out dist
//
// It packages every function a workflow in statemachine/ needs (what the
// stack deploys with callbackWorkflow on) and prints each function's name,
// zip size and sha256.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"stepfunctions-go/lambdas/bundle"
	"stepfunctions-go/statemachine"
)

func main() {
	archName := flag.String("arch", string(bundle.ARM64), "Lambda architecture: arm64 or x86_64")
	outDir := flag.String("out", "dist", "directory to write <function>.zip into")
	flag.Parse()
	if err := run(*archName, *outDir); err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		os.Exit(1)
	}
}

func run(archName, outDir string) error {
	arch, err := bundle.ParseArch(archName)
	if err != nil {
		return fmt.Errorf("-arch: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	project, err := statemachine.LoadProject()
	if err != nil {
		return err
	}
	if warning := project.UnusedWarning(); warning != "" {
		fmt.Fprintln(os.Stderr, "package: warning:", warning)
	}
	packages, err := bundle.BuildAll(ctx, project.Deployed(project.All()...), arch)
	if err != nil {
		return err
	}
	for _, pkg := range packages {
		path, err := pkg.WriteTo(outDir)
		if err != nil {
			return err
		}
		fmt.Printf("%-16s %9d bytes  sha256 %s  %s\n", pkg.Function.Name, len(pkg.Zip), pkg.SHA256(), path)
	}
	return nil
}
