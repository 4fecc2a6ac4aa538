package envelope

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"stepfunctions-go/internal/seed"
)

func TestDecodePayload(t *testing.T) {
	tests := []struct {
		name      string
		event     string
		want      string
		wantError string // substring of the InvalidInputError; "" means success
	}{
		{name: "seed input", event: `{"payload": "hi mom"}`, want: "hi mom"},
		{name: "empty string is a valid payload", event: `{"payload": ""}`, want: ""},
		{name: "escaped unicode", event: `{"payload": "\u00df\ud83c\udff3"}`, want: "ß🏳"},
		{name: "missing payload", event: `{}`, wantError: `field "payload" is missing`},
		{name: "null payload", event: `{"payload": null}`, wantError: `must be a string, got null`},
		{name: "number payload", event: `{"payload": 42}`, wantError: `must be a string, got a number`},
		{name: "object payload", event: `{"payload": {"a": 1}}`, wantError: `must be a string, got an object`},
		{name: "array payload", event: `{"payload": ["a"]}`, wantError: `must be a string, got an array`},
		{name: "boolean payload", event: `{"payload": true}`, wantError: `must be a string, got a boolean`},
		{name: "unexpected fields are named", event: `{"payload": "x", "zeta": 1, "alpha": 2}`, wantError: `unexpected field(s) "alpha", "zeta"`},
		{name: "event is an array", event: `["payload"]`, wantError: `must be a JSON object, got an array`},
		{name: "event is a string", event: `"hi mom"`, wantError: `must be a JSON object, got a string`},
		{name: "event is null", event: `null`, wantError: `must be a JSON object, got null`},
		{name: "empty event", event: ``, wantError: `must be a JSON object, got nothing`},
		{name: "malformed event", event: `{"payload": `, wantError: `must be a JSON object, got malformed JSON`},
		{name: "malformed payload value", event: `{"payload": tru}`, wantError: `must be a JSON object, got malformed JSON`},

		// Unicode: text that is not valid Unicode is rejected, never repaired.
		{name: "valid surrogate pair", event: `{"payload":"\ud83d\ude00"}`, want: "😀"},
		{name: "upper-case hex pair", event: `{"payload":"\uD83D\uDE00"}`, want: "😀"},
		{name: "an escaped backslash is not an escape", event: `{"payload":"\\ud800"}`, want: `\ud800`},
		{name: "escaped backslash then a pair", event: `{"payload":"\\\ud83d\ude00"}`, want: `\😀`},
		{name: "literal U+FFFD passes unchanged", event: "{\"payload\":\"a\ufffdb\"}", want: "a\ufffdb"},
		{name: "escaped U+FFFD passes unchanged", event: `{"payload":"a\ufffdb"}`, want: "a\ufffdb"},
		{name: "lone high surrogate", event: `{"payload":"a\ud800b"}`, wantError: `the event has an unpaired UTF-16 surrogate escape \ud800 at byte offset 13`},
		{name: "lone low surrogate", event: `{"payload":"\udc00"}`, wantError: `unpaired UTF-16 surrogate escape \udc00 at byte offset 12`},
		{name: "high surrogate then another escape", event: `{"payload":"\ud800\u0041"}`, wantError: `unpaired UTF-16 surrogate escape \ud800 at byte offset 12`},
		{name: "high surrogate then a simple escape", event: `{"payload":"\ud800\n"}`, wantError: `unpaired UTF-16 surrogate escape \ud800 at byte offset 12`},
		{name: "high surrogate ends the string", event: `{"payload":"x\uD800"}`, wantError: `unpaired UTF-16 surrogate escape \uD800 at byte offset 13`},
		{name: "two high surrogates", event: `{"payload":"\ud800\ud83d\ude00"}`, wantError: `unpaired UTF-16 surrogate escape \ud800 at byte offset 12`},
		{name: "halves split by a character", event: `{"payload":"\ud83da\ude00"}`, wantError: `unpaired UTF-16 surrogate escape \ud83d at byte offset 12`},
		{name: "halves in two strings", event: `{"payload":"\ud83d","x":"\ude00"}`, wantError: `unpaired UTF-16 surrogate escape \ud83d at byte offset 12`},
		{name: "pair in the wrong order", event: `{"payload":"\ude00\ud83d"}`, wantError: `unpaired UTF-16 surrogate escape \ude00 at byte offset 12`},
		{name: "surrogate in a field name", event: `{"payload":"x","\ud800":1}`, wantError: `unpaired UTF-16 surrogate escape \ud800 at byte offset 16`},
		{name: "invalid UTF-8 byte", event: "{\"payload\":\"a\xffb\"}", wantError: `the event is not valid UTF-8: byte 0xff at byte offset 13`},
		{name: "truncated UTF-8 sequence", event: "{\"payload\":\"\xe2\x82\"}", wantError: `not valid UTF-8: byte 0xe2 at byte offset 12`},
		{name: "surrogate encoded as UTF-8", event: "{\"payload\":\"\xed\xa0\x80\"}", wantError: `not valid UTF-8: byte 0xed at byte offset 12`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePayload(json.RawMessage(tt.event))
			if tt.wantError == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
				return
			}
			var invalid *InvalidInputError
			require.ErrorAs(t, err, &invalid)
			assert.Contains(t, err.Error(), tt.wantError)
			assert.Contains(t, err.Error(), `expected {"payload": <string>}`)
		})
	}
}

func TestOKMatchesTheSeedEnvelopeByteForByte(t *testing.T) {
	encoded, err := json.Marshal(OK("MOM IH"))
	require.NoError(t, err)
	assert.Equal(t, seed.Output, string(encoded))
}

func TestApplyTransformsOnlyValidEvents(t *testing.T) {
	calls := 0
	exclaim := func(s string) string { calls++; return s + "!" }

	response, err := Apply(json.RawMessage(`{"payload":"hi"}`), exclaim)
	require.NoError(t, err)
	assert.Equal(t, "hi!", response.Body.Payload)

	_, err = Apply(json.RawMessage(`{"payload":1}`), exclaim)
	require.Error(t, err)
	assert.Equal(t, 1, calls, "the transform must not run on invalid input")
}

// FuzzCheckUnicode holds the scanner to an independent judge: for any valid
// JSON, CheckUnicode accepts exactly what the strict decoder of
// github.com/go-json-experiment/json accepts (which also rejects invalid
// UTF-8 and unpaired surrogate escapes, and nothing else that is JSON).
func FuzzCheckUnicode(f *testing.F) {
	for _, seed := range []string{
		`"a\ud800b"`, `"\udc00"`, `"\ud83d\ude00"`, `"\\ud800"`, `"\\\ud800"`, `{"\ud800":1}`,
		`["\ud83d","\ude00"]`, "\"\xff\"", "\"\xef\xbf\xbd\"", `"\ufffd"`, `{"payload":"hi mom"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		judge := jsontext.Value(data).IsValid(jsontext.AllowDuplicateNames(true))
		err := CheckUnicode("the data", data)
		assert.Equal(t, judge, err == nil, "data %q: CheckUnicode says %v", data, err)
	})
}

// UTF-16 surrogate ranges, as the Unicode Standard fixes them (§3.8): high
// (leading) halves D800–DBFF, low (trailing) halves DC00–DFFF. A pair stands
// for 0x10000 + (high−0xD800)·0x400 + (low−0xDC00).
const (
	firstHigh, lastHigh = 0xd800, 0xdbff
	firstLow, lastLow   = 0xdc00, 0xdfff
)

// pairCodePoint is the code point a high and a low half stand for.
func pairCodePoint(high, low int) rune {
	return rune(0x10000 + (high-firstHigh)<<10 + (low - firstLow))
}

// TestSurrogateRangeEdges probes both ranges at their edges: every pair of
// edge halves decodes to its code point (U+10000 to U+10FFFF), each edge half
// alone or in the wrong order is rejected, and the code points just outside
// the ranges are ordinary characters.
func TestSurrogateRangeEdges(t *testing.T) {
	escape := func(unit int) string { return fmt.Sprintf(`\u%04x`, unit) }
	event := func(text string) json.RawMessage { return json.RawMessage(`{"payload":"` + text + `"}`) }
	for _, high := range []int{firstHigh, firstHigh + 1, lastHigh - 1, lastHigh} {
		for _, low := range []int{firstLow, firstLow + 1, lastLow - 1, lastLow} {
			want := string(pairCodePoint(high, low))
			t.Run("pair "+escape(high)+escape(low), func(t *testing.T) {
				got, err := DecodePayload(event(escape(high) + escape(low)))
				require.NoError(t, err)
				assert.Equal(t, want, got)
			})
			t.Run("reversed "+escape(low)+escape(high), func(t *testing.T) {
				_, err := DecodePayload(event(escape(low) + escape(high)))
				assert.ErrorContains(t, err, "unpaired UTF-16 surrogate escape "+escape(low)+" at byte offset 12")
			})
		}
	}
	assert.Equal(t, '\U00010000', pairCodePoint(firstHigh, firstLow), "the first pair")
	assert.Equal(t, '\U0010FFFF', pairCodePoint(lastHigh, lastLow), "the last pair")
	for _, half := range []int{firstHigh, lastHigh, firstLow, lastLow} {
		for _, text := range []string{escape(half), "a" + escape(half), escape(half) + "a"} {
			t.Run("lone "+text, func(t *testing.T) {
				_, err := DecodePayload(event(text))
				assert.ErrorContains(t, err, "unpaired UTF-16 surrogate escape "+escape(half))
			})
		}
	}
	for _, outside := range []int{firstHigh - 1, lastLow + 1} {
		t.Run("outside "+escape(outside), func(t *testing.T) {
			got, err := DecodePayload(event(escape(outside)))
			require.NoError(t, err)
			assert.Equal(t, string(rune(outside)), got)
		})
	}
}
