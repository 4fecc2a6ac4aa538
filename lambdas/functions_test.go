package lambdas

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNamingDerivesFromTheShortName(t *testing.T) {
	tests := []struct {
		fn                     Function
		pascal, arnPlaceholder string
	}{
		{HelloWorld, "HelloWorld", "HelloWorldFunctionArn"},
		{Reverse, "Reverse", "ReverseFunctionArn"},
		{Function{Name: "callback-worker"}, "CallbackWorker", "CallbackWorkerFunctionArn"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.pascal, tt.fn.PascalName())
		assert.Equal(t, tt.arnPlaceholder, tt.fn.ArnPlaceholder())
	}
}
