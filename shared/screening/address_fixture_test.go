package screening_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
	"github.com/chainfi/chainguard/shared/screening"
)

// listedAddresses are the crypto addresses of the fixture lists, with where they are
// listed: the OFAC files per asset, and the remarks of OFAC's 2021 and 2024 SDN lists.
func listedAddresses(l *sanctionstest.Lists) map[string][]sanctions.CryptoAddress {
	out := map[string][]sanctions.CryptoAddress{"crypto files": l.Crypto.Addresses}
	for name, list := range map[string]*sanctions.List{"OFAC 2021 remarks": l.OFAC2021, "OFAC 2024 remarks": l.OFAC2024} {
		for _, e := range list.Entities {
			out[name] = append(out[name], e.Crypto...)
		}
	}
	return out
}

// TestEveryListedAddressMatchesInEveryFormAWalletWrites: the checks of a query address
// must never keep a listed address from matching, as listed or in the forms a wallet or
// a QR code writes it. The few listed strings that are not valid addresses (OFAC
// remarks cut short, an ETH address one digit short) still match as listed.
func TestEveryListedAddressMatchesInEveryFormAWalletWrites(t *testing.T) {
	d := requireFixtureIndex(t)
	ix2024, err := screening.Build(d.lists.OFAC2024, d.lists.Crypto)
	if err != nil {
		t.Fatal(err)
	}
	indexes := map[string]*screening.Index{"crypto files": d.ix, "OFAC 2021 remarks": d.ix, "OFAC 2024 remarks": ix2024}
	for where, addrs := range listedAddresses(d.lists) {
		if len(addrs) == 0 {
			t.Fatalf("%s: no addresses", where)
		}
		malformed := 0
		for _, c := range addrs {
			if _, err := screening.ParseAddress(c.Asset, c.Address); err != nil {
				malformed++
				t.Logf("%s: listed but malformed: %s %q (%v)", where, c.Asset, c.Address, err)
			}
			for _, form := range walletForms(c) {
				r, err := indexes[where].ScreenQueryAddress(c.Asset, form)
				if err != nil || r.Outcome != screening.OutcomeMatch {
					t.Errorf("%s: %s %q (listed %q) screens %s under %q: %v", where, c.Asset, form, c.Address, r.Outcome, r.Normalized, err)
				}
			}
		}
		t.Logf("%s: %d addresses, %d malformed", where, len(addrs), malformed)
	}
}

// walletForms are the ways a wallet or a QR code writes a listed address.
func walletForms(c sanctions.CryptoAddress) []string {
	forms := []string{c.Address}
	scheme := map[string]string{"XBT": "bitcoin", "ETH": "ethereum", "LTC": "litecoin", "BCH": "bitcoincash", "ZEC": "zcash", "DASH": "dash", "TRX": "tron", "XMR": "monero"}[c.Asset]
	if _, err := screening.ParseAddress(c.Asset, c.Address); err != nil {
		return forms // malformed: matched only as listed
	}
	if scheme != "" && !strings.Contains(c.Address, ":") {
		forms = append(forms, scheme+":"+c.Address+"?amount=0.1&label=x")
	}
	if strings.HasPrefix(strings.ToLower(c.Address), "0x") && len(c.Address) == 42 {
		forms = append(forms, c.Address[2:], "ethereum:pay-"+c.Address+"@1/transfer?value=1")
	}
	if strings.HasPrefix(c.Address, "bc1") {
		forms = append(forms, strings.ToUpper(c.Address), "BITCOIN:"+strings.ToUpper(c.Address))
	}
	return forms
}

// The crypto watchlist (USDT issuer's frozen addresses) is not indexed, but its addresses
// are real EVM addresses: each is valid for ETH and USDT.
func TestEveryWatchlistAddressIsValid(t *testing.T) {
	dir := sanctionstest.Require(t)
	f, err := os.Open(filepath.Join(dir, "crypto-watchlists", "usdt-issuer-blacklist-ETH.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		n++
		for _, asset := range []string{"ETH", "USDT"} {
			if a, err := screening.ParseAddress(asset, line); err != nil || a.Chain != screening.ChainEVM {
				t.Errorf("%s %q: %+v %v", asset, line, a, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no addresses in the watchlist")
	}
}

// The probe's three examples against the full lists.
func TestTheProbesAddressFormsAgainstTheFullLists(t *testing.T) {
	d := requireFixtureIndex(t)
	for _, c := range []struct{ asset, input string }{
		{"ETH", "7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107"},
		{"ETH", "ethereum:0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107@1?value=1e18"},
		{"XBT", "bitcoin:bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw?amount=0.5"},
	} {
		if r, err := d.ix.ScreenQueryAddress(c.asset, c.input); err != nil || r.Outcome != screening.OutcomeMatch {
			t.Errorf("%s %q: %s %v", c.asset, c.input, r.Outcome, err)
		}
	}
	if r, err := d.ix.ScreenQueryAddress("XBT", "149w62ry42azbox8fgcmqnsxuzssskeq8c"); !errors.Is(err, screening.ErrInvalidAddress) {
		t.Errorf("a lower-cased base58 address: %s %v, want it refused", r.Outcome, err)
	}
}
