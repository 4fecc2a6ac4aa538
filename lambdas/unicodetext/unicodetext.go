// Package unicodetext holds the workflow's two text operations, both correct
// for all of Unicode rather than for ASCII only.
package unicodetext

import (
	"strings"
	"unicode"

	"github.com/clipperhouse/uax29/v2/graphemes"
)

//go:generate go run gen_upper_table.go

// Reverse reverses the user-perceived characters (extended grapheme clusters,
// UAX #29) of s, so emoji sequences, flags and combining marks stay whole.
func Reverse(s string) string {
	var clusters []string
	for cluster := graphemes.FromString(s); cluster.Next(); {
		clusters = append(clusters, cluster.Value())
	}
	var reversed strings.Builder
	reversed.Grow(len(s))
	for i := len(clusters) - 1; i >= 0; i-- {
		reversed.WriteString(clusters[i])
	}
	return reversed.String()
}

// Upper applies Unicode's full, language-neutral upper-case mapping, as
// Python's str.upper() does: "ß" becomes "SS" and "ﬁ" becomes "FI", where
// strings.ToUpper (a rune-for-rune mapping) leaves them alone.
//
// The one-to-many mappings come from golang.org/x/text/cases through
// gen_upper_table.go rather than from linking x/text into the function: its
// tables (plus the language and norm packages it drags in) add about 94 KB to
// each compressed zip, more than the package size budget allows. The tests
// check every code point against x/text.
func Upper(s string) string {
	var upper strings.Builder
	upper.Grow(len(s))
	for _, r := range s {
		if expanded, ok := oneToManyUpper[r]; ok {
			upper.WriteString(expanded)
		} else {
			upper.WriteRune(unicode.ToUpper(r))
		}
	}
	return upper.String()
}
