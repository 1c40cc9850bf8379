package sumsub

import (
	"encoding/hex"
	"errors"
	"testing"
)

// FuzzParseWebhook feeds arbitrary bodies to ParseWebhook: it must not panic, must fail
// only with its documented errors, and what it accepts has a type, an applicant id, a
// 64-character key and a known outcome.
func FuzzParseWebhook(f *testing.F) {
	for _, seed := range []string{
		exampleApproved, examplePending, exampleRejected,
		`{"type":"x","applicantId":"a","createdAtMs":1621008025032}`,
		`{"type":"x","applicantId":"a","createdAt":"2021-05-14 16:00:25+0000","sandboxMode":"false"}`,
		`{"type":"x","applicantId":"a","createdAtMs":"99999999999999999999"}`,
		`{"type":"x","applicantId":"a","applicantMemberOf":[{"applicantId":1}]}`,
		`{}`, `null`, `[]`, `"x"`, ``,
	} {
		f.Add([]byte(seed))
	}
	outcomes := []Outcome{OutcomeApproved, OutcomeRejectedFinal, OutcomeRetryRequested, OutcomePending, OutcomeNone}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidPayload) && !errors.Is(err, ErrPayloadTooLarge) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if e.Type == "" || e.ApplicantID == "" {
			t.Fatalf("accepted without type or applicant id: %+v", e)
		}
		if k := e.DedupKey("d"); len(k) != 64 {
			t.Fatalf("key %q", k)
		}
		o := e.Outcome()
		known := false
		for _, k := range outcomes {
			known = known || o == k
		}
		if !known {
			t.Fatalf("outcome %q", o)
		}
		if !e.CreatedAt.IsZero() && e.CreatedAt.Location().String() != "UTC" {
			t.Fatalf("created at %v is not UTC", e.CreatedAt)
		}
	})
}

// FuzzVerifyWebhook checks two properties. Arbitrary digests and algorithm names never
// panic and fail only with documented errors. A body signed under one algorithm verifies
// under it, and never once a byte of the body or of the digest is flipped, nor under
// another algorithm.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add(vectorSecret, vectorBody, vectorSHA256, AlgHMACSHA256, uint(0), byte(1))
	f.Add(vectorSecret, vectorBody, vectorSHA1, AlgHMACSHA1, uint(7), byte(0x80))
	f.Add([]byte("k"), []byte(""), "", "", uint(0), byte(0))
	f.Add([]byte(""), []byte("{}"), "zz", "HMAC_SHA512_HEX", uint(3), byte(0xff))
	algs := []string{AlgHMACSHA1, AlgHMACSHA256, AlgHMACSHA512}
	known := []error{ErrNoSecret, ErrMissingSignature, ErrUnsupportedAlgorithm, ErrBadSignature}
	f.Fuzz(func(t *testing.T, secret, body []byte, digest, alg string, at uint, flip byte) {
		if err := VerifyWebhook(secret, body, digest, alg); err != nil {
			documented := false
			for _, k := range known {
				documented = documented || errors.Is(err, k)
			}
			if !documented {
				t.Fatalf("undocumented error %v", err)
			}
		} else if SignWebhook(secret, body, alg) == "" {
			t.Fatalf("accepted an algorithm it cannot sign with: %q", alg)
		}

		if len(secret) == 0 {
			return
		}
		if flip == 0 {
			flip = 1
		}
		for i, a := range algs {
			sig := SignWebhook(secret, body, a)
			if err := VerifyWebhook(secret, body, sig, a); err != nil {
				t.Fatalf("%s: own signature refused: %v", a, err)
			}
			for _, other := range algs[i+1:] {
				if VerifyWebhook(secret, body, sig, other) == nil {
					t.Fatalf("a %s digest verified as %s", a, other)
				}
			}
			if len(body) > 0 {
				tampered := append([]byte(nil), body...)
				tampered[at%uint(len(body))] ^= flip
				if VerifyWebhook(secret, tampered, sig, a) == nil {
					t.Fatalf("%s: a body with a flipped byte verified", a)
				}
			}
			raw, _ := hex.DecodeString(sig)
			raw[at%uint(len(raw))] ^= flip
			if VerifyWebhook(secret, body, hex.EncodeToString(raw), a) == nil {
				t.Fatalf("%s: a digest with a flipped byte verified", a)
			}
		}
	})
}
