package webhooks

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The Standard Webhooks headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// DefaultTolerance is how far a message's timestamp may be from the verifier's clock.
const DefaultTolerance = 5 * time.Minute

// maxMsgIDLen bounds a message id; ours are a prefix and a ULID.
const maxMsgIDLen = 256

// Errors of Sign.
var (
	ErrNoSecrets    = errors.New("webhooks: no signing secret")
	ErrInvalidMsgID = errors.New("webhooks: invalid message id: want 1 to 256 characters of A-Z a-z 0-9 _ -")
	ErrInvalidTime  = errors.New("webhooks: invalid timestamp: before 1970")
)

// Errors of Verify; compare with errors.Is.
var (
	ErrMissingHeaders      = errors.New("webhooks: missing webhook-id, webhook-timestamp or webhook-signature header")
	ErrInvalidTimestamp    = errors.New("webhooks: webhook-timestamp is not unix seconds")
	ErrTimestampTooOld     = errors.New("webhooks: webhook-timestamp is too old")
	ErrTimestampTooNew     = errors.New("webhooks: webhook-timestamp is too far in the future")
	ErrNoMatchingSignature = errors.New("webhooks: no matching v1 signature")
)

// Sign returns the webhook-signature header value for a message: one "v1,<base64 HMAC>"
// per secret, in the order given, separated by spaces. The content signed is
// msgID + "." + ts in unix seconds + "." + body.
//
// The specification warns that a message id containing "." makes the signed content
// ambiguous, so ids are limited to letters, digits, "_" and "-".
func Sign(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", ErrNoSecrets
	}
	if !validMsgID(msgID) {
		return "", ErrInvalidMsgID
	}
	if ts.Unix() < 0 {
		return "", ErrInvalidTime
	}
	sigs := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		sig, err := signOne(secret, msgID, ts, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

// signOne signs with one secret through the specification's library, which signs with
// one key at a time.
func signOne(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	wh, err := standardwebhooks.NewWebhookRaw(key)
	if err != nil {
		return "", fmt.Errorf("webhooks: sign: %w", err)
	}
	return wh.Sign(msgID, ts, body)
}

func validMsgID(id string) bool {
	if id == "" || len(id) > maxMsgIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// Verify checks a received message as a Standard Webhooks consumer does: the three
// headers are present, webhook-timestamp is within ±tolerance of now (DefaultTolerance
// when tolerance ≤ 0; the clock when now is zero), and one of the space-separated v1
// signatures matches, compared in constant time. Signatures of other versions (v1a) are
// skipped. It is meant for tests and the local receiver.
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration, now time.Time) error {
	id, tsHeader, sigHeader := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsHeader == "" || sigHeader == "" {
		return ErrMissingHeaders
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if now.IsZero() {
		now = time.Now()
	}
	ts, err := parseTimestamp(tsHeader)
	if err != nil {
		return err
	}
	if now.Sub(ts) > tolerance {
		return ErrTimestampTooOld
	}
	if ts.Sub(now) > tolerance {
		return ErrTimestampTooNew
	}
	want, err := signOne(secret, id, ts, body)
	if err != nil {
		return err
	}
	wantSig := []byte(strings.TrimPrefix(want, "v1,"))
	for _, candidate := range strings.Split(sigHeader, " ") {
		version, sig, ok := strings.Cut(candidate, ",")
		if ok && version == "v1" && hmac.Equal([]byte(sig), wantSig) {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

// parseTimestamp reads unix seconds written as plain decimal digits: no sign, and no
// leading zero, because the signature covers the number as written and the signer writes
// none (the fuzzer found that "01614265330" verified here while a verifier that signs the
// header as received refused it).
func parseTimestamp(s string) (time.Time, error) {
	if s == "" || len(s) > 18 || len(s) > 1 && s[0] == '0' || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return time.Time{}, ErrInvalidTimestamp
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, ErrInvalidTimestamp
	}
	return time.Unix(n, 0), nil
}
