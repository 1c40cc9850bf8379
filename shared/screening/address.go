package screening

import "strings"

// Address families decide how an address is normalised before lookup.
const (
	ChainEVM    = "evm"    // 0x + 40 hex: case only encodes a checksum (EIP-55)
	ChainBech32 = "bech32" // bc1..., ltc1..., BCH cashaddr: case-insensitive, lower by convention
	ChainHex    = "hex"    // bare hex strings (some XMR entries): case-insensitive
	ChainBase58 = "base58" // legacy BTC, LTC, TRX, XMR, ZEC...: case-sensitive
)

// bech32Prefixes are human-readable parts of bech32 addresses. A cashaddr's network
// (bitcoincash:, bchtest:) is written like a URI scheme and removed as one.
var bech32Prefixes = []string{"bc1", "tb1", "ltc1", "bcrt1"}

// NormalizeAddress returns the lookup key of a crypto address and its family. It is
// lenient: the index keys every listed address with it, valid or not, and a query goes
// through it after ParseAddress has checked it. The steps, each in its own file:
// a payment URI is reduced to its address (address_uri.go), a bare 40-hex EVM address
// gets its 0x, and the case is folded where the family ignores it. The asset only
// matters to recognise cashaddr without prefix and bare EVM hex; the same EVM address
// on ETH, USDT or BSC is the same key.
func NormalizeAddress(asset, addr string) (key, chain string) {
	scheme, a := splitPaymentURI(strings.TrimSpace(addr))
	a = withEVMPrefix(asset, a)
	low := strings.ToLower(a)
	singleCase := a == low || a == strings.ToUpper(a)
	cashaddr := strings.EqualFold(asset, "BCH") || isCashaddrPrefix(scheme)
	switch {
	case len(a) == 42 && strings.HasPrefix(low, "0x") && isHex(low[2:]):
		return low, ChainEVM
	case hasAnyPrefix(low, bech32Prefixes) && singleCase:
		return low, ChainBech32
	case cashaddr && (strings.HasPrefix(low, "q") || strings.HasPrefix(low, "p")) && len(a) == 42 && singleCase:
		return low, ChainBech32
	case len(a) >= 32 && isHex(low) && strings.Contains(a, "0"): // base58 has no "0"
		return low, ChainHex
	}
	return a, ChainBase58
}

// withEVMPrefix adds the 0x that an EVM address written as bare hex lacks. Assets whose
// addresses carry a checksum of their own (checkedAssets) have no such form: a bare
// 40-hex string there stays what it is, and ParseAddress refuses it.
func withEVMPrefix(asset, a string) string {
	if len(a) == 40 && isHex(strings.ToLower(a)) && !checkedAssets[strings.ToUpper(strings.TrimSpace(asset))] {
		return "0x" + a
	}
	return a
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
