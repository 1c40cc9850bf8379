package sanctions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func parseUSMini(t *testing.T) *List {
	t.Helper()
	l, err := PEPUSParser{}.Parse(os.DirFS("testdata/pep-us-mini"))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParsePEPUSReadsMembersAndTheExecutive(t *testing.T) {
	l := parseUSMini(t)
	if l.Source != SourcePEPUS || len(l.Entities) != 5 || l.Skipped != 0 {
		t.Fatalf("source %s entities %d skipped %d", l.Source, len(l.Entities), l.Skipped)
	}
	jane := entityByID(t, l, "X000001")
	if jane.Kind != KindPEP || jane.Type != TypePerson || jane.Gender != "Female" || jane.Reference != "Q90000001" {
		t.Errorf("kind %s type %s gender %q ref %q", jane.Kind, jane.Type, jane.Gender, jane.Reference)
	}
	wantNames := []Name{{Full: "Jane Q. Example"}, {Full: "Jane Quincy Example", Kind: NameAlias}, {Full: "Janie Example", Kind: NameAlias}}
	if len(jane.Names) != len(wantNames) {
		t.Fatalf("names = %+v", jane.Names)
	}
	for i, n := range wantNames {
		if jane.Names[i] != n {
			t.Errorf("name %d = %+v, want %+v", i, jane.Names[i], n)
		}
	}
	if len(jane.BirthDates) != 1 || jane.BirthDates[0].String() != "1961-04-02" {
		t.Errorf("birth = %v", jane.BirthDates)
	}
	if len(jane.Citizenships) != 1 || jane.Citizenships[0].Code != "US" {
		t.Errorf("citizenships = %+v", jane.Citizenships)
	}
	wantPos := []Position{
		{Title: "Representative for VT (at large)", Body: "United States House of Representatives", Country: "US", Start: day("2019-01-03"), End: day("2021-01-03")},
		{Title: "Senator for VT", Body: "United States Senate", Country: "US", Start: day("2021-01-03"), End: day("2027-01-03")},
		{Title: "Senate Example Caucus Chair", Body: "United States Senate", Country: "US", Start: day("2025-01-03")},
	}
	if len(jane.Positions) != len(wantPos) {
		t.Fatalf("positions = %+v", jane.Positions)
	}
	for i, p := range wantPos {
		if jane.Positions[i] != p {
			t.Errorf("position %d = %+v, want %+v", i, jane.Positions[i], p)
		}
	}

	bob := entityByID(t, l, "X000002")
	if bob.PrimaryName() != "Robert Sample Jr." || bob.BirthDates[0].String() != "1970-07-15" {
		t.Errorf("unquoted YAML dates and suffix: %q %v", bob.PrimaryName(), bob.BirthDates)
	}
	if bob.Positions[0].Title != "Resident Commissioner for PR" || bob.Positions[0].Start.String() != "2025-01-03" {
		t.Errorf("territory seat = %+v", bob.Positions[0])
	}

	carla := entityByID(t, l, "X000003")
	if len(carla.Positions) != 2 || carla.Positions[1].Title != "Vice President of the United States" {
		t.Errorf("a member found in both files is one entity with both positions: %+v", carla.Positions)
	}
	if len(carla.Names) != 2 || carla.Names[1].Full != "Carla Beatrix Twofold" || carla.Names[1].Kind != NameAlias {
		t.Errorf("merged names = %+v", carla.Names)
	}

	founder := entityByID(t, l, "govtrack-900010")
	if founder.BirthDates[0].String() != "1735-06-01" || founder.Positions[0].Start.String() != "1789-04-30" {
		t.Errorf("dates before 1800 are kept: %v %+v", founder.BirthDates, founder.Positions)
	}
	mo := entityByID(t, l, "X000004")
	if mo.Names[0].Full != "Morgan Lee Recent" || mo.Names[1].Full != "Mo Recent" {
		t.Errorf("names without official_full = %+v", mo.Names)
	}
}

func TestParsePEPUSRefusesAFolderWithoutItsRequiredFiles(t *testing.T) {
	cur, _ := os.ReadFile("testdata/pep-us-mini/legislators-current.yaml")
	for name, fsys := range map[string]fstest.MapFS{
		"no current members": {PEPUSFileExecutive: {Data: cur}},
		"no executive":       {PEPUSFileCurrent: {Data: cur}},
	} {
		if _, err := ParsePEPUSDir(fsys); !errors.Is(err, ErrMissingFile) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if _, err := ParsePEPUS(PEPUSFiles{Current: strings.NewReader("[]")}); !errors.Is(err, ErrMissingFile) {
		t.Errorf("nil executive reader: %v", err)
	}
}

func TestParsePEPUSReadsTheHistoricalFileWhenPresent(t *testing.T) {
	hist := `
- id: {bioguide: X000009, govtrack: 900009}
  name: {first: Hanna, last: Gone}
  bio: {birthday: '1940-01-01', gender: F}
  terms:
  - {type: sen, start: '2019-01-03', end: '2025-01-03', state: ME}
`
	fsys := fstest.MapFS{
		PEPUSFileCurrent:    {Data: []byte("[]")},
		PEPUSFileExecutive:  {Data: []byte("[]")},
		PEPUSFileHistorical: {Data: []byte(hist)},
	}
	l, err := ParsePEPUSDir(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 1 || l.Entities[0].ID != "X000009" || len(l.Checksums) != 3 {
		t.Fatalf("entities %+v checksums %v", l.Entities, l.Checksums)
	}
	if got := l.Entities[0].PEPStatusAt(at("2025-07-03"), 0); got != PEPLeftWithin {
		t.Errorf("a senator who left six months ago: %s", got)
	}
}

func TestParsePEPUSSkipsAndCountsPeopleItCannotRead(t *testing.T) {
	cur := `
- just a string
- id: {govtrack: 1}
  name: {}
- id: {}
  name: {first: No, last: Id}
- id: {bioguide: X1}
  name: {first: Bad, last: Terms}
  terms: 5
- id: {bioguide: X2}
  name: {first: Good, last: Person}
  bio: {birthday: 'not a date', gender: X}
  terms:
  - {type: rep, start: '2025-13-45', end: '2027-01-03', state: NY, district: -1}
  - {start: '2025-01-03'}
`
	l, err := ParsePEPUS(PEPUSFiles{Current: strings.NewReader(cur), Executive: strings.NewReader("[]")})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 1 || l.Skipped != 4 {
		t.Fatalf("entities %d skipped %d", len(l.Entities), l.Skipped)
	}
	e := l.Entities[0]
	if len(e.BirthDates) != 0 || e.Gender != "X" || len(e.Positions) != 1 {
		t.Errorf("entity = %+v", e)
	}
	if p := e.Positions[0]; p.Title != "Representative for NY" || !p.Start.IsZero() || p.End.String() != "2027-01-03" {
		t.Errorf("a bad start is left empty, an unknown district unrendered: %+v", p)
	}
}

func TestParsePEPUSRefusesYAMLThatIsNotAList(t *testing.T) {
	for name, in := range map[string]string{
		"empty":          "",
		"a mapping":      "id: {bioguide: X}\n",
		"a scalar":       "hello",
		"broken":         "- id: {bioguide: X\n  name: [",
		"an alias bomb":  "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
		"deeply nested":  strings.Repeat("[", 20000),
		"a tab indented": "- id:\n\t\tbioguide: X\n",
	} {
		_, err := ParsePEPUS(PEPUSFiles{Current: strings.NewReader(in), Executive: strings.NewReader("[]")})
		if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}

func parseUSFixture(tb testing.TB) *List {
	tb.Helper()
	l, err := ParsePEPUSDir(os.DirFS(pepFixture(tb, "us-congress-2026-06")))
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestPEPUSFixtureCountsEveryoneAndKeepsTheSittingOnes(t *testing.T) {
	l := parseUSFixture(t)
	deceased := 0
	for i := range l.Entities {
		if l.Entities[i].Deceased {
			deceased++
		}
	}
	// 537 members of Congress and 80 presidents and vice presidents, none in
	// both files; the files carry no death dates.
	if len(l.Entities) != 617 || l.Skipped != 0 || deceased != 0 {
		t.Errorf("entities %d skipped %d deceased %d", len(l.Entities), l.Skipped, deceased)
	}
	// On 2026-06-30 every member of Congress, the president and the vice
	// president are in office; the president and vice president who left on
	// 2025-01-20 (17 months before) and their predecessors are not.
	cur := CurrentPEPs(l, at("2026-06-30"), DefaultPEPWindow)
	if len(cur.Entities) != 539 {
		t.Errorf("current %d", len(cur.Entities))
	}
	for i := range cur.Entities {
		if s := cur.Entities[i].PEPStatusAt(at("2026-06-30"), 0); s != PEPInOffice {
			t.Errorf("%s is %s", cur.Entities[i].ID, s)
		}
	}
}

func TestPEPUSFixtureHasASittingSenatorFieldByField(t *testing.T) {
	l := parseUSFixture(t)
	c := entityByID(t, l, "C000127")
	if c.PrimaryName() != "Maria Cantwell" || len(c.Names) != 1 || c.Gender != "Female" || c.Reference != "Q22250" {
		t.Errorf("names %+v gender %q ref %q", c.Names, c.Gender, c.Reference)
	}
	if len(c.BirthDates) != 1 || c.BirthDates[0].String() != "1958-10-13" || c.Deceased {
		t.Errorf("birth %v deceased %t", c.BirthDates, c.Deceased)
	}
	if len(c.Positions) != 6 {
		t.Fatalf("positions = %+v", c.Positions)
	}
	first, last := c.Positions[0], c.Positions[5]
	if first.Title != "Representative for WA-1" || first.Start.String() != "1993-01-05" || first.End.String() != "1995-01-03" {
		t.Errorf("first term = %+v", first)
	}
	if last.Title != "Senator for WA" || last.Body != "United States Senate" || last.Country != "US" ||
		last.Start.String() != "2025-01-03" || last.End.String() != "2031-01-03" {
		t.Errorf("current term = %+v", last)
	}
	if s := c.PEPStatusAt(at("2026-06-30"), DefaultPEPWindow); s != PEPInOffice {
		t.Errorf("status = %s", s)
	}
	k := entityByID(t, l, "K000367")
	role := k.Positions[len(k.Positions)-1]
	if role.Title != "Senate Democratic Steering Committee Chair" || !role.End.IsZero() {
		t.Errorf("a leadership role without an end = %+v", role)
	}
}

func TestPEPUSFixtureKeepsAPresidentSixMonthsAfterOfficeAndDropsHimAfterEighteen(t *testing.T) {
	l := parseUSFixture(t)
	b := entityByID(t, l, "B000444")
	if b.PrimaryName() != "Joseph Robinette Biden Jr." || b.Names[1].Full != "Joe Biden" {
		t.Errorf("names = %+v", b.Names)
	}
	last := b.Positions[len(b.Positions)-1]
	if last.Title != "President of the United States" || last.End.String() != "2025-01-20" {
		t.Fatalf("last position = %+v", last)
	}
	for _, c := range []struct {
		now  string
		want PEPStatus
	}{{"2025-07-20", PEPLeftWithin}, {"2026-07-20", PEPFormer}} {
		if s := b.PEPStatusAt(at(c.now), DefaultPEPWindow); s != c.want {
			t.Errorf("at %s: %s, want %s", c.now, s, c.want)
		}
	}
	h := entityByID(t, l, "H001075")
	if s := h.PEPStatusAt(at("2026-06-30"), DefaultPEPWindow); s != PEPFormer {
		t.Errorf("the vice president who left 17 months before: %s", s)
	}
	v := entityByID(t, l, "V000137")
	if v.PrimaryName() != "J.D. Vance" || v.Names[1].Full != "James David Vance" || v.PEPStatusAt(at("2026-06-30"), 0) != PEPInOffice {
		t.Errorf("sitting vice president = %+v", v)
	}
	w := entityByID(t, l, "W000178")
	if w.BirthDates[0].String() != "1732-02-22" || w.PEPStatusAt(at("2026-06-30"), 0) != PEPFormer {
		t.Errorf("George Washington = %+v", w)
	}
}

func TestPEPUSFixtureChecksumsAndHashesAreStable(t *testing.T) {
	dir := pepFixture(t, "us-congress-2026-06")
	a, b := parseUSFixture(t), parseUSFixture(t)
	if a.Version() != b.Version() || len(a.Checksums) != 2 {
		t.Fatalf("versions %s %s checksums %v", a.Version(), b.Version(), a.Checksums)
	}
	for _, name := range []string{PEPUSFileCurrent, PEPUSFileExecutive} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if a.Checksums[name] != checksum(raw) {
			t.Errorf("%s checksum %s", name, a.Checksums[name])
		}
	}
	if d := Diff(a, b); !d.Empty() || d.Unchanged != len(a.Entities) {
		t.Errorf("two parses differ: %+v", d)
	}
	// Someone leaving office early changes their entry, and only theirs.
	b.Entities[0].Positions[len(b.Entities[0].Positions)-1].End = day("2026-03-01")
	if d := Diff(a, b); len(d.Changed) != 1 || d.Changed[0] != a.Entities[0].ID {
		t.Errorf("changed = %v", d.Changed)
	}
}

func BenchmarkParsePEPUS(b *testing.B) {
	dir := pepFixture(b, "us-congress-2026-06")
	fsys := fstest.MapFS{}
	size := 0
	for _, name := range []string{PEPUSFileCurrent, PEPUSFileExecutive} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		fsys[name] = &fstest.MapFile{Data: raw}
		size += len(raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		l, err := ParsePEPUSDir(fsys)
		if err != nil {
			b.Fatal(err)
		}
		n = len(l.Entities)
	}
	b.ReportMetric(float64(n), "entities")
}

func TestParsePEPUSSkipsAPersonWhoseAliasesExplode(t *testing.T) {
	in := "- id: {bioguide: X}\n  name: {first: A, last: B}\n" +
		"  a: &a [{type: sen}, {type: sen}, {type: sen}, {type: sen}, {type: sen}, {type: sen}, {type: sen}, {type: sen}, {type: sen}]\n" +
		"  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n" +
		"  terms: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"- id: {bioguide: Y}\n  name: {first: C, last: D}\n"
	l, err := ParsePEPUS(PEPUSFiles{Current: strings.NewReader(in), Executive: strings.NewReader("[]")})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 1 || l.Entities[0].ID != "Y" || l.Skipped != 1 {
		t.Errorf("entities %+v skipped %d", l.Entities, l.Skipped)
	}
}
