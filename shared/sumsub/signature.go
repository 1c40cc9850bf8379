package sumsub

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// Webhook signature headers and the algorithms Sumsub names in X-Payload-Digest-Alg.
const (
	HeaderPayloadDigest    = "X-Payload-Digest"
	HeaderPayloadDigestAlg = "X-Payload-Digest-Alg"

	AlgHMACSHA1   = "HMAC_SHA1_HEX"
	AlgHMACSHA256 = "HMAC_SHA256_HEX"
	AlgHMACSHA512 = "HMAC_SHA512_HEX"
)

// API request signature headers.
const (
	HeaderAppToken  = "X-App-Token"
	HeaderAccessTS  = "X-App-Access-Ts"
	HeaderAccessSig = "X-App-Access-Sig"
)

// RequestTolerance is how far X-App-Access-Ts may be from the verifier's clock in
// CheckRequestTime.
const RequestTolerance = 5 * time.Minute

// Errors of VerifyWebhook and VerifyRequest; compare with errors.Is.
var (
	ErrNoSecret             = errors.New("sumsub: no secret configured")
	ErrMissingSignature     = errors.New("sumsub: missing signature")
	ErrUnsupportedAlgorithm = errors.New("sumsub: unsupported digest algorithm")
	ErrBadSignature         = errors.New("sumsub: signature does not match")
	ErrBadTimestamp         = errors.New("sumsub: X-App-Access-Ts is not recent unix seconds")
)

// newHash returns the hash for a digest algorithm name, nil for any other name.
func newHash(alg string) func() hash.Hash {
	switch alg {
	case AlgHMACSHA1:
		return sha1.New
	case AlgHMACSHA256:
		return sha256.New
	case AlgHMACSHA512:
		return sha512.New
	}
	return nil
}

func mac(h func() hash.Hash, secret []byte, parts ...[]byte) []byte {
	m := hmac.New(h, secret)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// VerifyWebhook checks X-Payload-Digest (digestHex) against the HMAC of the raw body under
// the webhook secret, with the hash X-Payload-Digest-Alg (alg) names. Only HMAC_SHA1_HEX,
// HMAC_SHA256_HEX and HMAC_SHA512_HEX are accepted; a missing or other algorithm is
// refused rather than defaulted, so a stripped header cannot downgrade the check. The
// digest is decoded from hex and compared in constant time.
func VerifyWebhook(secret []byte, body []byte, digestHex, alg string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if digestHex == "" {
		return ErrMissingSignature
	}
	h := newHash(alg)
	if h == nil {
		return fmt.Errorf("%w: %.40q", ErrUnsupportedAlgorithm, alg)
	}
	got, err := hex.DecodeString(digestHex)
	if err != nil {
		return fmt.Errorf("%w: digest is not hex", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(h, secret, body)) {
		return ErrBadSignature
	}
	return nil
}

// SignWebhook returns the lowercase hex digest Sumsub would send for body, for the local
// sandbox and tests; "" when alg is not one of the three algorithms.
func SignWebhook(secret, body []byte, alg string) string {
	h := newHash(alg)
	if h == nil {
		return ""
	}
	return hex.EncodeToString(mac(h, secret, body))
}

// SignRequest returns X-App-Access-Sig for an API request: the hex HMAC-SHA256, under the
// app token's secret, of ts (unix seconds as sent in X-App-Access-Ts) + the upper-case
// method + the path with its query as sent + the body.
func SignRequest(secret []byte, ts, method, pathWithQuery string, body []byte) string {
	return hex.EncodeToString(mac(sha256.New, secret, []byte(ts), []byte(method), []byte(pathWithQuery), body))
}

// VerifyRequest checks X-App-Access-Sig as Sumsub's API does, in constant time; the local
// sandbox uses it. It does not look at the clock: see CheckRequestTime.
func VerifyRequest(secret []byte, ts, method, pathWithQuery string, body []byte, sigHex string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if sigHex == "" || ts == "" {
		return ErrMissingSignature
	}
	got, err := hex.DecodeString(sigHex)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(sha256.New, secret, []byte(ts), []byte(method), []byte(pathWithQuery), body)) {
		return ErrBadSignature
	}
	return nil
}

// CheckRequestTime refuses an X-App-Access-Ts that is not plain decimal unix seconds or is
// more than RequestTolerance away from now.
func CheckRequestTime(ts string, now time.Time) error {
	if ts == "" || len(ts) > 18 || len(ts) > 1 && ts[0] == '0' {
		return ErrBadTimestamp
	}
	for _, c := range []byte(ts) {
		if c < '0' || c > '9' {
			return ErrBadTimestamp
		}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	if d := now.Sub(time.Unix(n, 0)); d > RequestTolerance || d < -RequestTolerance {
		return ErrBadTimestamp
	}
	return nil
}
