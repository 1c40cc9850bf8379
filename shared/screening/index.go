package screening

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// ErrBadOptions is returned for invalid thresholds.
var ErrBadOptions = errors.New("invalid screening options")

// BuildVersion numbers what Build makes of the same lists: the words of
// the index, their phonetic forms, keys and orders, which queries are
// compared with. List refresh publishes a new version when it changes,
// though no list did (lists' combined checksum covers it): an index built
// by an earlier release would otherwise be served to a later release's
// queries, whose forms it no longer shares.
// TestBuildVersionCoversTheFixtureIndex fails when the fixture lists
// build a different index and this was not bumped.
const BuildVersion = 2

// ErrBadIndex is returned when serialized index bytes cannot be loaded.
var ErrBadIndex = errors.New("invalid serialized index")

// scratchFreeList is how many per-query scratch areas (about 14 bytes per
// listed name) an index keeps for reuse.
const scratchFreeList = 32

// Name flag bits stored per listed name.
const (
	flagKindMask = 0x07 // sanctions.NameKind
	flagWeak     = 0x08
	flagAbjad    = 0x10
)

// Index is an immutable, serializable screening index over one or more
// lists. It is safe for concurrent use. All tables are flat slices so that
// the serialized form loads with a handful of allocations.
type Index struct {
	lists []ListInfo

	// Entities, columnar. Names of entity e are names[entNameOff[e]:entNameOff[e+1]].
	entID, entPrimary []string
	entSource         []uint8 // index into sourceNames
	entType           []uint8 // index into entityTypes
	entProgOff        []uint32
	entProgs          []string
	entDOBOff         []uint32
	entDOBs           []uint64 // packDate
	entCtyOff         []uint32
	entCtys           []string
	entNameOff        []uint32
	sourceNames       []string
	// What each entry is (kindSanctions, kindPEP) and, for PEPs, their positions as
	// one display line each (positionLine).
	entKind   []uint8
	entPosOff []uint32
	entPos    []string

	// Listed names. Tokens of name n are nameToks[nameTokOff[n]:nameTokOff[n+1]].
	nameEnt     []uint32
	nameFlags   []uint8
	nameDisplay []string
	nameTokOff  []uint32
	nameToks    []uint32 // vocabulary ids

	// Vocabulary of name tokens, sorted, with rarity weights and phonetic
	// forms; phonOrder/skelOrder list vocabulary ids sorted by those forms.
	vocab     []string
	vocabW    []float32
	vocabPhon []string
	vocabSkel []string
	phonOrder []uint32
	skelOrder []uint32

	// Inverted index vocabulary id -> names containing it.
	postOff   []uint32
	postNames []uint32

	// Character trigrams of vocabulary tokens -> vocabulary ids.
	triKeys  []uint32
	triOff   []uint32
	triVocab []uint32

	// Deletion neighbourhood of vocabulary tokens (index_deletes.go).
	delKeys  []uint64
	delVocab []uint32

	// Crypto addresses: sorted normalised keys with their references.
	addrKeys   []string
	addrAsset  []string
	addrOrig   []string
	addrSource []uint8
	addrEntity []int32

	// Derived at build/load time, not serialized.
	vtok  []qtoken      // vocabulary as comparable tokens
	nameW []float32     // total token weight per name
	free  chan *scratch // bounded free list of per-query scratch
	// skelSeen is a Bloom filter of the listed skeletons (vocabSkel, one
	// bit each by skelHash): skeletonRange looks up only those it may hold.
	skelSeen []uint64
	// base is the full index a delta index was built against (BuildDelta), and baseW
	// its token weights by token (a map: a query looks up each of its tokens).
	base  *Index
	baseW map[string]float32
}

// ListInfo describes one list inside an index.
type ListInfo struct {
	Source    sanctions.Source `json:"source"`
	Version   string           `json:"version"`
	Entities  int              `json:"entities"`
	Addresses int              `json:"addresses"`
}

// Lists returns the lists the index was built from.
func (ix *Index) Lists() []ListInfo { return append([]ListInfo(nil), ix.lists...) }

// Version identifies the list publications in the index, e.g.
// "OFAC-SDN@1a2b3c+UN-SC@4d5e6f".
func (ix *Index) Version() string {
	parts := make([]string, len(ix.lists))
	for i, l := range ix.lists {
		parts[i] = l.Version
	}
	return strings.Join(parts, "+")
}

// Stats are sizes of the index, for reports.
type Stats struct {
	Entities, Names, Vocabulary, Postings, Trigrams, DeleteKeys, Addresses int
}

// Stats returns the sizes of the index tables.
func (ix *Index) Stats() Stats {
	return Stats{len(ix.entID), len(ix.nameEnt), len(ix.vocab), len(ix.postNames), len(ix.triKeys), len(ix.delKeys), len(ix.addrKeys)}
}

// Entry kind codes of the entKind column.
const (
	kindSanctions uint8 = iota
	kindPEP
)

func kindCode(k sanctions.EntryKind) uint8 {
	if k == sanctions.KindPEP {
		return kindPEP
	}
	return kindSanctions
}

func kindOf(c uint8) ListKind {
	if c == kindPEP {
		return KindPEP
	}
	return KindSanctions
}

// maxPositions is how many of a PEP's positions a match shows: the most recent, which
// are what makes the person a PEP today (a long-serving member has dozens of terms).
const maxPositions = 5

// recentPositions orders positions most recent first (by end, then start; a position
// without an end is held and comes first) and keeps maxPositions.
func recentPositions(ps []sanctions.Position) []sanctions.Position {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, func(a, b sanctions.Position) int {
		if c := compareDates(b.End, a.End); c != 0 {
			return c
		}
		return compareDates(b.Start, a.Start)
	})
	return out[:min(len(out), maxPositions)]
}

// compareDates orders dates by year, month and day, an absent date after every other
// (for an end: still held).
func compareDates(a, b sanctions.Date) int {
	if (a.Precision == sanctions.PrecisionNone) != (b.Precision == sanctions.PrecisionNone) {
		if a.Precision == sanctions.PrecisionNone {
			return 1
		}
		return -1
	}
	return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
}

// positionLine renders a PEP's position for an analyst: "title, body (country), start to
// end", leaving out what the source does not give.
func positionLine(p sanctions.Position) string {
	var b strings.Builder
	b.WriteString(p.Title)
	if p.Body != "" {
		b.WriteString(", " + p.Body)
	}
	if p.Country != "" {
		b.WriteString(" (" + p.Country + ")")
	}
	from, to := p.Start.String(), p.End.String()
	switch {
	case from != "" && to != "":
		b.WriteString(", " + from + " to " + to)
	case from != "":
		b.WriteString(", since " + from)
	case to != "":
		b.WriteString(", until " + to)
	}
	return b.String()
}

var entityTypes = []sanctions.EntityType{sanctions.TypeUnknown, sanctions.TypePerson, sanctions.TypeOrganisation, sanctions.TypeVessel, sanctions.TypeAircraft}

func typeCode(t sanctions.EntityType) uint8 {
	for i, et := range entityTypes {
		if et == t {
			return uint8(i)
		}
	}
	return 0
}

func typeOf(c uint8) sanctions.EntityType {
	if int(c) < len(entityTypes) {
		return entityTypes[c]
	}
	return sanctions.TypeUnknown
}

// packDate packs a date into 64 bits: year(16) month(8) day(8) toYear(16)
// precision(8) circa(8).
func packDate(d sanctions.Date) uint64 {
	c := uint64(0)
	if d.Circa {
		c = 1
	}
	return uint64(uint16(d.Year)) | uint64(uint8(d.Month))<<16 | uint64(uint8(d.Day))<<24 |
		uint64(uint16(d.ToYear))<<32 | uint64(d.Precision)<<48 | c<<56
}

func unpackDate(p uint64) sanctions.Date {
	return sanctions.Date{
		Year: int(uint16(p)), Month: int(uint8(p >> 16)), Day: int(uint8(p >> 24)),
		ToYear: int(uint16(p >> 32)), Precision: sanctions.DatePrecision(uint8(p >> 48)), Circa: p>>56 == 1,
	}
}

// Build indexes the given lists. Entities keep their list's source; lists
// with Addresses (crypto address files) add address-only entries.
func Build(lists ...*sanctions.List) (*Index, error) {
	ix := &Index{}
	vocabID := map[string]uint32{}
	var tmpToks [][]uint32 // per name, temporary vocab ids
	srcCode := map[sanctions.Source]uint8{}
	source := func(s sanctions.Source) uint8 {
		c, ok := srcCode[s]
		if !ok {
			c = uint8(len(ix.sourceNames))
			srcCode[s] = c
			ix.sourceNames = append(ix.sourceNames, string(s))
		}
		return c
	}
	type addr struct {
		key, asset, orig string
		src              uint8
		ent              int32
	}
	var addrs []addr
	ix.entNameOff = append(ix.entNameOff, 0)
	ix.entProgOff = append(ix.entProgOff, 0)
	ix.entDOBOff = append(ix.entDOBOff, 0)
	ix.entCtyOff = append(ix.entCtyOff, 0)
	ix.entPosOff = append(ix.entPosOff, 0)
	for _, l := range lists {
		if l == nil {
			continue
		}
		if len(ix.sourceNames) > 250 {
			return nil, fmt.Errorf("build index: too many sources")
		}
		ix.lists = append(ix.lists, ListInfo{Source: l.Source, Version: l.Version(), Entities: len(l.Entities), Addresses: len(l.Addresses)})
		for i := range l.Entities {
			e := &l.Entities[i]
			ei := int32(len(ix.entID))
			for _, c := range e.Crypto {
				k, _ := NormalizeAddress(c.Asset, c.Address)
				addrs = append(addrs, addr{k, c.Asset, c.Address, source(e.Source), ei})
			}
			seen := map[string]bool{}
			for _, n := range e.Names {
				toks := PrepareName(n.Full, e.Type)
				if len(toks) == 0 {
					continue
				}
				key := NormalizeName(n.Full, e.Type)
				if seen[key] {
					continue
				}
				seen[key] = true
				flags := uint8(n.Kind) & flagKindMask
				if n.Weak {
					flags |= flagWeak
				}
				ids := make([]uint32, len(toks))
				for j, t := range toks {
					if t.Abjad {
						flags |= flagAbjad
					}
					id, ok := vocabID[t.Text]
					if !ok {
						id = uint32(len(vocabID))
						vocabID[t.Text] = id
					}
					ids[j] = id
				}
				ix.nameEnt = append(ix.nameEnt, uint32(ei))
				ix.nameFlags = append(ix.nameFlags, flags)
				ix.nameDisplay = append(ix.nameDisplay, n.Full)
				tmpToks = append(tmpToks, ids)
			}
			if uint32(len(ix.nameEnt)) == ix.entNameOff[len(ix.entNameOff)-1] {
				// No usable name: the entity cannot be found by name, but
				// its addresses still can.
				if len(e.Crypto) == 0 {
					continue
				}
			}
			ix.entID = append(ix.entID, e.ID)
			ix.entPrimary = append(ix.entPrimary, e.PrimaryName())
			ix.entSource = append(ix.entSource, source(e.Source))
			ix.entType = append(ix.entType, typeCode(e.Type))
			ix.entProgs = append(ix.entProgs, e.Programs...)
			ix.entProgOff = append(ix.entProgOff, uint32(len(ix.entProgs)))
			for _, d := range e.BirthDates {
				ix.entDOBs = append(ix.entDOBs, packDate(d))
			}
			ix.entDOBOff = append(ix.entDOBOff, uint32(len(ix.entDOBs)))
			ix.entCtys = append(ix.entCtys, e.CountryCodes()...)
			ix.entCtyOff = append(ix.entCtyOff, uint32(len(ix.entCtys)))
			ix.entNameOff = append(ix.entNameOff, uint32(len(ix.nameEnt)))
			ix.entKind = append(ix.entKind, kindCode(e.Kind))
			if e.Kind == sanctions.KindPEP {
				for _, p := range recentPositions(e.Positions) {
					ix.entPos = append(ix.entPos, positionLine(p))
				}
			}
			ix.entPosOff = append(ix.entPosOff, uint32(len(ix.entPos)))
		}
		for _, a := range l.Addresses {
			k, _ := NormalizeAddress(a.Asset, a.Address)
			addrs = append(addrs, addr{k, a.Asset, a.Address, source(l.Source), -1})
		}
	}

	// Sorted vocabulary and remapped name tokens.
	ix.vocab = make([]string, 0, len(vocabID))
	for t := range vocabID {
		ix.vocab = append(ix.vocab, t)
	}
	sort.Strings(ix.vocab)
	remap := make([]uint32, len(vocabID))
	for newID, t := range ix.vocab {
		remap[vocabID[t]] = uint32(newID)
	}
	ix.nameTokOff = append(ix.nameTokOff, 0)
	df := make([]int, len(ix.vocab))
	for _, ids := range tmpToks {
		seen := map[uint32]bool{}
		for _, id := range ids {
			v := remap[id]
			ix.nameToks = append(ix.nameToks, v)
			if !seen[v] {
				seen[v] = true
				df[v]++
			}
		}
		ix.nameTokOff = append(ix.nameTokOff, uint32(len(ix.nameToks)))
	}

	// Weights, phonetic forms, postings, trigrams.
	n := float64(len(tmpToks) + 1)
	ix.vocabW = make([]float32, len(ix.vocab))
	ix.vocabPhon = make([]string, len(ix.vocab))
	ix.vocabSkel = make([]string, len(ix.vocab))
	for v, t := range ix.vocab {
		ix.vocabW[v] = tokenWeight(df[v], n)
		ix.vocabPhon[v] = phoneticForm(t)
		ix.vocabSkel[v] = skeleton(ix.vocabPhon[v])
	}
	ix.phonOrder = orderBy(ix.vocabPhon)
	ix.skelOrder = orderBy(ix.vocabSkel)
	ix.buildPostings()
	ix.buildTrigrams()
	ix.buildDeletes()

	sort.Slice(addrs, func(i, j int) bool {
		if addrs[i].key != addrs[j].key {
			return addrs[i].key < addrs[j].key
		}
		return addrs[i].ent > addrs[j].ent
	})
	for i, a := range addrs {
		if i > 0 && a.key == addrs[i-1].key && a.src == addrs[i-1].src && a.ent == addrs[i-1].ent {
			continue
		}
		ix.addrKeys = append(ix.addrKeys, a.key)
		ix.addrAsset = append(ix.addrAsset, a.asset)
		ix.addrOrig = append(ix.addrOrig, a.orig)
		ix.addrSource = append(ix.addrSource, a.src)
		ix.addrEntity = append(ix.addrEntity, a.ent)
	}
	ix.derive()
	return ix, nil
}

// BuildDelta indexes a few entries (a list version's added and changed ones) so that
// they can be screened as the full index would screen them, at a small fraction of its
// cost: tokens weigh what they weigh in full, where the rarity of a word is known. A
// name screened against the delta index scores (up to candidate limits) as it does
// against full, for the entries the delta holds. The delta index is not serialized.
func BuildDelta(full *Index, lists ...*sanctions.List) (*Index, error) {
	ix, err := Build(lists...)
	if err != nil {
		return nil, err
	}
	for v, t := range ix.vocab {
		if id, ok := full.lookup(t); ok {
			ix.vocabW[v] = full.vocabW[id]
		}
	}
	ix.base = full
	ix.baseW = make(map[string]float32, len(full.vocab))
	for v, t := range full.vocab {
		ix.baseW[t] = full.vocabW[v]
	}
	ix.derive()
	return ix, nil
}

// tokenWeight turns document frequency into a weight in (0, 1]: a token
// found in one name weighs 1, one found in a tenth of all names about 0.5.
func tokenWeight(df int, n float64) float32 {
	if df < 1 {
		df = 1
	}
	idf := math.Log(n/float64(df)) / math.Log(n)
	return float32(math.Max(0.15, math.Sqrt(math.Max(0, idf))))
}

func orderBy(keys []string) []uint32 {
	order := make([]uint32, len(keys))
	for i := range order {
		order[i] = uint32(i)
	}
	sort.SliceStable(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	return order
}

func (ix *Index) buildPostings() {
	counts := make([]uint32, len(ix.vocab)+1)
	for name := 0; name+1 < len(ix.nameTokOff); name++ {
		for _, v := range uniqueToks(ix.nameToks[ix.nameTokOff[name]:ix.nameTokOff[name+1]]) {
			counts[v+1]++
		}
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	ix.postOff = counts
	ix.postNames = make([]uint32, counts[len(counts)-1])
	fill := append([]uint32(nil), counts[:len(counts)-1]...)
	for name := 0; name+1 < len(ix.nameTokOff); name++ {
		for _, v := range uniqueToks(ix.nameToks[ix.nameTokOff[name]:ix.nameTokOff[name+1]]) {
			ix.postNames[fill[v]] = uint32(name)
			fill[v]++
		}
	}
}

func uniqueToks(toks []uint32) []uint32 {
	out := make([]uint32, 0, len(toks))
	for _, t := range toks {
		dup := false
		for _, o := range out {
			if o == t {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// trigrams returns the padded character trigram keys of a token
// (" ab", "abc", "bc "), deduplicated.
func trigrams(s string, buf []uint32) []uint32 {
	buf = buf[:0]
	if s == "" {
		return buf
	}
	p := " " + s + " "
	for i := 0; i+3 <= len(p); i++ {
		k := uint32(p[i])<<16 | uint32(p[i+1])<<8 | uint32(p[i+2])
		dup := false
		for _, o := range buf {
			if o == k {
				dup = true
				break
			}
		}
		if !dup {
			buf = append(buf, k)
		}
	}
	return buf
}

func (ix *Index) buildTrigrams() {
	type pair struct{ key, v uint32 }
	var pairs []pair
	var buf []uint32
	for v, t := range ix.vocab {
		buf = trigrams(t, buf)
		for _, k := range buf {
			pairs = append(pairs, pair{k, uint32(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].key != pairs[j].key {
			return pairs[i].key < pairs[j].key
		}
		return pairs[i].v < pairs[j].v
	})
	ix.triKeys, ix.triOff, ix.triVocab = nil, nil, make([]uint32, 0, len(pairs))
	for i, p := range pairs {
		if i == 0 || p.key != pairs[i-1].key {
			ix.triKeys = append(ix.triKeys, p.key)
			ix.triOff = append(ix.triOff, uint32(i))
		}
		ix.triVocab = append(ix.triVocab, p.v)
	}
	ix.triOff = append(ix.triOff, uint32(len(pairs)))
}

// derive computes the tables that are cheap to recompute after a load.
func (ix *Index) derive() {
	ix.vtok = make([]qtoken, len(ix.vocab))
	for v, t := range ix.vocab {
		// The consonant key is kept (lkey): Arabic-script queries compare
		// it with every candidate name's words (keyOf).
		ix.vtok[v] = qtoken{text: t, phon: ix.vocabPhon[v], skel: ix.vocabSkel[v], weight: float64(ix.vocabW[v]), id: int32(v),
			tmask: letterMask(t), pmask: letterMask(ix.vocabPhon[v]), lkey: consonantKey(ix.vocabPhon[v])}
	}
	// So are a listed word's legal form (isLegalForm) and its set of
	// synonyms, which every comparison reads: the few such words are
	// looked up in the vocabulary, not every word in their tables.
	for _, w := range append(slices.Collect(maps.Keys(legalForms)), "cie", "ste") {
		if id, found := ix.lookup(w); found {
			ix.vtok[id].legal = isLegalForm(w)
		}
	}
	for w, set := range synonymSet {
		if id, found := ix.lookup(w); found {
			ix.vtok[id].syn = set
		}
	}
	for w := range honorifics {
		if id, found := ix.lookup(w); found {
			ix.vtok[id].title = true // a listed word of Latin letters (titleWord)
		}
	}
	ix.skelSeen = make([]uint64, skelSeenWords)
	for _, k := range ix.vocabSkel {
		h := skelHash("", k)
		ix.skelSeen[h/64&(skelSeenWords-1)] |= 1 << (h % 64)
	}
	ix.nameW = make([]float32, len(ix.nameEnt))
	for name := range ix.nameW {
		var w float32
		for _, v := range ix.nameToks[ix.nameTokOff[name]:ix.nameTokOff[name+1]] {
			w += ix.vocabW[v]
		}
		ix.nameW[name] = w
	}
	ix.free = make(chan *scratch, scratchFreeList)
}
