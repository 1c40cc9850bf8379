package screening

import (
	"slices"
	"strings"
	"unicode"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// arabicWords are words of organisation names in Arabic script (Arabic,
// Persian, Dari, Pashto, Urdu) that lists write in English, not in
// transliteration: the legal form and the trade of a company, and the
// words that join names. A transliteration cannot find them
// ("شركة" is "company", never "shrka"; "لمتد" is "Ltd"), so they are
// read as the English word, which legal forms then make canonical.
// The words that join names are dropped, as a Latin name's "and" weighs
// little: "و" and Pashto "او" ("and"), and Pashto "د" ("of": د حاجی
// بصیر کمپنی, the company of Haji Basir).
var arabicWords = map[string]string{
	"و": "", "او": "",
	"د": "",
	// company
	"شركة": "company", "شركه": "company", "شرکة": "company", "شرکت": "company", "شركت": "company",
	"کمپنی": "company", "كمپنی": "company", "كمبني": "company", "کمپني": "company", "كمپني": "company", "کمپنۍ": "company",
	// limited
	"المحدودة": "limited", "محدودة": "limited", "المحدوده": "limited", "محدوده": "limited",
	"لمتد": "limited", "ليمتد": "limited", "لیمتد": "limited", "لمیتد": "limited", "لیمیتد": "limited", "ليميتد": "limited",
	// trades that lists translate
	"صرافة": "exchange", "الصرافة": "exchange", "للصرافة": "exchange", "صرافه": "exchange", "صرافی": "exchange", "صرافي": "exchange",
	"مؤسسة": "foundation", "مؤسسه": "foundation", "موسسه": "foundation", "موسسة": "foundation",
	"بنك": "bank", "بانک": "bank", "بانك": "bank",
}

// translateArabicWords replaces the words of arabicWords in s, written
// apart, and leaves everything else as it is. s without Arabic script is
// returned unchanged.
func translateArabicWords(s string) string {
	if isASCII(s) {
		return s
	}
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		if t, ok := arabicWords[w]; ok {
			words[i] = t
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(strings.Fields(strings.Join(words, " ")), " ")
}

// arabicGlossary are words of organisation names in Arabic script that
// lists write sometimes in transliteration and sometimes in English:
// "الجماعة الاسلامية المقاتلة الليبية" is listed as "Libyan Islamic
// Fighting Group", "جبهة النصرة" as "Jabhat al-Nusrah" and as "Al-Nusrah
// Front". Such a name is screened in two readings (TranslatedReading):
// as transliterated, and with these words in English. The keys are in
// the form arabicKey gives; the words are institutional nouns, their
// adjectives and the places organisations are named after, none of them
// a common personal name.
var arabicGlossary = map[string]string{
	"جماعه": "group", "جماعت": "group", "مجموعه": "group",
	"حركه": "movement", "حركت": "movement", "تحريك": "movement",
	"جبهه": "front", "جيش": "army", "دوله": "state",
	"منظمه": "organization", "سازمان": "organization", "تنظيم": "organization",
	"لجنه": "committee", "جمعيه": "society", "جمعيت": "society",
	"مكتب": "office", "دفتر": "office", "مركز": "center", "مجلس": "council", "حزب": "party",
	"كتائب": "brigades", "لواء": "brigade", "كتيبه": "battalion",
	"اسلاميه": "islamic", "اسلامي": "islamic",
	"خيريه": "charitable", "خيري": "charitable", "اغاثه": "relief",
	"دوليه": "international", "دولي": "international", "عالميه": "international", "عالمي": "international",
	"وطنيه": "national", "وطني": "national", "تجاريه": "trading", "تجاره": "trading",
	"صناعيه": "industrial", "صناعي": "industrial", "عامه": "general",
	"وزاره": "ministry", "وكاله": "agency", "صندوق": "fund", "خدمات": "services",
	"مقاتله": "fighting", "تحرير": "liberation",
	"في":   "in",
	"عراق": "iraq", "شام": "levant", "يمن": "yemen", "ليبيا": "libya", "ليبيه": "libyan", "ليبي": "libyan",
	"سوريا": "syria", "سوريه": "syria", "صومال": "somalia", "افغانستان": "afghanistan",
	"باكستان": "pakistan", "پاكستان": "pakistan", "مغرب": "maghreb", "جزيره": "peninsula",
	"غرب": "west", "شرق": "east", "افريقيا": "africa", "مصر": "egypt", "فلسطين": "palestine", "هند": "india",
}

// arabicKey folds the letters Arabic-script spellings of one word vary in
// (the hamza seats of alef, ta marbuta, the Persian kaf and yeh, alef
// maksura) for a glossary lookup.
func arabicKey(w string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'أ', 'إ', 'آ', 'ٱ':
			return 'ا'
		case 'ة':
			return 'ه'
		case 'ى', 'ی', 'ې', 'ۍ':
			return 'ي'
		case 'ک':
			return 'ك'
		}
		return r
	}, w)
}

// arabicClitics are the prefixes a glossary word is written with, longest
// first: and-the, by-the, so-the, for-the, the, and.
var arabicClitics = [...]string{"وال", "بال", "فال", "لل", "ال", "و"}

// glossaryWord is the English reading of one Arabic-script word, with its
// article and conjunction dropped, or "" when it is not a glossary word.
func glossaryWord(w string) string {
	k := arabicKey(w)
	if t, ok := arabicGlossary[k]; ok {
		return t
	}
	for _, p := range arabicClitics {
		if rest, ok := strings.CutPrefix(k, p); ok && len(rest) > 2 {
			if t, ok := arabicGlossary[rest]; ok {
				return t
			}
		}
	}
	return ""
}

// maxReadings bounds the other readings of one name.
const maxReadings = 3

// Readings are the other readings of a name that Screen screens beside the
// name as given: a name written in two scripts ("Agha Jan Alizai اغا جان
// عالیزی", as lists and forms often write it) in each script alone, and
// an Arabic-script organisation name with its glossary words in English
// (TranslatedReading). Most names have none.
func Readings(name string, typ sanctions.EntityType) []string {
	var out []string
	add := func(r string) {
		if r = strings.TrimSpace(r); r != "" && r != name && !slices.Contains(out, r) && len(out) < maxReadings {
			out = append(out, r)
		}
	}
	latin, other := splitScripts(name)
	if latin != "" && other != "" {
		add(latin)
		add(other)
		if t, ok := TranslatedReading(other, typ); ok {
			add(t)
		}
	}
	if t, ok := TranslatedReading(name, typ); ok {
		add(t)
		add(constructReading(name))
	}
	return out
}

// constructReading writes the ta marbuta of a word without the article
// that another word follows as the t it is read with (جماعة الاحرار:
// Jamaat ul-Ahrar, حركة التوحيد: Harakat al-Tawhid, جبهة النصرة: Jabhat
// al-Nusrah), which the transliteration, reading a word on its own,
// writes as a. A word with the article is an adjective or a noun on its
// own and keeps the a (الجماعة الاسلامية: al-Jamaa al-Islamiyya). Only
// names with glossary words (organisations) are read so: a person's
// فاطمة علي is Fatima Ali.
func constructReading(name string) string {
	words := strings.Fields(name)
	changed := false
	for i := 0; i+1 < len(words); i++ {
		w := words[i]
		if strings.HasSuffix(w, "ة") && !strings.HasPrefix(w, "ال") && !strings.HasPrefix(words[i+1], "-") {
			words[i] = strings.TrimSuffix(w, "ة") + "ت"
			changed = true
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(words, " ")
}

// splitScripts parts a name's words into those in Latin script and those
// in another; a word of neither (digits, punctuation) goes with the
// Latin ones.
func splitScripts(name string) (latin, other string) {
	var l, o []string
	for _, w := range strings.Fields(name) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) }) >= 0 {
			o = append(o, w)
		} else {
			l = append(l, w)
		}
	}
	return strings.Join(l, " "), strings.Join(o, " ")
}

// TranslatedReading is the name with the glossary words of an
// Arabic-script organisation name in English, and whether there was one
// to translate. Persons are not read so: their names are not translated.
func TranslatedReading(name string, typ sanctions.EntityType) (string, bool) {
	if typ == sanctions.TypePerson || isASCII(name) {
		return "", false
	}
	words := strings.Fields(name)
	changed := false
	for i, w := range words {
		if t := glossaryWord(w); t != "" {
			words[i] = t
			changed = true
		}
	}
	if !changed {
		return "", false
	}
	return strings.Join(words, " "), true
}

// englishReadings are the English words arabicWords and arabicGlossary
// read Arabic-script words as: such a word is English, not a
// transliteration whose vowels were guessed, and is compared as spelt.
var englishReadings = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range []map[string]string{arabicWords, arabicGlossary} {
		for _, w := range g {
			if w != "" {
				m[w] = true
			}
		}
	}
	return m
}()
