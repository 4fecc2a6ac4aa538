package envelope

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// CheckUnicode rejects JSON that does not encode valid Unicode text: bytes
// that are not UTF-8, or a \u escape for half of a UTF-16 surrogate pair
// without its other half. encoding/json would silently turn either into
// U+FFFD, and the function would then answer with text the caller never
// sent. what names data in the message ("the event"); data must be valid
// JSON, which the scan of its strings relies on.
func CheckUnicode(what string, data []byte) error {
	if offset := InvalidUTF8Offset(data); offset >= 0 {
		return &InvalidInputError{Reason: fmt.Sprintf("%s is not valid UTF-8: byte 0x%02x at byte offset %d", what, data[offset], offset)}
	}
	if offset := unpairedSurrogate(data); offset >= 0 {
		return &InvalidInputError{Reason: fmt.Sprintf("%s has an unpaired UTF-16 surrogate escape %s at byte offset %d; a JSON string must encode Unicode text, with a surrogate only in a high-low pair such as \\ud83d\\ude00", what, data[offset:offset+6], offset)}
	}
	return nil
}

// InvalidUTF8Offset is the offset of the first byte of data that does not
// start a valid UTF-8 sequence, or -1. A literal U+FFFD is valid and passes.
func InvalidUTF8Offset(data []byte) int {
	for offset := 0; offset < len(data); {
		r, size := utf8.DecodeRune(data[offset:])
		if r == utf8.RuneError && size == 1 {
			return offset
		}
		offset += size
	}
	return -1
}

// unpairedSurrogate is the offset of the first \uXXXX escape in a string of
// the JSON text data that is a high surrogate not followed by a low one, or a
// low surrogate not preceded by a high one; -1 if there is none. It walks
// the strings escape by escape, so an escaped backslash followed by "ud800"
// is the text \ud800, not an escape.
func unpairedSurrogate(data []byte) int {
	inString := false
	high := -1 // offset of a high surrogate escape waiting for its low half
	for i := 0; i < len(data); i++ {
		if !inString {
			inString = data[i] == '"'
			continue
		}
		if data[i] != '\\' || i+1 == len(data) || data[i+1] != 'u' {
			// Anything but a \u escape ends a pair in waiting, unpaired.
			if high >= 0 {
				return high
			}
			switch data[i] {
			case '"':
				inString = false
			case '\\':
				i++ // the escaped character: ", \, /, b, f, n, r or t
			}
			continue
		}
		if i+6 > len(data) {
			return -1 // a truncated escape: not JSON, which the caller rejects
		}
		unit, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		if err != nil {
			return -1 // not JSON either
		}
		r := rune(unit)
		switch {
		case high >= 0 && utf16.IsSurrogate(r) && r >= 0xdc00:
			high = -1 // the low half of the pair in waiting
		case high >= 0:
			return high
		case utf16.IsSurrogate(r) && r < 0xdc00:
			high = i
		case utf16.IsSurrogate(r):
			return i // a low half with no high half before it
		}
		i += 5
	}
	if high >= 0 {
		return high
	}
	return -1
}
