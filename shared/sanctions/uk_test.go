package sanctions

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func parseUKSample(t *testing.T) *List {
	t.Helper()
	l, err := ParseUKDir(os.DirFS(filepath.Join(fixtureDir(t), "sanctions", ukSampleDir)))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseUKReadsAllSampleDesignations(t *testing.T) {
	l := parseUKSample(t)
	// The fixture README: the first 6 designations of the list; the sample
	// holds 5 individuals and 1 entity, no ship.
	got := countByType(l)
	if len(l.Entities) != 6 || got[TypePerson] != 5 || got[TypeOrganisation] != 1 || l.Skipped != 0 {
		t.Fatalf("entities %d by type %v skipped %d", len(l.Entities), got, l.Skipped)
	}
	for _, e := range l.Entities {
		if e.Source != SourceUK || e.Reference != e.ID || e.ListedOn == "" || len(e.Programs) != 1 {
			t.Errorf("incomplete entity %+v", e)
		}
	}
}

func TestParseUKMapsSampleDesignationsFieldByField(t *testing.T) {
	l := parseUKSample(t)
	const afghanistan = "The Afghanistan (Sanctions) (EU Exit) Regulations 2020"
	tests := []struct {
		name  string
		id    string
		check func(t *testing.T, e *Entity)
	}{
		{"an entity has its primary name, aliases, non-Latin name and regime", "AFG0001", func(t *testing.T, e *Entity) {
			if e.Type != TypeOrganisation || e.PrimaryName() != "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE" || e.Programs[0] != afghanistan {
				t.Errorf("type %s primary %q programmes %v", e.Type, e.PrimaryName(), e.Programs)
			}
			if len(e.Names) != 10 || e.Names[1] != (Name{Full: "Haji Alim Hawala", Kind: NameAlias}) {
				t.Errorf("names %+v", e.Names)
			}
			if last := e.Names[9]; last != (Name{Full: "حاجی خيرالله و حاجی ستار صرافی", Kind: NameOriginalScript}) {
				t.Errorf("non-Latin name %+v", last)
			}
		}},
		{"dd/mm/yyyy designation dates become ISO dates", "AFG0001", func(t *testing.T, e *Entity) {
			if e.ListedOn != "2012-06-29" {
				t.Errorf("listed on %q", e.ListedOn)
			}
		}},
		{"address lines are joined and the country is coded", "AFG0001", func(t *testing.T, e *Entity) {
			want := Place{Text: "Branch Office 10, Suite numbers 196-197, 3rd Floor, Khorasan Market, Herat City, Herat Province", Country: "Afghanistan", CountryCode: "AF"}
			if len(e.Addresses) != 16 || e.Addresses[1] != want {
				t.Errorf("%d addresses, second %+v", len(e.Addresses), e.Addresses[1])
			}
			if e.Addresses[6].CountryCode != "IR" || e.Addresses[5].CountryCode != "AE" {
				t.Errorf("addresses in Iran and the UAE: %+v %+v", e.Addresses[6], e.Addresses[5])
			}
			if !strings.Contains(e.Remarks, "UN reference: TAe.010; OFSI group ID: 12703") {
				t.Errorf("remarks %q", e.Remarks)
			}
		}},
		{"dd/mm/1945-style dates are years", "AFG0006", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 10 || e.BirthDates[0] != (Date{Year: 1945, Precision: PrecisionYear}) {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
		}},
		{"a passport repeated ten times is one document", "AFG0006", func(t *testing.T, e *Entity) {
			if len(e.Documents) != 1 || e.Documents[0] != (Document{Type: "Passport", Number: "P04581926"}) {
				t.Errorf("documents %+v", e.Documents)
			}
		}},
		{"an individual has nationality, birth place and positions", "AFG0006", func(t *testing.T, e *Entity) {
			if len(e.Nationalities) != 1 || e.Nationalities[0] != (Country{Name: "Afghanistan", Code: "AF"}) {
				t.Errorf("nationalities %+v", e.Nationalities)
			}
			want := Place{Text: "Pashmul village, Panjwai District, Kandahar Province", City: "Pashmul village, Panjwai District, Kandahar Province", Country: "Afghanistan", CountryCode: "AF"}
			if len(e.BirthPlaces) != 1 || e.BirthPlaces[0] != want {
				t.Errorf("birth places %+v", e.BirthPlaces)
			}
			if !strings.Contains(e.Remarks, "Position: Foreign Minister under the previous Taliban regime (1996-2001)") {
				t.Errorf("remarks %q", e.Remarks)
			}
		}},
		{"primary name variations are strong aliases", "AFG0007", func(t *testing.T, e *Entity) {
			want := []Name{
				{Full: "Abdul Kabir MOHAMMAD JAN", Kind: NamePrimary},
				{Full: "KABIR MUHAMMAD JAN ABDUL", Kind: NameAlias},
				{Full: "ABDUL KABIR MUHAMMAD JAN", Kind: NameAlias},
				{Full: "A Kabir", Kind: NameAlias},
				{Full: "عبد الکبیر محمد جان", Kind: NameOriginalScript},
			}
			if fmt.Sprint(e.Names) != fmt.Sprint(want) {
				t.Errorf("names\n got %+v\nwant %+v", e.Names, want)
			}
		}},
		{"a full date and a year are kept, the repeated date once", "AFG0007", func(t *testing.T, e *Entity) {
			if len(e.BirthDates) != 2 || e.BirthDates[0].String() != "1963" || e.BirthDates[1].String() != "1972-01-30" {
				t.Errorf("birth dates %+v", e.BirthDates)
			}
		}},
		{"a low-quality alias is weak, good-quality ones are not", "AFG0009", func(t *testing.T, e *Entity) {
			if len(e.Names) != 6 || e.Names[1].Weak || e.Names[4] != (Name{Full: "Mudir", Kind: NameAlias, Weak: true}) {
				t.Errorf("names %+v", e.Names)
			}
		}},
		{"a second primary name is a strong alias and an empty passport is no document", "AFG0038", func(t *testing.T, e *Entity) {
			if e.PrimaryName() != "DIN MOHAMMAD HANIF" || e.Names[1] != (Name{Full: "IADENA MOHAMMAD", Kind: NameAlias}) {
				t.Errorf("names %+v", e.Names)
			}
			if len(e.Documents) != 1 || e.Documents[0].Number != "D0009731" {
				t.Errorf("documents %+v", e.Documents)
			}
		}},
		{"two birth places are both kept", "AFG0043", func(t *testing.T, e *Entity) {
			if len(e.BirthPlaces) != 2 || e.BirthPlaces[1].Text != "Janda District, Ghazni Province" || len(e.Addresses) != 0 {
				t.Errorf("birth places %+v addresses %+v", e.BirthPlaces, e.Addresses)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, entityByID(t, l, tc.id))
		})
	}
}

func TestParseUKChecksumIsTheFilesSHA256AndStableAcrossParses(t *testing.T) {
	dir := filepath.Join(fixtureDir(t), "sanctions", ukSampleDir)
	raw, err := os.ReadFile(filepath.Join(dir, ukSampleFile))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	first, second := parseUKSample(t), parseUKSample(t)
	if len(first.Checksums) != 1 || first.Checksums[ukSampleFile] != hex.EncodeToString(sum[:]) {
		t.Errorf("checksums %v, want %s=%x", first.Checksums, ukSampleFile, sum)
	}
	if first.Checksums[ukSampleFile] != second.Checksums[ukSampleFile] || first.Version() != second.Version() {
		t.Errorf("two parses differ: %s %s", first.Version(), second.Version())
	}
	if d := Diff(first, second); !d.Empty() || d.Unchanged != 6 {
		t.Errorf("diff of two parses %+v", d)
	}
}

const ukEdgeCases = "\ufeff" + `<?xml version="1.0" encoding="utf-8"?>
<Designations xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <DateGenerated>07/09/2026</DateGenerated>
  <Designation>
    <DateDesignated>05/11/2024</DateDesignated>
    <UniqueID>RUS9999</UniqueID>
    <Names>
      <Name><Name6>EXAMPLE TANKER</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>Example Star</Name6><NameType>Alias</NameType></Name>
    </Names>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Ship</IndividualEntityShip>
    <ShipDetails>
      <Ship>
        <IMONumbers><IMONumber>9123456</IMONumber></IMONumbers>
        <CurrentOwnerOperators><CurrentOwnerOperator>Example Shipping LLC</CurrentOwnerOperator></CurrentOwnerOperators>
        <CurrentBelievedFlagOfShips><CurrentBelievedFlagOfShip>Cameroon</CurrentBelievedFlagOfShip></CurrentBelievedFlagOfShips>
        <PreviousFlags><PreviousFlag>Panama</PreviousFlag></PreviousFlags>
        <TypeOfShipDetails><TypeOfShip>Crude Oil Tanker</TypeOfShip></TypeOfShipDetails>
      </Ship>
    </ShipDetails>
  </Designation>
  <Designation>
    <DateDesignated>dd/mm/2022</DateDesignated>
    <UniqueID>RUS9998</UniqueID>
    <Names>
      <Name><Name6>Vanya</Name6><NameType>Alias</NameType><AliasStrength>Low quality a.k.a</AliasStrength></Name>
      <Name><Name1>Ivan</Name1><Name2>Ivanovich</Name2><Name6>PETROV</Name6><NameType>Alias</NameType></Name>
    </Names>
    <IndividualEntityShip>Individual</IndividualEntityShip>
    <IndividualDetails>
      <Individual>
        <DOBs><DOB>dd/07/1960</DOB><DOB>00/00/1961</DOB><DOB>31/13/1962</DOB><DOB>1963</DOB><DOB>12/mm/1964</DOB></DOBs>
        <Genders><Gender>Male</Gender></Genders>
        <NationalIdentifierDetails><NationalIdentifier><NationalIdentifierNumber>770123456789</NationalIdentifierNumber></NationalIdentifier></NationalIdentifierDetails>
      </Individual>
    </IndividualDetails>
  </Designation>
  <Designation>
    <UniqueID>RUS9997</UniqueID>
    <Names><Name><Name6>Example Holding JSC</Name6><NameType>Primary Name</NameType></Name></Names>
    <IndividualEntityShip>Entity</IndividualEntityShip>
    <EntityDetails><Entity><BusinessRegistrationNumbers><BusinessRegistrationNumber>1027700000000</BusinessRegistrationNumber></BusinessRegistrationNumbers></Entity></EntityDetails>
  </Designation>
  <Designation><UniqueID></UniqueID><Names><Name><Name6>No Id</Name6><NameType>Primary Name</NameType></Name></Names></Designation>
  <Designation><UniqueID>RUS9996</UniqueID><Names><Name><NameType>Primary Name</NameType></Name></Names></Designation>
  <Designation><UniqueID>RUS9999</UniqueID><Names><Name><Name6>Repeated Id</Name6></Name></Names></Designation>
</Designations>`

func TestParseUKHandlesTheFormatsCorners(t *testing.T) {
	l, err := ParseUK(strings.NewReader(ukEdgeCases))
	if err != nil {
		t.Fatal(err)
	}
	// No id, no name, repeated id.
	if len(l.Entities) != 3 || l.Skipped != 3 {
		t.Fatalf("entities %d skipped %d", len(l.Entities), l.Skipped)
	}
	ship, person, company := entityByID(t, l, "RUS9999"), entityByID(t, l, "RUS9998"), entityByID(t, l, "RUS9997")
	tests := []struct {
		name      string
		got, want any
	}{
		{"a ship is a vessel", ship.Type, TypeVessel},
		{"a ship's IMO number is a document", ship.Documents, []Document{{Type: "IMO number", Number: "9123456"}}},
		{"a ship's current flag is a place, as OFAC's vessel flag is", ship.Addresses, []Place{{Text: "vessel flag", Country: "Cameroon", CountryCode: "CM"}}},
		{"a designation date is an ISO date", ship.ListedOn, "2024-11-05"},
		{"a partial designation date is left out", person.ListedOn, ""},
		{"without a primary name the first strong name is primary", person.Names[0], Name{Full: "Ivan Ivanovich PETROV", Kind: NamePrimary}},
		{"a low-quality alias is weak", person.Names[1], Name{Full: "Vanya", Kind: NameAlias, Weak: true}},
		{"dd/07/1960 is a month, 00/00/1961 a year, a day without month a year; bad dates are left out", fmt.Sprint(person.BirthDates), "[1960-07 1961 1964]"},
		{"the gender is kept", person.Gender, "Male"},
		{"a national identifier is a document", person.Documents, []Document{{Type: "National identification number", Number: "770123456789"}}},
		{"a business registration number is a document", company.Documents, []Document{{Type: "Business registration number", Number: "1027700000000"}}},
		{"an entity is an organisation", company.Type, TypeOrganisation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if fmt.Sprint(tc.got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", tc.got, tc.want)
			}
		})
	}
}

func TestParseUKRefusesFilesOfAnotherFormat(t *testing.T) {
	tests := []struct{ name, input string }{
		{"the EU list", `<?xml version="1.0"?><export xmlns="http://eu.europa.ec/fpi/fsd/export"><sanctionEntity logicalId="1"/></export>`},
		{"the UN list", `<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>`},
		{"the closed OFSI consolidated list", `<ArrayOfFinancialSanctionsTarget><FinancialSanctionsTarget><GroupID>1</GroupID></FinancialSanctionsTarget></ArrayOfFinancialSanctionsTarget>`},
		{"an HTML error page", "<html><head><title>404</title></head></html>"},
		{"a CSV export", "Last Updated,Unique ID,Name 6\n01/01/2026,AFG0001,X\n"},
		{"an empty download", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseUK(strings.NewReader(tc.input))
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v (list %+v), want ErrFormat", err, l)
			}
		})
	}
}

func TestParseUKRejectsATruncatedFileWhereverItIsCut(t *testing.T) {
	inputs := map[string][]byte{"edge cases": []byte(ukEdgeCases)}
	if b, err := os.ReadFile(filepath.Join(sampleRoot(), "sanctions", ukSampleDir, ukSampleFile)); err == nil {
		inputs["sample"] = b
	}
	for name, b := range inputs {
		end := bytes.LastIndex(b, []byte("</Designations>")) + len("</Designations>")
		for cut := 0; cut < end; cut += 1 + cut/50 {
			if _, err := ParseUK(bytes.NewReader(b[:cut])); err == nil {
				t.Fatalf("%s cut at %d of %d accepted", name, cut, len(b))
			}
		}
		if _, err := ParseUK(bytes.NewReader(b[:end])); err != nil {
			t.Errorf("%s: the complete file is refused: %v", name, err)
		}
	}
}

func TestParseUKGivesAnErrorOrSkipsOnGarbledDesignations(t *testing.T) {
	tests := []struct{ name, input string }{
		{"an unclosed name", `<Designations><Designation><UniqueID>A1</UniqueID><Names><Name><Name6>A</Name6></Names></Designation></Designations>`},
		{"a designation inside a designation", `<Designations><Designation><UniqueID>A1</UniqueID><Designation><UniqueID>A2</UniqueID></Designation></Designation></Designations>`},
		{"binary noise", "<Designations><Designation>\x00\xff<UniqueID>\x80</UniqueID></Designation></Designations>"},
		{"a broken entity reference", `<Designations><Designation><UniqueID>A1</UniqueID><Names><Name><Name6>A &bogus; B</Name6></Name></Names></Designation></Designations>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := ParseUK(strings.NewReader(tc.input))
			if err != nil {
				return
			}
			checkParsedList(t, l)
		})
	}
}

func TestParseUKDirAcceptsTheSampleAndTheOfficialNames(t *testing.T) {
	file := &fstest.MapFile{Data: []byte(ukEdgeCases)}
	tests := []struct {
		name  string
		files []string
		want  string // file read, "" when the folder is refused
	}{
		{"the sample's name", []string{"uk-sanctions-list.xml"}, "uk-sanctions-list.xml"},
		{"the FCDO site's name", []string{"UK-Sanctions-List.xml", "UK-Sanctions-List.csv"}, "UK-Sanctions-List.xml"},
		{"the gov.uk attachment's name", []string{"UK_Sanctions_List.xml"}, "UK_Sanctions_List.xml"},
		{"a folder without the list", []string{"ConList.xml"}, ""},
		{"two copies in one folder", []string{"UK_Sanctions_List.xml", "uk-sanctions-list.xml"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tc.files {
				fsys[f] = file
			}
			l, err := UKParser{}.Parse(fsys)
			if tc.want == "" {
				if err == nil {
					t.Fatal("folder accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := l.Checksums[tc.want]; !ok || len(l.Checksums) != 1 || l.Source != SourceUK {
				t.Errorf("checksums %v source %s", l.Checksums, l.Source)
			}
		})
	}
	if _, err := ParseUKDir(fstest.MapFS{}); !errors.Is(err, ErrMissingFile) {
		t.Errorf("empty folder: err = %v, want ErrMissingFile", err)
	}
}

// FuzzParseUK: as FuzzParseEU, for the UK list (same command, -fuzz
// '^FuzzParseUK$').
func FuzzParseUK(f *testing.F) {
	f.Add([]byte(ukEdgeCases))
	addSampleSeed(f, ukSampleDir, ukSampleFile, "Designation", "Designations")
	f.Add([]byte(`<Designations><Designation><UniqueID>X</UniqueID><Names><Name><Name1>A</Name1></Name></Names><IndividualDetails><Individual><DOBs><DOB>//</DOB><DOB>99/99/99999</DOB></DOBs></Individual></IndividualDetails></Designation></Designations>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseUK(bytes.NewReader(b))
		if err != nil {
			return
		}
		checkParsedList(t, l)
	})
}

// ukRepeated builds a list of about n designations by repeating the
// sample's designations under fresh ids: the size of the full list (about
// 6,300 designations) without shipping it.
func ukRepeated(sample []byte, n int) []byte {
	start := bytes.Index(sample, []byte("<Designation>"))
	end := bytes.LastIndex(sample, []byte("</Designations>"))
	body := sample[start:end]
	id := regexp.MustCompile(`<UniqueID>([^<]+)</UniqueID>`)
	per := bytes.Count(body, []byte("<Designation>"))
	var out bytes.Buffer
	out.Write(sample[:start])
	for r := 0; r*per < n; r++ {
		out.Write(id.ReplaceAll(body, []byte(fmt.Sprintf(`<UniqueID>${1}-%d</UniqueID>`, r))))
	}
	out.Write(sample[end:])
	return out.Bytes()
}

func BenchmarkParseUK(b *testing.B) {
	sample := readSample(b, ukSampleDir, ukSampleFile)
	b.Run("sample", func(b *testing.B) { benchmarkParse(b, sample, ParseUK) })
	b.Run("full-size", func(b *testing.B) { benchmarkParse(b, ukRepeated(sample, 6300), ParseUK) })
}
