package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/metamap"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/sumsub"
)

// recorder stands in for the onboarding service: it records what was accepted and
// answers duplicates for keys it has seen.
type recorder struct {
	mu   sync.Mutex
	seen map[string]bool
	got  []onboarding.VendorEvent
}

func (r *recorder) Receive(_ context.Context, ev onboarding.VendorEvent) (onboarding.Accepted, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[ev.Key] {
		return onboarding.Accepted{Duplicate: true}, nil
	}
	r.seen[ev.Key] = true
	r.got = append(r.got, ev)
	return onboarding.Accepted{}, nil
}

var sec = secrets{sumsub: []byte("sumsub-webhook-secret"), metamap: []byte("metamap-webhook-secret")}

func server(r *recorder) *httpapi.Server {
	return newServer(&platform.Deps{Log: slog.New(slog.DiscardHandler)}, r, sec)
}

func post(t testing.TB, srv *httpapi.Server, route, body string, headers map[string]string) (int, map[string]any) {
	t.Helper()
	resp, err := srv.Handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: route, Body: body, Headers: headers})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &out)
	return resp.StatusCode, out
}

func sumsubBody(typ, status, answer string, at time.Time) string {
	rr := ""
	if answer != "" {
		rr = fmt.Sprintf(`,"reviewResult":{"reviewAnswer":%q}`, answer)
	}
	return fmt.Sprintf(`{"applicantId":"5cb56e8e0a975a35f333cb83","inspectionId":"i1","correlationId":"req-1","externalUserId":"usr_1","levelName":"id-and-liveness","type":%q,"reviewStatus":%q%s,"createdAtMs":%q}`,
		typ, status, rr, at.UTC().Format("2006-01-02 15:04:05.000"))
}

func signed(body, alg string) map[string]string {
	return map[string]string{"x-payload-digest": sumsub.SignWebhook(sec.sumsub, []byte(body), alg), "x-payload-digest-alg": alg}
}

func TestASumsubWebhookWithABadOrMissingSignatureIs401AndChangesNothing(t *testing.T) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	body := sumsubBody("applicantReviewed", "completed", "GREEN", time.Now())
	good := signed(body, "HMAC_SHA256_HEX")
	cases := map[string]map[string]string{
		"no headers":            {},
		"no algorithm":          {"x-payload-digest": good["x-payload-digest"]},
		"unknown algorithm":     {"x-payload-digest": good["x-payload-digest"], "x-payload-digest-alg": "HMAC_MD5_HEX"},
		"another secret":        {"x-payload-digest": sumsub.SignWebhook([]byte("other"), []byte(body), "HMAC_SHA256_HEX"), "x-payload-digest-alg": "HMAC_SHA256_HEX"},
		"digest of SHA1 as 256": {"x-payload-digest": sumsub.SignWebhook(sec.sumsub, []byte(body), "HMAC_SHA1_HEX"), "x-payload-digest-alg": "HMAC_SHA256_HEX"},
		"not hex":               {"x-payload-digest": "zz", "x-payload-digest-alg": "HMAC_SHA256_HEX"},
	}
	for name, h := range cases {
		status, out := post(t, srv, "POST /webhooks/sumsub", body, h)
		if status != 401 || out["error"].(map[string]any)["code"] != "invalid_signature" {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	// A tampered body under a valid digest of the original.
	if status, _ := post(t, srv, "POST /webhooks/sumsub", body[:len(body)-2]+"1\"}", good); status != 401 {
		t.Errorf("tampered body: %d", status)
	}
	if len(r.got) != 0 {
		t.Fatalf("refused webhooks reached the service: %v", r.got)
	}
}

func TestSignedSumsubWebhooksAreAcceptedOnceUnderEveryAlgorithm(t *testing.T) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	at := time.Now()
	for i, alg := range []string{"HMAC_SHA1_HEX", "HMAC_SHA256_HEX", "HMAC_SHA512_HEX"} {
		body := sumsubBody("applicantReviewed", "completed", "GREEN", at.Add(time.Duration(i)*time.Second))
		status, out := post(t, srv, "POST /webhooks/sumsub", body, signed(body, alg))
		if status != 200 || out["status"] != "accepted" {
			t.Fatalf("%s: %d %v", alg, status, out)
		}
		// The same delivery again, under every algorithm and in upper-case hex, is
		// acknowledged, not accepted twice.
		for _, again := range []string{"HMAC_SHA1_HEX", "HMAC_SHA256_HEX", "HMAC_SHA512_HEX"} {
			h := signed(body, again)
			h["x-payload-digest"] = strings.ToUpper(h["x-payload-digest"])
			if status, out := post(t, srv, "POST /webhooks/sumsub", body, h); status != 200 || out["status"] != "duplicate" {
				t.Fatalf("%s then %s duplicate: %d %v", alg, again, status, out)
			}
		}
	}
	if len(r.got) != 3 || !r.got[0].Decisive || r.got[0].At.IsZero() || r.got[0].ApplicantID != "5cb56e8e0a975a35f333cb83" {
		t.Fatalf("accepted %+v", r.got)
	}
	// API Gateway may hand the body base64-encoded: the digest is of the decoded bytes.
	body := sumsubBody("applicantPending", "pending", "", at.Add(time.Minute))
	resp, err := srv.Handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "POST /webhooks/sumsub", IsBase64Encoded: true,
		Body: base64.StdEncoding.EncodeToString([]byte(body)), Headers: signed(body, "HMAC_SHA512_HEX")})
	if err != nil || resp.StatusCode != 200 || len(r.got) != 4 || r.got[3].Decisive {
		t.Fatalf("base64 body: %d %v %+v", resp.StatusCode, err, r.got)
	}
}

func TestUnknownAndUnrelatedSumsubTypesAreRecordedAndAcknowledged(t *testing.T) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	for _, typ := range []string{"applicantKytTxnApproved", "amlCaseApproved", "somethingNewNextYear"} {
		body := sumsubBody(typ, "completed", "GREEN", time.Now())
		status, out := post(t, srv, "POST /webhooks/sumsub", body, signed(body, "HMAC_SHA256_HEX"))
		if status != 200 || out["status"] != "ignored" {
			t.Errorf("%s: %d %v", typ, status, out)
		}
	}
	if len(r.got) != 3 || !r.got[0].Ignore || r.got[0].Decisive {
		t.Fatalf("recorded %+v", r.got)
	}
}

func TestASignedButMalformedSumsubBodyIs400(t *testing.T) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	for _, body := range []string{`{"type":"applicantReviewed"}`, `not json`, `{"type":"applicantReviewed","applicantId":"a","createdAtMs":"yesterday"}`} {
		if status, _ := post(t, srv, "POST /webhooks/sumsub", body, signed(body, "HMAC_SHA256_HEX")); status != 400 {
			t.Errorf("%q: %d", body, status)
		}
	}
	if len(r.got) != 0 {
		t.Fatal("a malformed body was accepted")
	}
}

func TestMetaMapWebhooksAreVerifiedAndCompletionIsDecisive(t *testing.T) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	body := `{"resource":"https://api.getmati.com/v2/verifications/61a0c9b2f1b8a2001c3d4e5f","eventName":"verification_completed","flowId":"f1","timestamp":"2026-11-30T21:50:19.342Z"}`
	if status, _ := post(t, srv, "POST /webhooks/metamap", body, map[string]string{"x-signature": metamap.SignWebhook([]byte("wrong"), []byte(body))}); status != 401 {
		t.Fatalf("bad signature: %d", status)
	}
	status, out := post(t, srv, "POST /webhooks/metamap", body, map[string]string{"x-signature": metamap.SignWebhook(sec.metamap, []byte(body))})
	if status != 200 || out["status"] != "accepted" || len(r.got) != 1 || !r.got[0].Decisive || r.got[0].ApplicantID != "61a0c9b2f1b8a2001c3d4e5f" {
		t.Fatalf("completed: %d %v %+v", status, out, r.got)
	}
	step := `{"resource":"https://api.getmati.com/v2/verifications/61a0c9b2f1b8a2001c3d4e5f","eventName":"step_completed","step":{"id":"liveness","status":200},"timestamp":"2026-11-30T21:50:18.000Z"}`
	if status, _ := post(t, srv, "POST /webhooks/metamap", step, map[string]string{"x-signature": metamap.SignWebhook(sec.metamap, []byte(step))}); status != 200 || r.got[1].Decisive {
		t.Fatalf("step: %d %+v", status, r.got)
	}
}

// BenchmarkAcknowledge is the webhook function's own work per delivery (verify, parse,
// normalise, answer), without the one PutItem and one SendMessage the service adds.
func BenchmarkAcknowledge(b *testing.B) {
	r := &recorder{seen: map[string]bool{}}
	srv := server(r)
	at := time.Now()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		body := sumsubBody("applicantReviewed", "completed", "GREEN", at.Add(time.Duration(i)*time.Millisecond))
		h := signed(body, "HMAC_SHA256_HEX")
		t0 := time.Now()
		resp, err := srv.Handle(context.Background(), events.APIGatewayV2HTTPRequest{RouteKey: "POST /webhooks/sumsub", Body: body, Headers: h})
		lat = append(lat, time.Since(t0))
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(resp.StatusCode, err)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
