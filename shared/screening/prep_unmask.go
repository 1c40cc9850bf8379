package screening

import (
	"slices"
	"strings"
	"unicode"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// unmask undoes what makes a name read one way to a person and another to a matcher,
// before anything else sees it (step 0 of PrepareName):
//
//   - invisible format characters (zero-width space and joiners, soft hyphen, word
//     joiner, byte-order mark, direction marks and embeddings) are removed, so that they
//     cannot split a word in two: "Bas\u200bhar" is "Bashar";
//   - text behind a right-to-left override is displayed reversed: it is reversed back
//     to what a reader sees;
//   - fillers that render blank (Hangul fillers, the Arabic tatweel) are removed;
//   - letters that look like Latin ones are read as those Latin letters: small capitals
//     and IPA letters always (no name is written in them), Cyrillic and Greek ones when
//     the word also holds Latin letters (a mixed word is a disguise: "Ѕаddаm" with
//     Cyrillic Ѕ and а is "Saddam"; a word wholly in Cyrillic is transliterated later).
func unmask(s string) string {
	clean := true
	for _, r := range s {
		if r >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	rs := make([]rune, 0, len(s))
	override := -1 // index in rs where a right-to-left override began
	closeOverride := func() {
		if override >= 0 {
			slices.Reverse(rs[override:])
			override = -1
		}
	}
	for _, r := range s {
		switch {
		case r == '\u202E': // RIGHT-TO-LEFT OVERRIDE
			closeOverride()
			override = len(rs)
		case r == '\u202C' || r == '\u202D' || r == '\u2069': // POP, LRO, PDI end an override
			closeOverride()
		case unicode.Is(unicode.Cf, r), r == '\u3164', r == '\u115F', r == '\u1160', r == '\uFFA0', r == '\u0640':
			// format characters and blank fillers: dropped
		default:
			rs = append(rs, r)
		}
	}
	closeOverride()
	words := strings.Fields(string(rs))
	for i, w := range words {
		words[i] = latinLookalikes(w)
	}
	return strings.Join(words, " ")
}

// latinLookalikes maps the letters of w that imitate Latin ones.
func latinLookalikes(w string) string {
	hasLatin, hasOther := false, false
	for _, r := range w {
		switch {
		case r < 0x80 && unicode.IsLetter(r):
			hasLatin = true
		case unicode.In(r, unicode.Cyrillic, unicode.Greek):
			if _, ok := lookalikes[r]; ok {
				hasOther = true
			}
		}
	}
	var b strings.Builder
	for _, r := range w {
		if l, ok := alwaysLatin[r]; ok {
			b.WriteRune(l)
			continue
		}
		if hasLatin && hasOther {
			if l, ok := lookalikes[r]; ok {
				b.WriteRune(l)
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// alwaysLatin are Latin-script letters no name is written in: small capitals and IPA
// letters that imitate ordinary ones.
var alwaysLatin = map[rune]rune{
	'ɑ': 'a', 'ɐ': 'a', 'ɓ': 'b', 'ɔ': 'o', 'ɕ': 'c', 'ɖ': 'd', 'ɗ': 'd', 'ɛ': 'e', 'ɡ': 'g', 'ɦ': 'h', 'ɨ': 'i',
	'ɩ': 'i', 'ɪ': 'i', 'ɫ': 'l', 'ɱ': 'm', 'ɲ': 'n', 'ɳ': 'n', 'ɵ': 'o', 'ɹ': 'r', 'ʀ': 'r', 'ʂ': 's', 'ʈ': 't',
	'ʉ': 'u', 'ʋ': 'v', 'ʏ': 'y', 'ʐ': 'z', 'ʙ': 'b', 'ʜ': 'h', 'ʟ': 'l', 'ɢ': 'g', 'ɴ': 'n',
	'ᴀ': 'a', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ᴊ': 'j', 'ᴋ': 'k', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p', 'ᴛ': 't',
	'ᴜ': 'u', 'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ꜱ': 's', 'ꞯ': 'q', 'ı': 'i', 'ȷ': 'j',
}

// lookalikes are Cyrillic and Greek letters drawn like Latin ones.
var lookalikes = map[rune]rune{
	// Cyrillic
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T', 'У': 'Y', 'Х': 'X',
	'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԁ': 'D', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ү': 'Y', 'Һ': 'H', 'Ӏ': 'I',
	'а': 'a', 'в': 'b', 'е': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c', 'т': 't', 'у': 'y', 'х': 'x',
	'ѕ': 's', 'і': 'i', 'ј': 'j', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y', 'һ': 'h', 'ӏ': 'l', 'ь': 'b', 'ѵ': 'v',
	// Greek
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O', 'Ρ': 'P', 'Τ': 'T',
	'Υ': 'Y', 'Χ': 'X', 'α': 'a', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ϲ': 'c',
}

// Screenable reports whether a name leaves something to screen once it is prepared: at
// least two letters, in words that are not all honorifics. A name of invisible
// characters, blank fillers or a title alone ("Mr") is not a name, and screening it
// would answer clear.
func Screenable(name string, typ sanctions.EntityType) bool {
	toks := PrepareName(name, typ)
	letters, titles := 0, 0
	for _, t := range toks {
		for _, r := range t.Text {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if honorifics[t.Text] {
			titles++
		}
	}
	return letters >= 2 && titles < len(toks)
}

// generational suffixes and numbers say which of a family or a list a person is, not
// who: "Saddam Hussein Jr" and "Saddam Hussein 1" name Saddam Hussein to a reader. A
// person's name drops them when a name remains (an organisation's keeps its numbers:
// "3M", "Gazprom 2"). A name of no given type drops the suffixes but keeps numbers: it
// is most often a person's, screened against listed persons whose names dropped them.
var generational = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "junior": true, "senior": true}

func dropSuffixes(words []string, typ sanctions.EntityType) []string {
	if typ == sanctions.TypeUnknown {
		return dropIf(words, func(i int) bool { return generational[words[i]] }, func(rest []string) bool { return len(rest) >= 2 })
	}
	if typ != sanctions.TypePerson {
		return words
	}
	return dropIf(words, func(i int) bool {
		w := words[i]
		if generational[w] {
			return true
		}
		for _, r := range w {
			if !unicode.IsDigit(r) {
				return false
			}
		}
		return true
	}, func(rest []string) bool { return len(rest) >= 2 })
}
