package sanctions

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func day(s string) Date {
	d, ok := parsePEPDate(s)
	if !ok {
		panic("bad test date " + s)
	}
	return d
}

func at(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func pep(positions ...Position) Entity {
	return Entity{ID: "p", Kind: KindPEP, Type: TypePerson, Names: []Name{{Full: "P"}}, Positions: positions}
}

func held(start, end string) Position {
	p := Position{Title: "Senator"}
	if start != "" {
		p.Start = day(start)
	}
	if end != "" {
		p.End = day(end)
	}
	return p
}

// pepFixture returns a folder of the shared PEP fixtures or skips.
func pepFixture(tb testing.TB, name string) string {
	tb.Helper()
	var d string
	if t, ok := tb.(*testing.T); ok {
		d = fixtureDir(t)
	} else if d = os.Getenv("CHAINGUARD_FIXTURES"); d == "" {
		d = filepath.Join("..", "..", "..", "shared", "fixtures")
	}
	dir := filepath.Join(d, "pep", name)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("PEP fixture %s not found (set CHAINGUARD_FIXTURES)", dir)
	}
	return dir
}

func TestPEPStatusAtReadsEachPositionByItsDates(t *testing.T) {
	now := at("2026-06-30")
	dead := pep(held("2025-01-03", "2031-01-03"))
	dead.Deceased = true
	sanctioned := Entity{ID: "s", Names: []Name{{Full: "S"}}}
	for _, c := range []struct {
		name   string
		e      Entity
		window time.Duration
		want   PEPStatus
	}{
		{"a senator whose term ends in 2031 is in office", pep(held("2025-01-03", "2031-01-03")), 0, PEPInOffice},
		{"a position with a start and no end is in office", pep(held("2025-01-03", "")), 0, PEPInOffice},
		{"a position with an end and no start counts by its end", pep(held("", "2026-12-31")), 0, PEPInOffice},
		{"a term ending on the day of now is still held that day", pep(held("2020-01-01", "2026-06-30")), 0, PEPInOffice},
		{"a member who left six months ago is kept", pep(held("2019-01-03", "2025-12-30")), 0, PEPLeftWithin},
		{"a member who left eighteen months ago is dropped", pep(held("2019-01-03", "2024-12-30")), 0, PEPFormer},
		{"the last day of the 365-day window is within it", pep(held("2019-01-03", "2025-06-29")), 0, PEPLeftWithin},
		{"the day before the window is outside it", pep(held("2019-01-03", "2025-06-28")), 0, PEPFormer},
		{"a year-only end runs to the end of its year", pep(Position{Title: "Minister", End: day("2025")}), 0, PEPLeftWithin},
		{"a month-only end runs to the end of its month", pep(Position{Title: "Minister", End: day("2025-06")}), 0, PEPLeftWithin},
		{"a position that starts after now is not held yet", pep(held("2027-01-03", "2033-01-03")), 0, PEPFormer},
		{"a position without dates makes the person undated", pep(Position{Title: "Senator"}), 0, PEPUndated},
		{"a current position outranks an undated one", pep(Position{Title: "Senator"}, held("2025-01-03", "")), 0, PEPInOffice},
		{"a long-ended position does not outweigh an undated one", pep(held("1990-01-01", "1995-01-01"), Position{Title: "Senator"}), 0, PEPUndated},
		{"a PEP entry without positions is undated", pep(), 0, PEPUndated},
		{"a deceased person is never current, even with a term running", dead, 0, PEPDeceased},
		{"a sanctions entry is not a PEP", sanctioned, 0, PEPNotApplicable},
		{"a zero window is the default window", pep(held("2019-01-03", "2025-08-01")), 0, PEPLeftWithin},
		{"a longer window keeps someone who left eighteen months ago", pep(held("2019-01-03", "2024-12-30")), 2 * DefaultPEPWindow, PEPLeftWithin},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.e.PEPStatusAt(now, c.window); got != c.want {
				t.Errorf("status = %s, want %s", got, c.want)
			}
		})
	}
}

func TestPEPStatusAtReadsNowInUTC(t *testing.T) {
	e := pep(held("2019-01-03", "2025-06-29"))
	// 2026-06-30 00:30 in Sydney is still 2026-06-29 in UTC: one day less
	// since the end, so still within the window.
	syd := time.FixedZone("AEST", 10*3600)
	if got := e.PEPStatusAt(time.Date(2026, 6, 30, 0, 30, 0, 0, syd), 0); got != PEPLeftWithin {
		t.Errorf("status = %s", got)
	}
}

func TestCurrentPEPsKeepsThoseInOfficeLeftRecentlyOrUndated(t *testing.T) {
	dead := pep(held("2025-01-03", ""))
	dead.ID, dead.Deceased = "dead", true
	in, recent, undated, former := pep(held("2025-01-03", "")), pep(held("2019-01-03", "2026-01-03")), pep(), pep(held("1990-01-01", "1995-01-01"))
	in.ID, recent.ID, undated.ID, former.ID = "in", "recent", "undated", "former"
	l := &List{Source: SourcePEPUS, Checksums: map[string]string{"f": "x"}, Entities: []Entity{in, dead, recent, undated, former}}
	got := CurrentPEPs(l, at("2026-06-30"), DefaultPEPWindow)
	var ids []string
	for _, e := range got.Entities {
		ids = append(ids, e.ID)
	}
	if len(ids) != 3 || ids[0] != "in" || ids[1] != "recent" || ids[2] != "undated" {
		t.Errorf("kept %v", ids)
	}
	if got.Source != SourcePEPUS || got.Version() != l.Version() {
		t.Errorf("source %s version %s/%s", got.Source, got.Version(), l.Version())
	}
	got.Checksums["f"] = "changed"
	if l.Checksums["f"] != "x" {
		t.Error("the filtered list shares its checksums with the original")
	}
	if CurrentPEPs(nil, at("2026-06-30"), 0) != nil {
		t.Error("nil list gave a list")
	}
}

func TestPEPFieldsLeaveSanctionsContentHashesUnchanged(t *testing.T) {
	e := Entity{ID: "36", Source: SourceOFAC, Type: TypePerson,
		Names:  []Name{{Full: "AEROCARIBBEAN AIRLINES", Kind: NamePrimary}, {Full: "AERO-CARIBBEAN", Kind: NameAlias, Weak: true}},
		Gender: "Male", BirthDates: []Date{{Year: 1970, Month: 10, Day: 8, Precision: PrecisionDay}},
		Nationalities: []Country{{Name: "Cuba", Code: "CU"}},
		Addresses:     []Place{{Text: "Havana", City: "Havana", Country: "Cuba", CountryCode: "CU"}},
		Programs:      []string{"CUBA"}, Remarks: "x"}
	// Computed with the code before PEP fields existed (commit afa8d9e).
	if got := e.ContentHash(); got != "cf0d994ec2adc7f1af85229a5b293151" {
		t.Errorf("sanctions entry hash changed: %s", got)
	}
}

func TestPEPContentHashChangesWithPositionsAndDeath(t *testing.T) {
	base := pep(held("2019-01-03", "2027-01-03"))
	base.Source = SourcePEPUS
	h := base.ContentHash()
	left := base
	left.Positions = []Position{held("2019-01-03", "2026-03-01")}
	dead := base
	dead.Deceased, dead.DeathDate = true, day("2026-03-01")
	moved := base
	moved.Positions = []Position{{Title: "Senator for OH", Start: day("2019-01-03"), End: day("2027-01-03")}}
	for name, e := range map[string]Entity{"an earlier end": left, "a death": dead, "another title": moved} {
		if e.ContentHash() == h {
			t.Errorf("%s does not change the hash", name)
		}
	}
	again := pep(held("2019-01-03", "2027-01-03"))
	again.Source = SourcePEPUS
	if again.ContentHash() != h {
		t.Error("same PEP entry hashes differently")
	}
}

func TestParsePEPDateAcceptsOnlyCalendarDates(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"1732-02-22", "1732-02-22", true},
		{"2024-02-29", "2024-02-29", true},
		{"1901", "1901", true},
		{"2018-08", "2018-08", true},
		{" 2018-08-24 ", "2018-08-24", true},
		{"2023-02-29", "", false},
		{"2018-13-01", "", false},
		{"2018-8-24", "", false},
		{"18-08-24", "", false},
		{"1066", "", false},
		{"2018-08-24T00:00:00Z", "", false},
		{"24/08/2018", "", false},
		{"", "", false},
		{"-0001", "", false},
	} {
		d, ok := parsePEPDate(c.in)
		if ok != c.ok || d.String() != c.want {
			t.Errorf("parsePEPDate(%q) = %s %t, want %s %t", c.in, d, ok, c.want, c.ok)
		}
	}
}
