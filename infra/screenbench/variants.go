package main

import (
	"math/rand/v2"
	"strings"
)

// Variant kinds generated from the positives, deterministically (seeded).
var variantKinds = []string{"typo1", "typo2", "reordered", "dropped_middle", "initial", "cyrillic_roundtrip"}

// makeVariant returns a variant of name or "" when the kind does not apply
// (for example no middle name to drop).
func makeVariant(rng *rand.Rand, kind, name string) string {
	w := strings.Fields(name)
	switch kind {
	case "typo1":
		return typoN(rng, name, 1)
	case "typo2":
		return typoN(rng, name, 2)
	case "reordered":
		if len(w) < 2 {
			return ""
		}
		return strings.Join(append(w[len(w)-1:], w[:len(w)-1]...), " ")
	case "dropped_middle":
		if len(w) < 3 {
			return ""
		}
		i := 1 + rng.IntN(len(w)-2)
		return strings.Join(append(append([]string{}, w[:i]...), w[i+1:]...), " ")
	case "initial":
		if len(w) < 3 {
			return ""
		}
		w = append([]string{}, w...)
		w[0] = w[0][:1]
		return strings.Join(w, " ")
	case "cyrillic_roundtrip":
		return toCyrillic(name)
	}
	return ""
}

// typoN applies n random edits (substitution, deletion, insertion,
// transposition) to letters of words of 4 letters or more.
func typoN(rng *rand.Rand, name string, n int) string {
	b := []byte(name)
	for k := 0; k < n; k++ {
		var pos []int
		words := 0
		for i := range b {
			if isLetter(b[i]) && (i == 0 || !isLetter(b[i-1])) {
				words++
				j := i
				for j < len(b) && isLetter(b[j]) {
					j++
				}
				if j-i >= 4 {
					for p := i + 1; p < j; p++ { // keep the first letter
						pos = append(pos, p)
					}
				}
			}
		}
		if len(pos) == 0 {
			return string(b)
		}
		p := pos[rng.IntN(len(pos))]
		letter := byte('a' + rng.IntN(26))
		if b[p] >= 'A' && b[p] <= 'Z' {
			letter -= 32
		}
		switch rng.IntN(4) {
		case 0:
			b[p] = letter
		case 1:
			b = append(b[:p], b[p+1:]...)
		case 2:
			b = append(b[:p], append([]byte{letter}, b[p:]...)...)
		default:
			if p+1 < len(b) && isLetter(b[p+1]) {
				b[p], b[p+1] = b[p+1], b[p]
			} else {
				b[p] = letter
			}
		}
	}
	return string(b)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// latinToCyrillic is a simple Russian-style transcription used to produce
// Cyrillic spellings of listed names; the engine must map them back.
var latinToCyrillic = []struct{ lat, cyr string }{
	{"shch", "щ"}, {"kh", "х"}, {"zh", "ж"}, {"ts", "ц"}, {"ch", "ч"}, {"sh", "ш"},
	{"yu", "ю"}, {"ya", "я"}, {"ou", "у"}, {"a", "а"}, {"b", "б"}, {"v", "в"}, {"g", "г"},
	{"d", "д"}, {"e", "е"}, {"z", "з"}, {"i", "и"}, {"y", "й"}, {"k", "к"}, {"l", "л"},
	{"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"r", "р"}, {"s", "с"}, {"t", "т"},
	{"u", "у"}, {"f", "ф"}, {"h", "х"}, {"c", "к"}, {"q", "к"}, {"w", "в"}, {"x", "кс"},
	{"j", "дж"},
}

func toCyrillic(name string) string {
	s := strings.ToLower(name)
	var b strings.Builder
	for i := 0; i < len(s); {
		done := false
		for _, m := range latinToCyrillic {
			if strings.HasPrefix(s[i:], m.lat) {
				b.WriteString(m.cyr)
				i += len(m.lat)
				done = true
				break
			}
		}
		if !done {
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// koreanSyllables render North Korean name syllables (McCune-Reischauer
// without diacritics, as the lists write them) in Cyrillic the way Russian
// texts do (Kontsevich: 김정은 Kim Jong Un = Ким Чен Ын / Ким Чон Ын).
// Syllables not in the table fall back to toCyrillic.
var koreanSyllables = map[string][]string{
	"kim": {"ким"}, "jong": {"чон", "чен"}, "un": {"ын"}, "il": {"ир"}, "ri": {"ли"}, "pak": {"пак"},
	"choe": {"чхве"}, "chol": {"чхоль"}, "yong": {"ён"}, "song": {"сон"}, "hyon": {"хён"}, "ryong": {"рён"},
	"hae": {"хэ"}, "jang": {"чан"}, "thaek": {"тхэк"}, "ho": {"хо"}, "nam": {"нам"}, "ryu": {"рю"},
	"kang": {"кан"}, "han": {"хан"}, "mun": {"мун"}, "o": {"о"}, "pyong": {"пхён"}, "myong": {"мён"},
	"chun": {"чхун"}, "jin": {"чин"}, "su": {"су"}, "sok": {"сок"}, "sun": {"сун"}, "hui": {"хи"},
	"kyong": {"кён"}, "kwang": {"кван"}, "chang": {"чхан"}, "hak": {"хак"}, "man": {"ман"}, "ju": {"чу"},
	"yun": {"юн"}, "tong": {"тон"}, "hwa": {"хва"}, "chon": {"чхон"}, "rim": {"рим"}, "sung": {"сын"},
	"kyu": {"кю"}, "ung": {"ун"}, "gim": {"ким"}, "jo": {"чо"}, "cho": {"чо"}, "ok": {"ок"}, "hong": {"хон"},
	"yu": {"ю"}, "hyok": {"хёк"}, "chan": {"чхан"}, "gwang": {"кван"}, "dok": {"док"}, "to": {"то"},
}

// koreanToCyrillic writes a North Korean name in Cyrillic; alternative
// renderings of a syllable are chosen by the name's hash.
func koreanToCyrillic(name string) string {
	h := hash32(name)
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == ' ' || r == ',' || r == '-' }) {
		if c, ok := koreanSyllables[w]; ok {
			out = append(out, c[int(h)%len(c)])
			h /= 3
			continue
		}
		out = append(out, toCyrillic(w))
	}
	return strings.Join(out, " ")
}
