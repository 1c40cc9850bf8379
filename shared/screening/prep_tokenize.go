package screening

import (
	"strings"
	"unicode"
)

// tokenize splits on everything that is not a letter or digit. Apostrophes
// are removed so that "O'BRIEN" and "SAB'AWI" stay one word, and dots are
// removed so that abbreviations ("S.A.", "L.L.C.") become one word.
func tokenize(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == '‘' || r == '`' || r == 'ʼ' || r == 'ʻ' || r == '.' || r == '´':
			// joining characters
		default:
			flush()
		}
	}
	flush()
	return out
}
