package sanctions

import (
	"strings"
	"unicode"
)

// unAliasNames reads one UN alias, which is not always a bare name: the
// list writes the original script beside the Latin name ("Akrin Saleh
// Akrin (أقرين صالح أقرين)"), Latin spellings beside the original script
// ("حسن غول (Hassan Ghul; Hassan Gul)"), "(original script: Абубакар)",
// qualifiers ("EL PARA (COMBAT NAME)", "(birth name)"), and birth details
// after the name ("Mohammad Ishaq Akhund born in 1963", "..., born 1 Jan.
// 1953 (Oman passport ...)"). Each name found is returned on its own, of
// kind alias or original script; qualifiers and details are dropped, so
// that no listed name holds words the person is not called by.
func unAliasNames(s string) []Name {
	s = cleanSpace(s)
	if i := bornAt(s); i >= 0 {
		s = strings.TrimRight(s[:i], " ,;")
	}
	outer, inner := s, ""
	if open := strings.IndexByte(s, '('); open > 0 {
		outer = strings.TrimSpace(s[:open])
		inner = strings.TrimSpace(strings.TrimSuffix(s[open+1:], ")"))
		if close := strings.IndexByte(inner, ')'); close >= 0 {
			inner = strings.TrimSpace(inner[:close])
		}
	}
	var out []Name
	add := func(n string, kind NameKind) {
		if n = cleanSpace(strings.Trim(n, " ,;")); n != "" {
			out = append(out, Name{Full: n, Kind: kind})
		}
	}
	kindOf := func(n string) NameKind {
		if nonLatin(n) {
			return NameOriginalScript
		}
		return NameAlias
	}
	add(outer, kindOf(outer))
	switch {
	case inner == "":
	case strings.HasPrefix(strings.ToLower(inner), "original script:"):
		add(inner[len("original script:"):], NameOriginalScript)
	case nonLatin(inner) != nonLatin(outer):
		// The same name in the other script, or several spellings of it.
		for _, n := range strings.Split(inner, ";") {
			add(n, kindOf(n))
		}
	}
	return out
}

// bornAt is the index in s of a birth detail following a name (" born",
// ", born"), or -1.
func bornAt(s string) int {
	l := strings.ToLower(s)
	for i := strings.Index(l, "born"); i >= 0; {
		if i > 0 && (l[i-1] == ' ' || l[i-1] == ',') && (i+4 == len(l) || l[i+4] == ' ' || l[i+4] == ',') {
			return i
		}
		j := strings.Index(l[i+4:], "born")
		if j < 0 {
			break
		}
		i += 4 + j
	}
	return -1
}

// nonLatin reports whether s has a letter outside the Latin script.
func nonLatin(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}
