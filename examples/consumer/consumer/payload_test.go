package consumer

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"

	"stepfunctions-go/lambdas/envelope"
	"stepfunctions-go/lambdas/envelope/envelopetest"
)

// acceptsLikeTheFunctions requires the consumer to accept a payload exactly
// when the workflow's functions accept it as their event: the first step
// gets the execution input whole, and every function decodes it with
// envelope.DecodePayload (envelopetest.Check holds each handler to that).
func acceptsLikeTheFunctions(t *testing.T, payload []byte) {
	t.Helper()
	_, refused := envelope.DecodePayload(json.RawMessage(payload))
	consumerErr := validatePayload(string(payload))
	if assert.Equal(t, refused == nil, consumerErr == nil, "payload %q: the functions say %v, the consumer says %v", payload, refused, consumerErr) && refused != nil {
		assert.ErrorContains(t, consumerErr, refused.Error(), "the consumer gives the functions' reason")
	}
}

// TestConsumerRefusesWhatTheFunctionsRefuse feeds the events every function
// must refuse, and those every function must accept, to the consumer's
// payload check.
func TestConsumerRefusesWhatTheFunctionsRefuse(t *testing.T) {
	for _, tt := range envelopetest.Refused {
		t.Run(tt.Name, func(t *testing.T) {
			acceptsLikeTheFunctions(t, []byte(tt.Event))
			assert.ErrorContains(t, validatePayload(tt.Event), tt.WantError)
		})
	}
	for _, payload := range envelopetest.Accepted {
		t.Run(payload, func(t *testing.T) {
			acceptsLikeTheFunctions(t, []byte(payload))
			assert.NoError(t, validatePayload(payload))
		})
	}
}

func FuzzConsumerAgreesWithTheFunctions(f *testing.F) {
	for _, tt := range envelopetest.Refused {
		f.Add([]byte(tt.Event))
	}
	for _, event := range envelopetest.Accepted {
		f.Add([]byte(event))
	}
	f.Add([]byte(`{"payload":"good morning","source":"scheduler"}`))
	f.Fuzz(acceptsLikeTheFunctions)
}
