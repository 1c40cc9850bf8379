package screening

import "sort"

// Deletion neighbourhood (SymSpell, distance 1): every vocabulary token of
// three letters or more is indexed under the hash of itself and of each
// variant with one letter deleted. Two tokens one edit apart (substitution,
// insertion, deletion, transposition) share at least one key, which catches
// the typos that break too many trigrams in short tokens ("ahmed"/"ahemd").
const minDeleteLen = 3

// deleteKeys appends the deletion-neighbourhood hashes of t.
func deleteKeys(t string, buf []uint64) []uint64 {
	buf = append(buf[:0], hashString(t))
	if len(t) < minDeleteLen || len(t) > 24 {
		return buf
	}
	var tmp [24]byte
	for p := 0; p < len(t); p++ {
		n := copy(tmp[:], t[:p])
		n += copy(tmp[n:], t[p+1:])
		buf = append(buf, hashBytes(tmp[:n]))
	}
	return buf
}

// hashString is 64-bit FNV-1a.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func hashBytes(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// buildDeletes fills delKeys (sorted hashes) and delVocab (parallel ids).
func (ix *Index) buildDeletes() {
	type pair struct {
		key uint64
		v   uint32
	}
	var pairs []pair
	var buf []uint64
	for v, t := range ix.vocab {
		if !isASCII(t) {
			continue
		}
		buf = deleteKeys(t, buf)
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
	ix.delKeys = make([]uint64, 0, len(pairs))
	ix.delVocab = make([]uint32, 0, len(pairs))
	for i, p := range pairs {
		if i > 0 && p == pairs[i-1] {
			continue
		}
		ix.delKeys = append(ix.delKeys, p.key)
		ix.delVocab = append(ix.delVocab, p.v)
	}
}

// deleteNeighbours calls fn for each vocabulary id sharing a deletion key
// with t (duplicates possible).
func (ix *Index) deleteNeighbours(t string, buf []uint64, fn func(v uint32)) []uint64 {
	buf = deleteKeys(t, buf)
	for _, k := range buf {
		i := sort.Search(len(ix.delKeys), func(i int) bool { return ix.delKeys[i] >= k })
		for ; i < len(ix.delKeys) && ix.delKeys[i] == k; i++ {
			fn(ix.delVocab[i])
		}
	}
	return buf
}
