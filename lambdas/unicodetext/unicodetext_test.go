package unicodetext

import (
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/graphemes"
	"github.com/stretchr/testify/assert"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

func TestReverse(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"seed", "hi mom", "mom ih"},
		{"empty", "", ""},
		{"combining mark stays on its letter", "cafe\u0301!", "!e\u0301fac"},
		{"flags stay whole", "🇫🇷🇩🇪", "🇩🇪🇫🇷"},
		{"ZWJ family stays whole", "a👨‍👩‍👧b", "b👨‍👩‍👧a"},
		{"skin tone modifier stays whole", "👍🏽x", "x👍🏽"},
		{"CRLF is one cluster", "a\r\nb", "b\r\na"},
		{"hangul jamo stay composed", "\u1100\u1161\u11a8z", "z\u1100\u1161\u11a8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Reverse(tt.in))
		})
	}
}

func TestUpper(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"seed", "mom ih", "MOM IH"},
		{"empty", "", ""},
		{"sharp s expands", "straße", "STRASSE"},
		{"ligature expands", "ﬁne", "FINE"},
		{"greek with ypogegrammeni", "ᾳ", "ΑΙ"},
		{"final sigma", "ὀδυσσεύς", "ὈΔΥΣΣΕΎΣ"},
		{"titlecase digraph", "ǅ", "Ǆ"},
		{"dotless i stays language-neutral", "ıi", "II"},
		{"emoji untouched", "a👍🏽", "A👍🏽"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Upper(tt.in))
		})
	}
}

// TestUpperAgreesWithXTextOnEveryCodePoint proves the generated table is
// complete and current: if Go's or x/text's Unicode version moves, this fails
// until `go generate ./lambdas/...` is run.
func TestUpperAgreesWithXTextOnEveryCodePoint(t *testing.T) {
	caser := cases.Upper(language.Und)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		if want := caser.String(string(r)); Upper(string(r)) != want {
			t.Fatalf("Upper(%U) = %+q, x/text says %+q: run go generate ./lambdas/...", r, Upper(string(r)), want)
		}
	}
}

func FuzzUpperMatchesXText(f *testing.F) {
	for _, seed := range []string{"hi mom", "straße", "ﬁ", "ᾳ̈", "i\u0307", "ı\u0307"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("JSON strings reach the function as valid UTF-8")
		}
		assert.Equal(t, cases.Upper(language.Und).String(s), Upper(s))
	})
}

func FuzzReverse(f *testing.F) {
	for _, seed := range []string{"hi mom", "🇫🇷🇩🇪", "e\u0301", "a👨‍👩‍👧b", "\r\n"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("JSON strings reach the function as valid UTF-8")
		}
		reversed := Reverse(s)
		assert.Equal(t, len(s), len(reversed), "reversing must keep every byte")
		assert.Equal(t, s, Reverse(reversed), "reversing twice must give the input back")
		assert.Equal(t, graphemeCount(s), graphemeCount(reversed))
	})
}

func graphemeCount(s string) int {
	n := 0
	for g := graphemes.FromString(s); g.Next(); {
		n++
	}
	return n
}
