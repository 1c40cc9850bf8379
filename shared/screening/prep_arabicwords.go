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
// adjectives and the places organisations are named after. Words that
// are also common personal names or nisbas (هند Hind, خيري Khairi, ليبي
// al-Libi, ایرانی Irani, هلال Hilal) are left out; a few rarer ones stay
// (فولاد, steel, is also a given name): a reading only adds candidates,
// the name as written is always screened too.
var arabicGlossary = map[string]string{
	"جماعه": "group", "جماعت": "group", "مجموعه": "group",
	"حركه": "movement", "حركت": "movement", "تحريك": "movement",
	"جبهه": "front", "جيش": "army", "دوله": "state",
	"منظمه": "organization", "سازمان": "organization", "تنظيم": "organization",
	"لجنه": "committee", "جمعيه": "society", "جمعيت": "society",
	"مكتب": "office", "دفتر": "office", "مركز": "center", "مجلس": "council", "حزب": "party",
	"كتائب": "brigades", "لواء": "brigade", "كتيبه": "battalion",
	"اسلاميه": "islamic", "اسلامي": "islamic",
	"خيريه": "charitable", "اغاثه": "relief",
	"دوليه": "international", "دولي": "international", "عالميه": "international", "عالمي": "international",
	"وطنيه": "national", "وطني": "national", "تجاريه": "trading", "تجاره": "trading",
	"صناعيه": "industrial", "صناعي": "industrial", "عامه": "general",
	"وزاره": "ministry", "وكاله": "agency", "صندوق": "fund", "خدمات": "services",
	"مقاتله": "fighting", "تحرير": "liberation",
	"في":   "in",
	"عراق": "iraq", "شام": "levant", "ليبيا": "libya", "ليبيه": "libyan",
	"سوريا": "syria", "سوريه": "syria", "صومال": "somalia", "افغانستان": "afghanistan",
	"باكستان": "pakistan", "پاكستان": "pakistan", "مغرب": "maghreb", "جزيره": "peninsula",
	"غرب": "west", "شرق": "east", "افريقيا": "africa", "مصر": "egypt", "فلسطين": "palestine",
	"فلسطينيه": "palestinian", "جمهوريه": "republic", "جمهوری": "republic",
	"ایران": "iran", "چین": "china", "خلیج فارس": "persian gulf",
	// Arabic: trades and bodies
	"مصرف": "bank", "عقاري": "real estate", "سياحه": "tourism", "ديني": "religious", "دينيه": "religious",
	"نقل": "transport", "مقاولات": "contracting", "فصيل": "faction", "شهداء": "martyrs",
	"سوبر ماركت": "supermarket", "ماركت": "market", "استثمار": "investment", "تمويل": "finance",
	"اتصالات": "telecommunications", "نفط": "oil", "بترول": "petroleum", "تامين": "insurance",
	"هندسه": "engineering", "هندسيه": "engineering", "صناعات": "industries", "صناعه": "industry",
	"فولاذ": "steel", "طيران": "airlines", "جامعه": "university", "مستشفى": "hospital",
	"سجن": "prison", "شرطه": "police", "بحريه": "naval", "قوات": "forces", "قوه": "force",
	"حرس": "guard", "ثوري": "revolutionary",
	// Persian: trades and bodies
	"کشتیرانی": "shipping", "کشتی": "ship", "خطوط": "lines", "فولاد": "steel", "پتروشیمی": "petrochemical",
	"زندان": "prison", "صنایع": "industries", "صنعت": "industry", "دانشگاه": "university",
	"سرمایه گذاری": "investment", "توسعه": "development", "ملی": "national", "پلیس": "police",
	"نیروی دریایی": "navy", "نیروی": "force", "دریایی": "naval", "هوایی": "air", "هواپیماسازی": "aircraft", "هواپیما": "aircraft",
	"مهندسی": "engineering", "سوخت": "fuel", "اتمی": "atomic", "هسته ای": "nuclear", "معادن": "mining", "برق": "electricity",
	"مجتمع": "complex", "بین المللی": "international", "تعمیرات": "repair", "گروه": "group",
	"سپاه": "corps", "پاسداران": "guards", "انقلاب": "revolutionary", "دادگاه": "court", "شعبه": "branch",
	"وزارت": "ministry", "اطلاعات": "intelligence", "دفاع": "defense", "نفت": "oil", "گاز": "gas",
	"بیمه": "insurance", "بازرگانی": "trading", "تجارت": "trading", "هولدینگ": "holding",
	"کارخانه": "factory", "کارخانجات": "factories", "ساختمانی": "construction", "خودرو": "automotive",
	"بنیاد": "foundation", "ستاد": "headquarters", "الکترونیک": "electronics", "موشکی": "missile",
	"هوافضا": "aerospace", "راه آهن": "railway", "کشاورزی": "agriculture",
	"سهامی خاص": "pjs", "سهامی عام": "pjsc",
	// More of the words companies and institutions of Iran and the Arab
	// world are named with (a domain glossary, not drawn from any list).
	"صادرات": "export", "واردات": "import", "مسکن": "housing", "نوسازی": "renovation", "بازسازی": "reconstruction",
	"مدیریت": "management", "پروژه": "project", "مشاوره": "consulting", "مشاوران": "consultants", "مهندسین": "engineers",
	"پیمانکاری": "contracting", "سازه": "structures", "تجهیزات": "equipment", "قطعات": "parts", "ماشین سازی": "machinery",
	"فلزات": "metals", "آلومینیوم": "aluminium", "سیمان": "cement", "شیمیایی": "chemical", "داروسازی": "pharmaceutical",
	"دارویی": "pharmaceutical", "پزشکی": "medical", "بهداشت": "health", "غذایی": "food", "حمل و نقل": "transportation",
	"ترابری": "transport", "لجستیک": "logistics", "بندر": "port", "بنادر": "ports", "دریانوردی": "maritime",
	"کشتی سازی": "shipbuilding", "نفتکش": "tanker", "ناوگان": "fleet", "هواپیمایی": "airlines", "فرودگاه": "airport",
	"مخابرات": "telecommunications", "ارتباطات": "communications", "فناوری": "technology", "فن آوری": "technology",
	"رایانه": "computer", "نرم افزار": "software", "تحقیقات": "research", "پژوهشگاه": "research institute",
	"پژوهشکده": "research center", "انرژی": "energy", "نیروگاه": "power plant", "پالایش": "refining",
	"پالایشگاه": "refinery", "پخش": "distribution", "حفاری": "drilling", "اکتشاف": "exploration", "تولید": "production",
	"آفریقا": "africa", "اروپا": "europe", "خاورمیانه": "middle east", "اداره": "administration", "قرارگاه": "headquarters",
	"سازندگی": "construction", "مقاومت": "resistance", "ارتش": "army", "انتظامی": "law enforcement", "امنیت": "security",
	"امنیتی": "security", "دادستانی": "prosecutor", "رادیو": "radio", "تلویزیون": "television", "خبرگزاری": "news agency",
	"رسانه": "media", "انتشارات": "publications", "فرهنگی": "cultural", "آموزشی": "educational", "مدرسه": "school",
	"دانشکده": "college", "بیمارستان": "hospital", "امداد": "relief", "کمیته": "committee", "شورا": "council",
	"مجمع": "assembly", "انجمن": "association", "اتحادیه": "union", "اتاق": "chamber", "بورس": "exchange",
	"اعتبار": "credit", "اعتباری": "credit", "مالی": "financial", "تعاونی": "cooperative",
	"قابضه": "holding", "متحده": "united", "انشاءات": "construction", "انشائيه": "construction", "بناء": "construction",
	"عقاريه": "real estate", "استيراد": "import", "تصدير": "export", "مواد": "materials", "غذائيه": "food",
	"طبيه": "medical", "ادويه": "pharmaceuticals", "كيماويه": "chemical", "غاز": "gas", "صلب": "steel",
	"ملاحه": "shipping", "شحن": "shipping", "لوجستيه": "logistics", "تكنولوجيا": "technology", "معلومات": "information",
	"اعلام": "media", "قناه": "channel", "تلفزيون": "television", "اذاعه": "radio", "صحيفه": "newspaper", "انباء": "news",
	"كليه": "college", "معهد": "institute", "بحوث": "research",
	"دراسات": "studies", "مركزي": "central", "زراعي": "agricultural", "زراعه": "agriculture", "فنادق": "hotels",
	"فندق": "hotel", "فيلق": "corps", "تيار": "movement", "ائتلاف": "coalition", "اتحاد": "union",
	"شعبيه": "popular", "شعبي": "popular", "حشد": "mobilization", "مقاومه": "resistance",
	"سایبری": "cyber", "سایبر": "cyber", "سيبراني": "cyber", "سيبرانيه": "cyber",
}

// glossary is arabicGlossary keyed by arabicKey, so that a word matches
// whichever of the letters arabicKey folds it is written with.
var glossary = func() map[string]string {
	m := make(map[string]string, len(arabicGlossary))
	for k, v := range arabicGlossary {
		m[arabicKey(k)] = v
	}
	return m
}()

// arabicKey folds the letters Arabic-script spellings of one word vary in
// (the hamza seats of alef, ta marbuta, the Persian kaf and yeh, alef
// maksura, the zero-width non-joiner of Persian compounds) for a
// glossary lookup.
func arabicKey(w string) string {
	return strings.Map(func(r rune) rune {
		if r >= '\u064b' && r <= '\u065f' || r == '\u0670' || r == '\u0640' {
			return -1 // short vowels and other marks, and the tatweel
		}
		switch r {
		case '\u200c':
			return ' '
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
	k := arabicKey(strings.TrimFunc(w, notLetter))
	if t, ok := glossary[k]; ok {
		return t
	}
	for _, p := range arabicClitics {
		if rest, ok := strings.CutPrefix(k, p); ok && len(rest) > 2 {
			if t, ok := glossary[rest]; ok {
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
func Readings(name string, typ sanctions.EntityType) []Reading {
	var out []Reading
	add := func(r string, q float64, org bool) {
		if r = strings.TrimSpace(r); r != "" && r != name && len(out) < maxReadings &&
			!slices.ContainsFunc(out, func(o Reading) bool { return o.Name == r }) {
			out = append(out, Reading{Name: r, Quality: q, Translated: q == translatedReadingQuality, Organisation: org})
		}
	}
	latin, other := splitScripts(name)
	if latin != "" && other != "" {
		add(latin, 1, false)
		add(other, 1, false)
		if t, ok := TranslatedReading(other, typ); ok {
			add(t, translatedReadingQuality, true)
		}
	}
	if t, ok := TranslatedReading(name, typ); ok {
		add(t, translatedReadingQuality, true)
		add(constructReading(name, false), 1, true)
	} else if typ != sanctions.TypePerson && !isASCII(name) {
		add(constructReading(name, true), 1, true)
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

// TranslatedReading is the name with the glossary words of an
// Arabic-script organisation name in English, and whether there was one
// to translate. Persons are not read so: their names are not translated.
func TranslatedReading(name string, typ sanctions.EntityType) (string, bool) {
	if typ == sanctions.TypePerson || isASCII(name) {
		return "", false
	}
	words := strings.Fields(strings.ReplaceAll(name, "\u200c", " "))
	out := make([]string, 0, len(words))
	changed := false
	for i := 0; i < len(words); i++ {
		// Two-word terms first: سرمایه گذاری is investment.
		if i+1 < len(words) {
			if t := glossaryWord(words[i] + " " + words[i+1]); t != "" {
				out = append(out, t)
				changed = true
				i++
				continue
			}
		}
		if t := glossaryWord(words[i]); t != "" {
			out = append(out, t)
			changed = true
			continue
		}
		out = append(out, words[i])
	}
	if !changed {
		return "", false
	}
	return strings.Join(out, " "), true
}

// englishReadings are the English words arabicWords and arabicGlossary
// read Arabic-script words as: in a translated reading such a word is
// English, not a transliteration whose vowels were guessed, and is
// compared as spelt (englishTokens).
var englishReadings = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range []map[string]string{arabicWords, arabicGlossary} {
		for _, v := range g {
			for _, w := range strings.Fields(v) {
				m[w] = true
			}
		}
	}
	return m
}()

// englishTokens marks the English words of a translated reading's tokens
// as not from Arabic script.
func englishTokens(toks []Token) {
	for i := range toks {
		if englishReadings[toks[i].Text] {
			toks[i].Abjad = false
		}
	}
}
