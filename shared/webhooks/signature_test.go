package webhooks

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

var vectorTime = time.Unix(vectorTimestamp, 0)

func TestSignReproducesTheSpecificationVector(t *testing.T) {
	for _, secret := range []string{vectorSecret, strings.TrimPrefix(vectorSecret, SecretPrefix)} {
		got, err := Sign([]string{secret}, vectorMsgID, vectorTime, []byte(vectorBody))
		if err != nil || got != vectorSignature {
			t.Fatalf("Sign with %q = %q, %v; want %q", secret, got, err, vectorSignature)
		}
	}
}

func TestSignWithTwoSecretsGivesTwoSignaturesInOrder(t *testing.T) {
	other := mustSecret(t)
	body := []byte(`{"type":"webhook.test"}`)
	got, err := Sign([]string{vectorSecret, other}, vectorMsgID, vectorTime, body)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(got, " ")
	first, _ := Sign([]string{vectorSecret}, vectorMsgID, vectorTime, body)
	second, _ := Sign([]string{other}, vectorMsgID, vectorTime, body)
	if len(parts) != 2 || parts[0] != first || parts[1] != second {
		t.Fatalf("got %q, want %q and %q", got, first, second)
	}
}

func TestSignatureIsAcceptedByTheReferenceVerifier(t *testing.T) {
	now := time.Now()
	secrets := []string{mustSecret(t), mustSecret(t)}
	for _, body := range []string{``, `{}`, `{"a":"é ☃ \u0000"}`, strings.Repeat("x", 70000)} {
		sig, err := Sign(secrets, "msg_01JM9S346Q3D25VT4F5V37E3S3", now, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set(HeaderID, "msg_01JM9S346Q3D25VT4F5V37E3S3")
		h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
		h.Set(HeaderSignature, sig)
		for _, s := range secrets {
			if err := refVerify(s, h, []byte(body), now); err != nil {
				t.Fatalf("body of %d bytes: %v", len(body), err)
			}
		}
		if err := refVerify(mustSecret(t), h, []byte(body), now); err == nil {
			t.Fatal("the reference verifier accepted a third secret")
		}
	}
}

func TestSignRefuses(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		msgID   string
		ts      time.Time
		want    error
	}{
		{"no secret", nil, vectorMsgID, vectorTime, ErrNoSecrets},
		{"an invalid secret among valid ones", []string{vectorSecret, "whsec_short"}, vectorMsgID, vectorTime, ErrInvalidSecret},
		{"an empty message id", []string{vectorSecret}, "", vectorTime, ErrInvalidMsgID},
		{"a message id with a dot, which makes the signed content ambiguous", []string{vectorSecret}, "msg.1", vectorTime, ErrInvalidMsgID},
		{"a message id with a space", []string{vectorSecret}, "msg 1", vectorTime, ErrInvalidMsgID},
		{"a message id of 257 characters", []string{vectorSecret}, strings.Repeat("m", 257), vectorTime, ErrInvalidMsgID},
		{"a time before 1970", []string{vectorSecret}, vectorMsgID, time.Unix(-1, 0), ErrInvalidTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sign(tt.secrets, tt.msgID, tt.ts, []byte(vectorBody))
			if !errors.Is(err, tt.want) || got != "" {
				t.Fatalf("got %q, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	other := mustSecret(t)
	bothSigned := func(h http.Header) {
		sig, err := Sign([]string{other, vectorSecret}, vectorMsgID, vectorTime, []byte(vectorBody))
		if err != nil {
			t.Fatal(err)
		}
		h.Set(HeaderSignature, sig)
	}
	tests := []struct {
		name   string
		secret string
		edit   func(h http.Header)
		body   string
		now    time.Time
		want   error
	}{
		{name: "the specification's vector", now: vectorTime},
		{name: "the vector with a secret without prefix", secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", now: vectorTime},
		{name: "4m59s late is within the default tolerance", now: vectorTime.Add(4*time.Minute + 59*time.Second)},
		{name: "exactly 5 minutes late is within", now: vectorTime.Add(5 * time.Minute)},
		{name: "5 minutes early is within", now: vectorTime.Add(-5 * time.Minute)},
		{name: "a tampered body", body: `{"test": 2432232315}`, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "a body with one more space", body: `{"test":  2432232314}`, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "a wrong secret", secret: other, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "another message id", edit: func(h http.Header) { h.Set(HeaderID, "msg_other") }, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "a timestamp one second off", edit: func(h http.Header) { h.Set(HeaderTimestamp, "1614265331") }, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "a corrupted signature (the Python library's test)", edit: func(h http.Header) {
			h.Set(HeaderSignature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=")
		}, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "the right signature under version v2 (the Java library's test)", edit: func(h http.Header) {
			h.Set(HeaderSignature, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
		}, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "a signature without its version", edit: func(h http.Header) {
			h.Set(HeaderSignature, "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
		}, now: vectorTime, want: ErrNoMatchingSignature},
		{name: "an asymmetric v1a signature first, then ours", edit: func(h http.Header) {
			h.Set(HeaderSignature, "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== "+vectorSignature)
		}, now: vectorTime},
		{name: "two signatures, the matching one second", edit: bothSigned, now: vectorTime},
		{name: "two signatures, the matching one first", secret: other, edit: bothSigned, now: vectorTime},
		{name: "signatures separated by several spaces", edit: func(h http.Header) {
			h.Set(HeaderSignature, "v1,bm90IGl0  "+vectorSignature)
		}, now: vectorTime},
		{name: "more than 5 minutes old", now: vectorTime.Add(5*time.Minute + time.Second), want: ErrTimestampTooOld},
		{name: "a day old", now: vectorTime.Add(24 * time.Hour), want: ErrTimestampTooOld},
		{name: "more than 5 minutes in the future", now: vectorTime.Add(-5*time.Minute - time.Second), want: ErrTimestampTooNew},
		{name: "no webhook-id", edit: func(h http.Header) { h.Del(HeaderID) }, now: vectorTime, want: ErrMissingHeaders},
		{name: "no webhook-timestamp", edit: func(h http.Header) { h.Del(HeaderTimestamp) }, now: vectorTime, want: ErrMissingHeaders},
		{name: "no webhook-signature", edit: func(h http.Header) { h.Del(HeaderSignature) }, now: vectorTime, want: ErrMissingHeaders},
		{name: "a timestamp that is not a number", edit: func(h http.Header) { h.Set(HeaderTimestamp, "invalid timestamp") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "a float timestamp", edit: func(h http.Header) { h.Set(HeaderTimestamp, "1614265330.0") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "a negative timestamp", edit: func(h http.Header) { h.Set(HeaderTimestamp, "-1614265330") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "a timestamp with a plus sign", edit: func(h http.Header) { h.Set(HeaderTimestamp, "+1614265330") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "a timestamp with a leading zero (found by FuzzVerify)", edit: func(h http.Header) { h.Set(HeaderTimestamp, "01614265330") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "a timestamp beyond int64", edit: func(h http.Header) { h.Set(HeaderTimestamp, "99999999999999999999") }, now: vectorTime, want: ErrInvalidTimestamp},
		{name: "an invalid secret", secret: "whsec_", now: vectorTime, want: ErrInvalidSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := vectorHeaders()
			if tt.edit != nil {
				tt.edit(h)
			}
			secret, body := tt.secret, tt.body
			if secret == "" {
				secret = vectorSecret
			}
			if body == "" {
				body = vectorBody
			}
			err := Verify(secret, h, []byte(body), 0, tt.now)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyUsesTheToleranceGiven(t *testing.T) {
	now := vectorTime.Add(90 * time.Second)
	if err := Verify(vectorSecret, vectorHeaders(), []byte(vectorBody), time.Minute, now); !errors.Is(err, ErrTimestampTooOld) {
		t.Fatalf("with a 1 minute tolerance: %v", err)
	}
	if err := Verify(vectorSecret, vectorHeaders(), []byte(vectorBody), 2*time.Minute, now); err != nil {
		t.Fatalf("with a 2 minute tolerance: %v", err)
	}
}

func TestVerifyReadsTheClockWhenNowIsZero(t *testing.T) {
	if err := Verify(vectorSecret, vectorHeaders(), []byte(vectorBody), 0, time.Time{}); !errors.Is(err, ErrTimestampTooOld) {
		t.Fatalf("a 2021 message verified today: %v", err)
	}
	now := time.Now()
	sig, _ := Sign([]string{vectorSecret}, vectorMsgID, now, []byte(vectorBody))
	h := vectorHeaders()
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	if err := Verify(vectorSecret, h, []byte(vectorBody), 0, time.Time{}); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyErrorsDoNotEchoSignatures(t *testing.T) {
	err := Verify(vectorSecret, vectorHeaders(), []byte("{}"), 0, vectorTime)
	if err == nil || strings.Contains(err.Error(), "g0hM9SsE") {
		t.Fatalf("error %v", err)
	}
}
