package main

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The longest error and cause SendTaskFailure accepts: the Step Functions
// API model gives its shapes SensitiveError max 256 and SensitiveCause max
// 32768. A longer one is refused with a ValidationException, so the task
// would never hear of the failure and the message would go round to the
// dead-letter queue instead.
const (
	maxErrorLength = 256
	maxCauseLength = 32768
)

// truncated marks a cause or error that was cut to fit.
const truncated = "…"

// fitLength returns s when it is at most limit long, and otherwise its
// longest prefix that leaves room for the truncated mark, then the mark.
// Length is counted in UTF-16 code units: the model's length constraint
// counts characters (code points, in Smithy's definition), and a service
// written in Java may count UTF-16 code units, which are never fewer. A
// result that fits in code units fits under either count. The cut falls
// between characters only, so it never splits a UTF-8 sequence or a
// surrogate pair. An invalid UTF-8 byte counts as one unit: the request
// encodes it as one U+FFFD.
func fitLength(s string, limit int) string {
	if utf16Length(s) <= limit {
		return s
	}
	room := limit - utf16Length(truncated)
	end := 0
	for end < len(s) {
		r, size := utf8.DecodeRuneInString(s[end:])
		if room -= runeUnits(r); room < 0 {
			break
		}
		end += size
	}
	return s[:end] + truncated
}

// utf16Length is the number of UTF-16 code units s encodes to.
func utf16Length(s string) int {
	units := 0
	for _, r := range s {
		units += runeUnits(r)
	}
	return units
}

// runeUnits is how many UTF-16 code units r takes; utf8.RuneError, which
// stands for an invalid byte too, takes one.
func runeUnits(r rune) int {
	if n := utf16.RuneLen(r); n > 0 {
		return n
	}
	return utf16.RuneLen(utf8.RuneError)
}
