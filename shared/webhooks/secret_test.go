package webhooks

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestNewSecretIsWhsecAndBase64Of32RandomBytes(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		s := mustSecret(t)
		if !strings.HasPrefix(s, SecretPrefix) {
			t.Fatalf("%q lacks the prefix", s)
		}
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
		if err != nil || len(key) != 32 {
			t.Fatalf("%q: %d bytes, %v", s, len(key), err)
		}
		if seen[s] {
			t.Fatalf("%q came twice", s)
		}
		seen[s] = true
	}
}

func TestParseSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name    string
		secret  string
		wantLen int // 0: refused
	}{
		{"the specification's secret with its prefix", vectorSecret, 24},
		{"the same without the prefix", strings.TrimPrefix(vectorSecret, SecretPrefix), 24},
		{"a padded secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==", 25},
		{"the same without its padding, as the Python library accepts", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr", 25},
		{"a new secret", mustSecret(t), 32},
		{"64 bytes, the most allowed", b64(64), 64},
		{"65 bytes is too long", b64(65), 0},
		{"23 bytes is too short", b64(23), 0},
		{"the prefix alone is an empty key", SecretPrefix, 0},
		{"the empty string", "", 0},
		{"not base64", "whsec_not base64 at all!!", 0},
		{"url-safe base64 is not the format", "whsec_" + base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf}), 0},
		{"a newline that the decoder would skip", "whsec_MfKQ9r8GKYqrTwjU\nPD8ILPZIo2LaLaSw", 0},
		{"wrong padding", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParseSecret(tt.secret)
			if tt.wantLen == 0 {
				if !errors.Is(err, ErrInvalidSecret) {
					t.Fatalf("got %d bytes, %v; want ErrInvalidSecret", len(key), err)
				}
				return
			}
			if err != nil || len(key) != tt.wantLen {
				t.Fatalf("got %d bytes, %v; want %d", len(key), err, tt.wantLen)
			}
		})
	}
}

func TestInvalidSecretErrorDoesNotEchoTheSecret(t *testing.T) {
	secret := "whsec_c2VjcmV0LXZhbHVl" // 12 bytes: refused
	_, err := ParseSecret(secret)
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") {
		t.Fatalf("error %v", err)
	}
}
