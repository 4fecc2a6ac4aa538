// Command consumer is the Pulumi program of the stepfunctions-go-consumer project.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"stepfunctions-go/examples/consumer/consumer"
)

func main() {
	pulumi.Run(consumer.Program)
}
