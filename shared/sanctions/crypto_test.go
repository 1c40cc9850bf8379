package sanctions

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseCryptoAddressDirTakesAssetFromFileName(t *testing.T) {
	fsys := fstest.MapFS{
		"sanctioned_addresses_ETH.txt": {Data: []byte("0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1\n\n# comment\n")},
		"sanctioned_addresses_XBT.txt": {Data: []byte("123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX\r\n")},
		"README.md":                    {Data: []byte("ignored")},
	}
	l, err := ParseCryptoAddressDir(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []CryptoAddress{{"ETH", "0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1"}, {"XBT", "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX"}}
	if len(l.Addresses) != 2 || l.Addresses[0] != want[0] || l.Addresses[1] != want[1] {
		t.Fatalf("addresses = %+v", l.Addresses)
	}
	if !strings.HasPrefix(l.Version(), string(SourceOFACCrypto)+"@") {
		t.Errorf("version = %s", l.Version())
	}
	if _, err := ParseCryptoAddressDir(fstest.MapFS{}); err == nil {
		t.Error("empty folder accepted")
	}
}
