package sanctions

import (
	"os"
	"strings"
	"testing"
)

func TestParseUNDirRefusesAFolderWithoutTheList(t *testing.T) {
	if _, err := ParseUNDir(os.DirFS("testdata/un-mini")); err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestParseUNExtractsIndividualsAndEntities(t *testing.T) {
	f, err := os.Open("testdata/un-mini.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l, err := ParseUN(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entities) != 3 {
		t.Fatalf("entities = %d", len(l.Entities))
	}
	m := entityByID(t, l, "6908011")
	if m.Type != TypePerson || m.PrimaryName() != "MATHIEU CHUI NGUDJOLO" || m.Reference != "CDi.019" {
		t.Errorf("primary %q type %s ref %s", m.PrimaryName(), m.Type, m.Reference)
	}
	if len(m.Names) != 3 || m.Names[1].Weak || !m.Names[2].Weak {
		t.Errorf("aliases good/low = %+v", m.Names)
	}
	if len(m.BirthDates) != 2 || m.BirthDates[0].String() != "1970-10-08" || m.BirthDates[1].String() != "1973..1974" {
		t.Errorf("dates = %v", m.BirthDates)
	}
	if len(m.BirthPlaces) != 1 || m.BirthPlaces[0].City != "Bunia" || m.BirthPlaces[0].CountryCode != "CD" {
		t.Errorf("POB = %+v", m.BirthPlaces)
	}
	if len(m.Nationalities) != 1 || m.Nationalities[0].Code != "CD" {
		t.Errorf("nationality = %+v", m.Nationalities)
	}
	if len(m.Documents) != 1 || m.Documents[0].Number != "OB 0243318" || m.Documents[0].CountryCode != "CD" {
		t.Errorf("documents = %+v", m.Documents)
	}
	if m.ListedOn != "2008-08-01" || m.Gender != "Male" || m.Programs[0] != "DRC" {
		t.Errorf("listing = %s %s %v", m.ListedOn, m.Gender, m.Programs)
	}

	s := entityByID(t, l, "6908555")
	if len(s.BirthDates) != 2 || s.BirthDates[0].String() != "1937" || !s.BirthDates[1].Circa {
		t.Errorf("year-only and approximate dates = %+v", s.BirthDates)
	}
	if last := s.Names[len(s.Names)-1]; last.Kind != NameOriginalScript || !strings.Contains(last.Full, "صدام") {
		t.Errorf("original script name = %+v", last)
	}

	adf := entityByID(t, l, "6908402")
	if adf.Type != TypeOrganisation || len(adf.Names) != 3 || adf.Names[2].Kind != NameFormerly {
		t.Errorf("entity = %+v", adf)
	}
	if adf.Addresses[0].Text != "North Kivu" || adf.Addresses[0].CountryCode != "CD" {
		t.Errorf("entity address = %+v", adf.Addresses)
	}
}

func TestParseUNRejectsBrokenXML(t *testing.T) {
	_, err := ParseUN(strings.NewReader("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>X</FIRST"))
	if err == nil {
		t.Fatal("truncated XML accepted")
	}
}

func TestUNAliasesAreSplitIntoNames(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []Name
	}{
		{"Omar Ali", []Name{{Full: "Omar Ali", Kind: NameAlias}}},
		{"Akrin Saleh Akrin (أقرين صالح أقرين)", []Name{{Full: "Akrin Saleh Akrin", Kind: NameAlias}, {Full: "أقرين صالح أقرين", Kind: NameOriginalScript}}},
		{"حسن غول (Hassan Ghul; Hassan Gul; Hasan Gul)", []Name{{Full: "حسن غول", Kind: NameOriginalScript}, {Full: "Hassan Ghul", Kind: NameAlias}, {Full: "Hassan Gul", Kind: NameAlias}, {Full: "Hasan Gul", Kind: NameAlias}}},
		{"Amir Khazmat (original script: Амир Хазмат)", []Name{{Full: "Amir Khazmat", Kind: NameAlias}, {Full: "Амир Хазмат", Kind: NameOriginalScript}}},
		{"EL PARA (COMBAT NAME)", []Name{{Full: "EL PARA", Kind: NameAlias}}},
		{"Mohammad Ishaq Akhund born in 1963", []Name{{Full: "Mohammad Ishaq Akhund", Kind: NameAlias}}},
		{"Safia Farkash Mohammed Al-Hadad, born 1 Jan. 1953 (Oman passport no.03825239)", []Name{{Full: "Safia Farkash Mohammed Al-Hadad", Kind: NameAlias}}},
		{"Osborne Kabila", []Name{{Full: "Osborne Kabila", Kind: NameAlias}}},
		{"  ", nil},
	} {
		got := unAliasNames(c.in)
		if len(got) != len(c.want) {
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q name %d: %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestUNPrimaryNameDropsPlaceholdersAndSplitsAcronyms(t *testing.T) {
	for _, c := range []struct {
		parts         []string
		name, acronym string
	}{
		{[]string{"FAIZULLAH", "KHAN", "NOORZAI", "na"}, "FAIZULLAH KHAN NOORZAI", ""},
		{[]string{"AL-ITIHAAD AL-ISLAMIYA / AIAI", "", "", ""}, "AL-ITIHAAD AL-ISLAMIYA", "AIAI"},
		{[]string{"HARAKAT UL-MUJAHIDIN / HUM", "", "", ""}, "HARAKAT UL-MUJAHIDIN", "HUM"},
		// Not an acronym after the slash: the name stays whole.
		{[]string{"KOREA RYENHA MACHINERY J / V CORPORATION", "", "", ""}, "KOREA RYENHA MACHINERY J / V CORPORATION", ""},
		{[]string{"NAJIBULLAH", "", "", ""}, "NAJIBULLAH", ""},
		{[]string{"ABD AL-RAHMAN,", "OULD", "", ""}, "ABD AL-RAHMAN OULD", ""},
		{[]string{"na", "", "", ""}, "", ""},
		{[]string{"NA", "JONG", "CHOL", ""}, "NA JONG CHOL", ""}, // NA is a Korean family name
	} {
		name, acronym := unPrimaryName(c.parts...)
		if name != c.name || acronym != c.acronym {
			t.Errorf("%q: (%q, %q), want (%q, %q)", c.parts, name, acronym, c.name, c.acronym)
		}
	}
}
