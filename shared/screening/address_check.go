package screening

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// ErrInvalidAddress is what every AddressError is: a query address that its asset's
// format refuses. Screening it would answer clear for a string no wallet can pay, and a
// listed address with one character changed or its case folded is exactly that.
var ErrInvalidAddress = errors.New("invalid address")

// AddressError says why an address was refused.
type AddressError struct {
	Asset  string
	Reason string
	// Unsupported is set when the asset has no known address format.
	Unsupported bool
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("not a valid %s address: %s", e.Asset, e.Reason)
}

func (e *AddressError) Is(target error) bool {
	return target == ErrInvalidAddress || (e.Unsupported && target == ErrUnsupportedAsset)
}

// evmAssets are chains whose addresses are only ever 0x + 40 hex.
var evmAssets = map[string]bool{
	"ETH": true, "ETC": true, "BSC": true, "ARB": true, "OP": true, "MATIC": true, "POL": true, "FTM": true, "BASE": true,
}

// checkedAssets are those whose addresses all carry a checksum: base58check (legacy and
// P2SH, and the forks' own version bytes), bech32 or bech32m (SegWit: bc1, tb1, ltc1;
// Zcash's zs1 and u1), or BCH's cashaddr. Anything else is refused for them.
var checkedAssets = map[string]bool{
	"XBT": true, "BTC": true, "BCH": true, "BSV": true, "LTC": true, "BTG": true, "DASH": true,
	"ZEC": true, "XVG": true, "DOGE": true, "TRX": true,
}

// Address is a query address, checked and reduced to its lookup key.
type Address struct {
	Asset string // upper case
	Bare  string // the address alone: no payment URI, 0x added to bare EVM hex
	Key   string // what the index is searched for (NormalizeAddress)
	Chain string
}

// maxAddressInput bounds the work of a check (base58 decoding is quadratic); callers
// have their own, lower limits.
const maxAddressInput = 1024

// ParseAddress checks a query address for its asset and returns its lookup key, also
// when it refuses it. It accepts what a wallet shows or a QR code holds: a payment URI,
// an EVM address without its 0x, an upper-case bech32. It refuses what cannot be an
// address of the asset: for evmAssets, anything but 0x + 40 hex; for checkedAssets, a
// string whose checksum fails (a typo, or a base58 address folded to lower case); for
// EVM addresses in mixed case, a failing EIP-55 checksum; USDT and USDC take any of
// their chains' forms, XRP and XMR their own (checkFormat). An asset with no known
// format is refused (ErrUnsupportedAsset).
//
// The lists hold a few malformed addresses (OFAC once published an ETH address one
// digit short): Index.ScreenQueryAddress still matches those, written as listed.
func ParseAddress(asset, input string) (Address, error) {
	asset = strings.ToUpper(strings.TrimSpace(asset))
	if len(input) > maxAddressInput {
		return Address{Asset: asset}, &AddressError{Asset: asset, Reason: "it is too long"}
	}
	scheme, bare := splitPaymentURI(strings.TrimSpace(input))
	bare = withEVMPrefix(asset, bare)
	a := Address{Asset: asset, Bare: bare}
	a.Key, a.Chain = NormalizeAddress(asset, input)
	if bare == "" {
		return a, &AddressError{Asset: asset, Reason: "it is empty"}
	}
	if !isAlnum(bare) {
		return a, &AddressError{Asset: asset, Reason: "an address has only letters and digits"}
	}
	if err := checkFormat(asset, scheme, bare); err != nil {
		return a, err
	}
	return a, nil
}

// ScreenQueryAddress screens an address as a client sends it: ParseAddress, then the
// lookup. An address that ParseAddress refuses is an error, unless it is listed as
// written: the refusal is there so that no malformed address is ever answered clear,
// and a listed one, however malformed, is a match.
func (ix *Index) ScreenQueryAddress(asset, input string) (AddressResult, error) {
	_, err := ParseAddress(asset, input)
	res := ix.ScreenAddress(asset, input)
	if err != nil && res.Outcome != OutcomeMatch {
		return res, err
	}
	return res, nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validChecksum reports whether addr is a base58check, bech32/bech32m or cashaddr
// string whose checksum holds. The version byte and the network are not compared with
// the asset: the lists file addresses under the wrong asset now and then (a TRON
// address among OFAC's XBT ones), and such an address must still be screened.
func validChecksum(asset, scheme, addr string) bool {
	if isCashaddrPrefix(scheme) || (scheme == "" && asset == "BCH") {
		prefix := strings.ToLower(scheme)
		if prefix == "" {
			prefix = "bitcoincash"
		}
		if validCashaddr(prefix, addr) {
			return true
		}
	}
	return validBech32(addr) || validBase58Check(addr)
}

// validBase58Check: the last 4 bytes are the first 4 of the double SHA-256 of the rest,
// which starts with a version of 1 byte (Bitcoin and its forks, TRON) or 2 (Zcash).
func validBase58Check(s string) bool {
	b := base58.Decode(s)
	if len(b) < 21+4 {
		return false
	}
	payload, sum := b[:len(b)-4], b[len(b)-4:]
	first := sha256.Sum256(payload)
	second := sha256.Sum256(first[:])
	return string(second[:4]) == string(sum)
}

// segwitHRPs are the networks whose bech32 addresses are SegWit programs (BIP 173, 350).
var segwitHRPs = map[string]bool{"bc": true, "tb": true, "bcrt": true, "ltc": true, "tltc": true, "rltc": true, "btg": true}

// validBech32 checks the checksum, and for SegWit networks the witness version, the
// program's length and which checksum the version requires (bech32 for v0, bech32m
// after). Other networks (Zcash's zs and u) are checked for their checksum only, with
// no length limit: unified addresses are longer than BIP 173's 90 characters.
func validBech32(s string) bool {
	hrp, data, version, err := bech32.DecodeNoLimitWithVersion(s)
	if err != nil {
		return false
	}
	if !segwitHRPs[hrp] {
		return true
	}
	if len(s) > 90 || len(data) < 1 || data[0] > 16 {
		return false
	}
	program, err := bech32.ConvertBits(data[1:], 5, 8, false)
	if err != nil || len(program) < 2 || len(program) > 40 {
		return false
	}
	if data[0] == 0 {
		return version == bech32.Version0 && (len(program) == 20 || len(program) == 32)
	}
	return version == bech32.VersionM
}

// cashaddrCharset is bech32's alphabet, which BCH's cashaddr shares.
const cashaddrCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// validCashaddr checks a cashaddr payload (without its prefix) against its 40-bit BCH
// checksum, which covers the prefix too. Like bech32, it is all lower or all upper case.
func validCashaddr(prefix, payload string) bool {
	if len(payload) < 8+1 || (payload != strings.ToLower(payload) && payload != strings.ToUpper(payload)) {
		return false
	}
	values := make([]byte, 0, len(prefix)+1+len(payload))
	for i := 0; i < len(prefix); i++ {
		values = append(values, prefix[i]&0x1f)
	}
	values = append(values, 0)
	for _, c := range strings.ToLower(payload) {
		v := strings.IndexRune(cashaddrCharset, c)
		if v < 0 {
			return false
		}
		values = append(values, byte(v))
	}
	return cashaddrPolymod(values) == 0
}

// cashaddrPolymod is the checksum function of the cashaddr specification.
func cashaddrPolymod(values []byte) uint64 {
	c := uint64(1)
	for _, d := range values {
		c0 := byte(c >> 35)
		c = (c&0x07ffffffff)<<5 ^ uint64(d)
		for i, g := range [5]uint64{0x98f2bc8e61, 0x79b76d99e2, 0xf33e5fb3c4, 0xae2eabe2a8, 0x1e4f43e470} {
			if c0&(1<<i) != 0 {
				c ^= g
			}
		}
	}
	return c ^ 1
}
