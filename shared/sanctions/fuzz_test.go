package sanctions

import (
	"bytes"
	"os"
	"testing"
)

func FuzzParseOFACRemarks(f *testing.F) {
	for _, s := range []string{
		"DOB 25 Mar 1977; POB Wuhan City, Hubei, China; citizen China; Gender Male; Digital Currency Address - XBT 12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h; a.k.a. 'ZHOU, William'.",
		"DOB circa 1960 to 1962; alt. DOB Mar 1961; Passport T14553558 (Iran) issued 28 Oct 2008",
		"a.k.a. 'unterminated; DOB 1970", "Digital Currency Address - ", ";;;'", "-0-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseOFACRemarks(s)
		for _, d := range r.BirthDates {
			if d.Year < 1800 || d.Year > 2200 || (d.ToYear != 0 && d.ToYear < d.Year) {
				t.Fatalf("implausible date %+v from %q", d, s)
			}
		}
	})
}

func FuzzParseSDN(f *testing.F) {
	seed, err := os.ReadFile("testdata/ofac-mini/sdn.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`1,"A",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970"`))
	f.Add([]byte("\"unterminated,\n2,\"B\"\x1a"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseOFAC(OFACFiles{SDN: bytes.NewReader(b), Alt: bytes.NewReader(b), Add: bytes.NewReader(b), Comments: bytes.NewReader(b)})
		if err != nil {
			return
		}
		for _, e := range l.Entities {
			if e.ID == "" || len(e.Names) == 0 {
				t.Fatalf("entity without id or name: %+v", e)
			}
			_ = e.ContentHash()
		}
	})
}

func FuzzParseUNXML(f *testing.F) {
	seed, err := os.ReadFile("testdata/un-mini.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("<CONSOLIDATED_LIST><ENTITIES><ENTITY><DATAID>1</DATAID><FIRST_NAME>X</FIRST_NAME></ENTITY></ENTITIES></CONSOLIDATED_LIST>"))
	f.Add([]byte("<INDIVIDUAL><INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>2000</FROM_YEAR><TO_YEAR>1</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseUN(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range l.Entities {
			if e.ID == "" || e.PrimaryName() == "" {
				t.Fatalf("entity without id or name: %+v", e)
			}
		}
	})
}
