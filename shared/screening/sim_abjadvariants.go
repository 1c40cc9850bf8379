package screening

import "strings"

// Arabic letters that Latin spellings render in more than one way, marked
// in a transliterated word before its consonant key is taken: qaf is q or
// k, and g in the Maghreb, Sudan and the Gulf (قاسمي: Gasmi, قدير:
// Ghedeir); jim is j, and g in Egypt (جمال: Gamal); tha is th or t, and s
// in Persian and Urdu (ثناء: Sana); dhal and dad are dh or d, and z in
// Persian, Urdu and Pashto (فضل: Fazal, نذير: Nazir); ba is b, and p in
// the loanwords of Arabic, which has no p (بتروبارس: Petropars). The
// transliteration writes them q, j, th, dh and b.
var abjadVariantLetters = [...]struct {
	mark byte
	alts string
}{{'Q', "kg"}, {'J', "jg"}, {'T', "ts"}, {'D', "dz"}, {'B', "bp"}}

// maxAbjadVariants bounds the variant keys of one word.
const maxAbjadVariants = 8

// abjadVariantKeys returns the consonant keys, other than the word's own,
// that Latin spellings of a word transliterated from Arabic script may
// have, separated by '|': each letter of abjadVariantLetters read in its
// other renderings, and two consonants that Latin writes as a digraph read
// as the digraph's sound (اسحاق is Ishaq, "ixak", not "isahak"; لكحل is
// Lakhal). "" when there are none.
func abjadVariantKeys(text string) string {
	if !isASCII(text) || len(text) < 2 {
		return ""
	}
	marked := make([]byte, 0, len(text))
	hasMark := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == 'q':
			c, hasMark = 'Q', true
		case c == 'j':
			c, hasMark = 'J', true
		case c == 'b':
			// Arabic has no p: بترو is Petro, بارس Pars.
			c, hasMark = 'B', true
		case (c == 't' || c == 'd') && i+1 < len(text) && text[i+1] == 'h':
			c, hasMark = c-'a'+'A', true
			i++
		}
		marked = append(marked, c)
	}
	own := consonantKey(phoneticForm(text))
	var keys []string
	if hasMark {
		keys = expandMarks(consonantKey(phoneticForm(string(marked))))
	} else {
		keys = []string{own}
	}
	var out []string
	add := func(k string) {
		if len(k) >= 2 && k != own && len(out) < maxAbjadVariants && !containsString(out, k) {
			out = append(out, k)
		}
	}
	for _, k := range keys {
		add(k)
		add(mergeDigraphs(k))
	}
	return strings.Join(out, "|")
}

// expandMarks replaces each marked letter of a key by its renderings.
func expandMarks(k string) []string {
	out := []string{""}
	for i := 0; i < len(k); i++ {
		alts := string(k[i])
		for _, v := range abjadVariantLetters {
			if k[i] == v.mark {
				alts = v.alts
			}
		}
		next := make([]string, 0, len(out)*len(alts))
		for _, p := range out {
			for j := 0; j < len(alts) && len(next) < maxAbjadVariants; j++ {
				next = append(next, p+alts[j:j+1])
			}
		}
		out = next
	}
	return out
}

// mergeDigraphs reads two adjacent consonants of a key that Latin writes
// as a digraph as the phonetic form of the digraph (sh -> x, kh -> h,
// gh -> g, zh -> j), with doubled letters collapsed as consonantKey does.
func mergeDigraphs(k string) string {
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		c := k[i]
		if i+1 < len(k) && k[i+1] == 'h' {
			switch c {
			case 's':
				c, i = 'x', i+1
			case 'k':
				c, i = 'h', i+1
			case 'g':
				i++
			case 'z':
				c, i = 'j', i+1
			}
		}
		if len(b) > 0 && b[len(b)-1] == c {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// hasVariantKey reports whether k is one of the '|'-separated keys.
func hasVariantKey(keys, k string) bool {
	for keys != "" {
		i := strings.IndexByte(keys, '|')
		if i < 0 {
			return keys == k
		}
		if keys[:i] == k {
			return true
		}
		keys = keys[i+1:]
	}
	return false
}

// nextKey splits the first key off a '|'-separated list.
func nextKey(keys string) (string, string) {
	if i := strings.IndexByte(keys, '|'); i >= 0 {
		return keys[:i], keys[i+1:]
	}
	return keys, ""
}
