package screening

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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
	// The title Mullah, read before transliteration drops the letters that
	// tell it from a name: معلا (Mualla) transliterates as ملا does, "mla".
	"ملا": "mullah", "ملّا": "mullah",
	// "Son of" in a person's name: Mauritanian names write it Ould
	// (محفوظ ولد الوليد: Mahfouz Ould al-Walid), Afghan ones in the UN's
	// lists "son of", which PrepareName reads as Ould (sonOfAsOuld).
	"ولد": "ould",
}

// arabicEnglish are the words arabicWords and arabicLegalPhrases read
// Arabic-script words as, in the form PrepareName gives them (legal forms
// canonical): English, compared as spelt, and a legal form a legal form
// (شركة is "co", never a word of one consonant that meets Yaku).
var arabicEnglish = func() map[string]bool {
	m := map[string]bool{}
	for _, g := range []map[string]string{arabicWords, arabicLegalPhrases} {
		for _, v := range g {
			for _, w := range canonicalLegalForms(strings.Fields(v)) {
				m[w] = true
			}
		}
	}
	return m
}()

// translateArabicWords replaces the words of arabicWords in s, written
// apart, and the legal forms of several words of arabicLegalPhrases, and
// leaves everything else as it is. s without Arabic script is returned
// unchanged.
func translateArabicWords(s string) string {
	if isASCII(s) {
		return s
	}
	words, changed := spellInitials(strings.Fields(s))
	for i := 0; i < len(words); i++ {
		// A legal form of several words (با مسئولیت محدود: Ltd.), which
		// lists always write in English.
		if n, t := arabicLegalPhraseAt(words, i); n > 0 {
			words[i] = t
			for k := 1; k < n; k++ {
				words[i+k] = ""
			}
			i += n - 1
			changed = true
			continue
		}
		w := words[i]
		if t, ok := arabicWords[w]; ok {
			words[i] = t
			changed = true
			continue
		}
		// With the article: الشركة is the company.
		if rest, ok := strings.CutPrefix(w, "ال"); ok && len(rest) > 4 {
			// A title has no article: الملا is the family name al-Mulla.
			if t, ok := arabicWords[rest]; ok && t != "" && t != "mullah" {
				words[i] = t
				changed = true
			}
		}
	}
	if !changed {
		return s
	}
	return strings.Join(strings.Fields(strings.Join(words, " ")), " ")
}

// spellInitials writes apart the initials of a legal form written with
// dots (ش.م.ل. is ش م ل, SAL; ذ.م.م is ذ م م, LLC), and joins the names of
// Latin letters spelt out in Arabic script into the letters (إس إي إس:
// SES; اتش اس آي: HSI), as lists write the acronym.
func spellInitials(words []string) ([]string, bool) {
	var out []string // written only once something changes
	for i := 0; i < len(words); i++ {
		read := dottedInitials(words[i])
		n := 1
		if read == nil {
			for n = 0; i+n < len(words); n++ {
				c, ok := latinLetterNames[words[i+n]]
				if !ok {
					break
				}
				read = append(read, string(c))
			}
			if n < 2 {
				read, n = nil, 1
			} else {
				read = []string{strings.Join(read, "")}
			}
		}
		if read != nil && out == nil {
			out = append(make([]string, 0, len(words)), words[:i]...)
		}
		switch {
		case read != nil:
			out = append(out, read...)
		case out != nil:
			out = append(out, words[i])
		}
		i += n - 1
	}
	if out == nil {
		return words, false
	}
	return out, true
}

// dottedInitials are the letters of a word of Arabic letters written with
// dots between them (ش.م.ل.), nil for any other word.
func dottedInitials(w string) []string {
	if !strings.Contains(w, ".") {
		return nil
	}
	parts := strings.Split(strings.Trim(w, "."), ".")
	if len(parts) < 2 || slices.ContainsFunc(parts, func(p string) bool {
		r, size := utf8.DecodeRuneInString(p)
		return size != len(p) || !unicode.Is(unicode.Arabic, r)
	}) {
		return nil
	}
	return parts
}

// latinLetterNames are the names of Latin letters as Arabic and Persian
// write them, which spelt out in a row are an acronym. They are looked up
// as written: the hamza seats tell E (إي) from I (آي). في (V) is also
// "in", and بي is B as often as P: neither is read so.
var latinLetterNames = map[string]byte{
	"إيه": 'a', "ايه": 'a', "سي": 'c', "دي": 'd', "إي": 'e', "اي": 'e', "إف": 'f', "اف": 'f', "جي": 'g',
	"إتش": 'h', "اتش": 'h', "اچ": 'h', "آي": 'i', "جاي": 'j', "جيه": 'j', "كي": 'k', "کی": 'k', "كاي": 'k',
	"إل": 'l', "إم": 'm', "ام": 'm', "إن": 'n', "أو": 'o', "كيو": 'q', "آر": 'r', "ار": 'r',
	"إس": 's', "اس": 's', "تي": 't', "یو": 'u', "يو": 'u', "دبليو": 'w', "إكس": 'x', "اكس": 'x', "واي": 'y', "زد": 'z',
}

// arabicLegalPhrases are the legal forms Arabic and Persian write in
// several words or by their initials, as lists write them in English.
var arabicLegalPhrases = map[string]string{
	"با مسئولیت محدود": "ltd", "ذ م م": "llc", "م م ح": "fze", "ش م ح": "fzc", "ش م ل": "sal", "ش م م": "sarl", "م د م س": "dmcc",
	"سهامی خاص": "pjs", "سهامی عام": "pjsc",
	"المحدودة المسؤولية": "llc", "محدودة المسؤولية": "llc", "ذات المسؤولية المحدودة": "llc",
	"المساهمة المغفلة الخاصة": "pjs", "المساهمة المغفلة": "jsc",
}

// legalPhrases is arabicLegalPhrases keyed by arabicKey.
var legalPhrases = byArabicKey(arabicLegalPhrases)

// arabicLegalPhraseAt is the number of words of the legal form of
// arabicLegalPhrases that begins at words[i], the longest, and its English
// form; 0 when none does.
func arabicLegalPhraseAt(words []string, i int) (int, string) {
	for n := min(4, len(words)-i); n >= 2; n-- {
		if t, ok := legalPhrases[arabicKey(strings.Join(words[i:i+n], " "))]; ok {
			return n, t
		}
	}
	return 0, ""
}

// arabicLegalForms are the legal forms a name in Arabic script has, read
// from its words in English (شركة: co, المحدودة: ltd, سهامی خاص: pjs). A
// transliterated word that spells a legal form by chance is a name: صائب
// (sab) is Saeb, not S.A.B.
var arabicLegalForms = map[string]bool{"co": true, "ltd": true, "pjs": true, "pjsc": true, "jsc": true, "llc": true, "fze": true, "sal": true, "sarl": true, "dmcc": true}
