package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks specification's published test vector.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = "1614265330"
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// signWebhook signs as a Standard Webhooks sender does, independently of the verifier.
func signWebhook(t *testing.T, secret, id, timestamp string, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte("."))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// newWebhookSecret is a secret as the API hands one out: whsec_ and 32 random bytes.
func newWebhookSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func TestTheTestSignerReproducesTheSpecVector(t *testing.T) {
	if got := signWebhook(t, specSecret, specID, specTimestamp, []byte(specBody)); got != specSignature {
		t.Fatalf("signature %s, want the spec's %s", got, specSignature)
	}
}

func TestTheWebhookVerifierChecksWhatTheSpecRequires(t *testing.T) {
	key, err := webhookKey(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	other := newWebhookSecret(t)
	signedAt, _ := strconv.ParseInt(specTimestamp, 10, 64)
	at := time.Unix(signedAt, 0)
	good := strings.TrimPrefix(specSignature, "v1,")
	otherSig := signWebhook(t, other, specID, specTimestamp, []byte(specBody))
	laterTS := strconv.FormatInt(signedAt+1, 10)

	cases := []struct {
		name                string
		key                 []byte
		id, timestamp, sigs string
		body                string
		now                 time.Time
		want                error
	}{
		{"the spec's vector verifies", key, specID, specTimestamp, specSignature, specBody, at.Add(10 * time.Second), nil},
		{"one good signature among several verifies (a rotation)", key, specID, specTimestamp, otherSig + " " + specSignature, specBody, at, nil},
		{"a timestamp 5 minutes old is still within the tolerance", key, specID, specTimestamp, specSignature, specBody, at.Add(5 * time.Minute), nil},
		{"a timestamp 5 minutes ahead is still within the tolerance", key, specID, specTimestamp, specSignature, specBody, at.Add(-5 * time.Minute), nil},
		{"a timestamp more than 5 minutes old is refused", key, specID, specTimestamp, specSignature, specBody, at.Add(5*time.Minute + time.Second), errBadTimestamp},
		{"a timestamp more than 5 minutes ahead is refused", key, specID, specTimestamp, specSignature, specBody, at.Add(-5*time.Minute - time.Second), errBadTimestamp},
		{"a timestamp in milliseconds is refused", key, specID, specTimestamp + "000", specSignature, specBody, at, errBadTimestamp},
		{"a timestamp that is not a number is refused", key, specID, "2021-02-25T15:02:10Z", specSignature, specBody, at, errBadTimestamp},
		{"a changed body does not verify", key, specID, specTimestamp, specSignature, `{"test": 2432232315}`, at, errNoMatchingSigV1},
		{"a changed id does not verify", key, "msg_other", specTimestamp, specSignature, specBody, at, errNoMatchingSigV1},
		{"a changed timestamp does not verify", key, specID, laterTS, specSignature, specBody, at, errNoMatchingSigV1},
		{"another secret does not verify", key, specID, specTimestamp, otherSig, specBody, at, errNoMatchingSigV1},
		{"a signature that is not base64 does not verify", key, specID, specTimestamp, "v1,%%%", specBody, at, errNoMatchingSigV1},
		{"only v1 signatures count (v1a is asymmetric)", key, specID, specTimestamp, "v1a," + good, specBody, at, errNoV1Signature},
		{"a signature without its version does not count", key, specID, specTimestamp, good, specBody, at, errNoV1Signature},
		{"a missing webhook-id is refused", key, "", specTimestamp, specSignature, specBody, at, errMissingHeader},
		{"a missing webhook-timestamp is refused", key, specID, "", specSignature, specBody, at, errMissingHeader},
		{"a missing webhook-signature is refused", key, specID, specTimestamp, "", specBody, at, errMissingHeader},
		{"without a secret nothing verifies", nil, specID, specTimestamp, specSignature, specBody, at, errNoSecret},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := verifyWebhook(c.key, c.id, c.timestamp, c.sigs, []byte(c.body), c.now)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("verify: %v, want %v", err, c.want)
			}
		})
	}
}

func TestWebhookSecretsAreWhsecAndBase64(t *testing.T) {
	if key, err := webhookKey(specSecret); err != nil || len(key) != 24 {
		t.Fatalf("the spec's secret: %d bytes, %v", len(key), err)
	}
	for _, bad := range []string{
		strings.TrimPrefix(specSecret, "whsec_"), // the spec's libraries take it; the sink asks for the API's form
		"whsec_",
		"whsec_not base64!",
		"ep_01HXYZ",
	} {
		if _, err := webhookKey(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}
