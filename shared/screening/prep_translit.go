package screening

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// cyrillic maps lower-case Cyrillic letters (Russian, Ukrainian, Belarusian,
// Serbian, Macedonian) to Latin, following the BGN/PCGN style that
// sanctions lists use ("Khusein", "Shchukin", "Yuriy").
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e",
	'ж': "zh", 'з': "z", 'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m",
	'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u",
	'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
	'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ј': "j", 'љ': "lj",
	'њ': "nj", 'ћ': "c", 'ђ': "dj", 'џ': "dz", 'ѕ': "dz", 'ќ': "k", 'ѓ': "g",
}

// greek maps lower-case Greek letters, accented forms included, to Latin
// (ELOT 743 simplified).
var greek = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i",
	'θ': "th", 'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x",
	'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y",
	'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
	'ά': "a", 'έ': "e", 'ή': "i", 'ί': "i", 'ό': "o", 'ύ': "y", 'ώ': "o",
	'ϊ': "i", 'ϋ': "y", 'ΐ': "i", 'ΰ': "y",
}

// arabicConsonants maps Arabic and Persian letters to Latin. Short vowels
// are not written in Arabic script; long vowels (alif, waw, ya) are handled
// by arabicLetter because waw and ya are consonants or vowels by position.
var arabicConsonants = map[rune]string{
	'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h", 'خ': "kh", 'د': "d",
	'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "dh",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'ء': "", 'ئ': "",
	'ؤ': "", 'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ڤ': "v",
	'ـ': "",
	// Urdu: heh goal and do-chashmi heh, teh marbuta goal, tteh, ddal,
	// rreh, noon ghunna ("ثناء اللہ" is Sanaullah, "الطاھر" al-Tahir).
	'ہ': "h", 'ھ': "h", 'ۃ': "a", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n",
	// Pashto: tteh, ddal, rreh, nnoon, gaf, and the letters lists write
	// as the Kandahar speech and Latin habit have them: tse as ch
	// (اڅکزی: Achakzai), dze as z, xin as sh (Pashtun), zhe as zh.
	'ټ': "t", 'ډ': "d", 'ړ': "r", 'ڼ': "n", 'ګ': "g", 'څ': "ch", 'ځ': "z", 'ښ': "sh", 'ږ': "zh",
	// harakat, when written
	'\u064E': "a", '\u064F': "u", '\u0650': "i", '\u064B': "", '\u064C': "",
	'\u064D': "", '\u0652': "", '\u0670': "a",
}

// transliterate converts Cyrillic, Greek and Arabic-script letters to
// Latin and reports whether Arabic script was seen. Other scripts pass
// through unchanged (and will only match names in the same script).
func transliterate(s string) (string, bool) {
	if isASCII(s) {
		return s, false
	}
	s = splitPersianCompounds(s)
	s = keepNamesOfAl(s)
	if k, ok := koreanFromCyrillic(s); ok {
		return k, false
	}
	if hasPresentationForms(s) {
		// ﻤﺤﻤﺪ is محمد in the shapes a letter takes in a word: the
		// compatibility decomposition gives the letters.
		s = norm.NFKC.String(s)
	}
	var b strings.Builder
	abjad := false
	rs := []rune(s)
	persian := isPersian(rs)
	for i := 0; i < len(rs); i++ {
		r := unicode.ToLower(rs[i])
		if t, ok := cyrillic[r]; ok {
			writeCased(&b, t, rs[i])
			continue
		}
		if t, ok := greek[r]; ok {
			b.WriteString(t)
			continue
		}
		if isArabic(r) {
			abjad = true
			if abdArticle(rs, i) {
				b.WriteByte(' ') // عبدالحليم: Abd al-Halim
			}
			t := arabicLetter(rs, i, persian)
			if t == "h" && endsInDigraphLetter(&b) {
				// صحراوي is Sahrawi, not "Shrawi": a short vowel keeps
				// the h from making a digraph with the consonant before.
				b.WriteByte('a')
			}
			b.WriteString(t)
			continue
		}
		b.WriteRune(rs[i])
	}
	return b.String(), abjad
}

func writeCased(b *strings.Builder, t string, orig rune) {
	if unicode.IsUpper(orig) {
		b.WriteString(strings.ToUpper(t))
		return
	}
	b.WriteString(t)
}

func isArabic(r rune) bool {
	return (r >= 0x0600 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) || (r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFF)
}

// arabicLetter transliterates rs[i]. Alif is "a"; waw and ya are
// consonants ("w", "y") at the start of a word or after a long vowel, and
// long vowels ("u", "i") after a consonant. The article "al-" at the start
// of a word becomes a separate word, as lists write "AL-TIKRITI".
//
// In Persian, Dari, Pashto and Urdu writing (persian), dhal, dad and zah
// are all z (ذاکر is Zakir, نذیر Nazir) and a final alif maqsura is i
// (توخى is Tokhi), where Arabic has dh, dh, z and a (يحيى is Yahya; dad is
// written dh, as in Fadhil, so that abjadVariantKeys can tell it from dal).
func arabicLetter(rs []rune, i int, persian bool) string {
	r := rs[i]
	// A word ending in a consonant and two yas (یحیی, يحيى) ends in the
	// consonant ya and an alif maqsura, whichever letter writes it: Yahya.
	if finalYaPair(rs, i) {
		return "y"
	}
	if i > 0 && finalYaPair(rs, i-1) {
		return "a"
	}
	if persian {
		switch r {
		case 'ذ', 'ض', 'ظ':
			return "z"
		case 'ى':
			return "i"
		}
	}
	start := i == 0 || !isArabicLetter(rs[i-1]) || afterArticle(rs, i)
	switch r {
	case 'ا', 'أ', 'آ', 'ى', 'ٱ':
		if start && r == 'ا' && i+1 < len(rs) && rs[i+1] == 'ل' && i+2 < len(rs) && isArabicLetter(rs[i+2]) {
			return "a"
		}
		return "a"
	case 'إ':
		return "i"
	case 'و':
		if start || prevIsVowelLetter(rs, i) {
			return "w"
		}
		return "u"
	case 'ي', 'ی', 'ې', 'ۍ', 'ے':
		// The Persian ending ایی (آقایی: Aghaei, رضایی: Rezaei) is a and
		// i: the first ya is the glide Latin spellings leave out.
		if persianAyiEnding(rs, i) {
			return ""
		}
		if i >= 2 && persianAyiEnding(rs, i-1) {
			return "i"
		}
		if start || prevIsVowelLetter(rs, i) {
			return "y"
		}
		if i+1 == len(rs) || !isArabicLetter(rs[i+1]) {
			return "i"
		}
		return "i"
	case 'ل':
		// "ال" at the start of a word: the article, written apart.
		if i >= 1 && rs[i-1] == 'ا' && (i == 1 || !isArabicLetter(rs[i-2]) || abdArticle(rs, i-1)) && i+1 < len(rs) && isArabicLetter(rs[i+1]) {
			return "l "
		}
		return "l"
	case '٠', '١', '٢', '٣', '٤', '٥', '٦', '٧', '٨', '٩':
		return string('0' + (r - '٠'))
	case '\u0651': // shadda doubles the previous consonant
		if i > 0 {
			if t, ok := arabicConsonants[rs[i-1]]; ok {
				return t
			}
		}
		return ""
	}
	if t, ok := arabicConsonants[r]; ok {
		return t
	}
	return ""
}

// hasPresentationForms reports whether s has Arabic letters in their
// presentation forms (the shapes of a letter at the start, middle or end
// of a word, and ligatures), which some lists and keyboards produce.
func hasPresentationForms(s string) bool {
	for _, r := range s {
		if r >= 0xFB50 && r <= 0xFDFF || r >= 0xFE70 && r <= 0xFEFF {
			return true
		}
	}
	return false
}

// abdArticle reports whether rs[i] is the alif of the article written
// joined after عبد ("servant of"), which begins a word: عبدالحليم is
// عبد الحليم, so both spellings meet the same Latin ones (Abdul Halim,
// Abdelhalim, Abd al-Halim).
func abdArticle(rs []rune, i int) bool {
	if i < 3 || rs[i] != 'ا' || i+2 >= len(rs) || rs[i+1] != 'ل' || !isArabicLetter(rs[i+2]) {
		return false
	}
	return rs[i-3] == 'ع' && rs[i-2] == 'ب' && rs[i-1] == 'د' && (i == 3 || !isArabicLetter(rs[i-4]))
}

// isPersian reports whether an Arabic-script name is written with the
// letters of Persian, Dari, Pashto or Urdu (yeh and keheh in their
// Persian forms, peh, tcheh, jeh, gaf, Urdu heh).
func isPersian(rs []rune) bool {
	for _, r := range rs {
		switch r {
		case 'ی', 'ک', 'پ', 'چ', 'ژ', 'گ', 'ہ', 'ے', 'ٹ', 'ڈ', 'ڑ', 'ټ', 'ډ', 'ړ', 'ڼ', 'ګ', 'څ', 'ځ', 'ښ', 'ږ':
			return true
		}
	}
	return false
}

// afterArticle reports whether rs[i] begins the word after the article
// "ال" written joined: الواحد is al-Wahid, not al-"uahd", and عبدالولی
// Abd al-Wali.
func afterArticle(rs []rune, i int) bool {
	return i >= 2 && rs[i-1] == 'ل' && rs[i-2] == 'ا' && (i == 2 || !isArabicLetter(rs[i-3]) || abdArticle(rs, i-2))
}

func isArabicLetter(r rune) bool {
	return isArabic(r) && unicode.IsLetter(r)
}

// finalYaPair reports whether rs[i] is a ya after a consonant, followed
// by a ya or alif maqsura that ends the word.
func finalYaPair(rs []rune, i int) bool {
	isYa := func(r rune) bool { return r == 'ي' || r == 'ی' || r == 'ى' }
	if i < 1 || i+1 >= len(rs) || (rs[i] != 'ي' && rs[i] != 'ی') || !isYa(rs[i+1]) {
		return false
	}
	if i+2 < len(rs) && isArabicLetter(rs[i+2]) {
		return false
	}
	return isArabicLetter(rs[i-1]) && !isYa(rs[i-1]) && !prevIsVowelLetter(rs, i)
}

func prevIsVowelLetter(rs []rune, i int) bool {
	switch rs[i-1] {
	case 'ا', 'أ', 'آ', 'و', 'ي', 'ی':
		return true
	}
	return false
}

// persianAyiEnding reports whether rs[i] is the first ya of a word's final
// alif and two yas (ایی).
func persianAyiEnding(rs []rune, i int) bool {
	isYa := func(r rune) bool { return r == 'ي' || r == 'ی' }
	return i >= 1 && rs[i-1] == 'ا' && isYa(rs[i]) && i+1 < len(rs) && isYa(rs[i+1]) &&
		(i+2 == len(rs) || !isArabicLetter(rs[i+2]))
}

// endsInDigraphLetter reports whether the text so far ends in a consonant
// that forms a digraph with a following h (sh, kh, gh, dh, th, zh, ch, ph).
func endsInDigraphLetter(b *strings.Builder) bool {
	s := b.String()
	if s == "" {
		return false
	}
	switch s[len(s)-1] {
	case 's', 'k', 'g', 'd', 't', 'z', 'c', 'p':
		return true
	}
	return false
}

// compoundHeads are the names Persian joins another name to in one word
// (محمدحسین, امیرعلی, غلامرضا, علیرضا, میرحسین, رضاقلی), which lists write
// apart (Mohammad Hossein, Amir Ali, Gholam Reza, Reza Gholi), and
// compoundTails the names so joined. Only these compounds are split: a
// family name made of a name (محمدی, امیری, حسینی, علیزاده, محمدی‌نژاد)
// or a place (محمدآباد) is left whole; a compound a list writes as one
// word (Alireza) is joined again when it is compared (abjadJoin).
var compoundHeads = [...]string{"محمد", "امیر", "غلام", "علی", "میر", "رضا"}

var compoundTails = map[string]bool{
	"حسین": true, "حسن": true, "رضا": true, "علی": true, "جواد": true, "باقر": true, "مهدی": true,
	"تقی": true, "کاظم": true, "صادق": true, "ابراهیم": true, "اسماعیل": true, "امین": true,
	"جعفر": true, "هادی": true, "یوسف": true, "کریم": true, "سعید": true, "مصطفی": true,
	"مرتضی": true, "رحیم": true, "رسول": true, "قاسم": true, "طاهر": true, "ناصر": true,
	"ولی": true, "اکبر": true, "اصغر": true, "منصور": true, "صالح": true, "امیر": true,
	"شریف": true, "نبی": true, "حنیف": true, "عارف": true, "یونس": true, "محمد": true, "قلی": true,
}

// splitPersianCompounds writes apart the compounds of compoundHeads and
// compoundTails.
func splitPersianCompounds(s string) string {
	if !strings.ContainsFunc(s, isArabic) {
		return s
	}
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		// persianLetters keeps byte offsets: its letters are all two
		// bytes, so the word is cut where its Persian spelling is.
		pw := persianLetters(w)
		for _, h := range compoundHeads {
			rest, ok := strings.CutPrefix(pw, h)
			if !ok || !compoundTails[strings.TrimPrefix(rest, "\u200c")] {
				continue
			}
			words[i] = w[:len(h)] + " " + strings.TrimPrefix(w[len(h):], "\u200c")
			changed = true
			break
		}
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}

// persianLetters writes the Arabic forms of yeh and kaf in their Persian
// forms, for a lookup in a list written in Persian.
func persianLetters(w string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'ي', 'ى':
			return 'ی'
		case 'ك':
			return 'ک'
		}
		return r
	}, w)
}

// namesOfAl are names that begin with the letters of the article and are
// not the article and a word: الیاس is Ilyas, not "al-Yas"; البرز is
// Alborz. Their alif is written as alif with hamza, which never begins
// the article.
var namesOfAl = map[string]bool{
	"الیاس": true, "الياس": true, "الهام": true, "الماس": true, "البرز": true, "الوند": true,
	"الهه": true, "الناز": true, "الیکا": true,
}

func keepNamesOfAl(s string) string {
	if !strings.Contains(s, "ال") {
		return s
	}
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		if namesOfAl[w] {
			words[i] = "أ" + strings.TrimPrefix(w, "ا")
			changed = true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(words, " ")
}
