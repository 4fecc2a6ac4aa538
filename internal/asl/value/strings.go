package value

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Strings are UTF-8, except for one thing Step Functions (Java, whose
// strings are UTF-16) lets through and encoding/json would not: a lone
// surrogate escape such as "\ud800". Replacing it with U+FFFD, as
// encoding/json does, would hand a function other text than the execution
// was given, so Decode keeps it as the three bytes UTF-8's scheme gives
// the code point (its WTF-8 form: ED A0 80 for U+D800) and AppendString
// writes those bytes back as the escape. A pair of escapes that makes one
// character (\ud83d\ude00) is that character, U+1F600, as everywhere.
//
// JSON text the engine holds as a string (Text: States.JsonToString's
// result, a history event's input) keeps those bytes as they are, as a
// Java string keeps the lone char, and Decode reads them back the same
// way, so States.StringToJson reads a string the engine holds as Java
// would. Text from outside holds them only where it was a JSON string
// first (StartExecution's input, read from its request as the engine
// reads strings); the runner refuses an -input that is not UTF-8. Any
// other byte that is not UTF-8 becomes U+FFFD, byte by
// byte, as in encoding/json, and AppendString writes such a byte (in a Go
// string built outside Decode) as \ufffd, as encoding/json does.

// parseString reads the string at the start of text, which encoding/json
// has checked, and returns it with the text after its closing quote.
func parseString(text []byte) (string, []byte) {
	text = text[1:] // '"'
	i := 0
	for i < len(text) && text[i] != '"' && text[i] != '\\' && text[i] < utf8.RuneSelf {
		i++
	}
	if text[i] == '"' {
		return string(text[:i]), text[i+1:]
	}
	out := append(make([]byte, 0, 2*i+16), text[:i]...)
	for {
		switch c := text[i]; {
		case c == '"':
			return string(out), text[i+1:]
		case c == '\\':
			if text[i+1] != 'u' {
				out = append(out, unescape[text[i+1]])
				i += 2
				continue
			}
			r := hex4(text[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(text) && text[i] == '\\' && text[i+1] == 'u' {
					if pair := utf16.DecodeRune(r, hex4(text[i+2:])); pair != utf8.RuneError {
						out = utf8.AppendRune(out, pair)
						i += 6
						continue
					}
				}
				out = append(out, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f)
				continue
			}
			out = utf8.AppendRune(out, r)
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		case isSurrogate(text[i:]):
			out = append(out, text[i:i+3]...)
			i += 3
		default:
			r, size := utf8.DecodeRune(text[i:])
			out = utf8.AppendRune(out, r) // RuneError for a byte that is not UTF-8
			i += size
		}
	}
}

// unescape is the character each one-letter escape stands for.
var unescape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// hex4 is the code unit of the four hex digits text starts with (checked
// by encoding/json), or -1 when they are not four hex digits (only where
// parseString looks ahead for the second half of a pair).
func hex4(text []byte) rune {
	if len(text) < 4 {
		return -1
	}
	var r rune
	for _, c := range text[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return -1
		}
	}
	return r
}

// AppendString appends s as a JSON string, escaped as encoding/json does
// without HTML escaping, except that a lone surrogate Decode kept is
// written as its escape (\ud800) rather than as \ufffd.
func AppendString(buf []byte, s string) []byte {
	return appendString(buf, s, false)
}

// appendString is AppendString, or, with keepSurrogates, Text's string
// writer, which leaves a lone surrogate as it is.
func appendString(buf []byte, s string, keepSurrogates bool) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if c >= utf8.RuneSelf && !(r == utf8.RuneError && size == 1) && r != '\u2028' && r != '\u2029' {
			i += size
			continue
		}
		if keepSurrogates && isSurrogate(s[i:]) {
			i += 3
			continue
		}
		buf = append(buf, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c == '\b':
			buf = append(buf, '\\', 'b')
		case c == '\f':
			buf = append(buf, '\\', 'f')
		case c == '\n':
			buf = append(buf, '\\', 'n')
		case c == '\r':
			buf = append(buf, '\\', 'r')
		case c == '\t':
			buf = append(buf, '\\', 't')
		case c < 0x20:
			buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case r == '\u2028' || r == '\u2029':
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
		case isSurrogate(s[i:]):
			r = rune(s[i]&0x0f)<<12 | rune(s[i+1]&0x3f)<<6 | rune(s[i+2]&0x3f)
			buf = append(buf, '\\', 'u', hex[r>>12], hex[r>>8&0xf], hex[r>>4&0xf], hex[r&0xf])
			size = 3
		default:
			buf = append(buf, `\ufffd`...)
		}
		i += size
		start = i
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// isSurrogate says whether s starts with a surrogate code point in UTF-8's
// scheme (ED A0..BF 80..BF), as the engine's strings hold a lone one.
func isSurrogate[T string | []byte](s T) bool {
	return len(s) >= 3 && s[0] == 0xed && 0xa0 <= s[1] && s[1] <= 0xbf && 0x80 <= s[2] && s[2] <= 0xbf
}
