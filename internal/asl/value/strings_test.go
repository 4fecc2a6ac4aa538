package value

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeKeepsALoneSurrogate(t *testing.T) {
	tests := []struct {
		name, text string
		// want is the decoded string, its lone surrogates written out as
		// their WTF-8 bytes.
		want string
		// wantJSON is what Marshal writes for it.
		wantJSON string
	}{
		{"the first high half alone", `"\ud800"`, "\xed\xa0\x80", `"\ud800"`},
		{"the last high half alone", `"\udbff"`, "\xed\xaf\xbf", `"\udbff"`},
		{"the first low half alone", `"\udc00"`, "\xed\xb0\x80", `"\udc00"`},
		{"the last low half alone", `"\udfff"`, "\xed\xbf\xbf", `"\udfff"`},
		{"upper-case digits, written back in lower case as encoding/json writes escapes", `"\uD800"`, "\xed\xa0\x80", `"\ud800"`},
		{"inside text", `"a\ud800b"`, "a\xed\xa0\x80b", `"a\ud800b"`},
		{"a high half at the end of the string", `"a\ud800"`, "a\xed\xa0\x80", `"a\ud800"`},
		{"a high half followed by a character", `"\ud800A"`, "\xed\xa0\x80A", `"\ud800A"`},
		{"a high half followed by an escape that is not a low half", `"\ud800\u0041"`, "\xed\xa0\x80A", `"\ud800A"`},
		{"a high half followed by a one-letter escape", `"\ud800\n"`, "\xed\xa0\x80\n", `"\ud800\n"`},
		{"two high halves", `"\ud800\udbff"`, "\xed\xa0\x80\xed\xaf\xbf", `"\ud800\udbff"`},
		{"a low half before a high half is no pair", `"\udc00\ud800"`, "\xed\xb0\x80\xed\xa0\x80", `"\udc00\ud800"`},
		{"a pair after a lone high half", `"\ud800\ud83d\ude00"`, "\xed\xa0\x80😀", `"\ud800😀"`},
		{"the first pair: U+10000", `"\ud800\udc00"`, "\U00010000", "\"\U00010000\""},
		{"the last pair: U+10FFFF", `"\udbff\udfff"`, "\U0010FFFF", "\"\U0010FFFF\""},
		{"a pair is its character", `"\ud83d\ude00"`, "😀", `"😀"`},
		{"the code points around the surrogates are characters", `"\ud7ff\ue000"`, "\ud7ff\ue000", "\"\ud7ff\ue000\""},
		{"the text's own surrogate bytes are kept, as the engine's strings hold them", "\"a\xed\xa0\x80\"", "a\xed\xa0\x80", `"a\ud800"`},
		{"other bytes that are not UTF-8 become U+FFFD byte by byte, as in encoding/json", "\"\xff\xed\xa0\xed\xc0\x80\"", "\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD", "\"\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Decode([]byte(tt.text))
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
			out, err := Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, tt.wantJSON, string(out))
			assert.True(t, utf8.Valid(out), "Marshal writes UTF-8")
		})
	}
}

func TestALoneSurrogateInAName(t *testing.T) {
	v, err := Decode([]byte(`{"\udfff": {"k\ud800": ["\udc00"]}}`))
	require.NoError(t, err)
	inner, ok := v.(*Object).Get("\xed\xbf\xbf")
	require.True(t, ok)
	assert.Equal(t, []string{"k\xed\xa0\x80"}, inner.(*Object).Keys())
	out, err := Marshal(v)
	require.NoError(t, err)
	assert.Equal(t, `{"\udfff":{"k\ud800":["\udc00"]}}`, string(out))
	wrapped, err := json.Marshal(map[string]any{"v": v})
	require.NoError(t, err)
	assert.Equal(t, `{"v":{"\udfff":{"k\ud800":["\udc00"]}}}`, string(wrapped), "encoding/json keeps an Object's escapes")
}

func TestAppendStringOnTextDecodeCannotMake(t *testing.T) {
	tests := []struct{ name, s, want string }{
		{"a byte that is not UTF-8", "a\xffb", `"a\ufffdb"`},
		{"a surrogate cut short", "\xed\xa0", `"\ufffd\ufffd"`},
		{"ED followed by a byte beyond the surrogates", "\xed\xc0\x80", `"\ufffd\ufffd\ufffd"`},
		{"control characters, quotes, backslashes and line separators", "\x00\x1f\b\f\n\r\t\"\\\u2028\u2029\x7f<>&", `"\u0000\u001f\b\f\n\r\t\"\\\u2028\u2029` + "\x7f<>&\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(AppendString(nil, tt.s)))
		})
	}
}

// replaceSurrogates is s with each surrogate code point in UTF-8's scheme
// (ED A0..BF 80..BF, as Decode keeps a lone one) replaced by with.
func replaceSurrogates(s, with string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i+2 < len(s) && s[i] == 0xed && s[i+1]>>5 == 0b101 && s[i+2]>>6 == 0b10 {
			b.WriteString(with)
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// asEncodingJSON is v as encoding/json decodes the same text: maps for
// objects, U+FFFD for each lone surrogate.
func asEncodingJSON(v any) any {
	switch x := v.(type) {
	case *Object:
		m := map[string]any{}
		for k, e := range x.All() {
			m[asEncodingJSON(k).(string)] = asEncodingJSON(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = asEncodingJSON(e)
		}
		return a
	case string:
		return replaceSurrogates(x, "\uFFFD")
	}
	return v
}

// validWTF8 says whether s is UTF-8 but for surrogate code points in
// UTF-8's scheme: a string Decode can make.
func validWTF8(s string) bool {
	for i := 0; i < len(s); {
		if i+3 <= len(s) && replaceSurrogates(s[i:i+3], "") == "" {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
	}
	return true
}

var fuzzSeeds = []string{
	`{"payload":"a\ud800b"}`, `"\ud83d\ude00"`, `"\udbff\udfff"`, `"\ud800\u0041"`, `"\udc00\ud800"`,
	`{"\ud800":[1,-0.5e3,true,false,null,{}]}`, `"\"\\\/\b\f\n\r\t\u00e9"`, "\"\xed\xa0\x80\xff\"",
	`[1,]`, `{"a" 1}`, `"\ud80"`, `"\ux"`, "\"\x01\"", `1 2`, ``, ` [ ] `, `01`, `1.`, `-`, `"\ud800\u"`,
}

// FuzzDecode holds Decode to encoding/json: the same documents accepted,
// the same values (with U+FFFD where Decode keeps a lone surrogate escape)
// on text without surrogate bytes of its own (which encoding/json reads
// byte by byte), and Marshal's text valid UTF-8 and JSON that reads back
// the same.
func FuzzDecode(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		v, err := Decode(text)
		require.Equal(t, json.Valid(text), err == nil, "%q: %v", text, err)
		if err != nil {
			return
		}
		if replaceSurrogates(string(text), "") == string(text) {
			dec := json.NewDecoder(bytes.NewReader(text))
			dec.UseNumber()
			var want any
			require.NoError(t, dec.Decode(&want))
			require.Equal(t, want, asEncodingJSON(v), "%q", text)
		}

		out, err := Marshal(v)
		require.NoError(t, err)
		require.True(t, utf8.Valid(out), "%q", out)
		again, err := Decode(out)
		require.NoError(t, err, "%q", out)
		require.Equal(t, v, again, "%q", out)

		held, err := Text(v)
		require.NoError(t, err)
		again, err = Decode([]byte(held))
		require.NoError(t, err, "%q", held)
		require.Equal(t, v, again, "Text reads back as the value: %q", held)
	})
}

// FuzzAppendString holds AppendString to encoding/json (without HTML
// escaping) on strings without a surrogate, and checks that any string
// Decode could make reads back as itself.
func FuzzAppendString(f *testing.F) {
	for _, seed := range []string{"a\xed\xa0\x80b", "\xed\xbf\xbf\xed\xa0", "\xe2\xed\xa0\x80\x82\xac", "\u2028\x00\"\\<", "\xff", "😀"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		require.True(t, utf8.Valid(out), "%q", out)
		if replaceSurrogates(s, "") == s {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			require.NoError(t, enc.Encode(s))
			require.Equal(t, bytes.TrimSuffix(want.Bytes(), []byte("\n")), out, "%q", s)
		}
		if validWTF8(s) {
			back, err := Decode(out)
			require.NoError(t, err)
			require.Equal(t, s, back, "%q", out)
		}
	})
}

func TestMarshalWritesAGoMapSortedWithTheEnginesStrings(t *testing.T) {
	var none map[string]any
	out, err := Marshal(map[string]any{"b": "\xed\xa0\x80<", "a": none, "c": []any{map[string]any{"\xed\xbf\xbf": 1}}})
	require.NoError(t, err)
	assert.Equal(t, `{"a":null,"b":"\ud800<","c":[{"\udfff":1}]}`, string(out))
}

func TestTextKeepsALoneSurrogateAsTheStringHoldsIt(t *testing.T) {
	v, err := Decode([]byte(`{"k\ud800": ["\udfff", "\ud83d\ude00", "\u0001<"]}`))
	require.NoError(t, err)
	text, err := Text(v)
	require.NoError(t, err)
	assert.Equal(t, "{\"k\xed\xa0\x80\":[\"\xed\xbf\xbf\",\"😀\",\"\\u0001<\"]}", text)
	out, err := Marshal(text)
	require.NoError(t, err)
	assert.Equal(t, `"{\"k\ud800\":[\"\udfff\",\"😀\",\"\\u0001<\"]}"`, string(out), "written out, the text's lone surrogates are escapes")
}
