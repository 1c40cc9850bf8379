package screening

import "strings"

// splitPaymentURI reduces a payment URI to its address: `bitcoin:bc1q...?amount=1`
// (BIP 21 and the wallets that copied it: litecoin:, dash:, zcash:, monero:, tron:...)
// and `ethereum:0x...@1/transfer?address=...` (EIP-681, with an optional pay- prefix)
// both name the address that a wallet pays, so screening the string as written would
// let a listed address through. The scheme is returned as written ("" when there is
// none): BCH's cashaddr writes its network as one (bitcoincash:q...), and its checksum
// covers it. A string without a URI scheme is returned as it is.
func splitPaymentURI(s string) (scheme, addr string) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || !isURIScheme(s[:i]) {
		return "", s
	}
	scheme, addr = s[:i], s[i+1:]
	addr = strings.TrimPrefix(addr, "//") // bitcoin://1A1z..., as some wallets write it
	if strings.EqualFold(scheme, "ethereum") && len(addr) > 4 && strings.EqualFold(addr[:4], "pay-") {
		addr = addr[4:]
	}
	// What follows the address: BIP 21 parameters (?amount=), EIP-681's chain id
	// (@137), function (/transfer) and parameters, a fragment. No address holds these.
	if j := strings.IndexAny(addr, "?@/#"); j >= 0 {
		addr = addr[:j]
	}
	return scheme, addr
}

// isURIScheme reports whether s has the syntax of a URI scheme (RFC 3986, 3.1).
func isURIScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return s != ""
}

// cashaddrPrefixes are BCH's networks, written as a scheme in front of a cashaddr.
var cashaddrPrefixes = map[string]bool{"bitcoincash": true, "bchtest": true, "bchreg": true}

func isCashaddrPrefix(scheme string) bool { return cashaddrPrefixes[strings.ToLower(scheme)] }
