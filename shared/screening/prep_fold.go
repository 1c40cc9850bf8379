package screening

import (
	"strings"
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

// fold lower-cases, applies compatibility decomposition (full-width
// letters, ligatures) and strips combining marks (accents).
func fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return specialLetters.Replace(strings.ToLower(out))
}
