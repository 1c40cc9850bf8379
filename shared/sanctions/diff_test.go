package sanctions

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDiffReportsAddedChangedRemoved(t *testing.T) {
	old := &List{Source: SourceOFAC, Checksums: map[string]string{"sdn.csv": "a"}, Entities: []Entity{
		{ID: "1", Names: []Name{{Full: "ONE"}}},
		{ID: "2", Names: []Name{{Full: "TWO"}}},
		{ID: "3", Names: []Name{{Full: "THREE"}}, Programs: []string{"A", "B"}},
	}}
	new := &List{Source: SourceOFAC, Checksums: map[string]string{"sdn.csv": "b"}, Entities: []Entity{
		{ID: "2", Names: []Name{{Full: "TWO"}}, BirthDates: []Date{{Year: 1970, Precision: PrecisionYear}}},
		{ID: "3", Names: []Name{{Full: "THREE"}}, Programs: []string{"B", "A"}}, // order only: unchanged
		{ID: "4", Names: []Name{{Full: "FOUR"}}},
	}}
	d := Diff(old, new)
	if !slices.Equal(d.Added, []string{"4"}) || !slices.Equal(d.Changed, []string{"2"}) || !slices.Equal(d.Removed, []string{"1"}) || d.Unchanged != 1 {
		t.Fatalf("delta = %+v", d)
	}
	if d.FromVersion == d.ToVersion {
		t.Error("versions of different checksums are equal")
	}
	if !Diff(new, new).Empty() {
		t.Error("a list differs from itself")
	}
	if got := Diff(nil, new); len(got.Added) != 3 {
		t.Errorf("nil old list: %+v", got)
	}
}

// TestDiffOFACPublications compares the July 2021 and May 2024 sdn.csv
// files. Only sdn.csv exists for 2024, so the 2021 side is parsed from its
// sdn.csv alone too; otherwise every entity with alt/add rows would look
// changed.
func TestDiffOFACPublications(t *testing.T) {
	dir := fixtureDir(t)
	sdnOnly := func(pub string) *List {
		b, err := os.ReadFile(filepath.Join(dir, "sanctions", pub, OFACFileSDN))
		if err != nil {
			t.Fatal(err)
		}
		l, err := ParseOFAC(OFACFiles{SDN: bytesReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	old, new := sdnOnly("ofac-2021-07"), sdnOnly("ofac-2024-05-03")
	d := Diff(old, new)
	t.Logf("2021-07 -> 2024-05-03: %d added, %d changed, %d removed, %d unchanged", len(d.Added), len(d.Changed), len(d.Removed), d.Unchanged)
	if len(d.Added) < 5000 || len(d.Removed) == 0 || d.Unchanged == 0 || len(d.Changed) == 0 {
		t.Fatalf("implausible delta: %d added %d changed %d removed %d unchanged", len(d.Added), len(d.Changed), len(d.Removed), d.Unchanged)
	}
	if len(d.Added)+len(d.Changed)+d.Unchanged != len(new.Entities) {
		t.Error("delta does not account for every new entity")
	}
	// LI, Jiadong (28264) is in both; Lazarus-linked entries were amended.
	for _, id := range []string{"28264"} {
		if slices.Contains(d.Added, id) || slices.Contains(d.Removed, id) {
			t.Errorf("%s should be present in both publications", id)
		}
	}
}
