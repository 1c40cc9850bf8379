package screening

import (
	"slices"
	"sort"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// scored is a candidate entity with its best-scoring name.
type scored struct {
	entity, name uint32
	final        float64
	comp         components
	align        alignment
	dobGrade     DOBAgreement
	dobIdx       int
	ctyGrade     CountryAgreement
	ctyListed    string
	typeGrade    TypeAgreement
	typeInferred bool // the query's type was read from its legal form
}

// getScratch takes per-query working memory from a bounded free list
// (not a sync.Pool: the pool is emptied at every GC, and re-allocating
// index-sized tables then shows up in tail latency).
func (ix *Index) getScratch() *scratch {
	select {
	case s := <-ix.free:
		return s
	default:
		return newScratch(len(ix.nameEnt), len(ix.vocab))
	}
}

func (ix *Index) putScratch(s *scratch) {
	s.reset()
	select {
	case ix.free <- s:
	default:
	}
}

// Screen screens one name. It never scans all entities: candidates come
// from the inverted index and at most maxCandidates names are scored.
// Screen is safe for concurrent use.
func (ix *Index) Screen(q Query, opt Options) Result {
	return ix.ScreenPrepared(Prepare(q), opt)
}

// Prepared is a query whose name went through PrepareName and whose qualifiers are
// parsed: the part of screening that depends on the query alone. A caller that screens
// the same people again and again (monitoring's delta runs) keeps it instead of the
// name. It holds personal data as much as the query does.
type Prepared struct {
	Tokens []Token `json:"t"`
	// Alt are other readings of the name, screened beside Tokens (Readings):
	// a name written in two scripts read in each, an Arabic-script
	// organisation name with its glossary words in English or read in
	// construct. Empty for most names.
	Alt       []PreparedReading `json:"a,omitempty"`
	DOB       sanctions.Date    `json:"d,omitzero"`
	Countries []string          `json:"c,omitempty"`
	// Query keeps the type and the kinds of list (Name and DOB are not needed again).
	Query Query `json:"q"`
}

// namesCompany says whether the name, in one of its readings, has a
// company's legal form: a person of the same name is then the wrong type.
// It is derived from the tokens each time, not kept: monitoring keeps
// Prepared queries for weeks.
func (p *Prepared) namesCompany() bool {
	if namesCompany(p.Tokens) {
		return true
	}
	for _, r := range p.Alt {
		if namesCompany(r.Tokens) {
			return true
		}
	}
	return false
}

// Prepare prepares q for ScreenPrepared.
func Prepare(q Query) Prepared {
	p := Prepared{Tokens: PrepareName(q.Name, q.Type), Countries: queryCountries(q), Query: q}
	for _, r := range Readings(q.Name, q.Type) {
		toks := PrepareName(r.Name, q.Type)
		if r.Translated {
			englishTokens(toks)
		}
		p.Alt = append(p.Alt, PreparedReading{Tokens: toks, Quality: r.Quality, Organisation: r.Organisation,
			Translated: r.Translated && r.Organisation})
	}
	p.DOB, _ = ParseQueryDate(q.DOB)
	p.Query.Name, p.Query.DOB = "", ""
	return p
}

// ScreenPrepared is Screen for a prepared query: the same answer, without preparing
// (a query prepared by a release without a reading is screened without it: monitoring's
// snapshots are prepared again at each full run).
// A name with other readings is screened in each, for the kinds of list
// it has not matched as written, and each entity keeps its best score (on
// equal scores, the name as written first); the notes are those of the
// name as given.
func (ix *Index) ScreenPrepared(p Prepared, opt Options) Result {
	opt = opt.withDefaults()
	company := p.namesCompany()
	// The readings of a name share most of their words, and a name often
	// has a word twice (عبد, محمد, ال): each word's similar listed words are
	// found once, and the readings are screened with one scratch, whose
	// memo of word pairs (pairMemo) they share.
	s := ix.getScratch()
	defer ix.putScratch(s)
	s.memo.next()
	seen := &s.vocab
	seen.reset(s)
	res := ix.screenTokens(p, PreparedReading{Tokens: p.Tokens}, company, opt, seen)
	if len(p.Alt) == 0 {
		return res
	}
	// The other readings look only for the kinds of list the name as
	// written has not matched: a name matched as written is not read
	// again, and a sanctions match does not stop the search for a PEP.
	alt := p
	alt.Query.Kinds = nil
	for _, k := range [...]ListKind{KindSanctions, KindPEP} {
		if p.Query.wants(k) && !matchedKind(res, k) {
			alt.Query.Kinds = append(alt.Query.Kinds, k)
		}
	}
	if len(alt.Query.Kinds) == 0 {
		return res
	}
	sanctionsOnly := alt
	sanctionsOnly.Query.Kinds = slices.DeleteFunc(slices.Clone(alt.Query.Kinds), func(k ListKind) bool { return k == KindPEP })
	for _, r := range p.Alt {
		as := alt
		if r.Organisation {
			if len(sanctionsOnly.Query.Kinds) == 0 {
				continue
			}
			as = sanctionsOnly
		}
		other := ix.screenTokens(as, r, company, opt, seen)
		res.Matches = mergeMatches(res.Matches, other.Matches, opt.MaxResults)
	}
	res.settle(p.Query)
	return res
}

// matchedKind says whether a result is a match for a kind of list.
func matchedKind(res Result, k ListKind) bool {
	if k == KindPEP {
		return res.PEPOutcome == OutcomeMatch
	}
	return res.Outcome == OutcomeMatch
}

// mergeMatches is the matches of two readings of one name, best first: an
// entity found in both keeps its better match (the first reading's on a
// tie), and at most max are kept.
func mergeMatches(a, b []Match, max int) []Match {
	out := append(make([]Match, 0, len(a)+len(b)), a...)
	for _, m := range b {
		i := slices.IndexFunc(out, func(o Match) bool { return o.Source == m.Source && o.EntityID == m.EntityID })
		switch {
		case i < 0:
			out = append(out, m)
		case m.Score > out[i].Score:
			out[i] = m
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// PreparedReading is another reading of a prepared name (Readings).
type PreparedReading struct {
	Tokens []Token `json:"t"`
	// Quality multiplies the name quality of its matches (1 when 0).
	Quality float64 `json:"q,omitempty"`
	// Organisation readings are not screened against PEPs (persons).
	Organisation bool `json:"o,omitempty"`
	// Translated: an organisation's name read in English with the
	// glossary (TranslatedReading), whose English words that meet no
	// listed word are as often a translation the list did not choose as a
	// word the list does not have (translatedMissWeight).
	Translated bool `json:"tr,omitempty"`
}

// quality is the reading's name quality, 1 when unset or out of range.
func (r PreparedReading) quality() float64 {
	if r.Quality <= 0 || r.Quality > 1 {
		return 1
	}
	return r.Quality
}

// vocabCache keeps, for one query, the similar listed words of each word
// (similarVocab) across the words and readings of its name. A scratch
// holds one (scratch.vocab), whose buffers each query reuses.
type vocabCache struct {
	entries []vocabCacheEntry
	sims    []vocabSim // the entries' similar words, one entry after another
	// s, when not nil, is the scratch every reading is screened with:
	// its pair memo is then kept from one reading to the next (a word's
	// memo key, qtoken.mkey, is its entry here, the same in every
	// reading), and readings counts the readings screened, which keeps
	// apart the memo keys of the words each reading joins.
	s        *scratch
	readings int
	// keys are the keys of the texts abjadCompoundVocab and abjadJoin
	// join, which the readings share.
	keys map[string]joinKeys
}

// joinKeys are the consonant key and the variant keys of a joined text
// (vocabCache.joinKeys).
type joinKeys struct{ key, alts string }

type vocabCacheEntry struct {
	text     string
	abjad    bool
	off, n   uint32 // its similar words: sims[off : off+n]
	keyNames uint16
	split    uint8
}

// reset empties c for a query screened with scratch s.
func (c *vocabCache) reset(s *scratch) {
	clear(c.entries) // the last query's words go with its entries
	clear(c.keys)
	c.entries, c.sims, c.s, c.readings = c.entries[:0], c.sims[:0], s, 0
}

// get returns the place of q's entry, or -1.
func (c *vocabCache) get(q *qtoken) int {
	for i := range c.entries {
		if e := &c.entries[i]; e.text == q.text && e.abjad == q.abjad {
			return i
		}
	}
	return -1
}

// joinKeys returns the consonant key and the variant keys of a joined
// text (consonantKey, abjadVariantKeys), from c when c has them.
func (c *vocabCache) joinKeys(t string) (key, alts string) {
	if c != nil {
		if k, ok := c.keys[t]; ok {
			return k.key, k.alts
		}
	}
	key, alts = consonantKey(phoneticForm(t)), abjadVariantKeys(t)
	if c != nil {
		if c.keys == nil {
			c.keys = map[string]joinKeys{}
		}
		c.keys[t] = joinKeys{key, alts}
	}
	return key, alts
}

// similarVocabCached is ix.similarVocab for q, from c when c has it.
func (ix *Index) similarVocabCached(s *scratch, q *qtoken, out []vocabSim, c *vocabCache) []vocabSim {
	if c == nil {
		return ix.similarVocab(s, q, out)
	}
	if i := c.get(q); i >= 0 {
		e := &c.entries[i]
		q.keyNames, q.split = e.keyNames, e.split
		q.mkey = wordMemoKey(i)
		return append(out, c.sims[e.off:e.off+e.n]...)
	}
	base := len(out)
	out = ix.similarVocab(s, q, out)
	c.entries = append(c.entries, vocabCacheEntry{text: q.text, abjad: q.abjad, off: uint32(len(c.sims)), n: uint32(len(out) - base), keyNames: q.keyNames, split: q.split})
	c.sims = append(c.sims, out[base:]...)
	q.mkey = wordMemoKey(len(c.entries) - 1)
	return out
}

// screenTokens screens one reading of a prepared query; readingQuality
// multiplies the name quality of its matches, company says the query
// names a company (Prepared.namesCompany), and cache, when not nil, is
// shared by the readings of one query.
func (ix *Index) screenTokens(p Prepared, rd PreparedReading, company bool, opt Options, cache *vocabCache) Result {
	toks, readingQuality := rd.Tokens, rd.quality()
	q := p.Query
	res := Result{Outcome: OutcomeClear, Matches: []Match{}, ListVersion: ix.Version()}
	if len(toks) == 0 {
		res.Notes = append(res.Notes, "empty name after normalisation")
		res.settle(q)
		return res
	}
	if len(toks) > maxTok {
		toks = toks[:maxTok]
		res.Notes = append(res.Notes, "name truncated to its first 16 words")
	}
	var s *scratch
	reading := 0
	if cache != nil && cache.s != nil {
		// One scratch for the readings of a query: the previous
		// reading's candidate scores are cleared, its pair memo is kept.
		s, reading = cache.s, cache.readings
		cache.readings++
		s.reset()
	} else {
		s = ix.getScratch()
		defer ix.putScratch(s)
		s.memo.next()
	}

	qt := s.qtoks[:0]
	var offs [maxTok + 1]int
	s.sims = s.sims[:0]
	unsupported := false
	for i, t := range toks {
		qt = append(qt, newQToken(t, 1))
		qt[i].translated = rd.Translated
		if ix.baseW != nil {
			_, qt[i].listed = ix.baseW[t.Text] // listed in full, as the full index sees it
		} else {
			_, qt[i].listed = ix.lookup(t.Text)
		}
		if !isASCII(t.Text) {
			unsupported = true
		}
		offs[i] = len(s.sims)
		s.sims = ix.similarVocabCached(s, &qt[i], s.sims, cache)
		if cache == nil {
			qt[i].mkey = wordMemoKey(i)
		}
		// A joined pair of query tokens that is one listed token.
		if i > 0 {
			if id, ok := ix.lookup(qt[i-1].text + t.Text); ok {
				s.sims = append(s.sims, vocabSim{id: id, sim: 0.95})
			}
		}
		// Three, when the first two are particles ("van der bilt").
		if i > 1 && len(qt[i-2].text) <= 3 && len(qt[i-1].text) <= 3 {
			if id, ok := ix.lookup(qt[i-2].text + qt[i-1].text + t.Text); ok {
				s.sims = append(s.sims, vocabSim{id: id, sim: 0.95})
			}
		}
		s.sims = ix.abjadCompoundVocab(qt[:i+1], offs[i], s.sims, cache)
	}
	offs[len(toks)] = len(s.sims)
	sims := &s.simsOf
	for i := range qt {
		sims[i] = s.sims[offs[i]:offs[i+1]]
		qt[i].weight = ix.queryWeight(qt[i].text, sims[i])
		if qt[i].abjad {
			qt[i].weight = ix.abjadWeight(&qt[i], sims[i])
		}
		if qt[i].legal {
			qt[i].weight = legalFormWeight // never a reason to look at a name
		}
	}
	s.qtoks = qt
	if unsupported {
		res.Notes = append(res.Notes, "name contains a script without transliteration; only exact same-script names can match")
	}

	quals := qualifiers{dob: p.DOB, countries: p.Countries, typ: q.Type, company: company}
	s.best = s.best[:0]
	s.joins.next()
	s.joins.base, s.joins.cache, s.joins.memo = joinedMemoBase(reading), cache, &s.memo
	known := knownPairs{sims: sims[:len(qt)], memo: &s.memo, joins: &s.joins}
	if s.found.build(known.sims); !s.found.full {
		known.found = &s.found
	}
	known.split, known.hasSplit = splitJoined(qt)
	known.splitDone = true
	if s.joins.base != 0 {
		// The halves of split words keep their memo keys through the
		// reading (joinedMemoBase).
		for j := range known.split {
			if known.split[j].joined {
				known.split[j].mkey = s.joins.base + splitMemoWays + uint16(j)
			}
		}
	}
	for _, n := range ix.candidates(s, qt, sims[:len(qt)]) {
		e := ix.nameEnt[n]
		if !q.wants(kindOf(ix.entKind[e])) {
			continue
		}
		flags := ix.nameFlags[n]
		s.ntoks = s.ntoks[:0]
		for _, v := range ix.nameToks[ix.nameTokOff[n]:ix.nameTokOff[n+1]] {
			t := ix.vtok[v] // with its legal form (derive)
			t.abjad = flags&flagAbjad != 0
			if t.abjad && (t.title || arabicScriptTitles[t.text]) {
				t.title = titleWord(&t) // a word of a name in Arabic script
			}
			s.ntoks = append(s.ntoks, t)
		}
		al := compareNames(qt, s.ntoks, &known)
		if al.score == 0 {
			continue
		}
		c := ix.score(s, e, n, &al, &quals, readingQuality)
		if c.final < opt.MinScore {
			continue
		}
		c.align = al
		if i := findEntity(s.best, e); i >= 0 {
			if c.final > s.best[i].final {
				// The alignment refers to s.ntoks, which is reused: keep
				// an owned copy of the name tokens of retained matches.
				c.align.n = append([]qtoken(nil), al.n...)
				s.best[i] = c
			}
			continue
		}
		c.align.n = append([]qtoken(nil), al.n...)
		s.best = append(s.best, c)
	}
	sort.SliceStable(s.best, func(i, j int) bool {
		a, b := &s.best[i], &s.best[j]
		if a.final != b.final {
			return a.final > b.final
		}
		// The final score is clamped at 1: on a tie the better name wins.
		if an, bn := a.comp.name*a.comp.quality, b.comp.name*b.comp.quality; an != bn {
			return an > bn
		}
		return ix.entID[a.entity] < ix.entID[b.entity]
	})
	for i := range s.best {
		if i == opt.MaxResults {
			break
		}
		m := ix.match(&s.best[i], &quals)
		m.Outcome = opt.Thresholds.outcome(m.Score)
		res.Matches = append(res.Matches, m)
	}
	res.settle(q)
	return res
}

// settle sets the result's outcomes from its matches (sorted best first): the sanctions
// outcome from sanctions matches only, the PEP flag and outcome from PEP matches only.
func (res *Result) settle(q Query) {
	res.Outcome, res.PEPOutcome = OutcomeClear, OutcomeClear
	if !q.wants(KindSanctions) {
		res.Outcome = OutcomeNotScreened
	}
	if !q.wants(KindPEP) {
		res.PEPOutcome = OutcomeNotScreened
	}
	sanctionsSeen, pepSeen := false, false
	for _, m := range res.Matches {
		switch {
		case m.Kind == KindPEP && !pepSeen:
			pepSeen, res.PEPOutcome = true, m.Outcome
		case m.Kind == KindSanctions && !sanctionsSeen:
			sanctionsSeen, res.Outcome = true, m.Outcome
		}
	}
	res.PEP = res.PEPOutcome == OutcomeMatch || res.PEPOutcome == OutcomePotentialMatch
}

func findEntity(best []scored, e uint32) int {
	for i := range best {
		if best[i].entity == e {
			return i
		}
	}
	return -1
}

// queryWeight is the rarity weight of a query token: that of the most
// similar listed token, or 1 for a token unlike any listed one. A delta
// index (BuildDelta) weighs a token it does not hold as its full index
// does, so that its scores are the full index's.
func (ix *Index) queryWeight(text string, sims []vocabSim) float64 {
	best, w := 0.0, 1.0
	for _, vs := range sims {
		if vs.sim > best {
			best, w = vs.sim, float64(ix.vocabW[vs.id])
		}
	}
	if ix.baseW != nil && best < 1 {
		if w, ok := ix.baseW[text]; ok {
			return float64(w)
		}
	}
	return w
}

// score compares the qualifiers of entity e and combines them with the
// name score of its name n.
// qualifiers are what a query says besides its name.
type qualifiers struct {
	dob       sanctions.Date
	countries []string
	typ       sanctions.EntityType
	// company: the name has a company's legal form (Prepared.namesCompany).
	company bool
}

func (ix *Index) score(s *scratch, e, n uint32, al *alignment, qq *qualifiers, readingQuality float64) scored {
	typ := typeOf(ix.entType[e])
	c := scored{entity: e, name: n, dobGrade: DOBUnknown, dobIdx: -1}
	if typ == sanctions.TypePerson || typ == sanctions.TypeUnknown {
		s.dates = s.dates[:0]
		for _, p := range ix.entDOBs[ix.entDOBOff[e]:ix.entDOBOff[e+1]] {
			s.dates = append(s.dates, unpackDate(p))
		}
		c.dobGrade, c.comp.dob, c.dobIdx = compareDOB(qq.dob, s.dates)
	}
	c.ctyGrade, c.comp.country, c.ctyListed = compareCountry(qq.countries, ix.entCtys[ix.entCtyOff[e]:ix.entCtyOff[e+1]])
	asked := qq.typ
	if asked == sanctions.TypeUnknown && typ == sanctions.TypePerson && qq.company {
		// A query with a company's legal form (معمار ش م م, "Acme
		// LLC") names a company, not the person of the same name.
		asked = sanctions.TypeOrganisation
		c.typeInferred = true
	}
	c.typeGrade, c.comp.typ = compareType(asked, typ)
	flags := ix.nameFlags[n]
	c.comp.name = al.score
	c.comp.quality = nameQuality(sanctions.NameKind(flags&flagKindMask), flags&flagWeak != 0) * readingQuality
	c.comp.cap = nameCap(al, flags&flagWeak != 0, typ, qq.typ)
	if c.comp.dob > 0 && !al.strong {
		// A birth date that agrees accounts for the loosely matched
		// word: the name caps are those of a name matched in full.
		strong := *al
		strong.strong = true
		c.comp.cap = nameCap(&strong, flags&flagWeak != 0, typ, qq.typ)
	}
	c.final = combine(c.comp)
	return c
}

// match builds the reported match and its explanation.
// Each qualifier shows both values compared: what the query said and what is listed (the
// listed value closest to the query's, or the first listed one when nothing compared).
func (ix *Index) match(c *scored, qq *qualifiers) Match {
	e, n := c.entity, c.name
	typ := typeOf(ix.entType[e])
	dob := ComponentResult{Agreement: string(c.dobGrade), Adjustment: c.comp.dob, Queried: qq.dob.String()}
	dobs := ix.entDOBs[ix.entDOBOff[e]:ix.entDOBOff[e+1]]
	switch {
	case c.dobIdx >= 0:
		dob.Listed = unpackDate(dobs[c.dobIdx]).String()
	case len(dobs) > 0:
		dob.Listed = unpackDate(dobs[0]).String()
	}
	ctys := ix.entCtys[ix.entCtyOff[e]:ix.entCtyOff[e+1]]
	country := ComponentResult{Agreement: string(c.ctyGrade), Adjustment: c.comp.country, Listed: c.ctyListed}
	if len(qq.countries) > 0 {
		country.Queried = qq.countries[0]
	}
	if country.Listed == "" && len(ctys) > 0 {
		country.Listed = ctys[0]
	}
	typeRes := ComponentResult{Agreement: string(c.typeGrade), Adjustment: c.comp.typ, Queried: string(qq.typ), Listed: string(typ)}
	if c.typeInferred {
		typeRes.Queried = string(sanctions.TypeOrganisation)
		typeRes.Note = "read from the company's legal form in the name"
	}
	ex := explanation(c.comp, c.align.explain(), dob, country, typeRes)
	flags := ix.nameFlags[n]
	ex.MatchedName = ix.nameDisplay[n]
	ex.MatchedNameKind = sanctions.NameKind(flags & flagKindMask).String()
	ex.WeakAlias = flags&flagWeak != 0
	return Match{
		EntityID:    ix.entID[e],
		Source:      sanctions.Source(ix.sourceNames[ix.entSource[e]]),
		Kind:        kindOf(ix.entKind[e]),
		EntityType:  typ,
		PrimaryName: ix.entPrimary[e],
		Programs:    ix.entProgs[ix.entProgOff[e]:ix.entProgOff[e+1]:ix.entProgOff[e+1]],
		Positions:   ix.entPos[ix.entPosOff[e]:ix.entPosOff[e+1]:ix.entPosOff[e+1]],
		Score:       c.final,
		Explanation: ex,
	}
}

func (ix *Index) nameAddressOwner(m *AddressMatch, e int32) {
	m.EntityID, m.EntityName = ix.entID[e], ix.entPrimary[e]
	m.Programs = ix.entProgs[ix.entProgOff[e]:ix.entProgOff[e+1]:ix.entProgOff[e+1]]
	m.EntitySource = sanctions.Source(ix.sourceNames[ix.entSource[e]])
}

// ScreenAddress looks a crypto address up exactly, after per-chain
// normalisation (EVM hex and bech32 are case-insensitive, base58 is not).
func (ix *Index) ScreenAddress(asset, addr string) AddressResult {
	key, chain := NormalizeAddress(asset, addr)
	res := AddressResult{Outcome: OutcomeClear, Chain: chain, Normalized: key, Matches: []AddressMatch{}, ListVersion: ix.Version()}
	if key == "" {
		return res
	}
	i := sort.SearchStrings(ix.addrKeys, key)
	for ; i < len(ix.addrKeys) && ix.addrKeys[i] == key; i++ {
		m := AddressMatch{
			Asset: ix.addrAsset[i], Address: ix.addrOrig[i], Normalized: key,
			Source: sanctions.Source(ix.sourceNames[ix.addrSource[i]]),
		}
		if e := ix.addrEntity[i]; e >= 0 {
			ix.nameAddressOwner(&m, e)
		}
		res.Matches = append(res.Matches, m)
	}
	// An address file's entry (OFAC's per-asset files) names no entity; when a listed
	// entity publishes the same address, the analyst sees whose it is.
	for i := range res.Matches {
		if res.Matches[i].EntityID != "" {
			continue
		}
		for j := range res.Matches {
			if res.Matches[j].EntityID != "" {
				m := &res.Matches[i]
				m.EntityID, m.EntityName, m.Programs = res.Matches[j].EntityID, res.Matches[j].EntityName, res.Matches[j].Programs
				m.EntitySource = res.Matches[j].EntitySource
				break
			}
		}
	}
	if len(res.Matches) > 0 {
		res.Outcome = OutcomeMatch
	}
	return res
}
