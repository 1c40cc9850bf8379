package screening

import (
	"sort"
	"strings"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// Screen screens one name. It never scans all entities: candidates come
// from the inverted index and at most maxCandidates names are scored.
func (ix *Index) Screen(q Query, opt Options) Result {
	opt = opt.withDefaults()
	res := Result{Outcome: OutcomeClear, Matches: []Match{}, ListVersion: ix.Version()}
	toks := PrepareName(q.Name, q.Type)
	if len(toks) == 0 {
		res.Notes = append(res.Notes, "empty name after normalisation")
		return res
	}
	s := ix.scratch.Get().(*scratch)
	defer func() { s.reset(); ix.scratch.Put(s) }()

	qt := make([]qtoken, len(toks))
	sims := make([][]vocabSim, len(toks))
	unsupported := false
	for i, t := range toks {
		qt[i] = newQToken(t, 1)
		if !isASCII(t.Text) {
			unsupported = true
		}
		sims[i] = ix.similarVocab(s, &qt[i])
		qt[i].weight = ix.queryWeight(sims[i])
	}
	if unsupported {
		res.Notes = append(res.Notes, "name contains a script without transliteration; only exact same-script names can match")
	}
	// A joined pair of query tokens that is one listed token.
	for i := 0; i+1 < len(qt); i++ {
		if id, ok := ix.lookup(qt[i].text + qt[i+1].text); ok {
			sims[i] = append(sims[i], vocabSim{id, 0.95})
		}
	}

	qDOB, _ := ParseQueryDate(q.DOB)
	qCty := queryCountries(q)
	best := map[uint32]int{} // entity -> index in res.Matches
	ntoks := make([]qtoken, 0, 16)
	for _, n := range ix.candidates(s, qt, sims) {
		e := ix.nameEnt[n]
		flags := ix.nameFlags[n]
		ntoks = ntoks[:0]
		for _, v := range ix.nameToks[ix.nameTokOff[n]:ix.nameTokOff[n+1]] {
			t := ix.vtok[v]
			t.abjad = flags&flagAbjad != 0
			ntoks = append(ntoks, t)
		}
		ns := compareNames(qt, ntoks)
		if ns.Score == 0 {
			continue
		}
		m := ix.explain(e, n, ns, qDOB, qCty, q.Type)
		if m.Score < opt.MinScore {
			continue
		}
		m.Outcome = opt.Thresholds.outcome(m.Score)
		if i, ok := best[e]; ok {
			if m.Score > res.Matches[i].Score {
				res.Matches[i] = m
			}
			continue
		}
		best[e] = len(res.Matches)
		res.Matches = append(res.Matches, m)
	}
	sort.SliceStable(res.Matches, func(i, j int) bool {
		a, b := res.Matches[i], res.Matches[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.EntityID < b.EntityID
	})
	if len(res.Matches) > opt.MaxResults {
		res.Matches = res.Matches[:opt.MaxResults]
	}
	if len(res.Matches) > 0 {
		res.Outcome = res.Matches[0].Outcome
	}
	return res
}

// queryWeight is the rarity weight of a query token: that of the most
// similar listed token, or 1 for a token unlike any listed one.
func (ix *Index) queryWeight(sims []vocabSim) float64 {
	best, w := 0.0, 1.0
	for _, vs := range sims {
		if vs.sim > best {
			best, w = vs.sim, float64(ix.vocabW[vs.id])
		}
	}
	return w
}

// explain compares qualifiers and combines them with the name score.
func (ix *Index) explain(e, n uint32, ns NameScore, qDOB sanctions.Date, qCty []string, qType sanctions.EntityType) Match {
	typ := typeOf(ix.entType[e])
	var dobs []sanctions.Date
	for _, p := range ix.entDOBs[ix.entDOBOff[e]:ix.entDOBOff[e+1]] {
		dobs = append(dobs, unpackDate(p))
	}
	dg, dAdj, dListed := compareDOB(qDOB, dobs)
	if typ != sanctions.TypePerson && dg != DOBUnknown {
		dg, dAdj, dListed = DOBUnknown, 0, ""
	}
	cg, cAdj, cListed := compareCountry(qCty, ix.entCtys[ix.entCtyOff[e]:ix.entCtyOff[e+1]])
	tg, tAdj := compareType(qType, typ)
	flags := ix.nameFlags[n]
	kind := sanctions.NameKind(flags & flagKindMask)
	weak := flags&flagWeak != 0
	score, ex := combine(ns, kind, weak,
		ComponentResult{Agreement: string(dg), Adjustment: dAdj, Listed: dListed},
		ComponentResult{Agreement: string(cg), Adjustment: cAdj, Listed: cListed},
		ComponentResult{Agreement: string(tg), Adjustment: tAdj, Listed: string(typ)})
	ex.MatchedName = ix.nameDisplay[n]
	ex.MatchedNameKind = kind.String()
	ex.WeakAlias = weak
	return Match{
		EntityID:    ix.entID[e],
		Source:      sanctions.Source(ix.sourceNames[ix.entSource[e]]),
		EntityType:  typ,
		PrimaryName: ix.entPrimary[e],
		Programs:    ix.entProgs[ix.entProgOff[e]:ix.entProgOff[e+1]:ix.entProgOff[e+1]],
		Score:       score,
		Explanation: ex,
	}
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
			m.EntityID, m.EntityName = ix.entID[e], ix.entPrimary[e]
		}
		res.Matches = append(res.Matches, m)
	}
	if len(res.Matches) > 0 {
		res.Outcome = OutcomeMatch
	}
	return res
}

// EntityName returns the primary name of an entity id in a source, for
// callers that hold ids from a delta.
func (ix *Index) EntityName(src sanctions.Source, id string) (string, bool) {
	for e := range ix.entID {
		if ix.entID[e] == id && strings.EqualFold(ix.sourceNames[ix.entSource[e]], string(src)) {
			return ix.entPrimary[e], true
		}
	}
	return "", false
}
