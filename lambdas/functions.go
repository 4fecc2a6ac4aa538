// Package lambdas lists the workflow's Go functions. Every consumer (the
// Pulumi program, cmd/package and cmd/local) builds from this one list.
package lambdas

// Function is one Lambda function built from a main package in this module.
type Function struct {
	// Name is the short name used in resource names, zip names and outputs.
	Name string
	// Dir is the main package's directory, relative to the module root.
	Dir string
	// Description is shown on the function in the Lambda console.
	Description string
}

var (
	// HelloWorld upper-cases the payload.
	HelloWorld = Function{Name: "hello-world", Dir: "lambdas/hello-world", Description: "Upper-cases the payload (full Unicode case mapping)."}
	// Reverse reverses the payload.
	Reverse = Function{Name: "reverse", Dir: "lambdas/reverse", Description: "Reverses the payload by grapheme cluster."}
)

// All is every function the stack deploys.
func All() []Function {
	return []Function{HelloWorld, Reverse}
}
