// The project's Pulumi program: a Step Functions workflow
// over Go Lambdas, in one `pulumi up`.
//
//	statemachine/*.asl.json   the workflows, as Workflow Studio edits them
//	lambdas/                  the Go functions (handlers + their tests)
//	infra/                    config → functions → state machine → outputs
//	tests/                    the program under Pulumi mocks
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/infra"
)

func main() {
	pulumi.Run(infra.Deploy)
}
