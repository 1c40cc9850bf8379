package screening

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// kindsIndex holds one sanctioned person and one PEP of the same name, and a PEP of
// another name, so that what each kind of list says can be told apart.
func kindsIndex(t *testing.T) *Index {
	t.Helper()
	day := func(y, m, d int) sanctions.Date {
		return sanctions.Date{Year: y, Month: m, Day: d, Precision: sanctions.PrecisionDay}
	}
	sanc := &sanctions.List{Source: sanctions.SourceUN, Entities: []sanctions.Entity{{
		ID: "S-1", Source: sanctions.SourceUN, Type: sanctions.TypePerson,
		Names:         []sanctions.Name{{Full: "Viktor Andreyevich Kovalenko"}},
		BirthDates:    []sanctions.Date{day(1961, 3, 14)},
		Nationalities: []sanctions.Country{{Code: "RU", Name: "Russia"}},
		Programs:      []string{"UKRAINE"},
	}}}
	pep := &sanctions.List{Source: sanctions.SourcePEPUS, Entities: []sanctions.Entity{{
		ID: "P-1", Source: sanctions.SourcePEPUS, Type: sanctions.TypePerson, Kind: sanctions.KindPEP,
		Names:      []sanctions.Name{{Full: "Viktor Andreyevich Kovalenko"}},
		BirthDates: []sanctions.Date{day(1975, 9, 2)},
		Positions: []sanctions.Position{{Title: "Senator", Body: "US Senate", Country: "US",
			Start: sanctions.Date{Year: 2021, Month: 1, Day: 3, Precision: sanctions.PrecisionDay}}},
	}, {
		ID: "P-2", Source: sanctions.SourcePEPUS, Type: sanctions.TypePerson, Kind: sanctions.KindPEP,
		Names:     []sanctions.Name{{Full: "Margaret Eleanor Whitfield"}},
		Positions: []sanctions.Position{{Title: "Representative", Body: "US House of Representatives", Country: "US"}},
	}}}
	ix, err := Build(sanc, pep)
	if err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestAPEPMatchIsFlaggedNeverASanctionsHit(t *testing.T) {
	ix := kindsIndex(t)
	r := ix.Screen(Query{Name: "Margaret Eleanor Whitfield", Type: sanctions.TypePerson}, DefaultOptions())
	if r.Outcome != OutcomeClear || !r.PEP || r.PEPOutcome != OutcomeMatch {
		t.Fatalf("PEP only: outcome %s pep %v pepOutcome %s", r.Outcome, r.PEP, r.PEPOutcome)
	}
	m := r.Matches[0]
	if m.Kind != KindPEP || m.EntityID != "P-2" || len(m.Positions) != 1 ||
		m.Positions[0] != "Representative, US House of Representatives (US)" {
		t.Fatalf("PEP match = %+v", m)
	}

	// The same name on both kinds of list: each kind grades its own matches.
	r = ix.Screen(Query{Name: "Viktor Andreyevich Kovalenko", Type: sanctions.TypePerson}, DefaultOptions())
	if r.Outcome != OutcomeMatch || !r.PEP {
		t.Fatalf("both: outcome %s pep %v", r.Outcome, r.PEP)
	}
	kinds := map[ListKind]string{}
	for _, m := range r.Matches {
		kinds[m.Kind] = m.EntityID
	}
	if kinds[KindSanctions] != "S-1" || kinds[KindPEP] != "P-1" {
		t.Fatalf("kinds of matches = %v", kinds)
	}
	for _, m := range r.Matches {
		if m.Kind == KindPEP && (len(m.Programs) != 0 || len(m.Positions) != 1 || !strings.Contains(m.Positions[0], "since 2021-01-03")) {
			t.Errorf("PEP match carries %+v", m)
		}
	}
}

func TestClientsChooseSanctionsPEPOrBoth(t *testing.T) {
	ix := kindsIndex(t)
	name := "Viktor Andreyevich Kovalenko"
	for _, c := range []struct {
		kinds       []ListKind
		outcome     Outcome
		pepOutcome  Outcome
		wantSources []string
	}{
		{[]ListKind{KindSanctions}, OutcomeMatch, OutcomeNotScreened, []string{"S-1"}},
		{[]ListKind{KindPEP}, OutcomeNotScreened, OutcomeMatch, []string{"P-1"}},
		{[]ListKind{KindSanctions, KindPEP}, OutcomeMatch, OutcomeMatch, []string{"P-1", "S-1"}},
		{nil, OutcomeMatch, OutcomeMatch, []string{"P-1", "S-1"}},
	} {
		r := ix.Screen(Query{Name: name, Kinds: c.kinds}, DefaultOptions())
		var ids []string
		for _, m := range r.Matches {
			ids = append(ids, m.EntityID)
		}
		slices.Sort(ids)
		if r.Outcome != c.outcome || r.PEPOutcome != c.pepOutcome || !slices.Equal(ids, c.wantSources) {
			t.Errorf("kinds %v: outcome %s pepOutcome %s matches %v", c.kinds, r.Outcome, r.PEPOutcome, ids)
		}
		if r.PEP != (c.pepOutcome == OutcomeMatch) {
			t.Errorf("kinds %v: pep flag %v", c.kinds, r.PEP)
		}
	}
}

func TestADisagreementShowsWhatWasAskedAndWhatIsListed(t *testing.T) {
	ix := kindsIndex(t)
	r := ix.Screen(Query{Name: "Viktor Andreyevich Kovalenko", Type: sanctions.TypePerson, DOB: "1990-05-05",
		Nationality: "FR", Kinds: []ListKind{KindSanctions}}, Options{MinScore: 0.01})
	if len(r.Matches) == 0 {
		t.Fatal("no match")
	}
	ex := r.Matches[0].Explanation
	if ex.DOB.Queried != "1990-05-05" || ex.DOB.Listed != "1961-03-14" || ex.DOB.Adjustment >= 0 {
		t.Errorf("dob = %+v", ex.DOB)
	}
	if ex.Country.Queried != "FR" || ex.Country.Listed != "RU" {
		t.Errorf("country = %+v", ex.Country)
	}
	if ex.Type.Queried != "person" || ex.Type.Listed != "person" {
		t.Errorf("type = %+v", ex.Type)
	}
	raw, _ := json.Marshal(r)
	for _, k := range []string{`"listVersion"`, `"entityId"`, `"primaryName"`, `"matchedName"`, `"matchedNameKind"`,
		`"weakAlias"`, `"nameQuality"`, `"queryCoverage"`, `"queried"`, `"pepOutcome"`} {
		if !bytes.Contains(raw, []byte(k)) {
			t.Errorf("answer lacks %s: %s", k, raw)
		}
	}
	if bytes.Contains(raw, []byte(`_`+`id"`)) || bytes.Contains(raw, []byte(`"list_version"`)) {
		t.Errorf("snake_case in the answer: %s", raw)
	}
}

func TestAMatchShowsAPEPsMostRecentPositions(t *testing.T) {
	var ps []sanctions.Position
	for y := 1991; y <= 2025; y += 2 {
		ps = append(ps, sanctions.Position{Title: "Representative", Country: "US",
			Start: sanctions.Date{Year: y, Precision: sanctions.PrecisionYear}, End: sanctions.Date{Year: y + 2, Precision: sanctions.PrecisionYear}})
	}
	ps = append(ps, sanctions.Position{Title: "Speaker", Country: "US", Start: sanctions.Date{Year: 2019, Precision: sanctions.PrecisionYear}})
	ix, err := Build(&sanctions.List{Source: sanctions.SourcePEPUS, Entities: []sanctions.Entity{{ID: "P", Source: sanctions.SourcePEPUS,
		Type: sanctions.TypePerson, Kind: sanctions.KindPEP, Names: []sanctions.Name{{Full: "Theodora Quill Banner"}}, Positions: ps}}})
	if err != nil {
		t.Fatal(err)
	}
	got := ix.Screen(Query{Name: "Theodora Quill Banner"}, DefaultOptions()).Matches[0].Positions
	want := []string{"Speaker (US), since 2019", "Representative (US), 2025 to 2027", "Representative (US), 2023 to 2025",
		"Representative (US), 2021 to 2023", "Representative (US), 2019 to 2021"}
	if !slices.Equal(got, want) {
		t.Fatalf("positions = %q", got)
	}
}

func TestKindsAndPositionsSurviveSerialization(t *testing.T) {
	ix := kindsIndex(t)
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := LoadBytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a := ix.Screen(Query{Name: "Margaret Whitfield"}, Options{MinScore: 0.01})
	b := back.Screen(Query{Name: "Margaret Whitfield"}, Options{MinScore: 0.01})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || len(b.Matches) == 0 || b.Matches[0].Kind != KindPEP || len(b.Matches[0].Positions) != 1 {
		t.Fatalf("after a round trip:\n%s\n%s", ja, jb)
	}
}

func TestADeltaIndexScoresItsEntriesAsTheFullIndexDoes(t *testing.T) {
	lists := testLists()
	full, err := Build(lists...)
	if err != nil {
		t.Fatal(err)
	}
	// The delta holds a few of the full index's entries, as a list version's changes do.
	var delta []*sanctions.List
	var queries []string
	for _, l := range lists {
		d := &sanctions.List{Source: l.Source}
		for i := 0; i < len(l.Entities) && i < 3; i++ {
			e := l.Entities[i]
			d.Entities = append(d.Entities, e)
			if n := e.PrimaryName(); len(n) > 4 {
				queries = append(queries, n, n[:len(n)-1]+"x", "John "+n)
			}
		}
		delta = append(delta, d)
	}
	dix, err := BuildDelta(full, delta...)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, q := range queries {
		want := map[string]float64{}
		for _, m := range full.Screen(Query{Name: q}, Options{MinScore: 0.3, MaxResults: 50}).Matches {
			want[string(m.Source)+"/"+m.EntityID] = m.Score
		}
		for _, m := range dix.Screen(Query{Name: q}, Options{MinScore: 0.3, MaxResults: 50}).Matches {
			w, ok := want[string(m.Source)+"/"+m.EntityID]
			if !ok || w != m.Score {
				t.Errorf("%q: %s/%s scores %.3f in the delta, %.3f (found %v) in full", q, m.Source, m.EntityID, m.Score, w, ok)
			}
			compared++
		}
	}
	if compared < len(queries)/2 {
		t.Fatalf("only %d delta matches for %d queries", compared, len(queries))
	}
}
