// Command ensure builds the pinned Pulumi CLI into the user's cache unless
// it is there already, and prints its path. .ci/run calls it before `go
// test`, so that a cold build (minutes) never counts against a test's
// timeout.
package main

import (
	"context"
	"fmt"
	"os"

	"stepfunctions-go/internal/pulumicli"
)

func main() {
	path, err := pulumicli.Ensure(context.Background(), os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ensure:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}
