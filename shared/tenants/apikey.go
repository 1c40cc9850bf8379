package tenants

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/oklog/ulid/v2"
)

// An API key reads cgk_<key id>_<secret>: the key id (a ULID, 26 characters) finds the
// stored key with one read; the secret (32 random bytes, base64url, 43 characters) is
// checked against the stored hash. With 256 random bits a plain SHA-256 is enough: there
// is nothing to brute-force that a slow hash would protect.
const (
	keyPrefix    = "cgk_"
	keyIDLen     = 26
	secretBytes  = 32
	secretLen    = 43 // base64url without padding of 32 bytes
	apiKeyLength = len(keyPrefix) + keyIDLen + 1 + secretLen
)

// newKeyMaterial returns a fresh key id, secret and the full key string.
func newKeyMaterial() (id, secret, full string, err error) {
	var b [secretBytes]byte
	if _, err = rand.Read(b[:]); err != nil {
		return "", "", "", err
	}
	id = ulid.Make().String()
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return id, secret, keyPrefix + id + "_" + secret, nil
}

// parseKey splits a presented key; ok is false for anything not shaped like our keys.
func parseKey(s string) (id, secret string, ok bool) {
	if len(s) != apiKeyLength || !strings.HasPrefix(s, keyPrefix) || s[len(keyPrefix)+keyIDLen] != '_' {
		return "", "", false
	}
	id = s[len(keyPrefix) : len(keyPrefix)+keyIDLen]
	secret = s[len(keyPrefix)+keyIDLen+1:]
	if _, err := ulid.ParseStrict(id); err != nil {
		return "", "", false
	}
	if _, err := base64.RawURLEncoding.DecodeString(secret); err != nil {
		return "", "", false
	}
	return id, secret, true
}

// hashSecret binds the secret to its key id, so a hash copied to another key is useless.
func hashSecret(id, secret string) string {
	sum := sha256.Sum256([]byte("chainguard/apikey/v1:" + id + ":" + secret))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares in constant time.
func secretMatches(stored, id, secret string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(hashSecret(id, secret))) == 1
}
