package screening

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// specialLetters are Latin letters that do not decompose into a base letter
// plus accent.
var specialLetters = strings.NewReplacer(
	"ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d", "ð", "d",
	"þ", "th", "ı", "i", "ħ", "h", "ŋ", "n",
)

// foldChains keeps fold's transformer chains for reuse: a chain allocates its buffers
// (kilobytes) when made, which was a third of a query's time on non-ASCII names.
var foldChains = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// fold lower-cases, applies compatibility decomposition (full-width
// letters, ligatures) and strips combining marks (accents).
func fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := foldChains.Get().(transform.Transformer)
	out, _, err := transform.String(t, s) // String resets t first
	foldChains.Put(t)
	if err != nil {
		out = s
	}
	return specialLetters.Replace(strings.ToLower(out))
}
