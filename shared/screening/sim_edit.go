package screening

// maxEdits is how many edits a token of a given length may carry and still
// be a misspelling of another: none below four letters (a typo in "ali"
// cannot be told from another name), one up to five, two up to eight,
// three beyond. A surname that differs in its stem ("zuckermann",
// "zuckerberg": four edits) is another name, however long the shared
// prefix.
func maxEdits(n int) int {
	switch {
	case n <= 3:
		return 0
	case n <= 5:
		return 1
	case n <= 8:
		return 2
	}
	return 3
}

// editSim is the similarity of two tokens by edit distance (optimal string
// alignment: substitution, insertion, deletion, adjacent transposition),
// relative to length and bounded by maxEdits; 0 when they are further
// apart. A different first letter costs extra, as misspellings rarely
// touch it, except between the voiced and voiceless consonants that
// romanisations swap (Gim/Kim, Bak/Pak, Dong/Tong).
func editSim(a, b string) float64 {
	if a == b {
		return 1
	}
	l := max(len(a), len(b))
	allowed := maxEdits(l)
	if l <= 3 && shortVariant(a, b) {
		return 0.86
	}
	if allowed == 0 || l > 64 {
		return 0
	}
	d := osaDistance(a, b, allowed)
	if d > allowed {
		return 0
	}
	s := 1 - 0.6*float64(d)/float64(l)
	if a[0] != b[0] && !voicingPair(a[0], b[0]) {
		s -= 0.05
	}
	return s
}

// shortVariant accepts the one difference between short tokens that
// romanisations make: a glide after the first consonant written or not
// (Ryu/Ru, Kyu/Ku, Hwa/Ha) or a voiced/voiceless first consonant
// (Gim/Kim).
func shortVariant(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 {
		return false
	}
	if len(b) == len(a)+1 && (b[1] == 'y' || b[1] == 'w') && b[0] == a[0] && b[2:] == a[1:] {
		return true
	}
	return len(a) == len(b) && voicingPair(a[0], b[0]) && a[1:] == b[1:]
}

func voicingPair(x, y byte) bool {
	if x > y {
		x, y = y, x
	}
	switch {
	case x == 'g' && y == 'k', x == 'b' && y == 'p', x == 'd' && y == 't':
		return true
	}
	return false
}

// osaDistance is the optimal string alignment distance of a and b, or
// limit+1 as soon as it must exceed limit. It is on the hot path of every
// query (each token pair that candidate generation did not cover), so it
// strips the common prefix and suffix (which an optimal alignment leaves
// alone) and fills only the diagonal band of width 2*limit+1 that a
// distance within limit can use, in rows of bytes that need no clearing.
func osaDistance(a, b string, limit int) int {
	for len(a) > 0 && len(b) > 0 && a[0] == b[0] {
		a, b = a[1:], b[1:]
	}
	for len(a) > 0 && len(b) > 0 && a[len(a)-1] == b[len(b)-1] {
		a, b = a[:len(a)-1], b[:len(b)-1]
	}
	la, lb := len(a), len(b)
	if la-lb > limit || lb-la > limit || limit > 64 {
		return limit + 1
	}
	if la == 0 || lb == 0 {
		return max(la, lb)
	}
	if lb > 64 {
		return limit + 1
	}
	over := uint8(limit + 1)
	var rows [3][66]uint8
	prev2, prev, cur := &rows[0], &rows[1], &rows[2]
	for j := 0; j <= min(lb, limit); j++ {
		prev[j] = uint8(j)
	}
	if limit+1 <= lb {
		prev[limit+1] = over
	}
	for i := 1; i <= la; i++ {
		lo, hi := max(1, i-limit), min(lb, i+limit)
		if lo == 1 {
			cur[0] = uint8(min(i, limit+1))
		} else {
			cur[lo-1] = over
		}
		rowMin := cur[lo-1]
		ai := a[i-1]
		for j := lo; j <= hi; j++ {
			v := prev[j-1]
			if ai != b[j-1] {
				v++
			}
			v = min(v, prev[j]+1, cur[j-1]+1)
			if i > 1 && j > 1 && ai == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			v = min(v, over)
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if hi < lb {
			cur[hi+1] = over
		}
		if rowMin > over-1 {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return int(prev[lb])
}

// damerauDistance is the unrestricted Damerau-Levenshtein distance of two
// words of at most 32 bytes (or limit+1 for longer ones): unlike
// osaDistance it counts a transposition with a letter slipped between
// ("kvlein" for "kevin") as two edits, not three. It is used only on the
// few word pairs the alignment leaves over.
func damerauDistance(a, b string, limit int) int {
	la, lb := len(a), len(b)
	if la-lb > limit || lb-la > limit || la > 32 || lb > 32 {
		return limit + 1
	}
	var d [34][34]int
	var last [256]int // last row where each byte occurred in a (1-based)
	inf := la + lb
	d[0][0] = inf
	for i := 0; i <= la; i++ {
		d[i+1][0], d[i+1][1] = inf, i
	}
	for j := 0; j <= lb; j++ {
		d[0][j+1], d[1][j+1] = inf, j
	}
	for i := 1; i <= la; i++ {
		db := 0
		for j := 1; j <= lb; j++ {
			i1, j1 := last[b[j-1]], db
			cost := 1
			if a[i-1] == b[j-1] {
				cost, db = 0, j
			}
			d[i+1][j+1] = min(d[i][j]+cost, d[i+1][j]+1, d[i][j+1]+1,
				d[i1][j1]+(i-i1-1)+1+(j-j1-1))
		}
		last[a[i-1]] = i
	}
	return min(d[la+1][lb+1], limit+1)
}
