package screening

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/chainfi/chainguard/shared/sanctions"
)

func TestQueryAddressesAreReducedToTheListedKey(t *testing.T) {
	const eth = "0x7db418b5d567a4e0e8c59ad71be1fce48f3e6107"
	const btc = "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw"
	cases := []struct {
		name, asset, in, key, chain string
	}{
		{"an EVM address without 0x gets it", "ETH", "7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107", eth, ChainEVM},
		{"a token on an EVM chain too", "USDT", "7db418b5d567a4e0e8c59ad71be1fce48f3e6107", eth, ChainEVM},
		{"an EIP-55 checksummed address", "ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", ChainEVM},
		{"USDT on Ethereum", "USDT", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", ChainEVM},
		{"an EIP-681 URI loses its scheme", "ETH", "ethereum:0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107", eth, ChainEVM},
		{"an EIP-681 URI loses its chain id and parameters", "ETH", "ethereum:0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107@137?value=2.014e18", eth, ChainEVM},
		{"an EIP-681 pay- URI of a token transfer", "USDC", "ethereum:pay-0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107@1/transfer?address=0x1&uint256=1", eth, ChainEVM},
		{"a BIP 21 URI loses its scheme", "XBT", "bitcoin:" + btc, btc, ChainBech32},
		{"a BIP 21 URI loses its parameters", "XBT", "bitcoin:" + btc + "?amount=0.5&label=Donation", btc, ChainBech32},
		{"an upper-case QR code URI folds", "XBT", "BITCOIN:" + strings.ToUpper(btc) + "?AMOUNT=1", btc, ChainBech32},
		{"a URI with // as some wallets write it", "XBT", "bitcoin://" + btc, btc, ChainBech32},
		{"a legacy address keeps its case", "XBT", "bitcoin:149w62rY42aZBox8fGcmqNsXUzSStKeq8C?amount=1", "149w62rY42aZBox8fGcmqNsXUzSStKeq8C", ChainBase58},
		{"a litecoin URI", "LTC", "litecoin:LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb?amount=2", "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb", ChainBase58},
		{"a cashaddr with its network", "BCH", "bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ChainBech32},
		{"a cashaddr URI with an amount", "BCH", "bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq?amount=1", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ChainBech32},
		{"a cashaddr in upper case", "BCH", "BITCOINCASH:QPF2CPHC5DKUCLKQUR7LHJ2YUQQ9PK3HMUKLE77VHQ", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq", ChainBech32},
		{"a legacy BCH address in a bitcoincash URI", "BCH", "bitcoincash:18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB", "18M8bJWMzWHDBMxoLqjHHAffdRy4SrzkfB", ChainBase58},
		{"a TRON address", "TRX", "tron:TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", ChainBase58},
		{"a Zcash transparent address", "ZEC", "zcash:t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL?amount=1", "t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", ChainBase58},
		{"a taproot address (bech32m)", "XBT", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", ChainBech32},
		{"a testnet P2WSH address", "XBT", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", ChainBech32},
		{"spaces around are trimmed", "ETH", "  " + eth + "\t", eth, ChainEVM},
		{"an asset in lower case", "eth", "7db418b5d567a4e0e8c59ad71be1fce48f3e6107", eth, ChainEVM},
		{"an XMR address is taken as written", "XMR", "monero:49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL?tx_amount=1",
			"49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL", ChainBase58},
		{"a TRON address in an XBT listing stays screenable", "XBT", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", ChainBase58},
		{"a v1 program of 32 bytes with bech32m (taproot)", "XBT", segwit(1, 32, bech32.EncodeM), segwit(1, 32, bech32.EncodeM), ChainBech32},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseAddress(c.asset, c.in)
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if a.Key != c.key || a.Chain != c.chain {
				t.Errorf("key %q %s, want %q %s", a.Key, a.Chain, c.key, c.chain)
			}
			// The index keys listed addresses with NormalizeAddress: the same key.
			if key, chain := NormalizeAddress(c.asset, c.in); key != a.Key || chain != a.Chain {
				t.Errorf("NormalizeAddress gives %q %s, ParseAddress %q %s", key, chain, a.Key, a.Chain)
			}
		})
	}
}

// segwit encodes a witness program of n bytes for bc with the given checksum.
func segwit(version byte, n int, encode func(string, []byte) (string, error)) string {
	program, err := bech32.ConvertBits(make([]byte, n), 8, 5, true)
	if err != nil {
		panic(err)
	}
	s, err := encode("bc", append([]byte{version}, program...))
	if err != nil {
		panic(err)
	}
	return s
}

func TestAddressesThatCannotBeOfTheirAssetAreRefused(t *testing.T) {
	cases := []struct {
		name, asset, in string
	}{
		{"a base58 address folded to lower case", "XBT", "149w62ry42azbox8fgcmqnsxuzssskeq8c"},
		{"a base58 address folded to upper case", "XBT", "149W62RY42AZBOX8FGCMQNSXUZSSTKEQ8C"},
		{"a base58 address with one character changed", "XBT", "149w62rY42aZBox8fGcmqNsXUzSStKeq8D"},
		{"a made-up base58 address", "XBT", "1AbcTestSanctionedAddressXBT11111"},
		{"a base58check string too short to be an address", "XBT", "1267Vagvst3LMjJGNFjjX"},
		{"a bech32 address with one character changed", "XBT", "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmx"},
		{"a bech32 address in mixed case", "XBT", "bc1Q05AKTDDF9CE4P7HH3STGSF253M4VWEU7NKHTMW"},
		{"a taproot address with a bech32 (not bech32m) checksum", "XBT", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"},
		{"a v0 program of the wrong length", "XBT", segwit(0, 16, bech32.Encode)},
		{"a v1 program with a bech32 checksum", "XBT", segwit(1, 32, bech32.Encode)},
		{"a v0 program with a bech32m checksum", "XBT", segwit(0, 20, bech32.EncodeM)},
		{"an EVM address under XBT", "XBT", "0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107"},
		{"bare EVM hex under XBT", "XBT", "7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107"},
		{"a cashaddr with one character changed", "BCH", "qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhx"},
		{"a cashaddr under another network", "BCH", "bchtest:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq"},
		{"a lower-cased TRON address", "TRX", "tx5gv4dyfxnb3rpkzzjhmqz1efvml4reqg"},
		{"an ETH address one digit short", "ETH", "0xa7e5d5a720f06526557c513402f2e6b5fa20b00"},
		{"an ETH address that is not hex", "ETH", "0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E610g"},
		{"a BTC address under ETH", "ETH", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"},
		{"a URI that holds nothing", "ETH", "ethereum:?value=1"},
		{"a URI that holds a URI", "XBT", "bitcoin:bitcoin:" + "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw"},
		{"an address with a space", "USDT", "TX5GV4DyfxNB3rP kzZJhmqZ1efVmL4rEqG"},
		{"nothing", "XBT", "   "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseAddress(c.asset, c.in)
			if !errors.Is(err, ErrInvalidAddress) {
				t.Fatalf("accepted as %+v (%v)", a, err)
			}
			var ae *AddressError
			if !errors.As(err, &ae) || ae.Asset != strings.ToUpper(c.asset) || strings.Contains(err.Error(), strings.TrimSpace(c.in)) && strings.TrimSpace(c.in) != "" {
				t.Errorf("error %v: want an AddressError naming the asset and not echoing the address", err)
			}
		})
	}
}

func TestEachAssetsAddressesAreCheckedForTheirOwnFormat(t *testing.T) {
	for _, c := range []struct {
		asset, in string
		ok        bool
	}{
		// EIP-55 (the specification's own examples), and one letter's case flipped.
		{"ETH", "0x52908400098527886E0F7030069857D2E4169EE7", true},
		{"ETH", "0xde709f2102306220921060314715629080e2fb77", true},
		{"ETH", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", true},
		{"ETH", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6Fb", false},
		{"ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", false},
		// USDT and USDC: any of their chains' forms, each with its own check.
		{"USDT", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG", true},
		{"USDT", "tx5gv4dyfxnb3rpkzzjhmqz1efvml4reqg", false}, // a TRON address folded to lower case
		{"USDC", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV", true},
		{"USDC", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d35A", false},
		// XRP: base58check in the ledger's alphabet.
		{"XRP", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", true},
		{"XRP", "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTj", false},
		// XMR: its form.
		{"XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsL", true},
		{"XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320", false},
		// Monero's checksum: one character changed, two swapped, a made-up address.
		{"XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufNsM", false},
		{"XMR", "49HqitRzdnhYjgTEAhgGpCfsjdTeMbUTU6cyR4JV1R7k2Eej9rGT8JpFiYDa4tZM6RZiFrHmMzgSrhHEqpDYKBe5B2ufsNL", false},
		{"XMR", "4" + strings.Repeat("1", 94), false},
	} {
		_, err := ParseAddress(c.asset, c.in)
		if (err == nil) != c.ok {
			t.Errorf("%s %q: err %v, want ok=%v", c.asset, c.in, err, c.ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalidAddress) || errors.Is(err, ErrUnsupportedAsset)) {
			t.Errorf("%s %q: %v is not a plain invalid address", c.asset, c.in, err)
		}
	}
	for _, asset := range []string{"FOO", "SHIB", "BTC2"} {
		if _, err := ParseAddress(asset, "0x7DB418B5D567A4E0E8C59AD71BE1FCE48F3E6107"); !errors.Is(err, ErrUnsupportedAsset) {
			t.Errorf("%s: %v, want ErrUnsupportedAsset", asset, err)
		}
	}
}

func TestAnAddressListedAsWrittenStillMatchesWhateverItsForm(t *testing.T) {
	// OFAC lists an XMR "address" that is 64 hex digits: no Monero address, yet screened
	// as listed it must match, and one digit off it is refused rather than clear.
	const listed = "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"
	ix, err := Build(&sanctions.List{Source: sanctions.SourceOFACCrypto,
		Addresses: []sanctions.CryptoAddress{{Asset: "XMR", Address: listed}}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ix.ScreenQueryAddress("XMR", listed); err != nil || r.Outcome != OutcomeMatch {
		t.Fatalf("as listed: %v %+v", err, r)
	}
	if _, err := ix.ScreenQueryAddress("XMR", listed[:63]+"d"); !errors.Is(err, ErrInvalidAddress) {
		t.Fatalf("one digit off: %v", err)
	}
}

func TestAMalformedAddressMatchesOnlyAsListed(t *testing.T) {
	ix := testIndex(t)
	// A made-up base58 address is refused rather than answered clear.
	if r, err := ix.ScreenQueryAddress("XBT", "1AbcTestSanctionedAddressXBT11111"); !errors.Is(err, ErrInvalidAddress) {
		t.Errorf("an invalid, unlisted address: %+v %v", r, err)
	}
	// A valid, unlisted one is clear.
	if r, err := ix.ScreenQueryAddress("XBT", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"); err != nil || r.Outcome != OutcomeClear {
		t.Errorf("a valid, unlisted address: %+v %v", r, err)
	}
	// A listed one in a payment URI is a match.
	if r, err := ix.ScreenQueryAddress("XBT", "bitcoin:1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V?amount=1"); err != nil || r.Outcome != OutcomeMatch {
		t.Errorf("a listed address in a URI: %+v %v", r, err)
	}
}

// FuzzParseAddress: no input panics, ParseAddress and NormalizeAddress (the index's)
// give the same key, refusals are ErrInvalidAddress, and an accepted address is
// letters and digits whose key normalises to itself.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{
		"7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107", "ethereum:pay-0x7Db418b5D567A4e0E8c59Ad71BE1FcE48f3E6107@1/transfer?uint256=1",
		"bitcoin:bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw?amount=1", "BITCOIN:BC1Q05AKTDDF9CE4P7HH3STGSF253M4VWEU7NKHTMW",
		"149w62rY42aZBox8fGcmqNsXUzSStKeq8C", "149w62ry42azbox8fgcmqnsxuzssskeq8c", "bitcoincash:qpf2cphc5dkuclkqur7lhj2yuqq9pk3hmukle77vhq",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "t1MMXtBrSp1XG38Lx9cePcNUCJj5vdWfUWL", "TX5GV4DyfxNB3rPkzZJhmqZ1efVmL4rEqG",
		"zs1z7rejlpsa98s2rrrfkwmaxu53e4ue0ulcrw0h4x5g8jl04tak0d3mm47vdtahatqrlkngh9sly", ":", "a:b:c?", "bitcoin://", "0x", "1",
	} {
		for _, asset := range []string{"XBT", "ETH", "BCH", "USDT", "ZEC"} {
			f.Add(asset, s)
		}
	}
	f.Fuzz(func(t *testing.T, asset, input string) {
		a, err := ParseAddress(asset, input)
		if key, chain := NormalizeAddress(asset, input); len(input) <= maxAddressInput && (key != a.Key || chain != a.Chain) {
			t.Fatalf("ParseAddress key %q %s, NormalizeAddress %q %s", a.Key, a.Chain, key, chain)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidAddress) {
				t.Fatalf("error %v is not an ErrInvalidAddress", err)
			}
			return
		}
		if a.Bare == "" || !isAlnum(a.Bare) {
			t.Fatalf("accepted %q as %q", input, a.Bare)
		}
		// The key is a fixed point: a listed address written as the key of a query is
		// keyed alike by the index.
		if key, _ := NormalizeAddress(asset, a.Key); key != a.Key {
			t.Fatalf("the key of %q, %q, normalises to %q", input, a.Key, key)
		}
		// An accepted address stays accepted without its URI, unless the URI's scheme
		// was the cashaddr network that made it one.
		if scheme, _ := splitPaymentURI(strings.TrimSpace(input)); !isCashaddrPrefix(scheme) {
			if again, err := ParseAddress(asset, a.Bare); err != nil || again.Key != a.Key {
				t.Fatalf("the address of %q, %q, gives %+v %v; want key %q", input, a.Bare, again, err, a.Key)
			}
		}
	})
}
