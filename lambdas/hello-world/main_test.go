package main

import (
	"testing"

	"stepfunctions-go/lambdas/envelope/envelopetest"
)

func TestHandle(t *testing.T) {
	envelopetest.Check(t, handle, []envelopetest.Transformation{
		{Name: "second step of the seed", Payload: "mom ih", Want: "MOM IH"},
		{Name: "full case mapping", Payload: "straße", Want: "STRASSE"},
		{Name: "empty payload", Payload: "", Want: ""},
	})
}

func FuzzHandle(f *testing.F) { envelopetest.Fuzz(f, handle) }
