package sumsub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sumsub's published test vector.
var (
	vectorSecret = []byte("SoMe_SeCrEt_KeY")
	vectorBody   = []byte("someText")
)

const (
	vectorSHA1   = "f6e92ffe371718694d46e28436f76589312df8db"
	vectorSHA256 = "7f3beedce7529616a9d6bba59dc1b054a7247cef67f6acff2600864399f47fe0"
)

func TestWebhookSignatureReproducesSumsubsTestVectors(t *testing.T) {
	tests := []struct {
		alg, digest string
	}{
		{AlgHMACSHA1, vectorSHA1},
		{AlgHMACSHA256, vectorSHA256},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			if got := SignWebhook(vectorSecret, vectorBody, tt.alg); got != tt.digest {
				t.Fatalf("SignWebhook = %s, want %s", got, tt.digest)
			}
			if err := VerifyWebhook(vectorSecret, vectorBody, tt.digest, tt.alg); err != nil {
				t.Fatalf("VerifyWebhook: %v", err)
			}
		})
	}
}

func TestSHA512DigestsVerifyAndAreLowercaseHex(t *testing.T) {
	d := SignWebhook(vectorSecret, vectorBody, AlgHMACSHA512)
	if len(d) != 128 || strings.ToLower(d) != d {
		t.Fatalf("digest %q: want 128 lowercase hex characters", d)
	}
	if err := VerifyWebhook(vectorSecret, vectorBody, d, AlgHMACSHA512); err != nil {
		t.Fatal(err)
	}
}

func TestSignWebhookGivesNothingForAnUnknownAlgorithm(t *testing.T) {
	if got := SignWebhook(vectorSecret, vectorBody, "HMAC_MD5_HEX"); got != "" {
		t.Fatalf("got %q", got)
	}
}

func TestVerifyWebhookRefuses(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		digest string
		alg    string
		want   error
	}{
		{"no secret configured", nil, vectorBody, vectorSHA256, AlgHMACSHA256, ErrNoSecret},
		{"a missing digest", vectorSecret, vectorBody, "", AlgHMACSHA256, ErrMissingSignature},
		{"a missing algorithm", vectorSecret, vectorBody, vectorSHA256, "", ErrUnsupportedAlgorithm},
		{"an algorithm Sumsub does not use", vectorSecret, vectorBody, vectorSHA256, "HMAC_MD5_HEX", ErrUnsupportedAlgorithm},
		{"an algorithm name in lower case", vectorSecret, vectorBody, vectorSHA256, "hmac_sha256_hex", ErrUnsupportedAlgorithm},
		{"a digest that is not hex", vectorSecret, vectorBody, "zz" + vectorSHA256[2:], AlgHMACSHA256, ErrBadSignature},
		{"a digest of odd length", vectorSecret, vectorBody, vectorSHA256[1:], AlgHMACSHA256, ErrBadSignature},
		{"a truncated digest", vectorSecret, vectorBody, vectorSHA256[:32], AlgHMACSHA256, ErrBadSignature},
		{"a SHA-1 digest announced as SHA-256", vectorSecret, vectorBody, vectorSHA1, AlgHMACSHA256, ErrBadSignature},
		{"a SHA-256 digest announced as SHA-1", vectorSecret, vectorBody, vectorSHA256, AlgHMACSHA1, ErrBadSignature},
		{"another body", vectorSecret, []byte("someText "), vectorSHA256, AlgHMACSHA256, ErrBadSignature},
		{"another secret", []byte("SoMe_SeCrEt_KeY2"), vectorBody, vectorSHA256, AlgHMACSHA256, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyWebhook(tt.secret, tt.body, tt.digest, tt.alg); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyWebhookComparesDecodedBytesSoUpperCaseHexIsTheSameDigest(t *testing.T) {
	if err := VerifyWebhook(vectorSecret, vectorBody, strings.ToUpper(vectorSHA256), AlgHMACSHA256); err != nil {
		t.Fatal(err)
	}
}

func TestSignRequestIsHMACSHA256OfTimestampMethodPathAndBody(t *testing.T) {
	secret := []byte("app-secret")
	body := []byte(`{"externalUserId":"28","type":"individual"}`)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("1700000000POST/resources/applicants?levelName=basic-kyc-level" + string(body)))
	want := hex.EncodeToString(m.Sum(nil))
	if got := SignRequest(secret, "1700000000", "POST", "/resources/applicants?levelName=basic-kyc-level", body); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestVerifyRequest(t *testing.T) {
	secret := []byte("app-secret")
	body := []byte(`{"a":1}`)
	sig := SignRequest(secret, "1700000000", "POST", "/p?q=1", body)
	tests := []struct {
		name             string
		secret           []byte
		ts, method, path string
		body             []byte
		sig              string
		want             error
		wantAccepted     bool
	}{
		{name: "the request as signed is accepted", secret: secret, ts: "1700000000", method: "POST", path: "/p?q=1", body: body, sig: sig, wantAccepted: true},
		{name: "another timestamp is refused", secret: secret, ts: "1700000001", method: "POST", path: "/p?q=1", body: body, sig: sig, want: ErrBadSignature},
		{name: "another method is refused", secret: secret, ts: "1700000000", method: "PUT", path: "/p?q=1", body: body, sig: sig, want: ErrBadSignature},
		{name: "another query is refused", secret: secret, ts: "1700000000", method: "POST", path: "/p?q=2", body: body, sig: sig, want: ErrBadSignature},
		{name: "another body is refused", secret: secret, ts: "1700000000", method: "POST", path: "/p?q=1", body: []byte(`{"a":2}`), sig: sig, want: ErrBadSignature},
		{name: "a signature that is not hex is refused", secret: secret, ts: "1700000000", method: "POST", path: "/p?q=1", body: body, sig: "xyz", want: ErrBadSignature},
		{name: "a missing signature is refused", secret: secret, ts: "1700000000", method: "POST", path: "/p?q=1", body: body, want: ErrMissingSignature},
		{name: "a missing timestamp is refused", secret: secret, method: "POST", path: "/p?q=1", body: body, sig: sig, want: ErrMissingSignature},
		{name: "no secret is refused", ts: "1700000000", method: "POST", path: "/p?q=1", body: body, sig: sig, want: ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyRequest(tt.secret, tt.ts, tt.method, tt.path, tt.body, tt.sig)
			if tt.wantAccepted {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckRequestTime(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		ts   string
		ok   bool
	}{
		{"the current second is accepted", "1700000000", true},
		{"five minutes ago is accepted", strconv.FormatInt(now.Add(-RequestTolerance).Unix(), 10), true},
		{"five minutes and a second ago is refused", strconv.FormatInt(now.Add(-RequestTolerance-time.Second).Unix(), 10), false},
		{"six minutes ahead is refused", strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), false},
		{"a leading zero is refused", "01700000000", false},
		{"a sign is refused", "+1700000000", false},
		{"milliseconds are refused", "1700000000000", false},
		{"an empty value is refused", "", false},
		{"a fraction is refused", "1700000000.5", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRequestTime(tt.ts, now)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("err = %v, want ErrBadTimestamp", err)
			}
		})
	}
}
