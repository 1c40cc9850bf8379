package screening

// qtoken is a prepared query or name token with its derived forms and its
// weight (rarity among listed names; common tokens such as "mohammed" or
// "al" weigh less).
type qtoken struct {
	text, phon, skel string
	abjad            bool
	joined           bool // made by joining two adjacent tokens
	weight           float64
}

func newQToken(t Token, w float64) qtoken {
	p := phoneticForm(t.Text)
	return qtoken{text: t.Text, phon: p, skel: skeleton(p), abjad: t.Abjad, weight: w}
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

// tokenSim compares two tokens: Jaro-Winkler on spelling and on phonetic
// form, initials, and consonant skeleton for Arabic-script input.
func tokenSim(q, n *qtoken) (float64, tokenMatch) {
	if q.text == n.text {
		return 1, matchExact
	}
	if len(q.text) == 1 || len(n.text) == 1 {
		if q.text[0] == n.text[0] {
			return 0.9, matchInitial
		}
		return 0, matchNone
	}
	best, how := jaroWinkler(q.text, n.text), matchFuzzy
	if q.phon == n.phon {
		if best < 0.95 {
			best, how = 0.95, matchPhonetic
		}
	} else if p := 0.98 * jaroWinkler(q.phon, n.phon); p > best {
		best, how = p, matchPhonetic
	}
	if (q.abjad || n.abjad) && len(q.skel) >= 2 && len(n.skel) >= 2 {
		s := 0.9 * jaroWinkler(q.skel, n.skel)
		if q.skel == n.skel {
			s = 0.92
		}
		if s > best {
			best, how = s, matchSkeleton
		}
	}
	return best, how
}

// TokenPair is one aligned pair of a query token and a name token.
type TokenPair struct {
	Query      string  `json:"query"`
	Name       string  `json:"name"`
	Similarity float64 `json:"similarity"`
	How        string  `json:"how"`
}

// NameScore is the outcome of comparing a query name with one listed name.
type NameScore struct {
	Score          float64     `json:"score"`
	QueryCoverage  float64     `json:"query_coverage"` // weighted share of query tokens matched
	NameCoverage   float64     `json:"name_coverage"`  // weighted share of listed-name tokens matched
	Pairs          []TokenPair `json:"pairs"`
	UnmatchedQuery []string    `json:"unmatched_query,omitempty"`
	UnmatchedName  []string    `json:"unmatched_name,omitempty"`
}

// nameQueryWeight is the weight of query coverage against name coverage:
// extra query words are a little worse than missing listed words, since
// listed names often carry extra middle names and tribal names.
const nameQueryWeight = 0.55

// compareNames aligns query tokens to name tokens order-insensitively and
// scores the alignment. Joined/split tokens are tried as variants and the
// best variant wins.
func compareNames(q, n []qtoken) NameScore {
	best := alignTokens(q, n)
	if len(n) > 1 {
		if m, ok := mergeAdjacent(n, q); ok {
			if s := alignTokens(q, m); s.Score > best.Score {
				best = s
			}
		}
	}
	if len(q) > 1 {
		if m, ok := mergeAdjacent(q, n); ok {
			if s := alignTokens(m, n); s.Score > best.Score {
				best = s
			}
		}
	}
	return best
}

// mergeAdjacent joins adjacent tokens of a whose concatenation matches a
// token of b ("abdul rahman" -> "abdulrahman").
func mergeAdjacent(a, b []qtoken) ([]qtoken, bool) {
	var out []qtoken
	merged := false
	for i := 0; i < len(a); i++ {
		if i+1 < len(a) && len(a[i].text) > 1 && len(a[i+1].text) > 1 {
			joined := a[i].text + a[i+1].text
			for j := range b {
				if len(b[j].text) >= len(joined)-2 && jaroWinkler(joined, b[j].text) >= 0.92 {
					w := a[i].weight + a[i+1].weight
					if w > 1 {
						w = 1
					}
					t := newQToken(Token{Text: joined, Abjad: a[i].abjad}, w)
					t.joined = true
					out = append(out, t)
					i++
					merged = true
					goto next
				}
			}
		}
		out = append(out, a[i])
	next:
	}
	return out, merged
}

// alignTokens greedily assigns each query token to its most similar free
// name token (best pairs first), then computes weighted coverages. Missing
// middle names of the listed name count half.
func alignTokens(q, n []qtoken) NameScore {
	const maxTok = 16
	if len(q) > maxTok {
		q = q[:maxTok]
	}
	if len(n) > maxTok {
		n = n[:maxTok]
	}
	var sims [maxTok][maxTok]float64
	var hows [maxTok][maxTok]tokenMatch
	for i := range q {
		for j := range n {
			sims[i][j], hows[i][j] = tokenSim(&q[i], &n[j])
		}
	}
	var qUsed, nUsed [maxTok]bool
	var qSim [maxTok]float64
	var nSim [maxTok]float64
	var pairs []TokenPair
	for {
		bi, bj, bs := -1, -1, minTokenSim
		for i := range q {
			if qUsed[i] {
				continue
			}
			for j := range n {
				if !nUsed[j] && sims[i][j] >= bs && (bi < 0 || sims[i][j] > bs) {
					bi, bj, bs = i, j, sims[i][j]
				}
			}
		}
		if bi < 0 {
			break
		}
		qUsed[bi], nUsed[bj] = true, true
		qSim[bi], nSim[bj] = bs, bs
		how := hows[bi][bj]
		if q[bi].joined || n[bj].joined {
			how = matchJoined
		}
		pairs = append(pairs, TokenPair{Query: q[bi].text, Name: n[bj].text, Similarity: round3(bs), How: how.String()})
	}
	var qMatched, qTotal, nMatched, nTotal float64
	var res NameScore
	for i := range q {
		w := q[i].weight
		if qSim[i] > 0 && len(q[i].text) == 1 {
			w *= 0.5 // an initial says little
		}
		qTotal += w
		qMatched += w * qSim[i]
		if !qUsed[i] {
			res.UnmatchedQuery = append(res.UnmatchedQuery, q[i].text)
		}
	}
	for j := range n {
		w := n[j].weight
		if !nUsed[j] && j > 0 && j < len(n)-1 {
			w *= 0.5 // missing middle name
		}
		nTotal += w
		nMatched += w * nSim[j]
		if !nUsed[j] {
			res.UnmatchedName = append(res.UnmatchedName, n[j].text)
		}
	}
	if qTotal == 0 || nTotal == 0 || len(pairs) == 0 {
		return res
	}
	res.Pairs = pairs
	res.QueryCoverage = round3(qMatched / qTotal)
	res.NameCoverage = round3(nMatched / nTotal)
	res.Score = round3(nameQueryWeight*qMatched/qTotal + (1-nameQueryWeight)*nMatched/nTotal)
	return res
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}
