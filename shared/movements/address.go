package movements

import (
	"slices"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/chainfi/chainguard/shared/screening"
)

// MaxAddressLen bounds an address (the longest real ones, Zcash unified addresses, stay
// well below; keys built from addresses must fit DynamoDB's sort-key limit).
const MaxAddressLen = 256

// tokenAssets are assets, not networks: a movement's chain and a wallet's chain name the
// network the address lives on.
var tokenAssets = map[string]bool{"USDT": true, "USDC": true}

// Chains lists the networks whose addresses movements and wallets take.
func Chains() []string {
	var out []string
	for _, a := range screening.SupportedAssets() {
		if !tokenAssets[a] {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

func knownChain(c string) bool { return slices.Contains(Chains(), c) }

// base58Versions are the version bytes of each chain's base58check addresses (mainnet and
// testnet), and bech32HRPs its bech32 prefixes: the screening engine accepts any valid
// checksum (the lists file addresses under the wrong asset now and then), a client's
// movement on a chain must be an address of that chain.
var (
	base58Versions = map[string][]byte{
		"BTC": {0x00, 0x05, 0x6f, 0xc4}, "XBT": {0x00, 0x05, 0x6f, 0xc4}, "BSV": {0x00, 0x05},
		"BCH": {0x00, 0x05}, "LTC": {0x30, 0x32, 0x05, 0x6f, 0x3a}, "DOGE": {0x1e, 0x16, 0x71, 0xc4},
		"TRX": {0x41}, "DASH": {0x4c, 0x10, 0x8c, 0x13}, "BTG": {0x26, 0x17}, "XVG": {0x1e, 0x21},
	}
	bech32HRPs = map[string][]string{
		"BTC": {"bc", "tb", "bcrt"}, "XBT": {"bc", "tb", "bcrt"}, "LTC": {"ltc", "tltc", "rltc"}, "BTG": {"btg"},
		"ZEC": {"zs", "u", "ztestsapling", "utest"},
	}
)

// chainMismatch reports why a checked address is not one of chain ("" when it is).
func chainMismatch(chain, bare string) string {
	if len(bare) > MaxAddressLen {
		return "it is too long"
	}
	versions, hrps := base58Versions[chain], bech32HRPs[chain]
	if versions == nil && hrps == nil {
		return "" // EVM, XRP, XMR, ZEC t-addresses: the screening engine's check is the chain's
	}
	if hrp, _, err := bech32.DecodeNoLimit(bare); err == nil {
		if slices.Contains(hrps, strings.ToLower(hrp)) {
			return ""
		}
		return "its bech32 prefix " + hrp + " is not " + chain + "'s"
	}
	if _, v, err := base58.CheckDecode(bare); err == nil {
		if slices.Contains(versions, v) {
			return ""
		}
		return "its version byte is not " + chain + "'s"
	}
	if chain == "BCH" || chain == "ZEC" {
		return "" // cashaddr, and Zcash's two-byte versions: the engine checked them
	}
	return "it is not a " + chain + " address"
}
