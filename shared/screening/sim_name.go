package screening

import (
	"math/bits"
	"slices"
	"strings"
)

// qtoken is a prepared query or name token with its derived forms and its
// weight (rarity among listed names; common tokens such as "mohammed" or
// "al" weigh less).
type qtoken struct {
	text, phon, skel string
	akey             string // consonantKey, for tokens from Arabic script only
	akeyAlt          string // abjadVariantKeys, for tokens from Arabic script only
	lkey             string // consonantKey kept for a listed word (keyOf), "" when not kept
	abjad            bool
	translated       bool   // a word of a translated reading (PreparedReading.Translated)
	title            bool   // a title (titleWord), worked out once
	joined           bool   // made by joining two adjacent tokens
	legal            bool   // a company legal form (prep_legalforms.go)
	listed           bool   // a query token that is itself a listed word
	split            uint8  // > 0: the token is two listed tokens joined, split at this byte
	article          uint8  // > 0: joined with the article, whose a is at this byte - 1 of text
	syn              uint8  // its set of tradeSynonyms (synonymSet), 0 for none
	keyNames         uint16 // Arabic script: listed words sharing its consonant key
	weight           float64
	id               int32  // vocabulary id of a listed token, -1 otherwise
	compoundNames    uint16 // last word of a compound: listed words with the compound's key (after id, as mkey is)
	// mkey identifies a query word, or a join or split of query words,
	// in the query's pairMemo (memoKey); 0 for a listed word and for a
	// word not memoised (after compoundNames: the struct stays 136 bytes).
	mkey uint16
	// tmask and pmask are the letters of text and phon (letterMask); 0
	// when not computed.
	tmask, pmask uint32
}

// letterMask is the set of letters of an ASCII word, by the low five bits
// of each byte (folding two letters together only makes mayBeWithin
// accept more).
func letterMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		m |= 1 << (s[i] & 31)
	}
	return m
}

// mayBeWithin says whether two words of lengths la and lb with letter sets
// ma and mb can be within the edits editSim allows: every letter one has
// and the other lacks takes an edit. Most pairs of different names fail
// it, and the edit distance is not computed for them.
func mayBeWithin(ma, mb uint32, la, lb int) bool {
	l := max(la, lb)
	if l <= 3 || ma == 0 || mb == 0 {
		return true
	}
	e := maxEdits(l)
	return bits.OnesCount32(ma&^mb) <= e && bits.OnesCount32(mb&^ma) <= e
}

func newQToken(t Token, w float64) qtoken {
	p := phoneticForm(t.Text)
	q := qtoken{text: t.Text, phon: p, skel: skeleton(p), abjad: t.Abjad, weight: w, id: -1, legal: isLegalForm(t.Text) && (!t.Abjad || arabicLegalForms[t.Text]),
		tmask: letterMask(t.Text), pmask: letterMask(p), syn: synonymSet[t.Text]}
	q.title = titleWord(&q)
	if t.Abjad {
		q.akey = consonantKey(p)
		q.akeyAlt = abjadVariantKeys(t.Text)
	}
	return q
}

// keyOf is the consonant key of a token, computed when it was not kept.
func (t *qtoken) keyOf() string {
	if t.akey != "" || t.abjad {
		return t.akey
	}
	if t.lkey != "" {
		return t.lkey
	}
	return consonantKey(t.phon)
}

// plainKey is the consonant key of a token's spelling, whatever its
// script (keyOf is "" for a listed word of a name in Arabic script).
func (t *qtoken) plainKey() string {
	if t.akey != "" {
		return t.akey
	}
	if t.lkey != "" {
		return t.lkey
	}
	return consonantKey(t.phon)
}

// tokenMatch says how a query token was matched to a name token.
type tokenMatch uint8

const (
	matchNone tokenMatch = iota
	matchExact
	matchFuzzy
	matchPhonetic
	matchInitial
	matchSkeleton
	matchJoined // joined/split tokens: "abdulrahman" vs "abdul rahman"
)

func (m tokenMatch) String() string {
	return [...]string{"none", "exact", "fuzzy", "phonetic", "initial", "skeleton", "joined"}[m]
}

// minTokenSim is the similarity below which two tokens are not a match.
const minTokenSim = 0.80

// tokenSim compares two tokens: edit distance on spelling and on phonetic
// form (sim_edit.go), initials, and consonant skeleton (Jaro-Winkler, as
// vowels are guessed) for Arabic-script input.
func tokenSim(q, n *qtoken) (float64, tokenMatch) {
	if q.text == n.text {
		return 1, matchExact
	}
	// A one-letter word is an initial, unless transliterated from Arabic
	// script, where a word can have one written consonant and no
	// written vowel (عز is Izz): it is then compared by its consonant.
	if len(q.text) == 1 && !q.abjad || len(n.text) == 1 && !n.abjad {
		if q.text[0] == n.text[0] {
			return 0.9, matchInitial
		}
		return 0, matchNone
	}
	if !pairable(q, n) {
		return 0, matchNone
	}
	if q.phon == n.phon || q.syn != 0 && q.syn == n.syn && q.text != n.text {
		return 0.95, matchPhonetic
	}
	best, how := 0.0, matchFuzzy
	if mayBeWithin(q.tmask, n.tmask, len(q.text), len(n.text)) {
		best = editSim(q.text, n.text)
	}
	if mayBeWithin(q.pmask, n.pmask, len(q.phon), len(n.phon)) {
		if p := 0.98 * editSim(q.phon, n.phon); p > best {
			best, how = p, matchPhonetic
		}
	}
	if q.abjad || n.abjad {
		if articleAndWord(q, n) {
			return best, how // the article is no name's one consonant
		}
		if s := keySim(q, n); s > best {
			best, how = s, matchSkeleton
		}
		if s := allahCompoundSim(q, n); s > best {
			best, how = s, matchSkeleton
		}
	}
	return best, how
}

// vowelForm is the phonetic form of t whose long vowels longVowelsAgree
// looks for: a word joined with the article (عبدالله, "bdallh") without
// the article's alif, which Latin writes a, e, i, u or not at all
// (Abdullah, Abdel, Nasiruddin).
func (t *qtoken) vowelForm() string {
	if i := int(t.article) - 1; i >= 0 && i < len(t.text) && t.text[i] == 'a' {
		return phoneticForm(t.text[:i] + t.text[i+1:])
	}
	return t.phon
}

// articleAndWord says whether an Arabic-script word and a Latin one are
// the article and a word that is not: علي (li, Ali) and the lh of الله
// have the article's one consonant, which makes no AL- of a Latin name
// theirs, nor the article an Ali.
func articleAndWord(q, n *qtoken) bool {
	a, l := q, n
	if !a.abjad {
		a, l = n, q
	}
	if !a.abjad || l.abjad {
		return false
	}
	switch l.text {
	case "al", "el", "ul", "il": // Harakat ul-Mujahideen
		return a.text != "al"
	}
	if a.text == "lh" {
		// The lh of الله written apart is Allah, no Ali, Lee or Valle.
		return !slices.Contains(allahWords[:], l.text)
	}
	return a.text == "al"
}

// pairable says whether a query word and a listed word may be compared
// at all, by any route (tokenSim, the loose pairs of an alignment): a
// title is no spelling of another name (Qari, Qadri; Haji, Hadi), though
// a query word that is no listed word may be a listed title misspelt (Hji
// for Haji); two countries are no spellings of one another (Iraq, Iran).
func pairable(q, n *qtoken) bool {
	if q.title != n.title && (q.title || q.listed) {
		return false
	}
	return q.syn == n.syn || !countrySets[q.syn] || !countrySets[n.syn]
}

// allahWords are the Latin spellings of Allah written apart (Sayf Allah).
var allahWords = [...]string{"allah", "ullah", "ollah", "illah", "alla", "ulla", "olla", "allahi"}

// titleWord says whether a word is a title (honorifics): it is compared
// only with titles. A word transliterated from Arabic script is no Latin
// title (عمر is "mr", Omar).
func titleWord(t *qtoken) bool {
	if t.abjad {
		return honorifics[t.text] && !latinTitles[t.text] || arabicScriptTitles[t.text]
	}
	return honorifics[t.text]
}

// allahSuffixes are the Latin endings of a name compounded with الله
// (Allah), longest first: Nasrullah, Habibollah, Abdallah, Fathillah,
// Nasrulla, Abdalla.
var allahSuffixes = [...]string{"ullah", "ollah", "allah", "illah", "ulla", "olla", "alla", "ulah", "olah"}

// allahCompoundSim compares a word of Arabic script compounded with الله
// and joined by abjadJoin (ولى الله: "wli al lh", joined "wliallh") with a
// Latin word ending in a rendering of -ullah (Waliullah): the words before
// the compound are compared. Their consonant keys cannot be: Allah's h is
// dropped as a ta marbuta would be and its l merges with a stem ending in
// l (Jalilullah), so the key of the whole is as short as "l" (Waliullah)
// or "jl", which countless other words share. 0 when not such a pair.
func allahCompoundSim(q, n *qtoken) float64 {
	a, l := q, n
	if !a.abjad {
		a, l = n, q
	}
	if !a.abjad || l.abjad || len(a.text) < 6 || !strings.HasSuffix(a.text, "allh") {
		return 0
	}
	for _, suf := range allahSuffixes {
		if len(l.text) < len(suf)+2 || !strings.HasSuffix(l.text, suf) {
			continue
		}
		as := newQToken(Token{Text: a.text[:len(a.text)-4], Abjad: true}, 1)
		ls := newQToken(Token{Text: l.text[:len(l.text)-len(suf)]}, 1)
		s, _ := tokenSim(&as, &ls)
		if s < minTokenSim {
			return 0
		}
		return min(s, abjadKeySim)
	}
	return 0
}

// keySim compares a token transliterated from Arabic script with a Latin
// one by their consonant keys (the vowels of the Latin spelling were never
// written in Arabic). A key of one consonant ("li": Ali, "mr": Omar) only
// counts between short words; a Latin word that carries the article
// joined ("Elsseid", "Alzubaidi") matches the Arabic word without it.
func keySim(q, n *qtoken) float64 {
	s := keySimOf(q, n)
	if s > glideClashSim && glideClash(q, n) {
		return glideClashSim
	}
	return s
}

// glideClashSim bounds the key similarity of words whose first letters
// clash (glideClash): near, never strong.
const glideClashSim = 0.85

// glideClash says whether an Arabic-script word that opens on a written
// glide, ya or waw (transliterated y, w), is compared with a Latin word
// that cannot open on it: ya is y, i or j (Younis, Iunus, Jusuf), waw is
// w, v, o or u (Walid, Vali, Oualid, Uways). The consonant key leaves
// glides out, so without this يونس (ywns, key "ns") is Evans or Anas.
func glideClash(q, n *qtoken) bool {
	a, l := q, n
	if !a.abjad {
		a, l = n, q
	}
	if !a.abjad || l.abjad || a.text == "" || l.text == "" {
		return false
	}
	switch a.text[0] {
	case 'y':
		return !strings.ContainsRune("yij", rune(l.text[0]))
	case 'w':
		return !strings.ContainsRune("wvou", rune(l.text[0]))
	}
	return false
}

func keySimOf(q, n *qtoken) float64 {
	qk, nk := q.keyOf(), n.keyOf()
	if len(qk) == 0 || len(nk) == 0 {
		return 0
	}
	if qk == nk || len(qk) == 1 && len(nk) == 1 && oneLetterVariant(q, n, qk, nk) {
		if len(qk) >= 2 {
			return abjadKeySim
		}
		// Short by sound: a doubled letter is one (عواد: Awwad).
		if len(q.phon) <= 4 && len(n.phon) <= 4 {
			return abjadKeySim - 0.02
		}
		// A glide written in Arabic script is in the Latin word a letter
		// longer: يحيى (yhia) is Yahya, with its long vowels and glides
		// in place (longVowelsAgree).
		a, l := q, n
		if !a.abjad {
			a, l = n, q
		}
		if a.abjad && !l.abjad && len(l.phon) <= 5 && len(l.phon) <= len(a.phon)+1 && longVowelsAgree(a.phon, l.phon) {
			return abjadKeySim - 0.02
		}
		return 0
	}
	if q.abjad && !n.abjad && hasVariantKey(q.akeyAlt, nk) || n.abjad && !q.abjad && hasVariantKey(n.akeyAlt, qk) {
		return abjadVariantSim
	}
	if len(qk) < 2 || len(nk) < 2 {
		return 0
	}
	if k := softCKey(n, q, qk); k != "" && k == qk {
		return abjadKeySim
	}
	if k := softCKey(q, n, nk); k != "" && k == nk {
		return abjadKeySim
	}
	// The Latin word carries the article joined (Alzubaidi: zbd); an
	// Arabic-script word's own l is no article (لبابيدي is no Abd).
	lk, ak := nk, qk
	if !q.abjad {
		lk, ak = qk, nk
	}
	if len(lk) > 2 && lk[0] == 'l' && lk[1:] == ak {
		return abjadKeySim - 0.02
	}
	return 0.9 * jaroWinkler(qk, nk)
}

// oneLetterVariant says whether an Arabic-script word of one consonant
// and a Latin word of one are the same in another rendering of it
// (abjadVariantLetters, which variant keys of two consonants or more
// cover): آقایی (aqai, key k) is Aghaei, as Persian says qaf. qk and nk
// are the words' keys.
func oneLetterVariant(q, n *qtoken, qk, nk string) bool {
	a, lk := q, nk
	if !a.abjad {
		a, lk = n, qk
	}
	if !a.abjad || q.abjad == n.abjad {
		return false
	}
	for _, v := range abjadVariantLetters {
		letter := string(v.mark - 'A' + 'a')
		if v.mark == 'T' || v.mark == 'D' {
			letter += "h" // th, dh: t and d are no variants
		}
		if strings.IndexByte(v.alts, lk[0]) >= 0 && strings.Contains(a.text, letter) {
			return true
		}
	}
	return false
}

// softCKey is the consonant key of Latin token t read with a c before e
// or i as s, as French transliterations write sin (Lounici: لونيسي), when
// compared with an Arabic-script token o whose key okey has an s; ""
// otherwise.
func softCKey(t, o *qtoken, okey string) string {
	if t.abjad || !o.abjad || strings.IndexByte(okey, 's') < 0 || !strings.Contains(t.text, "ce") && !strings.Contains(t.text, "ci") {
		return ""
	}
	b := []byte(t.text)
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 'c' && (b[i+1] == 'e' || b[i+1] == 'i') {
			b[i] = 's'
		}
	}
	return consonantKey(phoneticForm(string(b)))
}

// abjadKeySim is the similarity of an Arabic-script word and a Latin word
// with the same consonants.
const abjadKeySim = 0.96

// abjadVariantSim is that of an Arabic-script word and a Latin word with
// the consonants of another rendering of its letters (abjadVariantKeys).
const abjadVariantSim = 0.95

// TokenPair is one aligned pair of a query token and a name token.
type TokenPair struct {
	Query      string  `json:"query"`
	Name       string  `json:"name"`
	Similarity float64 `json:"similarity"`
	How        string  `json:"how"`
}

// NameScore is the explained outcome of comparing a query name with one
// listed name.
type NameScore struct {
	Score          float64     `json:"score"`
	QueryCoverage  float64     `json:"queryCoverage"` // weighted share of query tokens matched
	NameCoverage   float64     `json:"nameCoverage"`  // weighted share of listed-name tokens matched
	Pairs          []TokenPair `json:"pairs"`
	UnmatchedQuery []string    `json:"unmatchedQuery,omitempty"`
	UnmatchedName  []string    `json:"unmatchedName,omitempty"`
}

// nameQueryWeight is the weight of query coverage against name coverage:
// extra query words are a little worse than missing listed words, since
// listed names often carry extra middle names and tribal names.
const nameQueryWeight = 0.55

// legalFormWeight is the weight of a legal form matched on both sides; one
// on a single side weighs nothing ("Siemens" is "Siemens AG").
const legalFormWeight = 0.1

// maxTok bounds the tokens compared per name (longer names are cut).
const maxTok = 16

type alignedPair struct {
	qi, nj uint8
	sim    float64
}

// knownPairs is what a query already knows of its token pairs: for each
// query token the listed tokens candidate generation found similar
// (similarVocab), and a memo of the pairs compared since, which recur
// across the candidate names of one query.
type knownPairs struct {
	sims [][]vocabSim
	// found, when not nil, holds sims by listed token (knownSims.build).
	found *knownSims
	memo  *pairMemo
	// joins memoises the consonant keys of the joins abjadJoin tries
	// on the query's words, the same for every candidate name.
	joins *joinMemo
	// split is splitJoined of the query, computed once (splitDone).
	split     []qtoken
	hasSplit  bool
	splitDone bool
}

// joinMemo holds, for one reading of a query, the joined texts
// mergeAdjacent tries at each query position, the same for every
// candidate name: in abjadJoin's four ways (a word, the article and the
// next word; a word and the word after the article; a word and the
// article; a word and the next), a word and الله (allahJoin), three
// particles, and two words (joinMatches), each with its consonant keys
// and as a token, worked out on first use. Valid while gen is the memo's.
type joinMemo struct {
	gen  uint32
	slot [maxTok * joinWays]joinEntry
	// base is the memo key (qtoken.mkey) of the reading's joined words
	// (joinedMemoKey), 0 when they are not memoised.
	base uint16
	// cache, when not nil, is the query's: the keys of a joined text, the
	// same in every reading, are worked out once (vocabCache.joinKeys).
	cache *vocabCache
	// memo, when not nil, keeps joinMatches' answer for each listed word.
	memo *pairMemo
}

// The ways of joining query words at one position (joinMemo.slot), after
// abjadJoin's four (0 to 3).
const (
	joinWayAllah     = 4 // a word and الله (allahJoin)
	joinWayParticles = 5 // three words, the first two particles ("van der bilt")
	joinWayTwo       = 6 // two words (joinMatches)
	// joinWayTwoAnswer keys in the pair memo joinMatches' answer for a
	// listed word, not a joined word.
	joinWayTwoAnswer = 7
)

type joinEntry struct {
	gen             uint32
	text, key, alts string
	keyed           bool   // key and alts are worked out
	tokened         bool   // tok is made
	tok             qtoken // text as a token of weight 1 (newQToken)
}

func (m *joinMemo) next() {
	m.gen++
	if m.gen == 0 {
		clear(m.slot[:])
		m.gen = 1
	}
}

// entry returns the join of the texts at query position i, way w. With
// no memo (the words joined are a listed name's) it is made in spare, when
// not nil: a caller's own variable, not allocated per candidate name.
func (m *joinMemo) entry(i, w int, text func() string, spare *joinEntry) *joinEntry {
	if m == nil || i >= maxTok {
		if spare == nil {
			spare = new(joinEntry)
		}
		*spare = joinEntry{text: text()}
		return spare
	}
	p := &m.slot[i*joinWays+w]
	if p.gen != m.gen {
		*p = joinEntry{gen: m.gen, text: text()}
	}
	return p
}

// keys returns the consonant key and the variant keys of e's text,
// worked out on first use.
func (m *joinMemo) keys(e *joinEntry) (key, alts string) {
	if !e.keyed {
		var c *vocabCache
		if m != nil {
			c = m.cache
		}
		e.key, e.alts = c.joinKeys(e.text)
		e.keyed = true
	}
	return e.key, e.alts
}

// token returns e's text as a token of weight 1, made on first use.
func (e *joinEntry) token(abjad bool) qtoken {
	if !e.tokened {
		e.tok = newQToken(Token{Text: e.text, Abjad: abjad}, 1)
		e.tokened = true
	}
	return e.tok
}

// pairMemoSize is the number of slots of a pairMemo (a power of two).
const (
	pairMemoBits = 11
	pairMemoSize = 1 << pairMemoBits
)

// pairMemo is an open-addressing table of (query token, vocabulary id)
// similarities, valid for one query: a slot counts only when its
// generation is the memo's, so a new query clears it by counting on.
type pairMemo struct {
	gen   uint32
	key   [pairMemoSize]uint64
	slotG [pairMemoSize]uint32
	sim   [pairMemoSize]float64
}

func (m *pairMemo) next() {
	m.gen++
	if m.gen == 0 {
		clear(m.slotG[:])
		m.gen = 1
	}
}

// memoKey identifies a pair: query word q (its mkey) and listed token n
// (its vocabulary id, and whether its name is in Arabic script, which
// tokenSim reads).
func memoKey(mkey uint16, n *qtoken) uint64 {
	k := uint64(mkey)<<33 | uint64(uint32(n.id))
	if n.abjad {
		k |= 1 << 32
	}
	return k
}

// Memo keys (qtoken.mkey). tokenSim reads only the text of a query word
// and whether it is from Arabic script, so the pairs of a word keep their
// similarity across the candidate names, across the alignments
// compareNames tries (the words it joins and splits included) and across
// the readings of a name. The words of a query are keyed 1 to
// maxWordMemoKeys (their place in the query, or in its vocabCache, which
// the readings share); the words each reading joins or splits, which
// differ from one reading to the next, from joinedMemoBase(reading):
// by their place and the way they were joined (joinWays), the halves of
// split words after them (splitMemoWays).
const (
	maxWordMemoKeys = 255
	joinWays        = 8
	splitMemoWays   = maxTok * joinWays
)

// wordMemoKey is the memo key of the query word at place i (in the query
// or in its vocabCache), 0 (not memoised) beyond maxWordMemoKeys.
func wordMemoKey(i int) uint16 {
	if i >= maxWordMemoKeys {
		return 0
	}
	return uint16(i + 1)
}

// joinedMemoBase is the first memo key of the words joined or split in
// the given reading of a query, 0 (not memoised) when keys run out.
func joinedMemoBase(reading int) uint16 {
	const span = splitMemoWays + 2*maxTok
	if reading >= (1<<16-(maxWordMemoKeys+1))/span-1 {
		return 0
	}
	return uint16(maxWordMemoKeys + 1 + reading*span)
}

// joinedMemoKey is the memo key of the word joined at query place i in
// the given way (one of joinWays), 0 when joins has no keys.
func (m *joinMemo) joinedMemoKey(i, way int) uint16 {
	if m == nil || m.base == 0 || i >= maxTok {
		return 0
	}
	return m.base + uint16(i*joinWays+way)
}

// get returns the memoised similarity of key k, or the slot to store it in.
func (m *pairMemo) get(k uint64) (float64, int, bool) {
	h := int((k * 0x9E3779B97F4A7C15) >> (64 - pairMemoBits)) // top bits
	for probe := 0; probe < 8; probe++ {
		slot := (h + probe) & (pairMemoSize - 1)
		if m.slotG[slot] != m.gen {
			return 0, slot, false
		}
		if m.key[slot] == k {
			return m.sim[slot], -1, true
		}
	}
	return 0, -1, false // full around here: compute without memoising
}

func (m *pairMemo) put(slot int, k uint64, sim float64) {
	if slot >= 0 {
		m.key[slot], m.slotG[slot], m.sim[slot] = k, m.gen, sim
	}
}

// knownSims is known.sims by listed token: for each listed token of a
// query word's sims (not a half), the query words it is similar to and
// the similarity each has first in its sims. alignTokens looks a listed
// token up once, not once per query word in each word's sims. Valid while
// gen is the table's.
type knownSims struct {
	gen  uint32
	slot [knownSimSlots]struct {
		gen uint32
		id  uint32
		row uint16
	}
	rows []knownRow
	full bool // a listed token found no slot: the table answers nothing
}

// knownRow is the similarity of one listed token to each query word
// whose sims have it (mask).
type knownRow struct {
	mask uint32
	sim  [maxTok]float64
}

// knownSimSlots is the size of knownSims' table (a power of two), well
// beyond the listed tokens of a query's sims (maxSimilarVocab and a few
// per word).
const knownSimSlots = 2048

// build fills the table from the sims of each query word.
func (t *knownSims) build(sims [][]vocabSim) {
	t.gen++
	if t.gen == 0 {
		clear(t.slot[:])
		t.gen = 1
	}
	t.rows, t.full = t.rows[:0], false
	for i, ss := range sims {
		for _, vs := range ss {
			if vs.half {
				continue
			}
			r := t.row(vs.id, true)
			if r == nil {
				t.full = true
				return
			}
			if r.mask&(1<<i) == 0 {
				r.mask |= 1 << i
				r.sim[i] = vs.sim
			}
		}
	}
}

// row returns the row of listed token id, added when add is set, or nil.
func (t *knownSims) row(id uint32, add bool) *knownRow {
	h := int((uint64(id) * 0x9E3779B97F4A7C15) >> 53) // top 11 bits
	for probe := 0; probe < knownSimSlots; probe++ {
		p := &t.slot[(h+probe)&(knownSimSlots-1)]
		if p.gen != t.gen {
			if !add {
				return nil
			}
			p.gen, p.id, p.row = t.gen, id, uint16(len(t.rows))
			t.rows = append(t.rows, knownRow{})
			return &t.rows[p.row]
		}
		if p.id == id {
			return &t.rows[p.row]
		}
	}
	return nil
}

// pairSim is tokenSim, answered from the candidate-generation results when
// they cover the pair (known.sims; not for the joined and split words of
// the other alignments compareNames tries, which only read the memo).
// row, when not nil, is n's row of known.found (alignTokens).
func pairSim(q, n *qtoken, i int, known *knownPairs, row *knownRow) float64 {
	if known == nil {
		s, _ := tokenSim(q, n)
		return s
	}
	if known.sims != nil && n.id >= 0 && !q.joined && len(q.text) >= 2 && len(n.text) >= 2 {
		if known.found != nil {
			if row != nil && row.mask&(1<<i) != 0 {
				return row.sim[i]
			}
		} else {
			for _, vs := range known.sims[i] {
				if vs.id == uint32(n.id) && !vs.half {
					return vs.sim
				}
			}
		}
		// Not found by candidate generation (two typos in one short
		// token, a transliteration variant): compare directly when
		// lengths allow a match at all.
		if d := len(q.text) - len(n.text); (d > 3 || d < -3) && !q.abjad && !n.abjad {
			return 0
		}
	}
	return known.memoSim(q, n)
}

// memoSim is tokenSim, memoised for the query's words and listed words.
func (known *knownPairs) memoSim(q, n *qtoken) float64 {
	if known.memo == nil || q.mkey == 0 || n.id < 0 {
		s, _ := tokenSim(q, n)
		return s
	}
	k := memoKey(q.mkey, n)
	s, slot, ok := known.memo.get(k)
	if !ok {
		s, _ = tokenSim(q, n)
		known.memo.put(slot, k, s)
	}
	return s
}

// alignment is the allocation-free result of aligning two token lists.
// It is turned into a NameScore only for the matches that are returned.
type alignment struct {
	q, n         []qtoken
	pairs        [maxTok]alignedPair
	npairs       int
	qUsed, nUsed [maxTok]bool
	score        float64
	qc, nc       float64
	// strong: every significant query token (not an initial, not a very
	// common word) is matched with at least strongTokenSim.
	strong bool
	// qWords counts the query tokens that are not initials.
	qWords int
	// bestSim is the similarity of the best pair.
	bestSim float64
}

// strongTokenSim is the token similarity that accounts for a query word:
// the same word, a transliteration variant, or one typo in a word of five
// letters or more.
const strongTokenSim = 0.88

// compareNames aligns query tokens to name tokens order-insensitively and
// scores the alignment. Joined/split tokens are tried as variants and the
// best variant wins.
//
// known, when not nil, holds for each query token the listed tokens already
// found similar to it during candidate generation: a listed token absent
// from it is below minTokenSim, which saves recomputing Jaro-Winkler.
func compareNames(q, n []qtoken, known *knownPairs) alignment {
	if len(q) > maxTok {
		q = q[:maxTok]
	}
	if len(n) > maxTok {
		n = n[:maxTok]
	}
	best := alignTokens(q, n, known)
	if best.score >= 0.999 {
		return best
	}
	if m, ok := mergeAdjacent(n, q, nil); ok {
		if a := alignTokens(q, m, known); a.score > best.score {
			best = a
		}
	}
	var joins *joinMemo
	// The joined and split query words are compared with the listed
	// words through the memo only.
	var memoOnly *knownPairs
	if known != nil {
		joins = known.joins
		memoOnly = &knownPairs{memo: known.memo}
	}
	if m, ok := mergeAdjacent(q, n, joins); ok {
		if a := alignTokens(m, n, memoOnly); a.score > best.score {
			best = a
		}
	}
	m, ok := []qtoken(nil), false
	if known != nil && known.splitDone {
		m, ok = known.split, known.hasSplit
	} else {
		m, ok = splitJoined(q)
	}
	if ok {
		if a := alignTokens(m, n, memoOnly); a.score > best.score {
			best = a
		}
	}
	return best
}

// splitJoined replaces the query tokens that are two listed tokens joined
// ("vladimirputin") by their halves. It allocates only when one applies.
func splitJoined(q []qtoken) ([]qtoken, bool) {
	var out []qtoken
	for i := range q {
		if q[i].split == 0 {
			if out != nil {
				out = append(out, q[i])
			}
			continue
		}
		if out == nil {
			out = append(make([]qtoken, 0, len(q)+1), q[:i]...)
		}
		k := int(q[i].split)
		for _, h := range [2]string{q[i].text[:k], q[i].text[k:]} {
			t := newQToken(Token{Text: h, Abjad: q[i].abjad}, q[i].weight)
			t.joined = true
			out = append(out, t)
		}
	}
	if len(out) > maxTok {
		out = out[:maxTok]
	}
	return out, out != nil
}

// mergeAdjacent joins adjacent tokens of a whose concatenation matches a
// token of b ("abdul rahman" -> "abdulrahman"). It allocates only when a
// merge applies. joins, when a is the query, memoises abjadJoin's keys.
func mergeAdjacent(a, b []qtoken, joins *joinMemo) ([]qtoken, bool) {
	var out []qtoken
	for i := 0; i < len(a); i++ {
		if n, t, ok := abjadJoin(a, i, b, joins); ok {
			if out == nil {
				out = append(make([]qtoken, 0, len(a)), a[:i]...)
			}
			out = append(out, t)
			i += n - 1
			continue
		}
		if i+2 < len(a) && len(a[i].text) <= 3 && len(a[i+1].text) <= 3 {
			if t, ok := joinParticles(a, i, b, joins); ok {
				// Particles written apart: "van der bilt" is "vanderbilt".
				if out == nil {
					out = append(make([]qtoken, 0, len(a)), a[:i]...)
				}
				out = append(out, t)
				i += 2
				continue
			}
		}
		if i+1 < len(a) && joinMatches(a, i, b, joins) {
			if out == nil {
				out = append(make([]qtoken, 0, len(a)), a[:i]...)
			}
			w := min(1, a[i].weight+a[i+1].weight)
			var t qtoken
			if joins != nil {
				t = joins.entry(i, joinWayTwo, func() string { return a[i].text + a[i+1].text }, nil).token(a[i].abjad)
				t.weight = w
			} else {
				t = newQToken(Token{Text: a[i].text + a[i+1].text, Abjad: a[i].abjad}, w)
			}
			t.joined = true
			t.mkey = joins.joinedMemoKey(i, joinWayTwo)
			out = append(out, t)
			i++
			continue
		}
		if out != nil {
			out = append(out, a[i])
		}
	}
	return out, out != nil
}

// abjadJoin joins, in a name from Arabic script, a word and the article
// and word after it ("عبد الله": bd al lh) when their consonants are those
// of one Latin word ("Abdallah", "Noureddine" with the article's l
// assimilated), or two words that are one Latin word ("Abubakr").
func abjadJoin(a []qtoken, i int, b []qtoken, joins *joinMemo) (int, qtoken, bool) {
	if !a[i].abjad || i+1 >= len(a) {
		return 0, qtoken{}, false
	}
	try := func(way int, text func() string, n int) (int, qtoken, bool) {
		var spare joinEntry
		e := joins.entry(i, way, text, &spare)
		k, alts := joins.keys(e)
		if len(k) < 3 {
			return 0, qtoken{}, false
		}
		// A join with the consonants of its last word alone, met by a
		// Latin word that opens as that word does, is that word: يحيى
		// الحاكم joined makes "hkm", as the h of yhia meets the h of
		// hakm, and Hakim is hakm (Abubakr, opening on the a of abu, is
		// abu bkr joined).
		last := &a[i+n-1]
		lastKey := last.keyOf()
		for j := range b {
			if k == lastKey && b[j].text != "" && b[j].text[0] == last.text[0] {
				continue
			}
			if !b[j].abjad && (b[j].keyOf() == k || hasVariantKey(alts, b[j].keyOf())) {
				w := 0.0
				for _, t := range a[i : i+n] {
					w += t.weight
				}
				t := e.token(true)
				t.weight = min(1, w)
				t.joined = true
				t.mkey = joins.joinedMemoKey(i, way)
				return n, t, true
			}
		}
		return 0, qtoken{}, false
	}
	if i+2 < len(a) && a[i+1].text == "al" {
		for way, text := range [2]func() string{
			func() string { return a[i].text + "al" + a[i+2].text },
			func() string { return a[i].text + a[i+2].text },
		} {
			if n, t, ok := try(way, text, 3); ok {
				t.keyNames = a[i+2].compoundNames
				if way == 0 {
					t.article = uint8(min(255, len(a[i].text)+1))
				}
				return n, t, ok
			}
		}
		if a[i+2].text == "lh" && len(a[i].text) >= 2 {
			// A word and الله: Waliullah, whose key is too short to try.
			if t, ok := allahJoin(a, i, b, joins); ok {
				t.mkey = joins.joinedMemoKey(i, joinWayAllah)
				return 3, t, true
			}
		}
	}
	if a[i+1].text == "al" {
		// The article joined to the word before it: عبد ال is "Abdul",
		// "Abdel".
		return try(2, func() string { return a[i].text + "al" }, 2)
	}
	// Two words that are one Latin word (قاسم زاده: Ghasemzadeh, ولی جان:
	// Walijan): the compound is as rare as the listed words with its
	// consonants (abjadCompoundVocab counted them on its last word).
	n, t, ok := try(3, func() string { return a[i].text + a[i+1].text }, 2)
	if ok {
		t.keyNames = a[i+1].compoundNames
	}
	return n, t, ok
}

// allahJoin joins a[i] and the الله after it ("wli al lh") when the
// compound is a Latin word of b (allahCompoundSim).
func allahJoin(a []qtoken, i int, b []qtoken, joins *joinMemo) (qtoken, bool) {
	var spare joinEntry
	t := joins.entry(i, joinWayAllah, func() string { return a[i].text + "allh" }, &spare).token(true)
	t.weight = min(1, a[i].weight+a[i+1].weight+a[i+2].weight)
	for j := range b {
		if allahCompoundSim(&t, &b[j]) >= minTokenSim+0.1 {
			t.joined = true
			t.keyNames = a[i+2].compoundNames
			return t, true
		}
	}
	return qtoken{}, false
}

func hasToken(b []qtoken, t string) bool {
	for j := range b {
		if b[j].text == t {
			return true
		}
	}
	return false
}

// joinParticles joins a[i], a[i+1] and a[i+2] when the three are a token
// of b ("van der bilt": "vanderbilt").
//
// The three are joined for the test in a buffer of the stack, and kept
// (joins) only when they are one.
func joinParticles(a []qtoken, i int, b []qtoken, joins *joinMemo) (qtoken, bool) {
	if !hasToken(b, a[i].text+a[i+1].text+a[i+2].text) {
		return qtoken{}, false
	}
	var t qtoken
	if joins != nil {
		t = joins.entry(i, joinWayParticles, func() string { return a[i].text + a[i+1].text + a[i+2].text }, nil).token(a[i].abjad)
	} else {
		t = newQToken(Token{Text: a[i].text + a[i+1].text + a[i+2].text, Abjad: a[i].abjad}, 1)
	}
	t.weight = min(1, a[i].weight+a[i+1].weight+a[i+2].weight)
	t.joined = true
	t.mkey = joins.joinedMemoKey(i, joinWayParticles)
	return t, true
}

// joinMatches reports whether a[i]+a[i+1] is (nearly) one of the tokens of
// b. joins, when a is the query, keeps the answer for each listed token.
func joinMatches(a []qtoken, i int, b []qtoken, joins *joinMemo) bool {
	xt, yt := &a[i], &a[i+1]
	if len(xt.text) < 2 || len(yt.text) < 2 {
		return false
	}
	mk := joins.joinedMemoKey(i, joinWayTwoAnswer)
	if joins == nil || joins.memo == nil {
		mk = 0
	}
	x, y := xt.text, yt.text
	l := len(x) + len(y)
	var xyKey lazyKey
	for j := range b {
		if b[j].abjad {
			if abjadJoinMatches(xt, yt, &b[j], &xyKey) {
				return true
			}
			continue
		}
		t := b[j].text
		if len(t) < l-2 || len(t) > l+2 || t[0] != x[0] {
			continue
		}
		if mk == 0 || b[j].id < 0 {
			if joinSpells(x, y, t) {
				return true
			}
			continue
		}
		k := memoKey(mk, &b[j])
		v, slot, ok := joins.memo.get(k)
		if !ok {
			v = 0
			if joinSpells(x, y, t) {
				v = 1
			}
			joins.memo.put(slot, k, v)
		}
		if v == 1 {
			return true
		}
	}
	return false
}

// joinSpells reports whether x+y is (nearly) t, a word of about their
// length with their first letter.
func joinSpells(x, y, t string) bool {
	// One part already matching the token on its own is not a join
	// ("hussein al" must not absorb "al" into "husseinal").
	if jaroWinkler(x, t) >= minTokenSim+0.1 || jaroWinkler(y, t) >= minTokenSim+0.1 {
		return false
	}
	l := len(x) + len(y)
	if len(t) == l && t[:len(x)] == x && t[len(x):] == y {
		return true
	}
	return jaroWinkler(x+y, t) >= 0.92
}

// abjadJoinMatches reports whether two Latin words are one word written
// in Arabic script (بنحسين: Ben Hassine, خدايرحيم: Khudai Rahim): the
// consonants of the two are those of the word, and neither alone has them.
// xyKey is the consonant key of the two words, worked out at the first
// word t it is compared with and kept for the others.
func abjadJoinMatches(x, y *qtoken, t *qtoken, xyKey *lazyKey) bool {
	if len(t.akey) < 3 {
		return false
	}
	kx, ky := x.plainKey(), y.plainKey()
	if len(kx) < 1 || len(ky) < 2 || kx == t.akey || ky == t.akey || !strings.HasPrefix(t.akey, kx[:1]) {
		return false
	}
	if !xyKey.done {
		xyKey.key, xyKey.done = consonantKey(phoneticForm(x.text+y.text)), true
	}
	k := xyKey.key
	return k == t.akey || hasVariantKey(t.akeyAlt, k)
}

// lazyKey is a consonant key worked out when first needed.
type lazyKey struct {
	key  string
	done bool
}

// alignTokens greedily assigns each query token to its most similar free
// name token (best pairs first), then computes weighted coverages. Missing
// middle names of the listed name count half; matched initials count half.
func alignTokens(q, n []qtoken, known *knownPairs) alignment {
	a := alignment{q: q, n: n}
	var sims [maxTok][maxTok]float64
	for j := range n {
		var row *knownRow
		if known != nil && known.found != nil && n[j].id >= 0 {
			row = known.found.row(uint32(n[j].id), false)
		}
		for i := range q {
			sims[i][j] = pairSim(&q[i], &n[j], i, known, row)
		}
	}
	var qSim, nSim [maxTok]float64
	for {
		bi, bj, bs := -1, -1, minTokenSim
		for i := range q {
			if a.qUsed[i] {
				continue
			}
			for j := range n {
				if !a.nUsed[j] && sims[i][j] >= bs && (bi < 0 || sims[i][j] > bs) {
					bi, bj, bs = i, j, sims[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		a.qUsed[bi], a.nUsed[bj] = true, true
		qSim[bi], nSim[bj] = bs, bs
		a.pairs[a.npairs] = alignedPair{uint8(bi), uint8(bj), bs}
		a.npairs++
	}
	if a.npairs == 0 {
		return a
	}
	a.loosePairs(&qSim, &nSim)
	a.soleDifference(&qSim, &nSim)
	var qMatched, qTotal, nMatched, nTotal float64
	// The English words of a translated reading that meet nothing, and
	// the listed joining words that meet nothing, weigh less
	// (PreparedReading.Translated); its transliterated words and the listed
	// content words count in full.
	miss := 1.0
	if slices.ContainsFunc(q, func(t qtoken) bool { return t.translated }) {
		miss = translatedMissWeight
	}
	a.strong = true
	for _, p := range a.pairs[:a.npairs] {
		a.bestSim = max(a.bestSim, p.sim)
	}
	for i := range q {
		if len(q[i].text) > 1 && !q[i].legal {
			a.qWords++
			if q[i].weight >= lowWeight && qSim[i] < strongTokenSim {
				a.strong = false
			}
		}
		w := legalWeight(&q[i], qSim[i])
		if qSim[i] > 0 && len(q[i].text) == 1 {
			w *= 0.5 // an initial says little
		}
		if qSim[i] == 0 && q[i].abjad && q[i].text == "al" {
			w = 0 // Latin spellings drop the article at will (al-Harzi: Harzi)
		}
		if qSim[i] == 0 && !q[i].abjad {
			w *= miss // an English word (englishTokens), not a name's
		}
		qTotal += w
		qMatched += w * qSim[i]
	}
	for j := range n {
		w := legalWeight(&n[j], nSim[j])
		if !a.nUsed[j] && j > 0 && j < len(n)-1 {
			w *= 0.5 // missing middle name
		}
		if nSim[j] == 0 && functionWords[n[j].text] {
			w *= miss
		}
		nTotal += w
		nMatched += w * nSim[j]
	}
	if qTotal == 0 || nTotal == 0 {
		return a
	}
	a.qc, a.nc = qMatched/qTotal, nMatched/nTotal
	a.score = round3(nameQueryWeight*a.qc + (1-nameQueryWeight)*a.nc)
	return a
}

// functionWords join the words of an organisation's name; a translation
// has them or not as its language wants (الفرقة الأولى في الجيش: First
// Division of the Army).
var functionWords = map[string]bool{"of": true, "the": true, "for": true, "and": true, "in": true}

// translatedMissWeight scales the weight of the words left unmatched by a
// translated reading.
const translatedMissWeight = 0.5

// looseTokenSim bounds the similarity of a word with two typos (or three
// in a long word): it counts in coverage, never as a strongly matched word.
const looseTokenSim = 0.76

// soleTypoSim is the similarity of the one word that differs between two
// names otherwise the same, two edits apart (soleDifference).
const soleTypoSim = 0.84

// looseShortSim is that of two typos in a short word of a two-word name.
const looseShortSim = 0.6

// loosePairs pairs the words left over by the alignment when they are two
// edits apart (three in words of nine letters or more) with the same first
// letter, in short words only within names of three words or more: two typos in one short word ("sgon" for "song") are beyond
// tokenSim's bound, yet beside the rest of a name matched they say more
// than nothing.
func (a *alignment) loosePairs(qSim, nSim *[maxTok]float64) {
	words := 0
	for i := range a.q {
		if len(a.q[i].text) > 1 && !a.q[i].legal {
			words++
		}
	}
	a.looseAbjadPair(qSim, nSim)
	for i := range a.q {
		q := &a.q[i]
		if a.qUsed[i] || len(q.text) < 4 || q.legal || q.abjad {
			continue
		}
		bj, bs := -1, 0.0
		for j := range a.n {
			n := &a.n[j]
			if a.nUsed[j] || len(n.text) < 4 || n.legal || n.text[0] != q.text[0] || !pairable(q, n) {
				continue
			}
			l := max(len(q.text), len(n.text))
			limit := looseTokenSim
			if l <= 5 && words < 3 {
				// Two typos in a short word of a two-word name: "Wolf"
				// and "Wood" may be other names; alone they stay below
				// review, an agreeing birth date lifts them.
				limit = looseShortSim
			}
			allowed := 2
			if l >= 9 {
				allowed = 3
			}
			if d := damerauDistance(q.text, n.text, allowed); d <= allowed {
				if s := min(limit, 1-0.6*float64(d)/float64(l)); s > bs {
					bj, bs = j, s
				}
			}
		}
		if bj < 0 || a.npairs == maxTok {
			continue
		}
		a.qUsed[i], a.nUsed[bj] = true, true
		qSim[i], nSim[bj] = bs, bs
		a.pairs[a.npairs] = alignedPair{uint8(i), uint8(bj), bs}
		a.npairs++
	}
}

// looseAbjadPair pairs, in a long name from Arabic script whose other
// words are matched strongly, a word left over with a listed word left over
// whose consonants are one away from its own (هاشم, hshm, and Hishan,
// hshn: a misreading or a list's other spelling). It counts in coverage,
// never as a strong match (looseTokenSim); two-word and three-word names,
// where one word more or less is another person, are left alone.
func (a *alignment) looseAbjadPair(qSim, nSim *[maxTok]float64) {
	words := 0
	for i := range a.q {
		if a.q[i].abjad && len(a.q[i].akey) > 0 && a.q[i].text != "al" && !a.q[i].legal {
			words++
		}
	}
	if words < 4 || a.npairs == maxTok {
		return
	}
	strong := 0
	for _, p := range a.pairs[:a.npairs] {
		if p.sim >= strongTokenSim && a.q[p.qi].text != "al" {
			strong++
		}
	}
	if strong < 3 {
		return
	}
	for i := range a.q {
		q := &a.q[i]
		if a.qUsed[i] || !q.abjad || len(q.akey) < 3 || q.text == "al" {
			continue
		}
		for j := range a.n {
			n := &a.n[j]
			if a.nUsed[j] || n.abjad || n.legal || !pairable(q, n) {
				continue
			}
			nk := n.keyOf()
			if len(nk) < 3 || nk[0] != q.akey[0] || damerauDistance(q.akey, nk, 1) > 1 {
				continue
			}
			a.qUsed[i], a.nUsed[j] = true, true
			qSim[i], nSim[j] = looseTokenSim, looseTokenSim
			a.pairs[a.npairs] = alignedPair{uint8(i), uint8(j), looseTokenSim}
			a.npairs++
			return // one word only
		}
	}
}

// soleDifference lifts the one pair of words that differ when every other
// word of both names is the same and nothing is left over: two edits in
// one word ("Mikbv Lee" for "Mike Lee") are then a misspelling, unless the
// query word is a listed word itself, a name of its own ("Wolf" is not
// "Wood").
func (a *alignment) soleDifference(qSim, nSim *[maxTok]float64) {
	k := -1
	for x, p := range a.pairs[:a.npairs] {
		if p.sim >= 0.95 {
			continue
		}
		if k >= 0 {
			return
		}
		k = x
	}
	if k < 0 || a.npairs < 1 {
		return
	}
	for i := range a.q {
		if !a.qUsed[i] && len(a.q[i].text) > 1 && !a.q[i].legal {
			return
		}
	}
	for j := range a.n {
		if !a.nUsed[j] && len(a.n[j].text) > 1 && !a.n[j].legal {
			return
		}
	}
	p := &a.pairs[k]
	q, n := &a.q[p.qi], &a.n[p.nj]
	if p.sim >= soleTypoSim || q.listed || q.abjad || q.legal || len(q.text) < 4 || len(n.text) < 4 || q.text[0] != n.text[0] || !pairable(q, n) {
		return
	}
	allowed := 2
	if max(len(q.text), len(n.text)) >= 9 {
		allowed = 3
	}
	if damerauDistance(q.text, n.text, allowed) > allowed {
		return
	}
	p.sim = soleTypoSim
	qSim[p.qi], nSim[p.nj] = p.sim, p.sim
}

// legalWeight is a token's weight in coverage: legal forms weigh little
// when matched and nothing when not.
func legalWeight(t *qtoken, sim float64) float64 {
	if !t.legal {
		return t.weight
	}
	if sim > 0 {
		return legalFormWeight
	}
	return 0
}

// explain turns the alignment into its reported form.
func (a *alignment) explain() NameScore {
	ns := NameScore{Score: a.score, QueryCoverage: round3(a.qc), NameCoverage: round3(a.nc)}
	for _, p := range a.pairs[:a.npairs] {
		_, how := tokenSim(&a.q[p.qi], &a.n[p.nj])
		if a.q[p.qi].joined || a.n[p.nj].joined {
			how = matchJoined
		} else if p.sim == 0.95 && how != matchPhonetic && how != matchExact {
			how = matchJoined // a listed half of a joined query token
		}
		ns.Pairs = append(ns.Pairs, TokenPair{Query: a.q[p.qi].text, Name: a.n[p.nj].text, Similarity: round3(p.sim), How: how.String()})
	}
	for i := range a.q {
		if !a.qUsed[i] {
			ns.UnmatchedQuery = append(ns.UnmatchedQuery, a.q[i].text)
		}
	}
	for j := range a.n {
		if !a.nUsed[j] {
			ns.UnmatchedName = append(ns.UnmatchedName, a.n[j].text)
		}
	}
	return ns
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}
