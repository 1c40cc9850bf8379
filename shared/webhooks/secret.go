package webhooks

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix marks a Standard Webhooks symmetric signing secret.
const SecretPrefix = "whsec_"

// The specification asks for at least 24 bytes of key and allows up to 64 (512 bits).
// An empty or short key would let anyone who guesses it sign; refusing it here keeps a
// misconfigured secret from signing at all.
const (
	secretBytes    = 32
	minSecretBytes = 24
	maxSecretBytes = 64
)

// ErrInvalidSecret is returned for a secret that is not base64 or whose key is shorter
// than 24 or longer than 64 bytes. The message never contains the secret.
var ErrInvalidSecret = errors.New("webhooks: invalid signing secret: want whsec_ followed by base64 of 24 to 64 bytes")

// NewSecret returns a fresh signing secret: "whsec_" and the standard base64 of 32 random
// bytes.
func NewSecret() (string, error) {
	var b [secretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhooks: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b[:]), nil
}

// ParseSecret returns the key of a secret, with or without the whsec_ prefix. Like the
// specification's libraries it accepts standard base64 with or without padding.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimPrefix(s, SecretPrefix)
	if strings.ContainsAny(s, "\r\n") { // the base64 decoder would skip them
		return nil, ErrInvalidSecret
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil && !strings.Contains(s, "=") {
		key, err = base64.RawStdEncoding.DecodeString(s)
	}
	if err != nil || len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, ErrInvalidSecret
	}
	return key, nil
}
