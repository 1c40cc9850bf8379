package screening

import (
	"errors"
	"math/bits"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"golang.org/x/crypto/sha3"
)

// ErrUnsupportedAsset is what an AddressError for an asset the engine has no address
// format for is: screening its address would answer clear for something never checked.
var ErrUnsupportedAsset = errors.New("unsupported asset")

// multiChainAssets are tokens issued on several chains: an address of any of them is
// one of theirs (Ethereum and its rollups, TRON, Omni on Bitcoin, Solana).
var multiChainAssets = map[string]bool{"USDT": true, "USDC": true}

// SupportedAssets lists the assets whose addresses can be screened.
func SupportedAssets() []string {
	var out []string
	for _, m := range []map[string]bool{evmAssets, checkedAssets, multiChainAssets, {"XRP": true, "XMR": true}} {
		for a := range m {
			out = append(out, a)
		}
	}
	return out
}

// checkFormat checks bare (no URI, letters and digits) as an address of asset.
func checkFormat(asset, scheme, bare string) error {
	switch {
	case evmAssets[asset]:
		if !isEVM(bare) {
			return &AddressError{Asset: asset, Reason: "an EVM address is 0x and 40 hex digits"}
		}
		if !validEIP55(bare) {
			return &AddressError{Asset: asset, Reason: "its mixed-case checksum (EIP-55) does not match"}
		}
	case checkedAssets[asset]:
		if !validChecksum(asset, scheme, bare) {
			return &AddressError{Asset: asset, Reason: "its checksum does not match (base58check, bech32 or cashaddr)"}
		}
	case multiChainAssets[asset]:
		switch {
		case isEVM(bare):
			if !validEIP55(bare) {
				return &AddressError{Asset: asset, Reason: "its mixed-case checksum (EIP-55) does not match"}
			}
		case validChecksum(asset, scheme, bare), isSolana(bare):
		default:
			return &AddressError{Asset: asset, Reason: "it is no EVM, TRON, Bitcoin or Solana address"}
		}
	case asset == "XRP":
		if !validXRP(bare) {
			return &AddressError{Asset: asset, Reason: "an XRP address starts with r and its base58check checksum must match"}
		}
	case asset == "XMR":
		if !validMonero(bare) {
			return &AddressError{Asset: asset, Reason: "a Monero address is 95 (or 106, integrated) base58 characters whose checksum must match"}
		}
	default:
		return &AddressError{Asset: asset, Reason: "the asset is not supported", Unsupported: true}
	}
	return nil
}

func isEVM(s string) bool {
	return len(s) == 42 && strings.EqualFold(s[:2], "0x") && isHex(strings.ToLower(s[2:]))
}

// validEIP55 checks the mixed-case checksum of EIP-55: a hex letter is upper case where
// the Keccak-256 of the lower-case address has a nibble of 8 or more. An address in one
// case carries no checksum and passes.
func validEIP55(addr string) bool {
	hexPart := addr[2:]
	lower, upper := strings.ToLower(hexPart), strings.ToUpper(hexPart)
	if hexPart == lower || hexPart == upper {
		return true
	}
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(lower))
	sum := h.Sum(nil)
	for i := 0; i < len(hexPart); i++ {
		c := hexPart[i]
		if c >= '0' && c <= '9' {
			continue
		}
		nibble := sum[i/2]
		if i%2 == 0 {
			nibble >>= 4
		}
		if (nibble&0x0f >= 8) != (c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// rippleAlphabet is base58 in the XRP Ledger's order; translated to Bitcoin's, an XRP
// address decodes and checks as base58check.
const (
	rippleAlphabet  = "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz"
	bitcoinAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
)

func validXRP(s string) bool {
	if len(s) < 25 || len(s) > 35 || s[0] != 'r' {
		return false
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		j := strings.IndexByte(rippleAlphabet, s[i])
		if j < 0 {
			return false
		}
		b[i] = bitcoinAlphabet[j]
	}
	return validBase58Check(string(b))
}

// validMonero checks a Monero address: Monero's own base58 (blocks of 8 bytes written as
// 11 characters), a network byte, the keys (and an integrated address's payment id), and
// the first 4 bytes of the Keccak-256 of the rest as its checksum.
func validMonero(s string) bool {
	if (len(s) != 95 && len(s) != 106) || (s[0] != '4' && s[0] != '8' && s[0] != '5' && s[0] != '7' && s[0] != '9' && s[0] != 'A' && s[0] != 'B') {
		return false
	}
	data, ok := moneroBase58Decode(s)
	if !ok || (len(data) != 69 && len(data) != 77) {
		return false
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(data[:len(data)-4])
	sum := h.Sum(nil)
	return string(sum[:4]) == string(data[len(data)-4:])
}

// moneroBlockSizes[n] is how many characters encode a block of n bytes.
var moneroBlockSizes = [...]int{0, 2, 3, 5, 6, 7, 9, 10, 11}

func moneroBase58Decode(s string) ([]byte, bool) {
	var out []byte
	for len(s) > 0 {
		chunk := s[:min(11, len(s))]
		s = s[len(chunk):]
		size := -1
		for n, l := range moneroBlockSizes {
			if l == len(chunk) {
				size = n
			}
		}
		if size < 0 {
			return nil, false
		}
		var v uint64
		for i := 0; i < len(chunk); i++ {
			d := strings.IndexByte(bitcoinAlphabet, chunk[i])
			if d < 0 {
				return nil, false
			}
			hi, lo := bits.Mul64(v, 58)
			lo, carry := bits.Add64(lo, uint64(d), 0)
			if hi != 0 || carry != 0 {
				return nil, false
			}
			v = lo
		}
		if size < 8 && v>>(8*size) != 0 {
			return nil, false
		}
		for i := size - 1; i >= 0; i-- {
			out = append(out, byte(v>>(8*i)))
		}
	}
	return out, true
}

// isSolana: a Solana address is the base58 of a 32-byte key (no checksum).
func isSolana(s string) bool {
	return len(s) >= 32 && len(s) <= 44 && len(base58.Decode(s)) == 32
}
