package screening

import "strings"

// koreanCyrillic maps Korean name syllables written in Cyrillic the
// Russian way (Kontsevich system, with the older forms Russian texts still
// use: Чен for Чон) to the romanisation the sanctions lists use for North
// Korean names (McCune-Reischauer without diacritics: "Kim Jong Un",
// "Choe Ryong Hae", "Ri Su Yong"). The general Cyrillic table would give
// "kim chen yn" for "Ким Чен Ын".
var koreanCyrillic = map[string]string{
	"ким": "kim", "чен": "jong", "чон": "jong", "ын": "un", "ун": "un", "ир": "il", "иль": "il",
	"ли": "ri", "ри": "ri", "пак": "pak", "чхве": "choe", "чхоль": "chol", "чхор": "chol",
	"ён": "yong", "сон": "song", "хён": "hyon", "рён": "ryong", "хэ": "hae", "чан": "jang",
	"тхэк": "thaek", "хо": "ho", "нам": "nam", "рю": "ryu", "кан": "kang", "хан": "han",
	"мун": "mun", "о": "o", "пхён": "pyong", "мён": "myong", "чхун": "chun", "чин": "jin",
	"су": "su", "сок": "sok", "сун": "sun", "хи": "hui", "кён": "kyong", "кван": "kwang",
	"чхан": "chang", "хак": "hak", "ман": "man", "чу": "ju", "юн": "yun", "тон": "tong",
	"хва": "hwa", "чхон": "chon", "рим": "rim", "сын": "sung", "кю": "kyu", "чо": "jo",
	"ок": "ok", "хон": "hong", "ю": "yu", "хёк": "hyok", "док": "tok", "то": "to",
	"ёль": "yol", "чхам": "cham", "гым": "kum", "гук": "kuk", "иль-": "il",
}

// koreanFromCyrillic transliterates a name whose every word (two or more)
// is a Korean syllable in Cyrillic; ok is false for any other name, which
// then takes the general Cyrillic table.
func koreanFromCyrillic(s string) (string, bool) {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == ' ' || r == ',' || r == '-' })
	if len(words) < 2 {
		return "", false
	}
	out := make([]string, len(words))
	for i, w := range words {
		l, ok := koreanCyrillic[w]
		if !ok {
			return "", false
		}
		out[i] = l
	}
	return strings.Join(out, " "), true
}
