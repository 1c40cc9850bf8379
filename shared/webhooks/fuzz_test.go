package webhooks

import (
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary headers and bodies to Verify: it must not panic, must fail
// only with its documented errors, and may accept only what the reference verifier accepts.
func FuzzVerify(f *testing.F) {
	f.Add(vectorMsgID, strconv.Itoa(vectorTimestamp), vectorSignature, []byte(vectorBody), int64(0))
	f.Add(vectorMsgID, strconv.Itoa(vectorTimestamp), "v1a,abc "+vectorSignature, []byte(vectorBody), int64(299))
	f.Add(vectorMsgID, strconv.Itoa(vectorTimestamp), "v1,,,, v1 v2,x", []byte(vectorBody), int64(-301))
	f.Add("msg_1", "1614265330.0", "v1,", []byte(""), int64(0))
	f.Add("", "", "", []byte(nil), int64(0))
	f.Add("a.b", "-1", "  v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=  ", []byte("{}"), int64(1<<40))
	known := []error{ErrMissingHeaders, ErrInvalidTimestamp, ErrTimestampTooOld, ErrTimestampTooNew, ErrNoMatchingSignature}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, offset int64) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		now := vectorTime.Add(time.Duration(offset) * time.Second)
		err := Verify(vectorSecret, h, body, 0, now)
		if err == nil {
			if refErr := refVerify(vectorSecret, h, body, now); refErr != nil {
				t.Fatalf("Verify accepted what the reference refuses: %v", refErr)
			}
			return
		}
		for _, k := range known {
			if errors.Is(err, k) {
				return
			}
		}
		t.Fatalf("undocumented error %v", err)
	})
}

// FuzzURLPolicyCheck feeds arbitrary strings to Check: it must not panic, must refuse with
// a *URLError, and whatever it accepts must meet every rule and pass the check again.
func FuzzURLPolicyCheck(f *testing.F) {
	for _, seed := range []string{
		"https://hooks.example.com/chainguard?tenant=1", "https://hooks.example.com:8443/in",
		"http://127.0.0.1:3000/hook", "http://[::1]:3000/", "http://localhost:3000/", "https://10.0.0.1/",
		"https://[::ffff:127.0.0.1]/", "https://[64:ff9b::a00:1]/", "https://0x7f.1/", "https://2130706433/",
		"https://user:pass@example.com/", "https://example.com/#f", "https:///x", "HTTPS://EXAMPLE.COM./",
		"https://[fe80::1%25eth0]/", "https://example.com:65536/", "https://xn--bcher-kva.example/ü",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, raw string, allowLocal bool) {
		p := URLPolicy{AllowLocal: allowLocal}
		u, err := p.Check(raw)
		if err != nil {
			var ue *URLError
			if !errors.As(err, &ue) || ue.Rule == "" || ue.Reason == "" || !errors.Is(err, ErrInvalidURL) {
				t.Fatalf("error %#v", err)
			}
			return
		}
		host := u.Hostname()
		switch {
		case len(raw) > MaxURLLength || len(u.String()) > MaxURLLength:
			t.Fatalf("too long: %d", len(raw))
		case u.User != nil || u.Fragment != "" || strings.Contains(raw, "#"):
			t.Fatalf("userinfo or fragment: %q", raw)
		case host == "":
			t.Fatalf("no host: %q", raw)
		case u.Scheme != "https" && !(u.Scheme == "http" && allowLocal && (host == "127.0.0.1" || host == "::1" || strings.TrimSuffix(host, ".") == "localhost")):
			t.Fatalf("scheme %q accepted for %q", u.Scheme, raw)
		case !allowLocal && (strings.TrimSuffix(host, ".") == "localhost" || strings.HasSuffix(strings.TrimSuffix(host, "."), ".localhost")):
			t.Fatalf("a loopback name accepted: %q", raw)
		}
		if a, err := netip.ParseAddr(host); err == nil && blockedAddr(a, allowLocal) {
			t.Fatalf("a blocked address accepted: %q", raw)
		}
		again, err := p.Check(u.String())
		if err != nil || again.String() != u.String() {
			t.Fatalf("%q became %q, which %v", raw, u.String(), err)
		}
	})
}
