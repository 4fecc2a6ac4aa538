package main

import (
	"testing"

	"stepfunctions-go/lambdas/envelope/envelopetest"
)

func TestHandle(t *testing.T) {
	envelopetest.Check(t, handle, []envelopetest.Transformation{
		{Name: "first step of the seed", Payload: "hi mom", Want: "mom ih"},
		{Name: "grapheme clusters stay whole", Payload: "🇫🇷e\u0301", Want: "e\u0301🇫🇷"},
		{Name: "empty payload", Payload: "", Want: ""},
	})
}

func FuzzHandle(f *testing.F) { envelopetest.Fuzz(f, handle) }
