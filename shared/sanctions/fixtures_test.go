package sanctions

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseFullFixtures(t *testing.T) {
	dir := fixtureDir(t)
	ofac, err := ParseOFACDir(os.DirFS(filepath.Join(dir, "sanctions", "ofac-2021-07")))
	if err != nil {
		t.Fatal(err)
	}
	un, err := ParseUNDir(os.DirFS(filepath.Join(dir, "sanctions", "un")))
	if err != nil {
		t.Fatal(err)
	}
	crypto, err := ParseCryptoAddressDir(os.DirFS(filepath.Join(dir, "sanctions", "crypto-addresses")))
	if err != nil {
		t.Fatal(err)
	}
	withCrypto := 0
	for _, e := range ofac.Entities {
		if len(e.Crypto) > 0 {
			withCrypto++
		}
	}
	// The fixture README: 15 entries of July 2021 carry digital currency addresses.
	if withCrypto != 15 {
		t.Errorf("OFAC 2021-07 entries with crypto addresses = %d, want 15", withCrypto)
	}
	if len(ofac.Entities) < 8900 || len(un.Entities) < 1000 || len(crypto.Addresses) < 600 {
		t.Errorf("counts: OFAC %d UN %d addresses %d", len(ofac.Entities), len(un.Entities), len(crypto.Addresses))
	}
	persons, withDOB := 0, 0
	for _, e := range un.Entities {
		if e.Type == TypePerson {
			persons++
			if len(e.BirthDates) > 0 {
				withDOB++
			}
		}
	}
	if persons != 730 || withDOB < 650 {
		t.Errorf("UN individuals %d with DOB %d", persons, withDOB)
	}
}
