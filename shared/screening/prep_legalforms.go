package screening

import (
	"maps"
	"slices"
	"strings"
)

// legalForms are the canonical company legal-form words after tokenisation
// (dots are already removed, so "S.A." is "sa" and "L.L.C." is "llc").
var legalForms = map[string]bool{
	"llc": true, "ltd": true, "inc": true, "corp": true, "co": true, "gmbh": true,
	"ag": true, "kg": true, "sa": true, "sas": true, "sarl": true, "srl": true,
	"spa": true, "sl": true, "bv": true, "nv": true, "plc": true, "pjsc": true, "pjs": true,
	"ojsc": true, "cjsc": true, "jsc": true, "ooo": true, "oao": true, "ao": true,
	"zao": true, "pao": true, "tov": true, "pt": true, "tbk": true, "bhd": true,
	"sdn": true, "pte": true, "pvt": true, "llp": true, "lp": true, "fze": true, "sal": true, "dmcc": true,
	"fzc": true, "fzco": true, "fzllc": true, "kft": true, "zrt": true,
	"doo": true, "sae": true, "saog": true, "saoc": true, "wll": true,
	"ltda": true, "cia": true, "sac": true, "sab": true, "cv": true, "se": true,
}

// legalFormWords are spelt-out legal forms with their canonical form.
// Long words among them are also recognised with a typo ("LIMTED").
var legalFormWords = map[string]string{
	"limited": "ltd", "corporation": "corp", "incorporated": "inc", "company": "co",
	"aktiengesellschaft": "ag", "kommanditgesellschaft": "kg", "compania": "cia",
	"companhia": "cia", "compagnie": "cie", "limitada": "ltda", "societe": "ste",
	"companies": "co",
}

// legalFormWordsByLength is legalFormWords' words, longest first and then
// in alphabetical order: canonicalLegalForm tries them in this order, so
// that a misspelt word near two of them ("companie": compania, compagnie)
// always gets the same form.
var legalFormWordsByLength = func() []string {
	ws := make([]string, 0, len(legalFormWords))
	for w := range legalFormWords {
		ws = append(ws, w)
	}
	slices.SortFunc(ws, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return ws
}()

// legalFormPhrases are spelt-out legal forms of several words.
var legalFormPhrases = []struct {
	words []string
	form  string
}{
	{[]string{"limited", "liability", "company"}, "llc"},
	{[]string{"limited", "liability", "partnership"}, "llp"},
	{[]string{"public", "limited", "company"}, "plc"},
	{[]string{"public", "joint", "stock", "company"}, "pjsc"},
	{[]string{"private", "joint", "stock", "company"}, "pjs"}, // Iran's sahami khas
	{[]string{"open", "joint", "stock", "company"}, "ojsc"},
	{[]string{"closed", "joint", "stock", "company"}, "cjsc"},
	{[]string{"joint", "stock", "company"}, "jsc"},
	{[]string{"gesellschaft", "mit", "beschrankter", "haftung"}, "gmbh"},
	{[]string{"societe", "anonyme"}, "sa"},
	{[]string{"sociedad", "anonima"}, "sa"},
	{[]string{"societa", "per", "azioni"}, "spa"},
	{[]string{"besloten", "vennootschap"}, "bv"},
	{[]string{"naamloze", "vennootschap"}, "nv"},
	{[]string{"obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"}, "ooo"},
	{[]string{"otkrytoe", "aktsionernoe", "obshchestvo"}, "oao"},
	{[]string{"zakrytoe", "aktsionernoe", "obshchestvo"}, "zao"},
	{[]string{"publichnoe", "aktsionernoe", "obshchestvo"}, "pao"},
	{[]string{"aktsionernoe", "obshchestvo"}, "ao"},
	{[]string{"sociedad", "de", "responsabilidad", "limitada"}, "srl"},
	{[]string{"private", "limited"}, "pvt ltd"},
	{[]string{"private", "jsc"}, "pjs"},
}

// companyForms are the legal forms that make a Latin name a company's: a
// query that has one is not a person, whatever type it gives. Forms that
// are also words of persons' names are not among them: AG (Iyad ag
// Ghali), SA, SAL, PT, AO, and Co, Pao and Zao (Nguyen Van Co, PAO Yu
// Liang). A name from Arabic script is a company's when its words read as
// a legal form (arabicLegalForms: شركة is co).
var companyForms = map[string]bool{
	"llc": true, "ltd": true, "inc": true, "corp": true, "gmbh": true, "sarl": true, "srl": true,
	"plc": true, "pjsc": true, "pjs": true, "ojsc": true, "cjsc": true, "jsc": true, "ooo": true, "oao": true,
	"bhd": true, "pte": true, "pvt": true, "llp": true, "fze": true, "dmcc": true,
	"fzc": true, "fzco": true, "fzllc": true, "ltda": true, "wll": true, "saog": true, "saoc": true,
}

// namesCompany says whether prepared name tokens have a company's legal
// form.
func namesCompany(toks []Token) bool {
	for _, t := range toks {
		if t.Abjad && arabicLegalForms[t.Text] || !t.Abjad && companyForms[t.Text] {
			return true
		}
	}
	return false
}

// isLegalForm says whether w is a company legal form: a word of legalForms,
// cie or ste (Index.derive looks these up in its vocabulary).
func isLegalForm(w string) bool { return legalForms[w] || w == "cie" || w == "ste" }

// canonicalLegalForm returns the canonical legal form a word spells out,
// tolerating a typo in long words, or "".
func canonicalLegalForm(w string) string {
	if f, ok := legalFormWords[w]; ok {
		return f
	}
	if len(w) < 6 {
		return ""
	}
	best, bestD := "", 3
	for _, long := range legalFormWordsByLength {
		if long[0] != w[0] {
			continue
		}
		if d := osaDistance(w, long, legalTypos(long)); d <= legalTypos(long) && d < bestD {
			best, bestD = legalFormWords[long], d
		}
	}
	return best
}

// legalTypos is how many edits a spelt-out legal-form word may carry and
// still be recognised: two in words of seven letters or more ("LIIETD",
// "CMPAWY"), one in shorter ones.
func legalTypos(long string) int {
	if len(long) >= 7 {
		return 2
	}
	return 1
}

// phraseWordMatches says whether word w of a name spells the legal-form
// word p of a phrase: the same, or one edit apart in words of four
// letters or more with the same first letter; edits counts them, and a
// phrase may carry two in all.
func phraseWordMatches(w, p string, edits *int) bool {
	if w == p {
		return true
	}
	if len(p) < 4 || len(w) < 3 || w[0] != p[0] || *edits >= 2 {
		return false
	}
	allowed := min(2-*edits, 1)
	if len(p) >= 7 {
		allowed = 2 - *edits
	}
	d := osaDistance(w, p, allowed)
	if d > allowed {
		return false
	}
	*edits += d
	return true
}

// canonicalLegalForms rewrites spelt-out legal forms to their canonical
// short form ("Siemens Aktiengesellschaft" and "Siemens AG" both become
// "siemens ag"; "Joint Stock Company" becomes "jsc"). Legal forms are kept,
// not dropped: matching gives them little weight (sim_name.go) so that a
// name with and without its legal form still match, while "AG" in a
// person's name ("Iyad ag Ghali") stays a word of the name.
func canonicalLegalForms(words []string) []string {
	out := words[:0:0]
	for i := 0; i < len(words); i++ {
		if n, form := legalPhraseAt(words, i); n > 0 {
			out = append(out, splitSpace(form)...)
			i += n - 1
			continue
		}
		if f, ok := legalFormWords[words[i]]; ok || len(words) > 1 {
			// A word near a legal form, misspelt, is one only beside
			// other words: COMPANION alone is a name, not "co".
			if !ok {
				f = canonicalLegalForm(words[i])
			}
			if f != "" {
				out = append(out, f)
				continue
			}
		}
		out = append(out, words[i])
	}
	return out
}

func legalPhraseAt(words []string, i int) (int, string) {
	for _, p := range legalFormPhrases {
		if i+len(p.words) > len(words) {
			continue
		}
		ok, edits, exact := true, 0, 0
		for k, w := range p.words {
			if words[i+k] == w {
				exact++
			}
			if !phraseWordMatches(words[i+k], w, &edits) {
				ok = false
				break
			}
		}
		// A misspelt phrase still needs half its words as written.
		ok = ok && 2*exact >= len(p.words)
		if ok {
			return len(p.words), p.form
		}
	}
	return 0, ""
}

func splitSpace(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// tradeSynonyms are words of organisation names that lists render one
// way or the other from the same word of another language (Arabic تجاري
// and Persian بازرگانی are "commercial" as often as "trading"; موسسه is
// an institute, an institution, a foundation or an establishment). Two
// words of one set are compared as the same word said differently
// (tokenSim, similarVocab), each keeping its spelling, so that a typo in
// one is still a typo.
var tradeSynonyms = map[string]string{
	"commercial": "trading", "trading": "trading", "trade": "trading",
	"manufacturing": "production", "production": "production", "productive": "production", "generation": "production",
	"industry": "industry", "industries": "industry",
	"auto": "auto", "automotive": "auto", "automobile": "auto",
	"institute": "foundation", "institution": "foundation", "establishment": "foundation", "foundation": "foundation",
	"management": "management", "administration": "management",
	"petroleum": "oil", "oil": "oil",
	"tile": "tile", "tiles": "tile", "ceramic": "ceramic", "ceramics": "ceramic",
	// A country and its adjective: lists write "Iranian Cyber Police" for
	// پلیس سایبری ایران (the police of Iran), "Syrian Arab Army" and
	// "Army of Syria".
	"iran": "iran", "iranian": "iran", "syria": "syria", "syrian": "syria", "iraq": "iraq", "iraqi": "iraq",
	"lebanon": "lebanon", "lebanese": "lebanon", "libya": "libya", "libyan": "libya", "yemen": "yemen", "yemeni": "yemen",
	"egypt": "egypt", "egyptian": "egypt", "palestine": "palestine", "palestinian": "palestine",
	"afghanistan": "afghanistan", "afghan": "afghanistan", "pakistan": "pakistan", "pakistani": "pakistan",
	"korea": "korea", "korean": "korea", "russia": "russia", "russian": "russia", "china": "china", "chinese": "china",
	"venezuela": "venezuela", "venezuelan": "venezuela", "sudan": "sudan", "sudanese": "sudan", "india": "india", "indian": "india",
}

// synonymGroups lists the words of each set of tradeSynonyms.
var synonymGroups = func() map[string][]string {
	m := map[string][]string{}
	for w, g := range tradeSynonyms {
		m[g] = append(m[g], w)
	}
	for _, ws := range m {
		slices.Sort(ws) // candidates are gathered in a fixed order
	}
	return m
}()

// countrySets marks the sets of synonymSet that are a country and its
// adjective: two of them are different countries, never a misspelling of
// one another (Iraq, Iran).
var countrySets = func() (m [256]bool) {
	for _, g := range [...]string{"iran", "syria", "iraq", "lebanon", "libya", "yemen", "egypt", "palestine",
		"afghanistan", "pakistan", "korea", "russia", "china", "venezuela", "sudan", "india"} {
		m[synonymSet[g]] = true
	}
	m[0] = false
	return m
}()

// synonymSet numbers the sets of tradeSynonyms from 1, by word: tokenSim
// compares the numbers its tokens carry (qtoken.syn) rather than look both
// words up for every pair.
var synonymSet = func() map[string]uint8 {
	groups := slices.Sorted(maps.Keys(synonymGroups))
	if len(groups) > 255 {
		panic("screening: more than 255 sets of trade synonyms")
	}
	m := map[string]uint8{}
	for i, g := range groups {
		for _, w := range synonymGroups[g] {
			m[w] = uint8(i + 1)
		}
	}
	return m
}()
