package lambdas_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"stepfunctions-go/infra"
	"stepfunctions-go/lambdas"
)

// The local runner takes the functions' settings from lambdas, the stack
// from its configuration defaults: they must agree.
func TestDefaultsMatchTheStacks(t *testing.T) {
	assert.Equal(t, infra.DefaultLambdaMemoryMB, lambdas.DefaultMemoryMB)
	assert.Equal(t, infra.DefaultLambdaTimeoutSeconds, lambdas.DefaultTimeoutSeconds)
}
