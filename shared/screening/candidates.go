package screening

import (
	"slices"
	"sort"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// Candidate generation bounds. They make the work per query independent of
// list size: at most maxSimilarVocab vocabulary tokens per query token and
// maxCandidates names are scored in full.
const (
	maxSimilarVocab = 24
	maxCandidates   = 48
	// minTrigramShare is the share of the query token's trigrams a
	// vocabulary token must contain to be compared at all.
	minTrigramShare = 0.34
	// lowWeight tokens (very common, such as "al" or "mohammed") do not
	// generate candidates when the query has a rarer token.
	lowWeight = 0.35
)

// scratch is per-query working memory, pooled so that queries do not
// allocate tables the size of the index.
type scratch struct {
	acc      []nameAcc // per name
	touched  []uint32
	vcount   []uint16 // trigram hits per vocabulary id
	vtouched []uint32
	tri      []uint32
	dels     []uint64
	sims     []vocabSim
	simsOf   [maxTok][]vocabSim // each query word's part of sims
	heap     candHeap
	qtoks    []qtoken
	ntoks    []qtoken
	dates    []sanctions.Date
	best     []scored
	memo     pairMemo
	joins    joinMemo
	vocab    vocabCache
	found    knownSims
	// abjadSort is sortAbjadVocab's working memory.
	abjadSort byAbjadRank
}

// nameAcc is what candidates accumulates for a name. Its three fields are
// read and written together, once per posting: side by side, they take one
// cache line, not three.
type nameAcc struct {
	acc   float32 // cheap score
	lastQ int32   // last query token that touched the name, -1 if none
	lastV float32 // its contribution
}

func newScratch(names, vocab int) *scratch {
	s := &scratch{acc: make([]nameAcc, names), vcount: make([]uint16, vocab)}
	for i := range s.acc {
		s.acc[i].lastQ = -1
	}
	return s
}

func (s *scratch) reset() {
	for _, n := range s.touched {
		s.acc[n] = nameAcc{lastQ: -1}
	}
	s.touched = s.touched[:0]
}

// vocabSim is a vocabulary token similar to a query token.
type vocabSim struct {
	id  uint32
	sim float64
	// half marks one half of a query token split in two listed tokens
	// ("vladimirputin"): it finds candidates, but the halves are compared
	// as two words (compareNames), never one against the whole token.
	half bool
}

// lookup returns the vocabulary id of an exact token.
func (ix *Index) lookup(t string) (uint32, bool) {
	i := sort.SearchStrings(ix.vocab, t)
	if i < len(ix.vocab) && ix.vocab[i] == t {
		return uint32(i), true
	}
	return 0, false
}

// equalRange returns the ids in order whose key equals k.
func equalRange(order []uint32, keys []string, k string) []uint32 {
	lo := sort.Search(len(order), func(i int) bool { return keys[order[i]] >= k })
	hi := lo
	for hi < len(order) && keys[order[hi]] == k {
		hi++
	}
	return order[lo:hi]
}

// skeletonRange returns the ids of the listed words whose skeleton is
// pre+k. Most such skeletons are none (an Arabic-script word's key after
// each of abjadPrefixes, in each of its readings): skelSeen answers those
// without the binary search, nor the joined string.
func (ix *Index) skeletonRange(pre, k string) []uint32 {
	if h := skelHash(pre, k); ix.skelSeen != nil && ix.skelSeen[h/64&(skelSeenWords-1)]&(1<<(h%64)) == 0 {
		return nil
	}
	return equalRange(ix.skelOrder, ix.vocabSkel, pre+k)
}

// skelSeenWords is the size of Index.skelSeen in 64-bit words (a power of
// two): 2^18 bits, a few per listed word.
const skelSeenWords = 1 << 12

// skelHash hashes the skeleton pre+k (FNV-1a).
func skelHash(pre, k string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(pre); i++ {
		h = (h ^ uint32(pre[i])) * 16777619
	}
	for i := 0; i < len(k); i++ {
		h = (h ^ uint32(k[i])) * 16777619
	}
	return h
}

// similarVocab appends to out the vocabulary tokens similar to q: exact,
// sharing enough trigrams, same phonetic form, same consonant skeleton
// (Arabic script), or the two halves of a joined token. Short tokens (three
// letters or fewer) are only matched exactly or phonetically: a typo in
// them cannot be told from another name.
func (ix *Index) similarVocab(s *scratch, q *qtoken, out []vocabSim) []vocabSim {
	base := len(out)
	add := func(id uint32, sim float64) {
		for i := base; i < len(out); i++ {
			if out[i].id == id {
				out[i].sim = max(out[i].sim, sim)
				out[i].half = false
				return
			}
		}
		out = append(out, vocabSim{id: id, sim: sim})
	}
	if id, ok := ix.lookup(q.text); ok {
		add(id, 1)
	}
	if g, ok := tradeSynonyms[q.text]; ok {
		for _, w := range synonymGroups[g] {
			if id, ok := ix.lookup(w); ok && w != q.text {
				add(id, 0.95)
			}
		}
	}
	if len(q.text) < 2 {
		return out // an initial: candidates come through other tokens
	}
	consider := func(v uint32) {
		// A listed token reached by several routes (trigrams, deletions,
		// sound, consonants) is compared once.
		for i := base; i < len(out); i++ {
			if out[i].id == v {
				return
			}
		}
		if sim, _ := tokenSim(q, &ix.vtok[v]); sim >= minTokenSim {
			add(v, sim)
		}
	}
	if len(q.text) > 3 {
		s.tri = trigrams(q.text, s.tri)
		need := max(2, uint16(float64(len(s.tri))*minTrigramShare+0.999))
		maxLenDiff := max(2, len(q.text)/3)
		for _, k := range s.tri {
			i := sort.Search(len(ix.triKeys), func(i int) bool { return ix.triKeys[i] >= k })
			if i == len(ix.triKeys) || ix.triKeys[i] != k {
				continue
			}
			for _, v := range ix.triVocab[ix.triOff[i]:ix.triOff[i+1]] {
				if s.vcount[v] == 0 {
					s.vtouched = append(s.vtouched, v)
				}
				s.vcount[v]++
			}
		}
		for _, v := range s.vtouched {
			if s.vcount[v] >= need {
				if d := len(ix.vocab[v]) - len(q.text); d <= maxLenDiff && -d <= maxLenDiff {
					consider(v)
				}
			}
			s.vcount[v] = 0
		}
		s.vtouched = s.vtouched[:0]
	}
	if len(q.text) >= minDeleteLen-1 {
		s.dels = ix.deleteNeighbours(q.text, s.dels, consider)
	}
	for _, v := range equalRange(ix.phonOrder, ix.vocabPhon, q.phon) {
		consider(v)
	}
	if q.abjad && q.akey != "" {
		// Listed skeletons keep their first letter: the Latin spelling
		// may start with a vowel, a glide or the article that the
		// consonant key leaves out.
		variantNames := 0
		for k, rest := q.akey, q.akeyAlt; k != ""; k, rest = nextKey(rest) {
			for _, pre := range abjadPrefixes {
				same := ix.skeletonRange(pre, k)
				// How many listed words its own reading fits: the
				// variant readings are not what abjadCap weighs, unless
				// the own reading meets none (لكحل, "lkhl", is Lakhal,
				// "lxl": as rare as the words its other readings meet).
				if k == q.akey {
					q.keyNames = uint16(min(65535, int(q.keyNames)+len(same)))
				} else {
					variantNames += len(same)
				}
				for i, v := range same {
					if i >= 2*maxSimilarVocab {
						break
					}
					consider(v)
				}
			}
		}
		if q.keyNames == 0 {
			q.keyNames = uint16(min(65535, variantNames))
		}
	}
	// A joined query token whose halves are listed tokens of three
	// letters or more.
	for k := 3; k+3 <= len(q.text) && q.split == 0; k++ {
		a, okA := ix.lookup(q.text[:k])
		if !okA {
			continue
		}
		if b, okB := ix.lookup(q.text[k:]); okB {
			q.split = uint8(k)
			for _, h := range [2]uint32{a, b} {
				if !slices.ContainsFunc(out[base:], func(v vocabSim) bool { return v.id == h }) {
					out = append(out, vocabSim{id: h, sim: 0.95, half: true})
				}
			}
		}
	}
	if len(out)-base > maxSimilarVocab {
		seg := out[base:]
		if q.abjad {
			ix.sortAbjadVocab(s, q, seg)
		} else {
			sort.Slice(seg, func(i, j int) bool { return seg[i].sim > seg[j].sim })
		}
		out = out[:base+maxSimilarVocab]
	}
	return out
}

// sortAbjadVocab orders the listed words similar to an Arabic-script word
// best first. Many share its consonants equally (mhmd: Muhammad, Mahmud,
// Mohammed...); among those, the spellings that have its long vowels come
// first (yunis, not Anas, for ywns), then the commoner ones, which are
// more often its spelling; a spelling with its very letters, vowels aside,
// before others (Ahad, not Khudaidad, for احد).
//
// The tiers and ranks are worked out once per word, in s (byAbjadRank),
// not at each comparison of the sort.
func (ix *Index) sortAbjadVocab(s *scratch, q *qtoken, seg []vocabSim) {
	b := &s.abjadSort
	b.seg, b.tier, b.rank = seg, b.tier[:0], b.rank[:0]
	for _, v := range seg {
		r := 1 - ix.vocabW[v.id]
		if longVowelsAgree(q.phon, ix.vocabPhon[v.id]) {
			r += 2
		}
		if sameUnvowelled(q.phon, ix.vocabPhon[v.id]) {
			r++
		}
		b.tier, b.rank = append(b.tier, abjadTier(v.sim)), append(b.rank, r)
	}
	sort.Sort(b)
	b.seg = nil
}

// sameUnvowelled says whether two phonetic forms have the same letters
// once vowels are dropped, glides and doubled consonants kept: احد (ahd)
// is written as Ahad is, not as Khudaidad (hdd) or Vahid (vhd), though all
// share its consonant key.
func sameUnvowelled(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && isVowel(a[i]) {
			i++
		}
		for j < len(b) && isVowel(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}

// abjadTier groups the similarities of listed words to an Arabic-script
// word: the word itself, then every spelling of it (its consonants, a
// variant reading, the same sound), then the near ones by similarity.
func abjadTier(sim float64) float64 {
	switch {
	case sim >= 1:
		return 2
	case sim >= abjadKeySim-0.02:
		return 1
	}
	return sim
}

// byAbjadRank sorts seg by tier (abjadTier of its similarity), then by
// rank, best first.
type byAbjadRank struct {
	seg  []vocabSim
	tier []float64
	rank []float32
}

func (b *byAbjadRank) Len() int { return len(b.seg) }
func (b *byAbjadRank) Less(i, j int) bool {
	if ti, tj := b.tier[i], b.tier[j]; ti != tj {
		return ti > tj
	}
	return b.rank[i] > b.rank[j]
}
func (b *byAbjadRank) Swap(i, j int) {
	b.seg[i], b.seg[j] = b.seg[j], b.seg[i]
	b.tier[i], b.tier[j] = b.tier[j], b.tier[i]
	b.rank[i], b.rank[j] = b.rank[j], b.rank[i]
}

// abjadPrefixes are the letters a listed Latin word may begin with that
// the consonant key of an Arabic-script word leaves out: a vowel, a glide
// or the article.
var abjadPrefixes = [...]string{"", "a", "e", "i", "u", "y", "v", "al", "el"}

// abjadCompoundVocab appends, for the last word of an Arabic-script
// compound of a word, the article and a word ("حبيب الله", "نصير الدين",
// "عبد الرحمن") or of two words ("ولی جان"), the listed words with the
// consonants of the compound written as one ("Habibullah", "Nasiruddin",
// "Abdulrahman", "Walijan"). They find candidates only (half):
// compareNames joins the words (abjadJoin).
//
// cache, when not nil, keeps the keys of the compounds (vocabCache.joinKeys),
// which abjadJoin joins again.
func (ix *Index) abjadCompoundVocab(q []qtoken, base int, out []vocabSim, cache *vocabCache) []vocabSim {
	i := len(q) - 1
	if i < 1 || !q[i].abjad {
		return out
	}
	var texts [2]string
	switch {
	case q[i].text == "al" && len(q[i-1].text) >= 2:
		texts[0] = q[i-1].text + "al" // عبد ال: Abdul, Abdel
	case i >= 2 && q[i-1].text == "al" && len(q[i-2].text) >= 2:
		texts = [2]string{q[i-2].text + "al" + q[i].text, q[i-2].text + q[i].text}
	case q[i-1].text != "al" && len(q[i-1].text) >= 2 && len(q[i].text) >= 2:
		texts[0] = q[i-1].text + q[i].text // ولی جان: Walijan
	default:
		return out
	}
	// The two readings of a compound with the article ("سیف الله":
	// sifallh, siflh) often have the same consonants: each key is looked
	// up once, so that compoundNames counts the listed words once.
	var seen [2 * (maxAbjadVariants + 1)]string
	nseen := 0
	// The compound is as rare as the listed words of its own readings'
	// keys; those of its variant readings count only when they meet none
	// (as similarVocab's keyNames).
	variantNames := 0
	for n, text := range texts {
		if text == "" {
			continue
		}
		own, alts := cache.joinKeys(text)
		if len(own) < 3 {
			if n == 0 && q[i].text == "lh" && q[i-1].text == "al" {
				out = ix.allahCompoundVocab(q, i, base, text, own, out)
			}
			continue
		}
		for k, rest := own, alts; k != ""; k, rest = nextKey(rest) {
			if slices.Contains(seen[:nseen], k) {
				continue
			}
			if nseen < len(seen) {
				seen[nseen] = k
				nseen++
			}
			var names int
			out, names = ix.compoundKeyVocab(q, i, base, k, out)
			if k == own {
				q[i].compoundNames = uint16(min(65535, int(q[i].compoundNames)+names))
			} else {
				variantNames += names
			}
		}
	}
	if q[i].compoundNames == 0 {
		q[i].compoundNames = uint16(min(65535, variantNames))
	}
	return out
}

// allahCompoundVocab appends, for a word and الله whose consonant key k
// is too short to single out listed words ("wliallh": l), the listed words
// with that key that are the word compounded with Allah (Waliullah:
// allahCompoundSim), as compoundKeyVocab does.
func (ix *Index) allahCompoundVocab(q []qtoken, i, base int, text, k string, out []vocabSim) []vocabSim {
	t := newQToken(Token{Text: text, Abjad: true}, 1)
	for _, pre := range abjadPrefixes {
		same := ix.skeletonRange(pre, k)
		for j, v := range same {
			if j >= 8*maxSimilarVocab {
				break
			}
			if allahCompoundSim(&t, &ix.vtok[v]) < minTokenSim+0.1 {
				continue
			}
			q[i].compoundNames = min(65535, q[i].compoundNames+1)
			if !slices.ContainsFunc(out[base:], func(s vocabSim) bool { return s.id == v }) {
				out = append(out, vocabSim{id: v, sim: abjadKeySim - 0.02, half: true})
			}
		}
	}
	return out
}

// compoundKeyVocab appends the listed words with consonant key k (after
// one of abjadPrefixes) for the compound ending at query word i, and
// returns how many listed words have that key.
func (ix *Index) compoundKeyVocab(q []qtoken, i, base int, k string, out []vocabSim) ([]vocabSim, int) {
	names := 0
	for _, pre := range abjadPrefixes {
		same := ix.skeletonRange(pre, k)
		names += len(same)
		for j, v := range same {
			if j >= maxSimilarVocab {
				break
			}
			if !slices.ContainsFunc(out[base:], func(s vocabSim) bool { return s.id == v }) {
				out = append(out, vocabSim{id: v, sim: abjadKeySim - 0.02, half: true})
			}
		}
	}
	return out, names
}

// abjadWeight is the weight of an Arabic-script word: that of its commonest
// Latin spelling. A few listed names written in Arabic script make "mhmd"
// a rare word; محمد is as common as Muhammad.
func (ix *Index) abjadWeight(q *qtoken, sims []vocabSim) float64 {
	w := q.weight
	for _, vs := range sims {
		if !vs.half && vs.sim >= abjadKeySim-0.02 {
			w = min(w, float64(ix.vocabW[vs.id]))
		}
	}
	return w
}

// candidates accumulates, for every listed name sharing a similar token
// with the query, a cheap score (weighted best token similarity per query
// token) and returns the best maxCandidates names. No entity is visited
// unless one of its tokens is similar to a query token.
func (ix *Index) candidates(s *scratch, q []qtoken, sims [][]vocabSim) []uint32 {
	hasRare := false
	var qTotal float64
	for i := range q {
		qTotal += q[i].weight
		if q[i].weight >= lowWeight && len(sims[i]) > 0 {
			hasRare = true
		}
	}
	for i := range q {
		if hasRare && q[i].weight < lowWeight {
			continue
		}
		for _, vs := range sims[i] {
			val := float32(vs.sim * q[i].weight)
			if vs.half && q[i].abjad {
				// A compound (abjadCompoundVocab) weighs as the listed word.
				val = max(val, float32(vs.sim)*ix.vocabW[vs.id])
			}
			for _, n := range ix.postNames[ix.postOff[vs.id]:ix.postOff[vs.id+1]] {
				a := &s.acc[n]
				switch a.lastQ {
				case -1:
					s.touched = append(s.touched, n)
					fallthrough
				default:
					if a.lastQ != int32(i) {
						a.lastQ, a.lastV = int32(i), val
						a.acc += val
					} else if val > a.lastV {
						a.acc += val - a.lastV
						a.lastV = val
					}
				}
			}
		}
	}
	// Cheap estimate of the name score: coverage of the query and of the
	// listed name by the accumulated weight.
	h := &s.heap
	h.id, h.score = h.id[:0], h.score[:0]
	for _, n := range s.touched {
		a := float64(s.acc[n].acc)
		// Name coverage adds at most 1-nameQueryWeight: a name that
		// cannot beat the least of a full heap is not weighed.
		if len(h.id) == maxCandidates && nameQueryWeight*a/qTotal+(1-nameQueryWeight) <= h.score[0] {
			continue
		}
		est := nameQueryWeight*a/qTotal + (1-nameQueryWeight)*min(1, a/float64(ix.nameW[n]))
		h.push(n, est, maxCandidates)
	}
	return h.ids()
}

// candHeap keeps the k best candidates in a min-heap.
type candHeap struct {
	id    []uint32
	score []float64
}

func (h *candHeap) push(id uint32, score float64, k int) {
	if len(h.id) < k {
		h.id = append(h.id, id)
		h.score = append(h.score, score)
		h.up(len(h.id) - 1)
		return
	}
	if score <= h.score[0] {
		return
	}
	h.id[0], h.score[0] = id, score
	h.down(0)
}

func (h *candHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h.score[p] <= h.score[i] {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *candHeap) down(i int) {
	for {
		l, small := 2*i+1, i
		if l < len(h.id) && h.score[l] < h.score[small] {
			small = l
		}
		if r := l + 1; r < len(h.id) && h.score[r] < h.score[small] {
			small = r
		}
		if small == i {
			return
		}
		h.swap(i, small)
		i = small
	}
}

func (h *candHeap) swap(i, j int) {
	h.id[i], h.id[j] = h.id[j], h.id[i]
	h.score[i], h.score[j] = h.score[j], h.score[i]
}

func (h *candHeap) ids() []uint32 { return h.id }
