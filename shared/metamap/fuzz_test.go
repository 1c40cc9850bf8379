package metamap

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseWebhook feeds arbitrary bodies to ParseWebhook: it must not panic, must fail
// only with its documented errors, and what it accepts has an event name and a resource
// whose VerificationID is either a plain id or ErrInvalidID.
func FuzzParseWebhook(f *testing.F) {
	for _, seed := range []string{
		exampleStarted,
		`{"eventName":"step_completed","resource":"https://api.getmati.com/v2/verifications/a_b-C","step":{"id":"watchlists","status":200,"error":{"code":"x"}},"metadata":"{\"a\":1}"}`,
		`{"eventName":"x","resource":"https://h/v2/verifications/a%2Fb","flow":{"id":"f"},"timestamp":"2021-09-30T21:50:19Z"}`,
		`{"eventName":"x","resource":"//h/v2/verifications/a","step":{"error":[]}}`,
		`{}`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, ErrInvalidPayload) && !errors.Is(err, ErrPayloadTooLarge) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if e.EventName == "" || e.Resource == "" {
			t.Fatalf("accepted without eventName or resource: %+v", e)
		}
		id, err := e.VerificationID()
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("undocumented error %v", err)
			}
			return
		}
		if !ValidID(id) {
			t.Fatalf("VerificationID returned %q", id)
		}
	})
}

// FuzzParseVerification feeds arbitrary bodies to ParseVerification: no panic, and the
// status of what it accepts is one of the five.
func FuzzParseVerification(f *testing.F) {
	f.Add([]byte(startAnswer))
	f.Add([]byte(`{"id":"v1","identity":{"status":"reviewNeeded"},"documents":[{"type":"passport","fields":{"fullName":{"value":"A"},"dateOfBirth":"1990-01-02"},"steps":[{"id":"watchlists","error":{"code":"c"},"data":[{"watchlist":{"name":"n"},"searchResult":[1]}]}]}]}`))
	f.Add([]byte(`{"id":"v1","steps":[{"id":"watchlists","data":{"x":1}}],"metadata":"[]"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, err := ParseVerification(body)
		if err != nil {
			return
		}
		switch v.Status {
		case StatusVerified, StatusReviewNeeded, StatusRejected, StatusPostponed, StatusPending:
		default:
			t.Fatalf("status %q", v.Status)
		}
		if v.WatchlistHit != (len(v.WatchlistLabels) > 0) {
			t.Fatalf("hit %v with labels %v", v.WatchlistHit, v.WatchlistLabels)
		}
		if v.Identity.DOB != "" && validDate(v.Identity.DOB) == "" {
			t.Fatalf("DOB %q", v.Identity.DOB)
		}
	})
}

// FuzzVerifyWebhook: arbitrary signatures never panic and fail only with documented
// errors; a body signed as sent, or signed in its compact form, verifies, and never once a
// byte of the signed bytes is flipped.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte("k"), []byte(exampleStarted), "", uint(0), byte(1))
	f.Add([]byte("k"), []byte("{\n \"a\" : [1, 2] }"), "00", uint(3), byte(0x20))
	f.Add([]byte(""), []byte("x"), "zz", uint(0), byte(0))
	known := []error{ErrNoSecret, ErrMissingSignature, ErrBadSignature}
	f.Fuzz(func(t *testing.T, secret, body []byte, sig string, at uint, flip byte) {
		if err := VerifyWebhook(secret, body, sig); err != nil {
			documented := false
			for _, k := range known {
				documented = documented || errors.Is(err, k)
			}
			if !documented {
				t.Fatalf("undocumented error %v", err)
			}
		}
		if len(secret) == 0 || len(body) == 0 {
			return
		}
		if flip == 0 {
			flip = 1
		}
		signed := [][]byte{body}
		if json.Valid(body) {
			var c bytes.Buffer
			if json.Compact(&c, body) == nil {
				signed = append(signed, c.Bytes())
			}
		}
		for _, s := range signed {
			good := SignWebhook(secret, s)
			if err := VerifyWebhook(secret, body, good); err != nil {
				t.Fatalf("a signature of %q refused for %q: %v", s, body, err)
			}
			tampered := bytes.Clone(s)
			tampered[at%uint(len(s))] ^= flip
			if VerifyWebhook(secret, tampered, good) == nil {
				t.Fatalf("%q verified with the signature of %q", tampered, s)
			}
		}
	})
}
