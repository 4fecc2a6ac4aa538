package jsonata

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/asl/stateserror"
)

func hexOf(sum []byte) string { return hex.EncodeToString(sum) }

// The functions Step Functions adds, with the examples the developer guide
// gives ("JSONata functions provided by Step Functions") and the edges
// docs/engine-jsonata.md lists. Expected values are written out or computed
// by Go's crypto packages, never by the worker.
func TestStepFunctionsFunctions(t *testing.T) {
	w := newTestWorker(t, Options{})
	md5Sum, sha1Sum, sha256Sum := md5.Sum([]byte("input data")), sha1.Sum([]byte("input data")), sha256.Sum256([]byte("input data"))
	sha384Sum, sha512Sum := sha512.Sum384([]byte("input data")), sha512.Sum512([]byte("input data"))
	tests := []struct {
		expr string
		want string // a JSON text, or "undefined"
	}{
		// $partition: the guide's example, a remainder chunk, truncation, nothing to split
		{"$partition([1,2,3,4,5,6,7,8,9], 3)", "[[1,2,3],[4,5,6],[7,8,9]]"},
		{"$partition([1,2,3,4,5], 2)", "[[1,2],[3,4],[5]]"},
		{"$partition([1,2,3], 5)", "[[1,2,3]]"},
		{"$partition([1,2,3,4,5], 2.9)", "[[1,2],[3,4],[5]]"},
		{"$partition($states.input.items, 2)", `[["a","b"],[{"c":1}]]`},
		{"$partition([], 2)", "undefined"},
		{"$partition([1,2], 0)", "undefined"},
		// $range: inclusive end, negative steps, truncation, a single value, no progress
		{"$range(0, 10, 2)", "[0,2,4,6,8,10]"},
		{"$range(1, 8, 2)", "[1,3,5,7]"},
		{"$range(10, 0, -5)", "[10,5,0]"},
		{"$range(-1.7, 2, 1)", "[-1,0,1,2]"},
		{"$range(7, 7, 1)", "7"},
		{"$range(0, 4, 0)", "undefined"},
		{"$range(3, 1, 1)", "undefined"},
		{"$range(1, 3, -1)", "undefined"},
		{"$range(0, 4)", "undefined"},
		// $hash: every algorithm the guide names, over UTF-8
		{"$hash('input data', 'MD5')", `"` + hexOf(md5Sum[:]) + `"`},
		{"$hash('input data', 'SHA-1')", `"` + hexOf(sha1Sum[:]) + `"`},
		{"$hash('input data', 'SHA-256')", `"` + hexOf(sha256Sum[:]) + `"`},
		{"$hash('input data', 'SHA-384')", `"` + hexOf(sha384Sum[:]) + `"`},
		{"$hash('input data', 'SHA-512')", `"` + hexOf(sha512Sum[:]) + `"`},
		{"$hash('input data')", "undefined"},
		// $parse: the replacement for $eval
		{`$parse('{"customer": {"name": "María"}, "n": [1, 2.5, null, true]}')`, `{"customer":{"name":"María"},"n":[1,2.5,null,true]}`},
		{`$parse('"text"')`, `"text"`},
		{`$parse($states.input.json).k`, `"v"`},
		// $random with a seed repeats
		{"$random(42) = $random(42)", "true"},
		{"$random(42.9) = $random(42)", "true"},
		{"$random(1) = $random(2)", "false"},
		{"$random() >= 0 and $random() < 1", "true"},
	}
	input := decodeJSON(t, `{"items": ["a", "b", {"c": 1}], "json": "{\"k\": \"v\"}"}`)
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got, err := w.Evaluate(t.Context(), tt.expr, states(input))
			require.NoError(t, err)
			if tt.want == "undefined" {
				assert.Equal(t, Undefined, got)
				return
			}
			assert.Equal(t, decodeJSON(t, tt.want), got)
		})
	}
}

func TestStepFunctionsFunctionErrors(t *testing.T) {
	w := newTestWorker(t, Options{})
	tests := []struct {
		expr, cause string
	}{
		// jsonata checks each function's signature, as on AWS
		{"$range('0', 4, 1)", `T0410: Argument 1 of function "range" does not match function signature`},
		{"$range(0, 4, 1, 2)", `T0410: Argument 4 of function "range" does not match function signature`},
		{"$partition([1], 'two')", `T0410: Argument 2 of function "partition" does not match function signature`},
		{"$hash(1, 'MD5')", `T0410: Argument 1 of function "hash" does not match function signature`},
		{"$uuid(1)", `T0410: Argument 1 of function "uuid" does not match function signature`},
		{"$parse(1)", `T0410: Argument 1 of function "parse" does not match function signature`},
		// what the functions themselves refuse
		{"$hash('a', 'sha-256')", `The hash algorithm "sha-256" is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512`},
		{"$parse('{')", "$parse could not read its argument as JSON: "},
		{"$range(0, 360145, 1)", "Expression evaluation memory limit exceeded"},
		// $eval is not there, as on AWS
		{"$eval('1 + 1')", "T1006: Attempted to invoke a non-function"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			_, err := w.Evaluate(t.Context(), tt.expr, nil)
			var statesErr *stateserror.Error
			require.True(t, errors.As(err, &statesErr), "%v", err)
			assert.Equal(t, stateserror.QueryEvaluationError, statesErr.Name)
			assert.Contains(t, statesErr.Cause, tt.cause)
		})
	}
	t.Run("the longest range is answered", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$count($range(1, 360145, 1))", nil)
		require.NoError(t, err)
		assert.Equal(t, decodeJSON(t, "360145"), got)
	})
	t.Run("$eval names nothing", func(t *testing.T) {
		got, err := w.Evaluate(t.Context(), "$eval", nil)
		require.NoError(t, err)
		assert.Equal(t, Undefined, got)
	})
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// $uuid and $random are fresh on every call, and repeat under a seed, which
// is what a test of a workflow that uses them needs.
func TestRandomAndUUIDRepeatUnderASeed(t *testing.T) {
	draw := func(w *Worker) []any {
		got, err := w.Evaluate(t.Context(), "[$uuid(), $uuid(), $random(), $random()]", nil)
		require.NoError(t, err)
		return got.([]any)
	}
	seed := uint32(7)
	first, again := draw(newTestWorker(t, Options{Seed: &seed})), draw(newTestWorker(t, Options{Seed: &seed}))
	other := uint32(8)
	unseeded := newTestWorker(t, Options{})
	for name, values := range map[string][]any{"seeded": first, "other seed": draw(newTestWorker(t, Options{Seed: &other})), "unseeded": draw(unseeded)} {
		t.Run(name, func(t *testing.T) {
			for _, id := range values[:2] {
				assert.Regexp(t, uuidV4, id)
			}
			assert.NotEqual(t, values[0], values[1], "each $uuid() is new")
			assert.NotEqual(t, values[2], values[3], "each $random() is new")
			if name != "seeded" {
				assert.NotEqual(t, first, values)
			}
		})
	}
	assert.Equal(t, first, again, "the same seed repeats the same values")
	assert.NotEqual(t, draw(unseeded), draw(unseeded))
}
