package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The webhook sinks check Standard Webhooks signatures (standardwebhooks.com) with this
// verifier, written from the spec rather than taken from the sender's package: a sink
// that shared the sender's code would share its mistakes and could not catch them.

const (
	webhookSecretPrefix = "whsec_"
	// webhookTolerance is the spec's window, both ways, between webhook-timestamp and the
	// receiver's clock: older deliveries may be replays, newer ones come from a bad clock.
	webhookTolerance = 5 * time.Minute
)

// The ways a delivery fails verification; the sink records the wrapped message.
var (
	errNoSecret        = errors.New("no secret registered")
	errMissingHeader   = errors.New("missing header")
	errBadTimestamp    = errors.New("webhook-timestamp outside the tolerance")
	errNoV1Signature   = errors.New("no v1 signature in webhook-signature")
	errNoMatchingSigV1 = errors.New("no v1 signature matches")
)

// webhookKey is the HMAC key of a whsec_ secret: the base64-decoded part after the prefix.
// The prefix is required, although the spec's libraries also take the bare base64: a sink
// given something else (an endpoint id, a password) says so when it is registered, rather
// than marking every delivery invalid.
func webhookKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, webhookSecretPrefix)
	if !ok {
		return nil, fmt.Errorf("the secret must start with %s (the endpoint's secret as the API answers it)", webhookSecretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("the secret after %s is not standard base64: %w", webhookSecretPrefix, err)
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("the secret after %s is empty", webhookSecretPrefix)
	}
	return key, nil
}

// verifyWebhook checks one delivery as a Standard Webhooks receiver does: the three
// headers are present, the timestamp is within the tolerance of now, and one of the
// space-separated v1 signatures is the HMAC-SHA256 of "<id>.<timestamp>.<body>". Other
// versions (v1a, asymmetric) are skipped, and several v1 signatures are what a sender
// sends while a secret is rotated.
func verifyWebhook(key []byte, id, timestamp, signatures string, body []byte, now time.Time) error {
	if key == nil {
		return errNoSecret
	}
	for _, h := range [][2]string{{"webhook-id", id}, {"webhook-timestamp", timestamp}, {"webhook-signature", signatures}} {
		if h[1] == "" {
			return fmt.Errorf("%w %s", errMissingHeader, h[0])
		}
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %q is not unix seconds", errBadTimestamp, timestamp)
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > webhookTolerance || skew < -webhookTolerance {
		return fmt.Errorf("%w: %s from the receiver's clock, more than %s", errBadTimestamp, skew.Truncate(time.Second), webhookTolerance)
	}

	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	want := mac.Sum(nil)

	v1 := 0
	for _, sig := range strings.Fields(signatures) {
		version, value, _ := strings.Cut(sig, ",")
		if version != "v1" {
			continue
		}
		v1++
		got, err := base64.StdEncoding.DecodeString(value)
		if err == nil && hmac.Equal(got, want) { // constant time
			return nil
		}
	}
	if v1 == 0 {
		return errNoV1Signature
	}
	return fmt.Errorf("%w (%d tried): another secret, or the id, timestamp or body changed after signing", errNoMatchingSigV1, v1)
}
