package screening

import (
	"fmt"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func sanctionsSource(s string) sanctions.Source { return sanctions.Source(s) }

// validate checks every cross-reference of a loaded index so that a query
// can never index out of range.
func (ix *Index) validate() error {
	bad := func(what string) error { return fmt.Errorf("%w: inconsistent %s", ErrBadIndex, what) }
	ne, nn, nv := len(ix.entID), len(ix.nameEnt), len(ix.vocab)
	if len(ix.entPrimary) != ne || len(ix.entSource) != ne || len(ix.entType) != ne || len(ix.entKind) != ne {
		return bad("entities")
	}
	for _, s := range ix.entSource {
		if int(s) >= len(ix.sourceNames) {
			return bad("entity sources")
		}
	}
	if !offsetsOK(ix.entProgOff, ne, len(ix.entProgs)) || !offsetsOK(ix.entDOBOff, ne, len(ix.entDOBs)) ||
		!offsetsOK(ix.entCtyOff, ne, len(ix.entCtys)) || !offsetsOK(ix.entNameOff, ne, nn) || !offsetsOK(ix.entPosOff, ne, len(ix.entPos)) {
		return bad("entity offsets")
	}
	if len(ix.nameFlags) != nn || len(ix.nameDisplay) != nn || !offsetsOK(ix.nameTokOff, nn, len(ix.nameToks)) {
		return bad("names")
	}
	for _, e := range ix.nameEnt {
		if int(e) >= ne {
			return bad("name entities")
		}
	}
	if !allBelow(ix.nameToks, nv) || !allBelow(ix.postNames, nn) || !allBelow(ix.triVocab, nv) || !allBelow(ix.delVocab, nv) || len(ix.delKeys) != len(ix.delVocab) ||
		!allBelow(ix.phonOrder, nv+0) || !allBelow(ix.skelOrder, nv) {
		return bad("references")
	}
	if len(ix.vocabW) != nv || len(ix.vocabPhon) != nv || len(ix.vocabSkel) != nv || len(ix.phonOrder) != nv || len(ix.skelOrder) != nv {
		return bad("vocabulary")
	}
	if !offsetsOK(ix.postOff, nv, len(ix.postNames)) || !offsetsOK(ix.triOff, len(ix.triKeys), len(ix.triVocab)) {
		return bad("postings")
	}
	na := len(ix.addrKeys)
	if len(ix.addrAsset) != na || len(ix.addrOrig) != na || len(ix.addrSource) != na || len(ix.addrEntity) != na {
		return bad("addresses")
	}
	for i := range ix.addrEntity {
		if int(ix.addrSource[i]) >= len(ix.sourceNames) || ix.addrEntity[i] < -1 || int(ix.addrEntity[i]) >= ne {
			return bad("address references")
		}
	}
	return nil
}

// offsetsOK checks an offsets column of n+1 non-decreasing entries ending
// at total.
func offsetsOK(off []uint32, n, total int) bool {
	if len(off) != n+1 || off[0] != 0 || int(off[n]) != total {
		return false
	}
	for i := 1; i < len(off); i++ {
		if off[i] < off[i-1] {
			return false
		}
	}
	return true
}

func allBelow(vs []uint32, n int) bool {
	for _, v := range vs {
		if int(v) >= n {
			return false
		}
	}
	return true
}
