package jsonata

import (
	"encoding/json"
	"strings"
	"testing"

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

// decodeJSON is a JSON text as the engine holds it (UseNumber).
func decodeJSON(t testing.TB, text string) any {
	t.Helper()
	decoder := json.NewDecoder(strings.NewReader(text))
	decoder.UseNumber()
	var value any
	require.NoError(t, decoder.Decode(&value), text)
	return value
}

// states is the binding of $states with input as its input.
func states(input any) map[string]any {
	return map[string]any{"states": map[string]any{"input": input, "context": map[string]any{}}}
}
