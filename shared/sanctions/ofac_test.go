package sanctions

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func entityByID(t *testing.T, l *List, id string) *Entity {
	t.Helper()
	for i := range l.Entities {
		if l.Entities[i].ID == id {
			return &l.Entities[i]
		}
	}
	t.Fatalf("entity %s not found", id)
	return nil
}

func TestParseOFACDirExtractsFieldsFromRealFormatRows(t *testing.T) {
	l, err := ParseOFACDir(os.DirFS("testdata/ofac-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 7 {
		t.Fatalf("entities = %d, want 7", len(l.Entities))
	}
	if len(l.Checksums) != 4 {
		t.Errorf("checksums for %d files, want 4", len(l.Checksums))
	}
	if l.Skipped != 1 {
		t.Errorf("skipped = %d, want 1 (alias of an unknown entity)", l.Skipped)
	}

	yan := entityByID(t, l, "25308")
	if yan.Type != TypePerson || yan.PrimaryName() != "YAN, Xiaobing" {
		t.Errorf("yan = %s %q", yan.Type, yan.PrimaryName())
	}
	if got := yan.BirthDates; len(got) != 1 || got[0].String() != "1977-03-25" {
		t.Errorf("DOB = %v", got)
	}
	if len(yan.BirthPlaces) != 1 || yan.BirthPlaces[0].CountryCode != "CN" {
		t.Errorf("POB = %+v", yan.BirthPlaces)
	}
	if len(yan.Citizenships) != 1 || yan.Citizenships[0].Code != "CN" {
		t.Errorf("citizenship = %+v", yan.Citizenships)
	}
	if yan.Gender != "Male" {
		t.Errorf("gender = %q", yan.Gender)
	}
	if len(yan.Crypto) != 2 || yan.Crypto[1] != (CryptoAddress{"XBT", "1Kuf2Rd8mDyAViwBozGTNYnvWL8uYFrkVo"}) {
		t.Errorf("crypto = %+v", yan.Crypto)
	}
	if len(yan.Documents) != 1 || yan.Documents[0].Number != "421002197703250019" || yan.Documents[0].CountryCode != "CN" {
		t.Errorf("documents = %+v", yan.Documents)
	}
	wantNames := []Name{{"YAN, Xiaobing", NamePrimary, false}, {"ZHOU, William", NameAlias, true}, {"YAN, Steven", NameAlias, true}}
	if !slices.Equal(yan.Names, wantNames) {
		t.Errorf("names = %+v, want %+v", yan.Names, wantNames)
	}

	ali := entityByID(t, l, "26137")
	if len(ali.Documents) != 1 || ali.Documents[0] != (Document{Type: "Passport", Number: "T14553558", Country: "Iran", CountryCode: "IR"}) {
		t.Errorf("passport = %+v", ali.Documents)
	}
	if n := ali.Names[len(ali.Names)-1]; n.Full != "KHORASHADI, A." || !n.Weak {
		t.Errorf("alt.csv weak alias = %+v", n)
	}

	// Remarks that spill over into sdn_comments.csv are joined.
	omarov := entityByID(t, l, "29703")
	if !slices.Contains(omarov.Crypto, CryptoAddress{"LTC", "LWnbjLYUfqeokfbWM4FcU7uk2FP2DSxuWS"}) {
		t.Errorf("crypto from sdn_comments missing: %+v", omarov.Crypto)
	}
	if len(omarov.Documents) != 1 || omarov.Documents[0].Number != "4005504207" {
		t.Errorf("passport from sdn_comments = %+v", omarov.Documents)
	}
	if d := omarov.BirthDates; len(d) != 1 || d[0].Year != 1960 || d[0].ToYear != 1962 || !d[0].Circa {
		t.Errorf("circa range DOB = %+v", d)
	}
	if !slices.Equal(omarov.Programs, []string{"CYBER2", "ELECTION-EO13848"}) {
		t.Errorf("programs = %v", omarov.Programs)
	}

	bnc := entityByID(t, l, "306")
	if bnc.Type != TypeOrganisation {
		t.Errorf("type = %s", bnc.Type)
	}
	kinds := map[string]Name{}
	for _, n := range bnc.Names {
		kinds[n.Full] = n
	}
	if n := kinds["BNC"]; n.Kind != NameAlias || !n.Weak {
		t.Errorf("remark a.k.a. should be a weak alias: %+v", n)
	}
	if n := kinds["BANCO CUBA"]; n.Kind != NameFormerly || n.Weak {
		t.Errorf("fka = %+v", n)
	}
	if len(bnc.Addresses) != 1 || bnc.Addresses[0].CountryCode != "CH" {
		t.Errorf("addresses = %+v", bnc.Addresses)
	}

	vessel := entityByID(t, l, "9647")
	if vessel.Type != TypeVessel || vessel.Documents[0].Type != "Call Sign" || vessel.Addresses[0].CountryCode != "MT" {
		t.Errorf("vessel = %+v", vessel)
	}
}

func TestParseOFACWithoutOptionalFiles(t *testing.T) {
	l, err := ParseOFACDir(os.DirFS("testdata/ofac-sdn-only"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 7 || len(l.Checksums) != 1 {
		t.Fatalf("entities %d checksums %d", len(l.Entities), len(l.Checksums))
	}
	if got := entityByID(t, l, "306").Names; len(got) != 2 {
		t.Errorf("without alt.csv only primary + remark alias expected, got %+v", got)
	}
}

func TestParseOFACRequiresSDN(t *testing.T) {
	if _, err := ParseOFACDir(os.DirFS("testdata")); err == nil || !strings.Contains(err.Error(), "sdn.csv") {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseOFAC(OFACFiles{}); err == nil {
		t.Fatal("nil SDN reader accepted")
	}
}

func TestParseOFACDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"25 Mar 1977", "1977-03-25", true},
		{"Mar 1977", "1977-03", true},
		{"1977", "1977", true},
		{"1977.", "1977", true},
		{"circa 1960", "~1960", true},
		{"1960 to 1962", "1960..1962", true},
		{"01 Jan 1960 to 31 Dec 1962", "1960..1962", true},
		{"32 Jan 1960", "", false},
		{"sometime", "", false},
		{"1962 to 1960", "", false},
	}
	for _, tt := range tests {
		d, ok := ParseOFACDate(tt.in)
		if ok != tt.ok || (ok && d.String() != tt.want) {
			t.Errorf("ParseOFACDate(%q) = %q, %v; want %q, %v", tt.in, d.String(), ok, tt.want, tt.ok)
		}
	}
}

func TestParseOFACRemarks(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		check  func(RemarkFields) bool
		expect string
	}{
		{"alt. DOB adds a second date", "DOB 1970; alt. DOB 1971", func(f RemarkFields) bool { return len(f.BirthDates) == 2 && f.BirthDates[1].Year == 1971 }, "two dates"},
		{"nationality is coded", "nationality Korea, North", func(f RemarkFields) bool { return f.Nationalities[0].Code == "KP" }, "KP"},
		{"ETH address keeps case as published", "Digital Currency Address - ETH 0x8576ACC5c05d6ce88f4e49bf65bdf0c62f91353c", func(f RemarkFields) bool {
			return f.Crypto[0] == CryptoAddress{"ETH", "0x8576ACC5c05d6ce88f4e49bf65bdf0c62f91353c"}
		}, "ETH address"},
		{"semicolon inside quoted alias does not split", "a.k.a. 'A; B'; Gender Female", func(f RemarkFields) bool {
			return len(f.Aliases) == 1 && f.Aliases[0].Full == "A; B" && f.Gender == "Female"
		}, "one alias"},
		{"apostrophe inside alias", "a.k.a. 'SAB'AWI'", func(f RemarkFields) bool { return len(f.Aliases) == 1 && f.Aliases[0].Full == "SAB'AWI" }, "SAB'AWI"},
		{"unknown segments kept", "Linked To: LAZARUS GROUP.", func(f RemarkFields) bool { return len(f.Other) == 1 && f.Other[0] == "Linked To: LAZARUS GROUP" }, "other"},
		{"national id with country", "National ID No. 123-45 (Syria)", func(f RemarkFields) bool {
			return f.Documents[0].Number == "123-45" && f.Documents[0].CountryCode == "SY"
		}, "SY doc"},
		{"empty remarks", "-0-", func(f RemarkFields) bool { return len(f.Other) == 0 && len(f.BirthDates) == 0 }, "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ParseOFACRemarks(tt.in)
			if !tt.check(f) {
				t.Errorf("ParseOFACRemarks(%q) = %+v, want %s", tt.in, f, tt.expect)
			}
		})
	}
}

func TestCountryCode(t *testing.T) {
	tests := map[string]string{
		"Iran (Islamic Republic of)": "IR", "Syrian Arab Republic": "SY", "af": "AF", "AF": "AF",
		"Korea, North": "KP", "Democratic Republic of the Congo": "CD", "Trinidad and Tobago": "TT",
		"Tehran, Iran": "IR", "Russia": "RU", "Hong Kong": "HK", "Atlantis": "", "": "",
	}
	for in, want := range tests {
		if got := CountryCode(in); got != want {
			t.Errorf("CountryCode(%q) = %q, want %q", in, got, want)
		}
	}
}
