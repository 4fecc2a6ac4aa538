package jsonata

import (
	"testing"

	"stepfunctions-go/internal/asl/value"

	"github.com/stretchr/testify/require"
)

// newTestWorker starts a Worker that the test stops when it ends.
func newTestWorker(t testing.TB, options Options) *Worker {
	t.Helper()
	w, err := New(t.Context(), options)
	require.NoError(t, err)
	t.Cleanup(func() { w.Close() })
	return w
}

// decodeJSON is a JSON text as the engine holds it (package value).
func decodeJSON(t testing.TB, text string) any {
	t.Helper()
	v, err := value.Decode([]byte(text))
	require.NoError(t, err, text)
	return v
}

// states is the binding of $states with input as its input.
func states(input any) map[string]any {
	return map[string]any{"states": value.NewObject(2).With("input", input).With("context", value.NewObject(0))}
}
