package sanctions

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

const auAllHeader = "uniqueID,surname,allOtherNames,firstName,commonName,displayName,earlierOrLaterNames,title,gender,birthDate,birthYear,birthPlace,deathDate,member,senator,wasPrimeMinister,wikidataID,wikipedia,adb,comments\n"
const auMinistryHeader = "ministry,ministry_number,ministry_party,ministry_title,uniqueID,ministry_name,ministry_from,ministry_to,ministry_assistant_minister_or_parliamentary_secretary,ministry_comment\n"
const auCabinetHeader = "cabinet,cabinet_number,cabinet_name,uniqueID,cabinet_from,cabinet_to,cabinet_comment\n"

func TestParsePEPAUReadsPeopleMinistriesAndCabinets(t *testing.T) {
	l, err := PEPAUParser{}.Parse(os.DirFS("testdata/pep-au-mini"))
	if err != nil {
		t.Fatal(err)
	}
	// A ministry row without an id and a cabinet row with #N/A are skipped.
	if l.Source != SourcePEPAU || len(l.Entities) != 4 || l.Skipped != 2 || len(l.Checksums) != 3 {
		t.Fatalf("source %s entities %d skipped %d checksums %d", l.Source, len(l.Entities), l.Skipped, len(l.Checksums))
	}

	m := entityByID(t, l, AUEntityID("Example1950"))
	wantNames := []Name{{Full: "Margaret Anne Example"}, {Full: "Margaret Example", Kind: NameAlias}, {Full: "Peggy Example", Kind: NameAlias}, {Full: "Margaret Anne Sample", Kind: NameFormerly}}
	if len(m.Names) != len(wantNames) {
		t.Fatalf("names = %+v", m.Names)
	}
	for i, n := range wantNames {
		if m.Names[i] != n {
			t.Errorf("name %d = %+v, want %+v", i, m.Names[i], n)
		}
	}
	if m.Kind != KindPEP || m.Gender != "Female" || m.BirthDates[0].String() != "1950-03-04" || m.BirthPlaces[0].Text != "Hobart" ||
		m.Reference != "Q91000001" || m.Citizenships[0].Code != "AU" || m.Deceased {
		t.Errorf("entity = %+v", m)
	}
	if len(m.Positions) != 1 || m.Positions[0] != (Position{Title: "Member of the House of Representatives", Body: "Parliament of Australia", Country: "AU"}) {
		t.Errorf("an undated membership = %+v", m.Positions)
	}

	s := entityByID(t, l, AUEntityID("Sample1901"))
	if !s.Deceased || s.DeathDate.String() != "1980-01-02" || s.BirthDates[0].String() != "1901" || s.Remarks != "Presumed dead." {
		t.Errorf("deceased with a birth year: %+v", s)
	}
	if len(s.Names) != 3 || s.Names[2].Full != "Bill Sample" {
		t.Errorf("a parenthesised note is not a name, honours are not names: %+v", s.Names)
	}
	if len(s.Positions) != 3 || s.Positions[2].Title != "Prime Minister" || s.Positions[2].Body != "Sample Ministry (12)" {
		t.Errorf("member, senator, dated prime minister and no undated one: %+v", s.Positions)
	}

	a := entityByID(t, l, AUEntityID("Minister1965"))
	want := []Position{
		{Title: "Member of the House of Representatives", Body: "Parliament of Australia", Country: "AU"},
		{Title: "Treasurer", Body: "Example Ministry (60)", Country: "AU", Start: day("2016-07-19"), End: day("2018-08-24")},
		{Title: "Member of Cabinet", Body: "Example Ministry (Example Party)", Country: "AU", Start: day("2016-07-19"), End: day("2018-08-24")},
		{Title: "Prime Minister", Body: "Australian Government", Country: "AU"},
	}
	if len(a.Positions) != len(want) {
		t.Fatalf("positions = %+v", a.Positions)
	}
	for i, p := range want {
		if a.Positions[i] != p {
			t.Errorf("position %d = %+v, want %+v", i, a.Positions[i], p)
		}
	}

	c := entityByID(t, l, AUEntityID("Senator1972"))
	if len(c.Names) != 3 || c.Names[1] != (Name{Full: "Chloe Smith", Kind: NameAlias}) || c.Names[2] != (Name{Full: "Chloe Jones", Kind: NameFormerly}) {
		t.Errorf("also and formerly names = %+v", c.Names)
	}
}

func TestAUOtherNamesReadsMaidenAndFormerNamesButNotHonours(t *testing.T) {
	for _, c := range []struct {
		given, in string
		want      []Name
	}{
		{"Judith Anne", "nee Bird", []Name{{Full: "Judith Anne Bird", Kind: NameFormerly}}},
		{"Wendy", "nee Bushby; formerly Summers", []Name{{Full: "Wendy Bushby", Kind: NameFormerly}, {Full: "Wendy Summers", Kind: NameFormerly}}},
		{"Kathryn Jean Martin", "Also Kathryn Jean Martin before marriage", []Name{{Full: "Kathryn Jean Martin", Kind: NameFormerly}}},
		{"Walter", "Also Walter Massy Green; later Sir Walter.", []Name{{Full: "Walter Massy Green", Kind: NameAlias}}},
		{"John", "Later Sir John; formerly Newland.", []Name{{Full: "John Newland", Kind: NameFormerly}}},
		{"Florence Isabel", "Lady Bjelke-Petersen", nil},
		{"Charles", "Later Sir Charles", nil},
		{"X", "nee ; also ;;", nil},
	} {
		got := auOtherNames(c.given, c.in)
		if len(got) != len(c.want) {
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: %+v, want %+v", c.in, got[i], c.want[i])
			}
		}
	}
}

func TestParsePEPAURefusesMissingFilesAndHeadersWithoutItsColumns(t *testing.T) {
	if _, err := ParsePEPAUDir(fstest.MapFS{PEPAUFileAll: {Data: []byte(auAllHeader)}}); !errors.Is(err, ErrMissingFile) {
		t.Errorf("folder without ministry and cabinet files: %v", err)
	}
	for name, in := range map[string]PEPAUFiles{
		"an empty all.csv":          {All: strings.NewReader(""), Ministry: strings.NewReader(auMinistryHeader), Cabinet: strings.NewReader(auCabinetHeader)},
		"all.csv without surname":   {All: strings.NewReader("uniqueID,allOtherNames\nA1,B\n"), Ministry: strings.NewReader(auMinistryHeader), Cabinet: strings.NewReader(auCabinetHeader)},
		"ministry without dates":    {All: strings.NewReader(auAllHeader), Ministry: strings.NewReader("ministry,uniqueID,ministry_title\n"), Cabinet: strings.NewReader(auCabinetHeader)},
		"cabinet without ids":       {All: strings.NewReader(auAllHeader), Ministry: strings.NewReader(auMinistryHeader), Cabinet: strings.NewReader("cabinet,cabinet_from,cabinet_to\n")},
		"the three files swapped":   {All: strings.NewReader(auCabinetHeader), Ministry: strings.NewReader(auAllHeader), Cabinet: strings.NewReader(auMinistryHeader)},
		"a missing cabinet reader":  {All: strings.NewReader(auAllHeader), Ministry: strings.NewReader(auMinistryHeader)},
		"binary instead of a table": {All: strings.NewReader("\x00\x01\x02"), Ministry: strings.NewReader(auMinistryHeader), Cabinet: strings.NewReader(auCabinetHeader)},
	} {
		_, err := ParsePEPAU(in)
		want := ErrFormat
		if in.Cabinet == nil {
			want = ErrMissingFile
		}
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", name, err, want)
		}
	}
}

func TestParsePEPAUSkipsAndCountsRowsItCannotUse(t *testing.T) {
	all := auAllHeader +
		",Nobody,No Id,,,,,,male,,,,,1,0,,,,,\n" +
		"Blank1,,,,,,,,,,,,,1,0,,,,,\n" +
		"Ok1950,Okay,Olive,Olive,,,,,female,1950-02-30,,,not a date,0,1,,,,,\n" +
		"Ok1950,Okay,Duplicate,,,,,,,,,,,1,0,,,,,\n" +
		"Short1960,Short,Sam\n" +
		"Latin1970,M\xfcller,J\xfcrgen,,,,,,male,,,,,1,0,,,,,\n"
	ministry := auMinistryHeader +
		"X,1,P,Minister for Things,Ok1950,,2010-01-01,2011-01-01,,\n" +
		"X,1,P,Minister for Ghosts,Ghost1900,,2010-01-01,2011-01-01,,\n" +
		"X,1,P,,Short1960,,2010-13-01,,,\n"
	cabinet := auCabinetHeader + "C,1,,#N/A,2010-01-01,2011-01-01,\n"
	l, err := ParsePEPAU(PEPAUFiles{All: strings.NewReader(all), Ministry: strings.NewReader(ministry), Cabinet: strings.NewReader(cabinet)})
	if err != nil {
		t.Fatal(err)
	}
	// No id, no name, a duplicate id, an unknown minister, an unknown cabinet member.
	if len(l.Entities) != 3 || l.Skipped != 5 {
		t.Fatalf("entities %d skipped %d: %+v", len(l.Entities), l.Skipped, l.Entities)
	}
	ok := entityByID(t, l, AUEntityID("Ok1950"))
	if len(ok.BirthDates) != 0 || ok.Deceased || len(ok.Positions) != 2 {
		t.Errorf("impossible birth date and unreadable death date are dropped, not guessed: %+v", ok)
	}
	short := entityByID(t, l, AUEntityID("Short1960"))
	if len(short.Positions) != 1 || short.Positions[0].Title != "Minister" || !short.Positions[0].Start.IsZero() {
		t.Errorf("a short row and a ministry row without a title or a valid start: %+v", short)
	}
	if m := entityByID(t, l, AUEntityID("Latin1970")); m.PrimaryName() != "Jürgen Müller" {
		t.Errorf("Latin-1 name = %q", m.PrimaryName())
	}
}

func parseAUFixture(tb testing.TB) *List {
	tb.Helper()
	l, err := ParsePEPAUDir(os.DirFS(pepFixture(tb, "au-federal-2021")))
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestPEPAUFixtureCountsEveryoneAndDropsTheDeceased(t *testing.T) {
	l := parseAUFixture(t)
	deceased := 0
	for i := range l.Entities {
		if l.Entities[i].Deceased {
			deceased++
		}
	}
	// 2 ministry and 3 cabinet rows name no known person (empty id, #N/A).
	if len(l.Entities) != 1776 || l.Skipped != 5 || deceased != 992 {
		t.Errorf("entities %d skipped %d deceased %d", len(l.Entities), l.Skipped, deceased)
	}
	// all.csv gives no dates of membership, so every living politician has
	// an undated seat and stays a PEP by the rule that missing dates never
	// remove anyone. Only the deceased are dropped.
	for _, now := range []string{"2019-06-30", "2021-06-30"} {
		cur := CurrentPEPs(l, at(now), DefaultPEPWindow)
		if len(cur.Entities) != 784 || cur.Skipped != l.Skipped {
			t.Errorf("at %s: current %d skipped %d", now, len(cur.Entities), cur.Skipped)
		}
	}
	// The dated part alone: ministry.csv ends with the Turnbull ministry on
	// 2018-08-24, so in mid-2019 its 41 last members left within the window.
	st := map[PEPStatus]int{}
	for i := range l.Entities {
		st[l.Entities[i].PEPStatusAt(at("2019-06-30"), 0)]++
	}
	if st[PEPLeftWithin] != 41 || st[PEPUndated] != 743 || st[PEPInOffice] != 0 {
		t.Errorf("statuses at 2019-06-30: %v", st)
	}
	t.Logf("statuses at 2019-06-30: %v", st)
}

func TestPEPAUFixtureHasAMinisterWithHisMinistryFieldByField(t *testing.T) {
	l := parseAUFixture(t)
	m := entityByID(t, l, AUEntityID("Morrison1968"))
	if m.PrimaryName() != "Scott John Morrison" || m.Names[1].Full != "Scott Morrison" || m.Gender != "Male" ||
		m.BirthDates[0].String() != "1968-05-13" || m.BirthPlaces[0].Text != "Sydney" || m.Reference != "Q7436908" || m.Deceased {
		t.Errorf("entity = %+v", m)
	}
	var treasurer *Position
	for i, p := range m.Positions {
		if p.Title == "Treasurer" && p.Body == "Turnbull Ministry (64)" {
			treasurer = &m.Positions[i]
		}
	}
	if treasurer == nil || treasurer.Country != "AU" || treasurer.Start.String() != "2016-07-19" || treasurer.End.String() != "2018-08-24" {
		t.Fatalf("treasurer position = %+v in %+v", treasurer, m.Positions)
	}
	// He became prime minister on 2018-08-24, after ministry.csv ends: the
	// wasPrimeMinister flag gives an undated office.
	if last := m.Positions[len(m.Positions)-1]; last.Title != "Prime Minister" || !last.Start.IsZero() {
		t.Errorf("last position = %+v", last)
	}
	if s := m.PEPStatusAt(at("2019-02-24"), DefaultPEPWindow); s != PEPLeftWithin {
		t.Errorf("six months after the Turnbull ministry: %s", s)
	}
	if s := m.PEPStatusAt(at("2021-06-30"), DefaultPEPWindow); s != PEPUndated {
		t.Errorf("in 2021, kept for his undated seat and office: %s", s)
	}
}

func TestPEPAUFixtureDropsADeceasedPrimeMinister(t *testing.T) {
	l := parseAUFixture(t)
	h := entityByID(t, l, AUEntityID("Hawke1929"))
	if !h.Deceased || h.DeathDate.String() != "2019-05-16" || h.Names[2].Full != "Bob Hawke" {
		t.Errorf("entity = %+v", h)
	}
	if s := h.PEPStatusAt(at("2019-06-30"), DefaultPEPWindow); s != PEPDeceased {
		t.Errorf("status = %s", s)
	}
	for _, e := range CurrentPEPs(l, at("2019-06-30"), DefaultPEPWindow).Entities {
		if e.Deceased {
			t.Fatalf("%s is deceased and current", e.ID)
		}
	}
	adams := entityByID(t, l, AUEntityID("Adams1943"))
	if !adams.Deceased || adams.Names[len(adams.Names)-1] != (Name{Full: "Judith Anne Bird", Kind: NameFormerly}) {
		t.Errorf("maiden name of a deceased senator = %+v", adams.Names)
	}
}

func TestPEPAUFixtureChecksumsAndHashesAreStable(t *testing.T) {
	dir := pepFixture(t, "au-federal-2021")
	a, b := parseAUFixture(t), parseAUFixture(t)
	if a.Version() != b.Version() || len(a.Checksums) != 3 {
		t.Fatalf("versions %s %s checksums %v", a.Version(), b.Version(), a.Checksums)
	}
	for name, sum := range a.Checksums {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if sum != checksum(raw) {
			t.Errorf("%s checksum %s", name, sum)
		}
	}
	if d := Diff(a, b); !d.Empty() || d.Unchanged != len(a.Entities) {
		t.Errorf("two parses differ: %+v", d)
	}
	// A death reported in a later publication changes that entry only.
	i := len(b.Entities) - 1
	b.Entities[i].Deceased, b.Entities[i].DeathDate = true, day("2021-05-01")
	if d := Diff(a, b); len(d.Changed) != 1 || d.Changed[0] != b.Entities[i].ID {
		t.Errorf("changed = %v", d.Changed)
	}
}

func BenchmarkParsePEPAU(b *testing.B) {
	dir := pepFixture(b, "au-federal-2021")
	fsys := fstest.MapFS{}
	size := 0
	for _, name := range []string{PEPAUFileAll, PEPAUFileMinistry, PEPAUFileCabinet} {
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
		l, err := ParsePEPAUDir(fsys)
		if err != nil {
			b.Fatal(err)
		}
		n = len(l.Entities)
	}
	b.ReportMetric(float64(n), "entities")
}

func BenchmarkCurrentPEPs(b *testing.B) {
	l := parseAUFixture(b)
	now := at("2019-06-30")
	b.ReportAllocs()
	for b.Loop() {
		CurrentPEPs(l, now, DefaultPEPWindow)
	}
}
