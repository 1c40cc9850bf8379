package sanctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// Folders and files of the EU and UK samples in the shared fixtures.
const (
	euSampleDir  = "eu-2026-08-05-sample"
	euSampleFile = "fsf.xml"
	ukSampleDir  = "uk-2026-09-07-sample"
	ukSampleFile = "uk-sanctions-list.xml"
)

// readSample reads a sample list file from the shared fixtures, or skips.
func readSample(tb testing.TB, dir, file string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sampleRoot(), "sanctions", dir, file))
	if err != nil {
		tb.Skipf("list sample unavailable (set CHAINGUARD_FIXTURES): %v", err)
	}
	return b
}

// sampleRoot is the shared fixture folder as fixtureDir finds it, without
// a *testing.T so that fuzz seeds can use it; "" when there is none.
func sampleRoot() string {
	if d := os.Getenv("CHAINGUARD_FIXTURES"); d != "" {
		return d
	}
	wd, _ := os.Getwd()
	for dir := wd; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "fixtures")
		}
	}
	return ""
}

// addSampleSeed adds an excerpt of a sample file to a fuzz corpus when the
// sample is available: the header, as many whole items as fit in a few
// kilobytes, and the root's end tag. Go's fuzzer slows to a crawl on large
// seeds (each new input is minimised byte by byte), so the whole file is
// no seed. Elements the parsers ignore (EU citations, UK measure flags)
// are dropped to make room for more content.
func addSampleSeed(f *testing.F, dir, file, item, root string) {
	b, err := os.ReadFile(filepath.Join(sampleRoot(), "sanctions", dir, file))
	if err != nil {
		return
	}
	b = regexp.MustCompile(`(?s)\s*<regulationSummary [^>]*/>|\s*<publicationUrl>[^<]*</publicationUrl>|\s*<SanctionsImposedIndicators>.*?</SanctionsImposedIndicators>`).ReplaceAll(b, nil)
	items := regexp.MustCompile(`(?s)<`+item+`[ >].*?</`+item+`>`).FindAllIndex(b, -1)
	if len(items) == 0 {
		return
	}
	seed := append([]byte(nil), b[:items[0][0]]...)
	for _, at := range items {
		if len(seed)+at[1]-at[0] <= 4<<10 {
			seed = append(append(seed, b[at[0]:at[1]]...), '\n')
		}
	}
	f.Add(append(seed, "</"+root+">"...))
}

func parseEUSample(t *testing.T) *List {
	t.Helper()
	l, err := ParseEUDir(os.DirFS(filepath.Join(fixtureDir(t), "sanctions", euSampleDir)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func countByType(l *List) map[EntityType]int {
	m := map[EntityType]int{}
	for _, e := range l.Entities {
		m[e.Type]++
	}
	return m
}

func TestParseEUReadsAllSampleEntities(t *testing.T) {
	l := parseEUSample(t)
	// The fixture README: 17 entities, 10 persons and 7 organisations.
	got := countByType(l)
	if len(l.Entities) != 17 || got[TypePerson] != 10 || got[TypeOrganisation] != 7 || l.Skipped != 0 {
		t.Fatalf("entities %d by type %v skipped %d", len(l.Entities), got, l.Skipped)
	}
	if l.Source != SourceEU {
		t.Errorf("source = %s", l.Source)
	}
	for _, e := range l.Entities {
		if e.Source != SourceEU || e.PrimaryName() == "" || e.Names[0].Kind != NamePrimary || e.Reference == "" || e.ListedOn == "" || len(e.Programs) == 0 {
			t.Errorf("incomplete entity %+v", e)
		}
	}
}

func TestParseEUMapsSampleEntitiesFieldByField(t *testing.T) {
	l := parseEUSample(t)
	tests := []struct {
		name  string
		id    string
		check func(t *testing.T, e *Entity)
	}{
		{"a person has a full birth date, a birth place and a citizenship", "13", func(t *testing.T, e *Entity) {
			if e.PrimaryName() != "Saddam Hussein Al-Tikriti" || e.Reference != "EU.27.28" || e.Gender != "Male" {
				t.Errorf("name %q reference %q gender %q", e.PrimaryName(), e.Reference, e.Gender)
			}
			if len(e.BirthDates) != 1 || e.BirthDates[0].String() != "1937-04-28" || e.BirthDates[0].Precision != PrecisionDay {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
			if len(e.BirthPlaces) != 1 || e.BirthPlaces[0].City != "al-Awja, near Tikrit" || e.BirthPlaces[0].CountryCode != "IQ" {
				t.Errorf("birth places %+v", e.BirthPlaces)
			}
			if len(e.Citizenships) != 1 || e.Citizenships[0] != (Country{Name: "IRAQ", Code: "IQ"}) {
				t.Errorf("citizenships %+v", e.Citizenships)
			}
		}},
		{"an entity without a designation date is listed on the date its legal act was published", "13", func(t *testing.T, e *Entity) {
			if e.ListedOn != "2003-07-08" || len(e.Programs) != 1 || e.Programs[0] != "IRQ" {
				t.Errorf("listed on %q programmes %v", e.ListedOn, e.Programs)
			}
		}},
		{"the primary name is the English one, not the French spelling listed first", "20", func(t *testing.T, e *Entity) {
			if e.PrimaryName() != "Qusay Saddam Hussein Al-Tikriti" || len(e.Names) != 2 || e.Names[1].Full != "Qoussaï Saddam Hussein Al-Tikriti" {
				t.Errorf("names %+v", e.Names)
			}
		}},
		{"two year-only birth dates stay years and the repeated birth place is kept once", "20", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 2 || e.BirthDates[0].String() != "1966" || e.BirthDates[1].String() != "1965" || e.BirthDates[0].Precision != PrecisionYear {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
			// Country "00"/UNKNOWN is no country.
			if len(e.BirthPlaces) != 1 || e.BirthPlaces[0] != (Place{Text: "Baghdad", City: "Baghdad"}) {
				t.Errorf("birth places %+v", e.BirthPlaces)
			}
		}},
		{"an Arabic name is an original-script name and low-quality aliases are weak", "514", func(t *testing.T, e *Entity) {
			want := []Name{
				{Full: "Abdul Manan Agha", Kind: NamePrimary},
				{Full: "عبد المنان آغا", Kind: NameOriginalScript},
				{Full: "Saiyid Abd al-Man", Kind: NameAlias, Weak: true},
				{Full: "Abdul Man’am Saiyid", Kind: NameAlias, Weak: true},
				{Full: "Abdul Manan", Kind: NameAlias},
			}
			if fmt.Sprint(e.Names) != fmt.Sprint(want) {
				t.Errorf("names\n got %+v\nwant %+v", e.Names, want)
			}
		}},
		{"the name the UN lists as primary wins over the good-quality aliases listed before it", "6177", func(t *testing.T, e *Entity) {
			if e.PrimaryName() != "Ibrahim Hassan Tali Al-Asiri" {
				t.Errorf("primary %q", e.PrimaryName())
			}
			weak := 0
			for _, n := range e.Names {
				if n.Weak {
					weak++
				}
			}
			// "low quality aliias" (sic) included.
			if weak != 3 {
				t.Errorf("weak aliases = %d, want 3: %+v", weak, e.Names)
			}
		}},
		{"an Islamic-calendar date counts only through its Gregorian equivalent", "6177", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 2 || e.BirthDates[0].String() != "1982-04-18" || e.BirthDates[1].String() != "1982-04-19" {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
		}},
		{"identity documents keep their type, number and issuing country", "6177", func(t *testing.T, e *Entity) {
			want := []Document{
				{Type: "National identification card", Number: "1028745097", Country: "SAUDI ARABIA", CountryCode: "SA"},
				{Type: "National passport", Number: "F654645", Country: "SAUDI ARABIA", CountryCode: "SA"},
			}
			if fmt.Sprint(e.Documents) != fmt.Sprint(want) {
				t.Errorf("documents %+v", e.Documents)
			}
			if len(e.Addresses) != 1 || e.Addresses[0] != (Place{Country: "YEMEN", CountryCode: "YE"}) {
				t.Errorf("addresses %+v", e.Addresses)
			}
		}},
		{"a birth year and a birth month with a year keep their precision", "6971", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 2 || e.BirthDates[0].String() != "1960" || e.BirthDates[1].String() != "1961-08" || e.BirthDates[1].Precision != PrecisionMonth {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
		}},
		{"a Cyrillic name labelled English is still an original-script name", "7300", func(t *testing.T, e *Entity) {
			if len(e.Names) != 2 || e.Names[1] != (Name{Full: "Анатолий Алексеевич СИДОРОВ", Kind: NameOriginalScript}) {
				t.Errorf("names %+v", e.Names)
			}
			if e.Remarks != "Function: Commander, Russia's Western Military District." {
				t.Errorf("remarks %q", e.Remarks)
			}
		}},
		{"an Islamic-calendar year without a Gregorian date is left out", "127388", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 2 || e.BirthDates[0].String() != "1965" || e.BirthDates[1].String() != "1964" {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
		}},
		{"a range of birth years stays a range", "155661", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 1 || e.BirthDates[0].String() != "1960..1979" {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
			if len(e.Citizenships) != 1 || e.Citizenships[0].Code != "MM" {
				t.Errorf("citizenships %+v", e.Citizenships)
			}
		}},
		{"the UN reference of an EU entry is kept in the remarks", "118593", func(t *testing.T, e *Entity) {
			if e.Reference != "EU.4801.12" || !strings.Contains(e.Remarks, "UN reference: LYi.28") || e.ListedOn != "2018-11-29" {
				t.Errorf("reference %q listed %q remarks %q", e.Reference, e.ListedOn, e.Remarks)
			}
		}},
		{"an enterprise has its address, registration numbers and former name", "139009", func(t *testing.T, e *Entity) {
			if e.Type != TypeOrganisation || e.ListedOn != "2022-04-08" || e.Programs[0] != "UKR" {
				t.Errorf("type %s listed %q programmes %v", e.Type, e.ListedOn, e.Programs)
			}
			if len(e.Names) != 2 || e.Names[1] != (Name{Full: "Buycombank", Kind: NameFormerly}) {
				t.Errorf("names %+v", e.Names)
			}
			want := Place{Text: "Prospekt Tekstilshchikov, 46, 156000, Kostroma, Kostroma Oblast", City: "Kostroma", Country: "RUSSIAN FEDERATION", CountryCode: "RU"}
			if len(e.Addresses) != 1 || e.Addresses[0] != want {
				t.Errorf("addresses %+v", e.Addresses)
			}
			if len(e.Documents) != 2 || e.Documents[1] != (Document{Type: "Registration Number", Number: "1144400000425"}) {
				t.Errorf("documents %+v", e.Documents)
			}
		}},
		{"a registration number given as \"-\" is no document", "6428", func(t *testing.T, e *Entity) {
			if len(e.Documents) != 0 {
				t.Errorf("documents %+v", e.Documents)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, entityByID(t, l, tc.id))
		})
	}
}

func TestParseEUChecksumIsTheFilesSHA256AndStableAcrossParses(t *testing.T) {
	dir := filepath.Join(fixtureDir(t), "sanctions", euSampleDir)
	raw, err := os.ReadFile(filepath.Join(dir, euSampleFile))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	first, second := parseEUSample(t), parseEUSample(t)
	if len(first.Checksums) != 1 || first.Checksums[euSampleFile] != hex.EncodeToString(sum[:]) {
		t.Errorf("checksums %v, want %s=%x", first.Checksums, euSampleFile, sum)
	}
	if first.Checksums[euSampleFile] != second.Checksums[euSampleFile] || first.Version() != second.Version() {
		t.Errorf("two parses differ: %s %s", first.Version(), second.Version())
	}
	if d := Diff(first, second); !d.Empty() || d.Unchanged != 17 {
		t.Errorf("diff of two parses %+v", d)
	}
}

const euEdgeCases = `<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2026-08-05T16:47:04+02:00">
  <sanctionEntity euReferenceNumber="EU.1.1" logicalId="1" unitedNationId="">
    <regulation programme="RUS" publicationDate="2022-02-28"/>
    <regulation programme="BLR" publicationDate="2021-06-21"/>
    <regulation programme="RUS" publicationDate="2022-03-09"/>
    <subjectType code="person"/>
    <nameAlias wholeName="Vanya" strong="false" nameLanguage=""/>
    <nameAlias firstName="Ivan" middleName="Ivanovich" lastName="PETROV" wholeName="" strong="true" gender="M" nameLanguage=""/>
    <birthdate circa="true" calendarType="GREGORIAN" year="1970" countryIso2Code="RU" countryDescription="RUSSIAN FEDERATION"/>
    <birthdate circa="false" calendarType="GREGORIAN" dayOfMonth="12" monthOfYear="3" year="1971"/>
    <birthdate circa="false" calendarType="GREGORIAN" yearRangeFrom="1980" yearRangeTo="1970"/>
    <birthdate circa="false" calendarType="GREGORIAN" year="19x1"/>
    <citizenship countryIso2Code="XK" countryDescription="KOSOVO"/>
    <citizenship countryIso2Code="00" countryDescription="UNKNOWN"/>
    <identification number="-" latinNumber="AB 123" identificationTypeCode="passport" identificationTypeDescription="" countryIso2Code="00" countryDescription="UNKNOWN"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.2.2" logicalId="">
    <nameAlias wholeName="No Id" strong="true"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.3.3" logicalId="3">
    <subjectType code="enterprise"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.1.1" logicalId="1">
    <nameAlias wholeName="Repeated Id" strong="true"/>
  </sanctionEntity>
  <sanctionEntity logicalId="4" euReferenceNumber="">
    <nameAlias wholeName="Only Known Name" strong="true"/>
  </sanctionEntity>
</export>`

func TestParseEUHandlesTheFormatsCorners(t *testing.T) {
	l, err := ParseEU(strings.NewReader(euEdgeCases))
	if err != nil {
		t.Fatal(err)
	}
	// No id, no name, repeated id.
	if len(l.Entities) != 2 || l.Skipped != 3 {
		t.Fatalf("entities %d skipped %d", len(l.Entities), l.Skipped)
	}
	e := entityByID(t, l, "1")
	tests := []struct {
		name      string
		got, want any
	}{
		{"a strong alias is primary over an earlier weak one", e.Names[0], Name{Full: "Ivan Ivanovich PETROV", Kind: NamePrimary}},
		{"strong=\"false\" makes a weak alias", e.Names[1], Name{Full: "Vanya", Kind: NameAlias, Weak: true}},
		{"circa marks an approximate year", e.BirthDates[0], Date{Year: 1970, Precision: PrecisionYear, Circa: true}},
		{"day, month and year without a birthdate attribute make a full date", e.BirthDates[1], Date{Year: 1971, Month: 3, Day: 12, Precision: PrecisionDay}},
		{"an inverted year range and a bad year are dropped", len(e.BirthDates), 2},
		{"a code the CLDR lacks is found from the description", e.Citizenships, []Country{{Name: "KOSOVO", Code: "XK"}}},
		{"the Latin number stands in for a missing number", e.Documents, []Document{{Type: "passport", Number: "AB 123"}}},
		{"programmes are kept once each in published order", e.Programs, []string{"RUS", "BLR"}},
		{"the earliest legal act dates the listing", e.ListedOn, "2021-06-21"},
		{"M is male", e.Gender, "Male"},
		{"an entity without a subject type is kept, of unknown type", entityByID(t, l, "4").Type, TypeUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", tc.got, tc.want)
			}
		})
	}
}

func TestParseEURefusesFilesOfAnotherFormat(t *testing.T) {
	tests := []struct{ name, input string }{
		{"the UN list", `<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>`},
		{"the UK list", `<?xml version="1.0"?><Designations><Designation><UniqueID>AFG0001</UniqueID></Designation></Designations>`},
		{"an export root in a foreign namespace", `<export xmlns="urn:other"><sanctionEntity logicalId="1"/></export>`},
		{"an HTML error page", "<!DOCTYPE html><html><body>Service unavailable</body></html>"},
		{"JSON", `{"export": []}`},
		{"an empty download", ""},
		{"a stray closing tag", "</export>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseEU(strings.NewReader(tc.input))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v (list %+v), want ErrFormat", err, l)
			}
		})
	}
}

func TestParseEURejectsATruncatedFileWhereverItIsCut(t *testing.T) {
	inputs := map[string][]byte{"edge cases": []byte(euEdgeCases)}
	if b, err := os.ReadFile(filepath.Join(sampleRoot(), "sanctions", euSampleDir, euSampleFile)); err == nil {
		inputs["sample"] = b
	}
	for name, b := range inputs {
		end := bytes.LastIndex(b, []byte("</export>")) + len("</export>")
		for cut := 0; cut < end; cut += 1 + cut/50 {
			if _, err := ParseEU(bytes.NewReader(b[:cut])); err == nil {
				t.Fatalf("%s cut at %d of %d accepted", name, cut, len(b))
			}
		}
		if _, err := ParseEU(bytes.NewReader(b[:end])); err != nil {
			t.Errorf("%s: the complete file is refused: %v", name, err)
		}
	}
}

func TestParseEUGivesAnErrorOrSkipsOnGarbledEntities(t *testing.T) {
	tests := []struct{ name, input string }{
		{"an unclosed name alias", `<export><sanctionEntity logicalId="1"><nameAlias wholeName="A" strong="true"></sanctionEntity></export>`},
		{"an unquoted attribute", `<export><sanctionEntity logicalId=1><nameAlias wholeName="A"/></sanctionEntity></export>`},
		{"a broken entity reference", `<export><sanctionEntity logicalId="1"><nameAlias wholeName="A &nbsp; B"/></sanctionEntity></export>`},
		{"binary noise inside an entity", "<export><sanctionEntity logicalId=\"1\">\x00\xff\xfe<nameAlias wholeName=\"\x80\"/></sanctionEntity></export>"},
		{"an entity closed twice", `<export><sanctionEntity logicalId="1"><nameAlias wholeName="A"/></sanctionEntity></sanctionEntity></export>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseEU(strings.NewReader(tc.input))
			if err != nil {
				return
			}
			checkParsedList(t, l)
		})
	}
}

func TestParseEUDirAcceptsTheSampleAndTheOfficialDownloadName(t *testing.T) {
	file := &fstest.MapFile{Data: []byte(euEdgeCases)}
	tests := []struct {
		name    string
		files   []string
		want    string // file read, "" when the folder is refused
		wantErr error
	}{
		{"the sample's name", []string{"fsf.xml"}, "fsf.xml", nil},
		{"the official download's name", []string{"20260805-FULL-1_1(xsd).xml", "README.md"}, "20260805-FULL-1_1(xsd).xml", nil},
		{"a folder without the list", []string{"UN_consolidated.xml"}, "", ErrMissingFile},
		{"the 1.0 format's download", []string{"20260805-FULL-1_0(xsd).xml"}, "", ErrMissingFile},
		{"two publications in one folder", []string{"20260804-FULL-1_1(xsd).xml", "20260805-FULL-1_1(xsd).xml"}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys[f] = file
			}
			l, err := EUParser{}.Parse(fsys)
			if tc.want == "" {
				if err == nil || (tc.wantErr != nil && !errors.Is(err, tc.wantErr)) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := l.Checksums[tc.want]; !ok || len(l.Checksums) != 1 || l.Source != SourceEU {
				t.Errorf("checksums %v source %s", l.Checksums, l.Source)
			}
		})
	}
}

// checkParsedList checks what every parser promises of a list it returns.
func checkParsedList(t *testing.T, l *List) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range l.Entities {
		if e.ID == "" || e.PrimaryName() == "" || e.Names[0].Kind != NamePrimary || seen[e.ID] {
			t.Fatalf("entity without id or primary name, or repeated: %+v", e)
		}
		seen[e.ID] = true
		for _, n := range e.Names {
			if n.Full == "" || n.Full != cleanSpace(n.Full) {
				t.Fatalf("unclean name %q", n.Full)
			}
		}
		for _, d := range e.BirthDates {
			if d.Year < 1800 || d.Year > 2200 || (d.ToYear != 0 && d.ToYear <= d.Year) || d.Month < 0 || d.Month > 12 || d.Day < 0 || d.Day > 31 {
				t.Fatalf("implausible date %+v", d)
			}
		}
		_ = e.ContentHash()
	}
}

// FuzzParseEU: the parser never panics and returns only entities with an
// id and a primary name. Run for 20 s with
//
//	go test -race -run '^$' -fuzz '^FuzzParseEU$' -fuzztime 20s -fuzzminimizetime 200x ./shared/sanctions/
//
// (without a bound on minimisation, the race-instrumented workers spend
// the whole run minimising their first finds).
func FuzzParseEU(f *testing.F) {
	f.Add([]byte(euEdgeCases))
	addSampleSeed(f, euSampleDir, euSampleFile, "sanctionEntity", "export")
	f.Add([]byte(`<export><sanctionEntity logicalId="1"><nameAlias wholeName="A"/><birthdate birthdate="1970-13-01" yearRangeFrom="2200" yearRangeTo="1800"/></sanctionEntity></export>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseEU(bytes.NewReader(b))
		if err != nil {
			return
		}
		checkParsedList(t, l)
	})
}

// euRepeated builds an export of about n entities by repeating the
// sample's entities under fresh ids: the size of the full export (about
// 6,200 entities, 25 MB) without shipping it.
func euRepeated(sample []byte, n int) []byte {
	start := bytes.Index(sample, []byte("<sanctionEntity"))
	end := bytes.LastIndex(sample, []byte("</export>"))
	body := sample[start:end]
	id := regexp.MustCompile(`(<sanctionEntity [^>]*logicalId=")([0-9]+)"`)
	per := bytes.Count(body, []byte("<sanctionEntity"))
	var out bytes.Buffer
	out.Write(sample[:start])
	for r := 0; r*per < n; r++ {
		out.Write(id.ReplaceAll(body, []byte(fmt.Sprintf(`${1}${2}-%d"`, r))))
	}
	out.Write(sample[end:])
	return out.Bytes()
}

func benchmarkParse(b *testing.B, data []byte, parse func(io.Reader) (*List, error)) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	entities := 0
	for b.Loop() {
		l, err := parse(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		entities = len(l.Entities)
	}
	b.ReportMetric(float64(entities*b.N)/b.Elapsed().Seconds(), "entities/s")
}

func BenchmarkParseEU(b *testing.B) {
	sample := readSample(b, euSampleDir, euSampleFile)
	b.Run("sample", func(b *testing.B) { benchmarkParse(b, sample, ParseEU) })
	b.Run("full-size", func(b *testing.B) { benchmarkParse(b, euRepeated(sample, 6200), ParseEU) })
}
