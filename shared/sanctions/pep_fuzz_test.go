package sanctions

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"
)

// checkPEPList holds for every list a PEP parser returns: people with an id
// and a name, hashable, with positions that have a title and a status.
func checkPEPList(t *testing.T, l *List, src Source) {
	t.Helper()
	seen := map[string]bool{}
	for i := range l.Entities {
		e := &l.Entities[i]
		if e.ID == "" || e.PrimaryName() == "" || e.Kind != KindPEP || e.Source != src || e.Type != TypePerson {
			t.Fatalf("bad entity: %+v", e)
		}
		if seen[e.ID] {
			t.Fatalf("duplicate id %s", e.ID)
		}
		seen[e.ID] = true
		for _, p := range e.Positions {
			if p.Title == "" {
				t.Fatalf("position without title: %+v", e)
			}
		}
		_ = e.ContentHash()
		if s := e.PEPStatusAt(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), 0); s == PEPNotApplicable {
			t.Fatalf("PEP entry without a PEP status: %+v", e)
		}
	}
	if l.Skipped < 0 {
		t.Fatalf("skipped %d", l.Skipped)
	}
}

func FuzzParsePEPUS(f *testing.F) {
	for _, name := range []string{"testdata/pep-us-mini/legislators-current.yaml", "testdata/pep-us-mini/executive.yaml"} {
		seed, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seed)
	}
	f.Add([]byte("- id: {bioguide: X}\n  name: {first: A, last: B}\n  terms: [{type: sen, start: '2025-02-30', end: '9999-12-31'}]\n"))
	f.Add([]byte("- &a {id: {govtrack: 1}, name: {first: A}}\n- *a\n"))
	f.Add([]byte("- {id: {bioguide: [1]}, name: {official_full: {x: y}}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParsePEPUS(PEPUSFiles{Current: bytes.NewReader(b), Executive: bytes.NewReader(b)})
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		checkPEPList(t, l, SourcePEPUS)
	})
}

func FuzzParsePEPAU(f *testing.F) {
	var seed [3][]byte
	for i, name := range []string{PEPAUFileAll, PEPAUFileMinistry, PEPAUFileCabinet} {
		b, err := os.ReadFile("testdata/pep-au-mini/" + name)
		if err != nil {
			f.Fatal(err)
		}
		seed[i] = b
	}
	f.Add(seed[0], seed[1], seed[2])
	f.Add([]byte(auAllHeader+"A1,Smith,John,,,,nee ; also X;formerly,,m,1999-02-29,0,,31-12-2000,1,1,1,,,,\n"),
		[]byte(auMinistryHeader+"M,1,P,,A1,,2010-01-01,,,\n"), []byte(auCabinetHeader+"\"unterminated,1,,A1\n"))
	f.Add([]byte("uniqueID,surname,allOtherNames\n\xff\xfe,\"a\"\"b\",c\n"), []byte(auMinistryHeader), []byte(auCabinetHeader))
	f.Fuzz(func(t *testing.T, all, ministry, cabinet []byte) {
		l, err := ParsePEPAU(PEPAUFiles{All: bytes.NewReader(all), Ministry: bytes.NewReader(ministry), Cabinet: bytes.NewReader(cabinet)})
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error is not ErrFormat: %v", err)
			}
			return
		}
		checkPEPList(t, l, SourcePEPAU)
	})
}
