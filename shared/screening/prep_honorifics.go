package screening

// honorifics are titles that are not part of a person's name.
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true,
	"prof": true, "sir": true, "dame": true, "lord": true, "lady": true,
	"rev": true, "hon": true, "sheikh": true, "shaikh": true, "sheik": true,
	"shaykh": true, "sheykh": true, "shikh": true, "haji": true, "hajji": true, "hadji": true, "alhaj": true,
	"alhajj": true, "mullah": true, "mulla": true, "maulvi": true,
	"maulavi": true, "mawlawi": true, "moulvi": true, "qari": true,
}

// dropHonorifics removes honorifics unless nothing else would remain. A
// title follows no name: one that ends a name of several words is the
// family name it also is (Umair Naeem Sheikh, Ahmed Haji).
func dropHonorifics(words []string) []string {
	return dropTitles(words, func(w string) bool { return honorifics[w] }, func(rest []string) bool { return len(rest) > 1 })
}

// latinTitles are honorifics written only in Latin letters. A name
// transliterated from Arabic script has no such title but words that look
// like them: عمر (Omar, Amr) is "mr" without its vowels.
var latinTitles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true,
	"prof": true, "sir": true, "dame": true, "lord": true, "lady": true,
	"rev": true, "hon": true,
}

// dropTransliteratedHonorifics is dropHonorifics for a name transliterated
// from Arabic script: its titles are Sheikh, Haji, Mullah, Qari..., never
// Mr or Dr.
func dropTransliteratedHonorifics(words []string) []string {
	return dropTitles(words, func(w string) bool { return honorifics[w] && !latinTitles[w] || arabicScriptTitles[w] },
		func(rest []string) bool {
			// قاري سیف الله is Qari and one name, Saifullah (particle).
			n := 0
			for _, w := range rest {
				if !particle(w) {
					n++
				}
			}
			return n > 1
		})
}

// dropTitles removes the words isTitle says are titles, unless fewer than
// two names would remain (enough says which): a title with one name is how
// the person is known (Haji Bando, Qari Saifullah, as lists write them),
// and the name alone is one word, which says little. A title that ends a
// name of several words is a family name (Umair Naeem Sheikh), and one
// before the suffix of a Persian family name is its first part (حاجی
// زاده: Hajizadeh, ملا زاده: Mollazadeh).
func dropTitles(words []string, isTitle func(string) bool, enough func(rest []string) bool) []string {
	return dropIf(words, func(i int) bool {
		return isTitle(words[i]) && i+1 < len(words) && !persianSurnameSuffixes[words[i+1]]
	}, enough)
}

// persianSurnameSuffixes are the suffixes of Persian family names, as they
// transliterate when written apart (زاده, پور, نیا, نژاد, راد, فر).
var persianSurnameSuffixes = map[string]bool{
	"zadah": true, "zadh": true, "pur": true, "nia": true, "nzhad": true, "njad": true, "rad": true, "fr": true,
}

// arabicScriptTitles are the honorifics of Afghan and Pakistani names as
// their Arabic-script spellings transliterate, where that is not a Latin
// spelling of the title: مولوی and مولوى (Maulvi) "muluy" and "mulua",
// and حاجى, Haji written with a final alif maqsura for ya as often in Dari
// and Pashto, "haja". ملا (Mullah) is read as a word (arabicWords): its
// transliteration "mla" is also معلا's (Mualla).
var arabicScriptTitles = map[string]bool{
	"muluy": true, "mulua": true, "haja": true,
}

// dropIf removes the words drop says (by their index), but only when keep
// accepts what remains; otherwise words are returned unchanged.
func dropIf(words []string, drop func(i int) bool, keep func([]string) bool) []string {
	n := 0
	for i := range words {
		if drop(i) {
			n++
		}
	}
	if n == 0 {
		return words
	}
	rest := make([]string, 0, len(words)-n)
	for i, w := range words {
		if !drop(i) {
			rest = append(rest, w)
		}
	}
	if !keep(rest) {
		return words
	}
	return rest
}
