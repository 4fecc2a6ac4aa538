// Package envelopetest checks a text function's handler against the shared
// envelope contract, so every function is held to the same rules.
package envelopetest

import (
	"context"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/lambdas/envelope"
)

// Handler is the signature every text function's handler has.
type Handler func(context.Context, json.RawMessage) (envelope.Response, error)

// Transformation is one payload and what the function must make of it.
type Transformation struct {
	Name, Payload, Want string
}

// Check runs handle on each transformation and on the events every function
// must reject with an *envelope.InvalidInputError.
func Check(t *testing.T, handle Handler, transformations []Transformation) {
	t.Helper()
	for _, tt := range transformations {
		t.Run(tt.Name, func(t *testing.T) {
			event, err := json.Marshal(map[string]string{"payload": tt.Payload})
			require.NoError(t, err)
			got, err := handle(context.Background(), event)
			require.NoError(t, err)
			assert.Equal(t, envelope.OK(tt.Want), got)
		})
	}
	for name, event := range map[string]string{
		"missing payload":    `{}`,
		"null payload":       `{"payload":null}`,
		"non-string payload": `{"payload":7}`,
		"extra field":        `{"payload":"x","statusCode":200}`,
		"array event":        `["x"]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := handle(context.Background(), json.RawMessage(event))
			var invalid *envelope.InvalidInputError
			require.ErrorAs(t, err, &invalid)
		})
	}
}

// Fuzz feeds arbitrary bytes as the event: handle must answer each with an
// envelope or an *envelope.InvalidInputError, never a panic.
func Fuzz(f *testing.F, handle Handler) {
	for _, seed := range []string{`{"payload":"hi mom"}`, `{"payload":null}`, `[]`, `{"payload":"ß","x":1}`, `{`, `{"payload":"🇫🇷e\u0301"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		got, err := handle(context.Background(), event)
		if err != nil {
			var invalid *envelope.InvalidInputError
			require.ErrorAs(t, err, &invalid)
			return
		}
		assert.Equal(t, 200, got.StatusCode)
		assert.True(t, utf8.ValidString(got.Body.Payload))
	})
}
