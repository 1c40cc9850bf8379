package screening_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// TestFullListsFindKnownEntries screens real names against OFAC 2021-07 +
// UN + the OFAC address files.
func TestFullListsFindKnownEntries(t *testing.T) {
	d := requireFixtureIndex(t)
	tests := []struct {
		q      screening.Query
		wantID string
	}{
		{screening.Query{Name: "Xiaobing Yan", DOB: "1977-03-25"}, "25308"},
		{screening.Query{Name: "Ali Khorashadizadeh", Nationality: "IR", Type: sanctions.TypePerson}, "26137"},
		{screening.Query{Name: "Eric Badege", DOB: "1971"}, "6907993"},
		{screening.Query{Name: "Frank Kakorere Bwambale"}, "6907994"},
		{screening.Query{Name: "Gaston Iyamuremy", DOB: "1948"}, "6907995"},
		{screening.Query{Name: "Banco Nacional de Cuba", Type: sanctions.TypeOrganisation}, "306"},
	}
	for _, tt := range tests {
		r := d.ix.Screen(tt.q, screening.DefaultOptions())
		// Many people are on both lists: the wanted entry must share the
		// top score (its OFAC or UN twin may be listed first on a tie).
		found := false
		for _, m := range r.Matches {
			found = found || (m.EntityID == tt.wantID && m.Score == r.Matches[0].Score)
		}
		if !found || r.Outcome == screening.OutcomeClear {
			t.Errorf("%+v: outcome %s, matches %+v", tt.q, r.Outcome, r.Matches)
		}
	}
	for _, name := range []string{"Patricia Lucas Wheeler", "Ingeborg Abrahamsen", "Kathryn Barr"} {
		if r := d.ix.Screen(screening.Query{Name: name, DOB: "1972-11-21", Type: sanctions.TypePerson}, screening.DefaultOptions()); r.Outcome != screening.OutcomeClear {
			t.Errorf("%s flagged: %+v", name, r.Matches[0].Explanation.Formula)
		}
	}
}

func TestFullListsCryptoAddresses(t *testing.T) {
	d := requireFixtureIndex(t)
	// From an OFAC remark of entity 25308 (XBT, base58).
	r := d.ix.ScreenAddress("XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h")
	if r.Outcome != screening.OutcomeMatch || r.Matches[0].EntityID != "25308" {
		t.Errorf("remark address: %+v", r)
	}
	// From sanctioned_addresses_ETH.txt, queried in upper case.
	r = d.ix.ScreenAddress("ETH", "0x01E2919679362DFBC9EE1644BA9C6DA6D6245BB1")
	if r.Outcome != screening.OutcomeMatch || r.Matches[0].Source != sanctions.SourceOFACCrypto {
		t.Errorf("file address: %+v", r)
	}
}

// The load time is measured by BenchmarkLoad and infra/screenbench, never asserted here:
// a timed test fails on a loaded machine or under -race, not on a slow index.
func TestFullIndexRoundTripsThroughItsSerializedForm(t *testing.T) {
	d := requireFixtureIndex(t)
	start := time.Now()
	ix, err := screening.LoadBytes(d.raw)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("serialized %d bytes, loaded in %v", len(d.raw), elapsed)
	if ix.Stats() != d.ix.Stats() {
		t.Errorf("stats differ after load")
	}
}

// TestTheSameListsAlwaysMakeTheSameIndex builds the index of the same lists
// again and again: every build, in any process, must be the same bytes, so
// that a list version screens the same way wherever its index was built
// (a map iterated in a random order once made "COMPANIES" read as "cia" in
// one build and "cie" in another, and a query's candidates with it).
func TestTheSameListsAlwaysMakeTheSameIndex(t *testing.T) {
	d := requireFixtureIndex(t)
	for i := 0; i < 3; i++ {
		ix, err := screening.Build(d.lists.OFAC2021, d.lists.UN, d.lists.Crypto)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := ix.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Bytes(), d.raw) {
			t.Fatalf("build %d: its %d bytes differ from the fixture index's %d, built from the same lists", i, b.Len(), len(d.raw))
		}
	}
}

// builtIndexDigest is the digest of the fixture index under BuildVersion.
const builtIndexDigest = "v2:2ca418ed64a1d636a5a3ecad"

// TestBuildVersionCoversTheFixtureIndex: a change to what Build makes of
// the same lists must come with a new BuildVersion (list refresh then
// publishes the lists again), recorded here with its digest.
func TestBuildVersionCoversTheFixtureIndex(t *testing.T) {
	d := requireFixtureIndex(t)
	sum := sha256.Sum256(d.raw)
	if got := fmt.Sprintf("v%d:%x", screening.BuildVersion, sum[:12]); got != builtIndexDigest {
		t.Errorf("the fixture index is %s, recorded %s: if Build changed on purpose, bump BuildVersion and record the new digest", got, builtIndexDigest)
	}
}
