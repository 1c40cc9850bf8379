package screening

import (
	"slices"
	"strings"
	"unicode"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// maxReadings bounds the other readings of one name.
const maxReadings = 3

// Readings are the other readings of a name that Screen screens beside the
// name as given: a name written in two scripts ("Agha Jan Alizai اغا جان
// عالیزی", as lists and forms often write it) in each script alone, and
// an Arabic-script organisation name with its glossary words in English
// (TranslatedReading) or read in construct (constructReading). Most names
// have none.
func Readings(name string, typ sanctions.EntityType) []Reading {
	var out []Reading
	add := func(r Reading) {
		if r.Name = strings.TrimSpace(r.Name); r.Name != "" && r.Name != name && len(out) < maxReadings &&
			!slices.ContainsFunc(out, func(o Reading) bool { return o.Name == r.Name }) {
			out = append(out, r)
		}
	}
	translated := func(t string) Reading {
		return Reading{Name: t, Quality: translatedReadingQuality, Translated: true, Organisation: true}
	}
	latin, other := splitScripts(name)
	if latin != "" && other != "" {
		add(Reading{Name: latin, Quality: 1})
		add(Reading{Name: other, Quality: 1})
		if t, ok := TranslatedReading(other, typ); ok {
			add(translated(t))
		}
	}
	if t, ok := TranslatedReading(name, typ); ok {
		add(translated(t))
		add(Reading{Name: constructReading(name, false), Quality: 1, Organisation: true})
		if k, ok := translatedReading(name, typ, false); ok && k != t {
			add(translated(k)) // its places as written
		}
	} else if typ != sanctions.TypePerson && !isASCII(name) {
		add(Reading{Name: constructReading(name, true), Quality: 1, Organisation: true})
	}
	return out
}

// Reading is another reading of a name, with the name quality its
// matches are given.
type Reading struct {
	Name    string
	Quality float64
	// Translated: the reading has English words (englishReadings), which
	// are compared as spelt, not by consonants as a transliteration is.
	Translated bool
	// Organisation: the reading is of an organisation's name (translated
	// or in construct), never a PEP's: PEPs are persons.
	Organisation bool
}

// translatedReadingQuality is the name quality of matches of a translated
// reading. A translation is a guess at how a list renders the name: most
// lists transliterate ("AL-ITIHAAD AL-ISLAMIYA"), and the generic words a
// translation leaves ("islamic union") meet other names ("Islamic Jihad
// Union"). Below 1, a transliteration as strong wins; alone, a
// translation found in full is still above review.
const translatedReadingQuality = 0.95

// constructReading writes the ta marbuta of a word without the article
// that another word follows as the t it is read with (جماعة الاحرار:
// Jamaat ul-Ahrar, حركة التوحيد: Harakat al-Tawhid, جبهة النصرة: Jabhat
// al-Nusrah), which the transliteration, reading a word on its own,
// writes as a. A word with the article is an adjective or a noun on its
// own and keeps the a (الجماعة الاسلامية: al-Jamaa al-Islamiyya). A name
// without glossary words is read so only before a word with the article
// (عصبة الأنصار: Asbat al-Ansar), the common form of a group's name: a
// person's فاطمة علي is Fatima Ali. A query typed as a person is never
// read so; an untyped person's فاطمة الزهراء gets the reading فاطمت
// الزهراء beside the name as written, which only adds candidates.
func constructReading(name string, beforeArticle bool) string {
	words := strings.Fields(name)
	changed := false
	for i := 0; i+1 < len(words); i++ {
		// A word is read in construct only when the next word follows it
		// directly: no comma, hyphen or bracket between them.
		w := strings.TrimLeftFunc(words[i], notLetter)
		next := words[i+1]
		if notLetter([]rune(next)[0]) || beforeArticle && !strings.HasPrefix(next, "ال") {
			continue
		}
		if strings.HasSuffix(w, "ة") && !strings.HasPrefix(w, "ال") {
			words[i] = strings.TrimSuffix(words[i], "ة") + "ت"
			changed = true
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(words, " ")
}

// splitScripts parts a name's words into those in Latin script and those
// in another.
func splitScripts(name string) (latin, other string) {
	var l, o []string
	for _, w := range strings.Fields(name) {
		switch {
		case strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) }) >= 0:
			o = append(o, w)
		case strings.IndexFunc(w, func(r rune) bool { return unicode.Is(unicode.Latin, r) }) >= 0:
			l = append(l, w)
		}
		// A word of neither (digits, punctuation) is in the name as
		// written only: "شركة 123" has no reading "123".
	}
	return strings.Join(l, " "), strings.Join(o, " ")
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }
