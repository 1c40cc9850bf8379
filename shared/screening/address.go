package screening

import "strings"

// Address families decide how an address is normalised before lookup.
const (
	ChainEVM    = "evm"    // 0x + 40 hex: case only encodes a checksum (EIP-55)
	ChainBech32 = "bech32" // bc1..., ltc1..., BCH cashaddr: case-insensitive, lower by convention
	ChainHex    = "hex"    // bare hex strings (some XMR entries): case-insensitive
	ChainBase58 = "base58" // legacy BTC, LTC, TRX, XMR, ZEC...: case-sensitive
)

// bech32Prefixes are human-readable parts of bech32/cashaddr addresses.
var bech32Prefixes = []string{"bc1", "tb1", "ltc1", "bcrt1", "bitcoincash:", "bchtest:"}

// NormalizeAddress returns the lookup key of a crypto address and its
// family. The asset only matters to recognise cashaddr without prefix; the
// same EVM address on ETH, USDT or BSC is the same key.
func NormalizeAddress(asset, addr string) (key, chain string) {
	a := strings.TrimSpace(addr)
	low := strings.ToLower(a)
	switch {
	case len(a) == 42 && strings.HasPrefix(low, "0x") && isHex(low[2:]):
		return low, ChainEVM
	case hasAnyPrefix(low, bech32Prefixes) && (a == low || a == strings.ToUpper(a)):
		return strings.TrimPrefix(low, "bitcoincash:"), ChainBech32
	case strings.EqualFold(asset, "BCH") && (strings.HasPrefix(low, "q") || strings.HasPrefix(low, "p")) && len(a) == 42 && (a == low || a == strings.ToUpper(a)):
		return low, ChainBech32
	case len(a) >= 32 && isHex(low) && strings.Contains(a, "0"): // base58 has no "0"
		return low, ChainHex
	}
	return a, ChainBase58
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
