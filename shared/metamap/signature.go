package metamap

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

// HeaderSignature carries the webhook signature.
const HeaderSignature = "x-signature"

// Errors of VerifyWebhook; compare with errors.Is.
var (
	ErrNoSecret         = errors.New("metamap: no webhook secret configured")
	ErrMissingSignature = errors.New("metamap: missing signature")
	ErrBadSignature     = errors.New("metamap: signature does not match")
)

func mac(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// VerifyWebhook checks x-signature (signatureHex), the hex HMAC-SHA256 of the payload
// under the webhook secret. It tries the raw body first, then, when the body is JSON, its
// compact form (json.Compact: insignificant whitespace removed), which is what MetaMap's
// SDK hashes. Each comparison is in constant time. The caller bounds the body's size.
func VerifyWebhook(secret, body []byte, signatureHex string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	if signatureHex == "" {
		return ErrMissingSignature
	}
	got, err := hex.DecodeString(signatureHex)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrBadSignature)
	}
	if hmac.Equal(got, mac(secret, body)) {
		return nil
	}
	if !json.Valid(body) {
		return ErrBadSignature
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil || bytes.Equal(compact.Bytes(), body) {
		return ErrBadSignature
	}
	if hmac.Equal(got, mac(secret, compact.Bytes())) {
		return nil
	}
	return ErrBadSignature
}

// SignWebhook returns the x-signature MetaMap would send for body (of the bytes as given),
// for the local sandbox and tests.
func SignWebhook(secret, body []byte) string {
	return hex.EncodeToString(mac(secret, body))
}
