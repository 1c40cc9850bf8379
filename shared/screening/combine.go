package screening

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// weakAliasQuality and originalScriptQuality scale the name score of weak
// aliases (OFAC weak a.k.a., UN "Low" quality) and of names matched through
// transliteration of an original-script name.
const (
	weakAliasQuality      = 0.94
	originalScriptQuality = 0.97
)

// Caps on the name part of a score: what a name alone can say, whatever
// its similarity. A match needs every significant query word accounted
// for strongly; a weak alias or a single word never raises an alert on its
// own (a birth date or nationality that agrees may lift it to review).
const (
	capNotAllWords = 0.88 // a query word missing or only loosely matched
	capWeakAlias   = 0.76
	capAbjadLoose  = 0.88 // Arabic script matched by consonants, a word missing or loose
	capSingleWord  = 0.70 // one query word against a person, vessel or aircraft, or loosely against an organisation
	capMiddleFirst = 0.80 // a person's listed first name missing, a middle name in its place (middleForFirst)
	capOtherName   = 0.80 // a query word that is another listed name, two letters or more away (otherName)
)

// components are the per-field results that make up a final score.
type components struct {
	name    float64 // name similarity in [0, 1]
	quality float64 // name quality factor (weak alias, original script)
	cap     float64 // upper bound of the name part (nameCap), 1 if none
	dob     float64 // date of birth adjustment
	country float64 // nationality/country adjustment
	typ     float64 // entity type adjustment
}

// combine is the one place where the components of a match become its
// final score. Name similarity, scaled by the quality of the matched name,
// is the base; qualifiers add or subtract a bounded amount; the result is
// clamped to [0, 1].
func combine(c components) float64 {
	final := c.name*c.quality + c.dob + c.country + c.typ
	if c.cap > 0 && c.cap < c.name*c.quality {
		final = c.cap + c.dob + c.country + c.typ
	}
	return round3(max(0, min(1, final)))
}

// formula renders combine's arithmetic for auditors.
func (c components) formula() string {
	capped := ""
	if c.cap > 0 && c.cap < c.name*c.quality {
		capped = fmt.Sprintf(" capped at %.2f", c.cap)
	}
	return fmt.Sprintf("name %.3f x quality %.2f%s %+.2f dob %+.2f country %+.2f type = %.3f",
		c.name, c.quality, capped, c.dob, c.country, c.typ, combine(c))
}

// nameCap is the highest name part a listed name can give the query,
// given how it was matched (see the cap constants).
func nameCap(a *alignment, weak bool, listed, queried sanctions.EntityType) float64 {
	c := 1.0
	if !a.strong {
		c = capNotAllWords
	}
	if weak {
		c = min(c, capWeakAlias)
	}
	qWords := a.qWords
	if titledName(a.q) && !(titledName(a.n) && a.nUsed[0] && pairedWith(a, 0) == 0) {
		// A title kept beside one name (Haji Mohammad) is a word only
		// against a listed name that is a title and one name too (Haji
		// Bando): against MOHAMED OMAR HAJI it is one name, Mohammad.
		qWords--
	}
	if qWords == 1 && !singleWordSuffices(a, listed, queried) && !abjadCompoundWhole(a, listed) {
		c = min(c, capSingleWord)
	}
	if slices.ContainsFunc(a.q, func(t qtoken) bool { return t.abjad }) && !a.n[0].abjad {
		c = min(c, abjadCap(a, listed, queried))
	}
	if listed == sanctions.TypePerson && (middleForFirst(a) || knownByMiddle(a)) {
		c = min(c, capMiddleFirst)
	}
	if otherName(a) {
		c = min(c, capOtherName)
	}
	return c
}

// abjadNameHolds says whether the Arabic-script words of a name (those
// transliterated, not read in English) hold a match: one of them meets a
// listed word by its consonants, and has three consonants or its long
// vowels where the Latin has them. An organisation's English words
// (general, trading, LLC) do not single it out: شركة النور للتجارة العامة
// is not NARIA GENERAL TRADING LLC, whose Naria meets نور by two
// consonants and not its long u.
func abjadNameHolds(a *alignment) bool {
	names := 0
	for i := range a.q {
		if t := &a.q[i]; t.abjad && !t.legal && !particle(t.text) {
			names++
		}
	}
	if names == 0 {
		return true
	}
	for _, p := range a.pairs[:a.npairs] {
		t, n := &a.q[p.qi], &a.n[p.nj]
		if !t.abjad || t.legal || particle(t.text) || p.sim < looseNameSim {
			continue
		}
		if len(t.akey) >= 3 || t.text == n.text {
			return true
		}
		// An adjective's ي (العربي, "rbi") is not in every Latin
		// rendering (Arab).
		if v := t.vowelForm(); longVowelsAgree(v, n.phon) || len(v) > 2 && v[len(v)-1] == 'i' && longVowelsAgree(v[:len(v)-1], n.phon) {
			return true
		}
	}
	return false
}

// looseNameSim is the least similarity at which an organisation's
// Arabic-script word holds its match (abjadNameHolds): a loanword's
// letters vary (ستارز: Stars).
const looseNameSim = 0.85

// titledName says whether a name is a title kept beside one name
// (dropTitles): its first word a title, one other name after it (the
// article and the lh of الله aside).
func titledName(toks []qtoken) bool {
	if len(toks) < 2 || !toks[0].title {
		return false
	}
	n := 0
	for _, t := range toks[1:] {
		if !t.legal && !particle(t.text) {
			n++
		}
	}
	return n == 1
}

// particle says whether a transliterated word is no name of its own: the
// article, or the lh of الله written apart (سیف الله is one name).
func particle(w string) bool { return w == "al" || w == "lh" }

// pairedWith is the query word listed word j was paired with, or -1.
func pairedWith(a *alignment, j int) int {
	for _, p := range a.pairs[:a.npairs] {
		if int(p.nj) == j {
			return int(p.qi)
		}
	}
	return -1
}

// otherName says whether a query word paired with a listed word is itself
// a listed word, two letters or more from it, and not alike in sound:
// Watson is a name of its own, not Wilson misspelt (a misspelling seldom
// lands on another real name two letters away, and an evader's rarely
// does; one letter, Parke for Parker, may be a slip and is left alone).
func otherName(a *alignment) bool {
	for _, p := range a.pairs[:a.npairs] {
		q, n := &a.q[p.qi], &a.n[p.nj]
		// English words of an organisation's name (englishReadings:
		// transport, transporting) are vocabulary, not names.
		if !q.listed || q.abjad || n.abjad || q.joined || n.joined || q.legal || len(q.text) < 4 || q.text == n.text || q.phon == n.phon || q.skel == n.skel || englishReadings[q.text] {
			continue
		}
		if damerauDistance(q.text, n.text, 2) >= 2 {
			return true
		}
	}
	return false
}

// knownByMiddle says whether a listed person's first name is written as an
// initial before a middle name in full ("J. French Hill": he is called
// French), and the query matches that initial with a name of its own and
// leaves the middle name out ("James Hill"): an initial and a surname are
// all that agree, as weak as a middle name in place of the first.
func knownByMiddle(a *alignment) bool {
	last := len(a.n) - 1
	if last < 2 || !a.nUsed[0] || len(a.n[0].text) != 1 {
		return false
	}
	middle := false
	for j := 1; j < last; j++ {
		if a.nUsed[j] || len(a.n[j].text) < 2 || a.n[j].legal {
			continue
		}
		middle = true
	}
	if !middle {
		return false
	}
	for _, p := range a.pairs[:a.npairs] {
		if p.nj == 0 {
			return len(a.q[p.qi].text) > 1
		}
	}
	return false
}

// middleForFirst says whether the query leaves out a listed person's first
// given name and opens with one of the listed middle names instead
// ("Elizabeth Johnson" for Julie Elizabeth Johnson). A person is called by
// a first name; a middle name standing in for it is weak evidence, more
// often a namesake than the listed person, so the name alone stays below
// review and an agreeing birth date or nationality lifts it. A very common
// first name (Muhammad before Naeem Sheikh) is often left out by the
// person himself: its absence says little.
func middleForFirst(a *alignment) bool {
	last := len(a.n) - 1
	if last < 2 || a.nUsed[0] || len(a.n[0].text) < 2 || a.n[0].legal || a.n[0].abjad || a.n[0].weight < lowWeight {
		return false
	}
	first := -1
	for i := range a.q {
		if len(a.q[i].text) > 1 && !a.q[i].legal {
			first = i
			break
		}
	}
	if first < 0 || a.q[first].abjad {
		return false
	}
	for _, p := range a.pairs[:a.npairs] {
		if int(p.qi) == first {
			return int(p.nj) > 0 && int(p.nj) < last
		}
	}
	return false
}

// abjadKeyNames is how many listed words may share the consonant key of an
// Arabic-script word for that word to single out a name.
const abjadKeyNames = 12

// abjadCap bounds a name in Arabic script matched to a Latin one by
// consonants: without written short vowels its words fit several names,
// so it is never a match on its own. A name of two words reaches review
// when both have the consonants and the long vowels of their Latin words,
// or one has consonants that few listed words share; one word only when
// it singles out a company (abjadWordSingles).
func abjadCap(a *alignment, listed, queried sanctions.EntityType) float64 {
	c := capNotAllWords
	if !a.strong {
		c = capAbjadLoose
	}
	words := 0
	for i := range a.q {
		// A transliterated word of one letter is a word of one consonant
		// (عز: Izz), not an initial.
		if (len(a.q[i].text) > 1 || a.q[i].abjad) && !a.q[i].legal && a.q[i].text != "al" {
			words++
		}
	}
	if !abjadNameHolds(a) {
		return capSingleWord
	}
	if words > 2 || words == 2 && hasLegalForm(a.q) {
		// Three words, or two and a company's legal form (شرکت ستاره
		// شرق: Setareh Shargh Co.): not the two words of a personal name
		// that vowels would tell apart. One word and a legal form is
		// weighed as one word (الوفاق المحدودة is not IFIC).
		return c
	}
	if words == 1 && a.npairs == 1 && listed == sanctions.TypeOrganisation && (queried == sanctions.TypeUnknown || queried == sanctions.TypeOrganisation) &&
		abjadWordSingles(a, a.pairs[0]) {
		return c // one word that singles out a company (طالبان: Taliban)
	}
	if abjadCompoundWhole(a, listed) {
		return capAbjadLoose
	}
	// Two words (the article aside): both must have the consonants of
	// their Latin words; one only near in consonants is another name as
	// often as another spelling.
	for _, p := range a.pairs[:a.npairs] {
		if a.q[p.qi].text != "al" && p.sim < abjadKeySim-0.02 {
			return capSingleWord
		}
	}
	for _, p := range a.pairs[:a.npairs] {
		t := &a.q[p.qi]
		if p.sim >= 0.9 && len(t.akey) >= 3 && t.keyNames > 0 && t.keyNames <= abjadKeyNames && !commonArabicWords()[t.text] {
			return c
		}
	}
	for _, p := range a.pairs[:a.npairs] {
		t := &a.q[p.qi]
		if t.text == "al" || t.text == a.n[p.nj].text {
			continue // spelt as listed, vowels and all: as a Latin query would be
		}
		if t.keyNames == 0 || !longVowelsAgree(t.vowelForm(), a.n[p.nj].phon) {
			return capSingleWord
		}
	}
	// Both words spelt alike, long vowels included: the name is the
	// listed one as Arabic script writes it (حسین موسوی is Hossein Musavi,
	// not Hassan Moussawi, whose حسن has no long vowel), and goes to review
	// as "Hossein Musavi" typed in Latin letters does; never a match, as
	// the short vowels were not written.
	if a.npairs >= 2 {
		return c
	}
	return capSingleWord
}

// abjadCompoundWhole says whether an Arabic-script name of two words is,
// joined, the whole of a listed person's name of one word, as lists write
// many Afghan names (ولی جان: WALIJAN; قاري سیف الله, the title aside:
// SAIFULLAH, Qari): the name in full, not one given name of several, so
// that it reaches review as a name of two words does, never match. Its
// consonants must be those of the listed word and of few listed words
// (Abdullah, Abdulrahman have those of many), its long vowels written
// where the Latin has them.
func abjadCompoundWhole(a *alignment, listed sanctions.EntityType) bool {
	if listed == sanctions.TypeOrganisation || a.npairs != 1 || len(a.q) != 1 || len(a.n) != 1 {
		return false
	}
	p := a.pairs[0]
	q, n := &a.q[p.qi], &a.n[p.nj]
	return q.abjad && q.joined && !n.abjad && p.sim >= abjadKeySim-0.02 && len(q.akey) >= 3 &&
		q.keyNames > 0 && q.keyNames <= abjadKeyNames && longVowelsAgree(q.vowelForm(), n.phon)
}

// longVowelsAgree reports whether the long vowels and glides that Arabic
// script writes (alif, waw, ya: a, u/w, i/y in the transliteration) are in
// the Latin spelling, in order: حسين (hsin) is Hussein, not Ehsan; هانيه
// (hanih) is Haniyeh, not Khan. Both are phonetic forms; a first vowel is
// free (an initial alif carries any vowel).
func longVowelsAgree(ar, la string) bool {
	if !diphthongsWritten(ar, la) {
		return false
	}
	// The phonetic form drops a Latin word's final h after a vowel (Salah
	// is "sala"): the final h of the Arabic (صالح, "salh") is then not
	// looked for.
	if n := len(ar); n >= 2 && ar[n-1] == 'h' && la != "" && isVowel(la[len(la)-1]) {
		ar = ar[:n-1]
	}
	// A final ya after a consonant is i or, in Persian spellings of Arabic
	// names, the alif maqsura a (مرتضی: Morteza, مصطفی: Mostafa); in a
	// word of four letters or more, where it is not the word's only vowel.
	if n := len(ar); n >= 4 && ar[n-1] == 'i' && !isVowel(ar[n-2]) && strings.HasSuffix(la, "a") {
		ar = ar[:n-1]
	}
	// The a transliteration writes between a consonant and h to keep them
	// apart (زهير, "zahir": not "zh") is no written vowel.
	if i := strings.IndexByte(ar, 'h'); i >= 2 && ar[i-1] == 'a' && strings.IndexByte("skgdtzcp", ar[i-2]) >= 0 {
		ar = ar[:i-1] + ar[i:]
	}
	if len(ar) > 0 && isVowel(ar[0]) {
		ar = ar[1:]
	}
	j := 0
	for i := 0; i < len(ar); i++ {
		c := ar[i]
		for j < len(la) && !vowelClassMatch(c, la[j]) {
			j++
		}
		if j == len(la) {
			return false
		}
		j++
	}
	return true
}

// diphthongsWritten reports whether the diphthongs of a Latin spelling
// (ei, ey: حسین, Hossein; ai, ay: حيدر, Haydar), which Arabic script
// writes with a ya, have a ya or an alif to stand for them in the
// transliteration ar (an alif for ai, where a hamza seat follows: قائد,
// Qaid): حسن (hsn) is Hassan, not Hossein. Both are phonetic forms.
func diphthongsWritten(ar, la string) bool {
	needIY, needAI := 0, 0
	for i := 1; i < len(la); i++ {
		switch la[i-1 : i+1] {
		case "ei", "ey":
			needIY++
		case "ai", "ay":
			needAI++
		}
	}
	if needIY+needAI == 0 {
		return true
	}
	iy := strings.Count(ar, "i") + strings.Count(ar, "y")
	return iy >= needIY && iy+strings.Count(ar, "a") >= needIY+needAI
}

// vowelClassMatch says whether a letter of the Arabic transliteration may
// be written as Latin letter l: a long vowel as the vowels and glides that
// render it, any other letter as itself.
func vowelClassMatch(c, l byte) bool {
	switch c {
	case 'a':
		return l == 'a' || l == 'e'
	case 'k', 'j':
		return l == c || l == 'g' // qaf and jim read as g (abjadVariantLetters)
	case 'b':
		return l == 'b' || l == 'p' // Arabic writes p as b (بتروتك: Petrotech)
	case 'f':
		return l == 'f' || l == 'v' // and v as f
	case 't':
		return l == 't' || l == 's'
	case 'd':
		return l == 'd' || l == 'z'
	case 'i', 'y':
		return l == 'i' || l == 'e' || l == 'y'
	case 'u', 'v':
		return l == 'u' || l == 'o' || l == 'v'
	}
	return c == l
}

func nameQuality(kind sanctions.NameKind, weak bool) float64 {
	q := 1.0
	if weak {
		q = weakAliasQuality
	}
	if kind == sanctions.NameOriginalScript {
		q *= originalScriptQuality
	}
	return q
}

// singleWordSuffices says whether a one-word query may match on its own:
// against an entry of the type the query asks for, or against a company
// when the query gives no type, with a word of five letters or more
// matched closely (not by consonant skeleton: vowels were guessed, unless
// they came out as listed).
func singleWordSuffices(a *alignment, listed, queried sanctions.EntityType) bool {
	if queried != sanctions.TypeUnknown {
		return listed == queried || queried == sanctions.TypeOrganisation && listed != sanctions.TypePerson
	}
	if listed != sanctions.TypeOrganisation || a.bestSim < 0.9 {
		return false
	}
	for _, p := range a.pairs[:a.npairs] {
		q := &a.q[p.qi]
		if q.legal || len(q.text) <= 1 {
			continue
		}
		// A word transliterated from Arabic script had its vowels
		// guessed: it suffices when they came out as listed (شرکت
		// رامان: Raman Company), or when its consonants single out a
		// company (abjadWordSingles).
		if q.abjad && q.text != a.n[p.nj].text {
			if !abjadWordSingles(a, p) {
				return false
			}
			continue
		}
		if len(q.text) < 5 && (len(q.text) < 3 || q.text != a.n[p.nj].text || !legalFormPaired(a) || !allListedPaired(a)) {
			// A short word fits many names; spelt as listed beside the
			// listed legal form, the listed name having no other word
			// (HARA COMPANY, IGA LTDA.; not PARS PETROCHEMICAL COMPANY
			// for Pars Company), it is the company's name in full.
			return false
		}
	}
	return true
}

// allListedPaired says whether every listed word but a legal form met a
// query word.
func allListedPaired(a *alignment) bool {
	for j := range a.n {
		if !a.nUsed[j] && !a.n[j].legal {
			return false
		}
	}
	return true
}

// legalFormPaired says whether a query's legal form met the listed name's.
func legalFormPaired(a *alignment) bool {
	for _, p := range a.pairs[:a.npairs] {
		if a.q[p.qi].legal && a.n[p.nj].legal {
			return true
		}
	}
	return false
}

// abjadWordSingles says whether the one word of an Arabic-script query,
// paired with a listed company's word, singles it out: its consonants are
// the listed word's, few listed words share them, its long vowels are
// written where the Latin has them, and it is not a common personal name.
// Four consonants are enough on their own (طالبان: Taliban, پتروپارس:
// Petropars); three when the query names a legal form and so is a company
// (شرکت خیبر: Khaybar Company).
func abjadWordSingles(a *alignment, p alignedPair) bool {
	q, n := &a.q[p.qi], &a.n[p.nj]
	minKey := 4
	if hasLegalForm(a.q) {
		minKey = 3
	}
	return p.sim >= abjadKeySim-0.02 && len(q.akey) >= minKey && q.keyNames > 0 && q.keyNames <= abjadKeyNames &&
		longVowelsAgree(q.phon, n.phon) && !commonArabicWords()[q.text]
}

// explanation assembles the explanation of a match from its components.
func explanation(c components, name NameScore, dob, country, typ ComponentResult) Explanation {
	ex := Explanation{
		Name: name, NameQuality: c.quality, DOB: dob, Country: country, Type: typ,
		Final: combine(c), Formula: c.formula(),
	}
	for _, f := range []struct {
		field string
		r     ComponentResult
	}{{"dob", dob}, {"country", country}, {"type", typ}} {
		switch {
		case f.r.Adjustment > 0 || f.r.Agreement == string(TypeMatch):
			ex.Agreed = append(ex.Agreed, f.field+":"+f.r.Agreement)
		case f.r.Adjustment < 0:
			ex.Disagreed = append(ex.Disagreed, f.field+":"+f.r.Agreement)
		}
	}
	if len(name.UnmatchedQuery) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:query words not in listed name %v", name.UnmatchedQuery))
	}
	if len(name.UnmatchedName) > 0 {
		ex.Disagreed = append(ex.Disagreed, fmt.Sprintf("name:listed words not in query %v", name.UnmatchedName))
	}
	return ex
}

// hasLegalForm says whether a query has a company legal form.
func hasLegalForm(q []qtoken) bool {
	for i := range q {
		if q[i].legal {
			return true
		}
	}
	return false
}
