// Package envelopetest checks a text function's handler against the shared
// envelope contract, so every function is held to the same rules.
package envelopetest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// Refused are events every function must reject with an
// *envelope.InvalidInputError, each with part of the message it must give;
// whatever else starts an execution (examples/consumer) refuses them too.
var Refused = []struct{ Name, Event, WantError string }{
	{"missing payload", `{}`, `field "payload" is missing`},
	{"null payload", `{"payload":null}`, `must be a string, got null`},
	{"non-string payload", `{"payload":7}`, `must be a string, got a number`},
	{"extra field", `{"payload":"x","statusCode":200}`, `unexpected field(s) "statusCode"`},
	{"array event", `["x"]`, `must be a JSON object, got an array`},
	{"lone high surrogate", `{"payload":"a\ud800b"}`, `unpaired UTF-16 surrogate escape \ud800 at byte offset 13`},
	{"lone low surrogate", `{"payload":"\udc00"}`, `unpaired UTF-16 surrogate escape \udc00 at byte offset 12`},
	{"lone last high surrogate", `{"payload":"\udbff"}`, `unpaired UTF-16 surrogate escape \udbff at byte offset 12`},
	{"lone last low surrogate", `{"payload":"x\udfff"}`, `unpaired UTF-16 surrogate escape \udfff at byte offset 13`},
	{"high surrogate then a letter escape", `{"payload":"\ud800\u0041"}`, `unpaired UTF-16 surrogate escape \ud800 at byte offset 12`},
	{"invalid UTF-8", "{\"payload\":\"a\xffb\"}", `not valid UTF-8: byte 0xff at byte offset 13`},
}

// Accepted are events every function must take, whatever it makes of the
// payload: among them the pairs at both ends of the surrogate ranges
// (U+10000 and U+10FFFF), escaped.
var Accepted = []string{
	`{"payload":"hi mom"}`, `{"payload":""}`, ` {"payload" : "ß"} `,
	`{"payload":"\ud800\udc00"}`, `{"payload":"\udbff\udfff"}`,
}

// Check runs handle on each transformation, on the events every function
// must accept and on those it must reject with an *envelope.InvalidInputError.
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
	for _, event := range Accepted {
		t.Run(event, func(t *testing.T) {
			got, err := handle(context.Background(), json.RawMessage(event))
			require.NoError(t, err)
			assert.Equal(t, 200, got.StatusCode)
		})
	}
	for _, tt := range Refused {
		t.Run(tt.Name, func(t *testing.T) {
			_, err := handle(context.Background(), json.RawMessage(tt.Event))
			var invalid *envelope.InvalidInputError
			require.ErrorAs(t, err, &invalid)
			assert.Contains(t, err.Error(), tt.WantError)
			assert.NotContains(t, err.Error(), "\ufffd", "the message must not show repaired text")
		})
	}
}

// Fuzz feeds arbitrary bytes as the event: handle must answer each with an
// envelope or an *envelope.InvalidInputError, never a panic; and an event
// it accepts must be valid Unicode text by the judgement of an independent
// strict decoder (github.com/go-json-experiment/json, the proposed
// encoding/json/v2), whose payload the shared envelope decodes unchanged.
func Fuzz(f *testing.F, handle Handler) {
	for _, seed := range []string{
		`{"payload":"hi mom"}`, `{"payload":null}`, `[]`, `{"payload":"ß","x":1}`, `{`, `{"payload":"🇫🇷e\u0301"}`,
		`{"payload":"a\ud800b"}`, `{"payload":"\ud83d\ude00"}`, `{"payload":"\\ud800"}`, "{\"payload\":\"\xff\ufffd\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		got, err := handle(context.Background(), event)
		if err != nil {
			var invalid *envelope.InvalidInputError
			require.ErrorAs(t, err, &invalid)
			if strings.HasPrefix(invalid.Reason, "the event is not valid UTF-8") || strings.HasPrefix(invalid.Reason, "the event has an unpaired UTF-16 surrogate") {
				assert.False(t, jsontext.Value(event).IsValid(jsontext.AllowDuplicateNames(true)), "rejected as not Unicode an event the strict decoder takes: %q", event)
			}
			return
		}
		assert.Equal(t, 200, got.StatusCode)
		assert.True(t, utf8.ValidString(got.Body.Payload))
		strict, err := StrictPayload(event)
		require.NoError(t, err, "accepted an event the strict decoder rejects: %q", event)
		payload, err := envelope.DecodePayload(event)
		require.NoError(t, err)
		assert.Equal(t, strict, payload, "the payload changed on the way in: %q", event)
	})
}

// StrictPayload decodes the payload of an event the way the envelope
// promises to, with an independent decoder that rejects invalid UTF-8 and
// unpaired surrogate escapes instead of repairing them.
func StrictPayload(event []byte) (string, error) {
	var fields struct {
		Payload string `json:"payload"`
	}
	err := jsonv2.Unmarshal(event, &fields, jsontext.AllowDuplicateNames(true))
	return fields.Payload, err
}
