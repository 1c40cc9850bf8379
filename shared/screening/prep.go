package screening

import (
	"slices"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// Token is one normalised name part.
type Token struct {
	Text string
	// Abjad is set when the token was transliterated from Arabic script,
	// where short vowels are not written: it is then also compared by
	// consonant skeleton.
	Abjad bool
}

// PrepareVersion numbers what PrepareName and Readings make of a name. A
// query prepared under another version is prepared again: monitoring keeps
// prepared queries in its snapshots for weeks, and a snapshot of another
// version is not used. TestPrepareVersionCoversThePreparedCorpus fails when
// the preparation of a fixed corpus of names changes and this was not
// bumped.
const PrepareVersion = 3

// PrepareName runs the name preparation pipeline. Each step lives in its own
// prep_*.go file and is tested on its own:
//
//  0. unmask: invisible characters, reversed text and Latin look-alike letters
//  1. reorder "LAST, First" to "First LAST" (persons and unknown types)
//  2. transliterate Cyrillic, Greek and Arabic script to Latin, the words
//     of organisation names that lists translate from Arabic script read
//     in English ("شركة": company)
//  3. fold Unicode: compatibility decomposition, accents stripped, lower case
//  4. tokenise on punctuation (apostrophes and abbreviation dots join)
//  5. drop honorifics (Mr, Dr, Sheikh, Haji...) if something remains, and for a
//     person generational suffixes and numbers (Jr, III, "1") if two words remain
//  6. rewrite spelt-out company legal forms to their canonical short form
//     ("Aktiengesellschaft" -> "ag", "Limited Liability Company" -> "llc");
//     persons excluded
//
// Prepare also prepares the name's other readings (prep_readings.go: a name in
// two scripts, an Arabic-script organisation translated with the glossary of
// prep_arabicglossary.go or read in construct), which Screen screens beside it.
func PrepareName(name string, typ sanctions.EntityType) []Token {
	s := reorderLastFirst(unmask(name), typ)
	s, abjad := transliterate(translateArabicWords(s))
	s = fold(s)
	words := sonOfAsOuld(tokenize(s))
	if abjad {
		words = dropTransliteratedHonorifics(words)
	} else {
		words = dropHonorifics(words)
	}
	words = dropSuffixes(words, typ)
	if typ != sanctions.TypePerson {
		words = canonicalLegalForms(words)
	}
	out := make([]Token, len(words))
	for i, w := range words {
		out[i] = Token{Text: w, Abjad: abjad && isASCII(w) && !arabicEnglish[w]}
	}
	return out
}

// sonOfAsOuld writes "son of" in a name as the one word Ould, as
// Mauritanian names write ولد ("son of"): the UN lists Afghan names as
// "Abdul Haq son of M. Anwar Khan", which عبد الحق ولد محمد انور خان
// (ولد read Ould, arabicWords) then meets word for word.
func sonOfAsOuld(words []string) []string {
	for i := 1; i+2 < len(words); i++ {
		if words[i] == "son" && words[i+1] == "of" {
			words = slices.Delete(words, i+1, i+2)
			words[i] = "ould"
		}
	}
	return words
}

// NormalizeName is PrepareName joined by single spaces, for display and
// tests.
func NormalizeName(name string, typ sanctions.EntityType) string {
	toks := PrepareName(name, typ)
	b := make([]byte, 0, len(name))
	for i, t := range toks {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, t.Text...)
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
