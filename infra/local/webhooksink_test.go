package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// sinkServer is the sink routes on a mux of their own, as the runner registers them.
type sinkServer struct {
	t      *testing.T
	url    string
	mux    *http.ServeMux
	client *http.Client // does not follow redirects: a webhook sender must not
}

func newSinkServer(t *testing.T) *sinkServer {
	t.Helper()
	mux := http.NewServeMux()
	newWebhookSinks(time.Now).register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &sinkServer{t: t, url: srv.URL, mux: mux, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (s *sinkServer) do(req *http.Request) (*http.Response, string) {
	s.t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, string(body)
}

// control sends a sink change with the control header.
func (s *sinkServer) control(method, name, settings string) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.url+"/_local/webhook-sinks/"+name, strings.NewReader(settings))
	req.Header.Set(controlHeader, "1")
	return s.do(req)
}

// mustControl is control that expects the status want.
func (s *sinkServer) mustControl(method, name, settings string, want int) {
	s.t.Helper()
	if resp, body := s.control(method, name, settings); resp.StatusCode != want {
		s.t.Fatalf("%s %s %s: %d %s, want %d", method, name, settings, resp.StatusCode, body, want)
	}
}

// delivery is one webhook request as the sender makes it.
type delivery struct {
	id, timestamp, signature string
	body                     string
}

// signed is a delivery of body signed with secret, timestamped now.
func signed(t *testing.T, secret, id, body string) delivery {
	t.Helper()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return delivery{id: id, timestamp: ts, signature: signWebhook(t, secret, id, ts, []byte(body)), body: body}
}

func (s *sinkServer) deliver(name string, d delivery) (*http.Response, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.url+"/_local/webhook-sink/"+name, strings.NewReader(d.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", d.id)
	req.Header.Set("webhook-timestamp", d.timestamp)
	req.Header.Set("webhook-signature", d.signature)
	return s.do(req)
}

func (s *sinkServer) mustDeliver(name string, d delivery, want int) {
	s.t.Helper()
	if resp, body := s.deliver(name, d); resp.StatusCode != want {
		s.t.Fatalf("delivery %s to %s: %d %s, want %d", d.id, name, resp.StatusCode, body, want)
	}
}

// show is GET /_local/webhook-sink/{name}.
func (s *sinkServer) show(name string) sinkView {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/_local/webhook-sink/"+name, nil)
	resp, body := s.do(req)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("GET sink %s: %d %s", name, resp.StatusCode, body)
	}
	var v sinkView
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		s.t.Fatalf("%v: %s", err, body)
	}
	if v.Deliveries == nil {
		s.t.Fatalf("no deliveries list: %s", body)
	}
	return v
}

func statuses(v sinkView) []int {
	var out []int
	for _, d := range *v.Deliveries {
		out = append(out, d.AnsweredStatus)
	}
	return out
}

const webhookPayload = `{"type":"screening.completed","timestamp":"2026-01-05T10:00:00Z","data":{"screeningId":"scr_1","outcome":"clear"}}`

func TestAWebhookSinkRecordsASignedDeliveryAsValid(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "orders", `{"secret":"`+secret+`"}`, http.StatusCreated)

	d := signed(t, secret, "msg_1", webhookPayload)
	resp, body := s.deliver("orders", d)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("delivery: %d %s", resp.StatusCode, body)
	}

	v := s.show("orders")
	if len(*v.Deliveries) != 1 {
		t.Fatalf("deliveries: %+v", *v.Deliveries)
	}
	got := (*v.Deliveries)[0]
	if !got.SignatureValid || got.VerifyError != "" || got.WebhookID != "msg_1" || got.WebhookTimestamp != d.timestamp ||
		got.Type != "screening.completed" || got.Body != webhookPayload || got.BodyBytes != len(webhookPayload) ||
		got.AnsweredStatus != http.StatusOK || got.Seq != 1 || time.Since(got.ReceivedAt) > time.Minute {
		t.Errorf("recorded %+v", got)
	}
	if v.Counts != (sinkCounts{Received: 1, Valid: 1, Kept: 1, DistinctWebhookIDs: 1}) {
		t.Errorf("counts %+v", v.Counts)
	}
}

func TestAWebhookSinkAnswers400ToATamperedBody(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "orders", `{"secret":"`+secret+`"}`, http.StatusCreated)

	d := signed(t, secret, "msg_1", webhookPayload)
	d.body = strings.Replace(d.body, `"clear"`, `"match"`, 1)
	resp, body := s.deliver("orders", d)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "invalid signature") {
		t.Fatalf("tampered delivery: %d %s, want 400 invalid signature", resp.StatusCode, body)
	}

	v := s.show("orders")
	got := (*v.Deliveries)[0]
	if got.SignatureValid || !strings.Contains(got.VerifyError, errNoMatchingSigV1.Error()) || got.Body != d.body || got.AnsweredStatus != http.StatusBadRequest {
		t.Errorf("recorded %+v", got)
	}
	if v.Counts.Invalid != 1 || v.Counts.Valid != 0 {
		t.Errorf("counts %+v", v.Counts)
	}
}

func TestAWebhookSinkFailsItsFirstDeliveriesThenAnswersItsStatus(t *testing.T) {
	cases := []struct {
		name     string
		settings string
		want     []int
	}{
		{"failFirst 2 answers 503 twice, then 200", `"failFirst":2`, []int{503, 503, 200, 200}},
		{"failFirst 1 with status 410 answers 503 once, then 410", `"failFirst":1,"status":410`, []int{503, 410, 410}},
		{"status 500 alone answers 500 every time", `"status":500`, []int{500, 500}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSinkServer(t)
			secret := newWebhookSecret(t)
			s.mustControl(http.MethodPut, "flaky", `{"secret":"`+secret+`",`+c.settings+`}`, http.StatusCreated)
			for i, want := range c.want {
				// A retry keeps its webhook-id and gets a new timestamp and signature.
				s.mustDeliver("flaky", signed(t, secret, "msg_retried", fmt.Sprintf(`{"type":"t","attempt":%d}`, i)), want)
			}
			v := s.show("flaky")
			if got := statuses(v); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("answered %v, want %v", got, c.want)
			}
			if v.Counts.Received != len(c.want) || v.Counts.Valid != len(c.want) || v.Counts.DistinctWebhookIDs != 1 {
				t.Errorf("counts %+v: every retry verifies and keeps its id", v.Counts)
			}
		})
	}

	t.Run("PATCH of the secret keeps the count, PATCH of failFirst restarts it", func(t *testing.T) {
		s := newSinkServer(t)
		secret := newWebhookSecret(t)
		s.mustControl(http.MethodPut, "flaky", `{"secret":"`+secret+`","failFirst":1}`, http.StatusCreated)
		s.mustDeliver("flaky", signed(t, secret, "msg_1", `{}`), 503)
		secret = newWebhookSecret(t)
		s.mustControl(http.MethodPatch, "flaky", `{"secret":"`+secret+`"}`, http.StatusOK)
		s.mustDeliver("flaky", signed(t, secret, "msg_1", `{}`), 200)
		s.mustControl(http.MethodPatch, "flaky", `{"failFirst":1}`, http.StatusOK)
		s.mustDeliver("flaky", signed(t, secret, "msg_1", `{}`), 503)
		s.mustDeliver("flaky", signed(t, secret, "msg_1", `{}`), 200)
	})
}

func TestAWebhookSinkRedirectsWithoutBeingFollowed(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "moved", `{"secret":"`+secret+`","redirectTo":"http://127.0.0.1:1/elsewhere"}`, http.StatusCreated)

	resp, body := s.deliver("moved", signed(t, secret, "msg_1", webhookPayload))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "http://127.0.0.1:1/elsewhere" {
		t.Fatalf("answered %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if got := (*s.show("moved").Deliveries)[0]; got.AnsweredStatus != http.StatusFound || !got.SignatureValid {
		t.Errorf("recorded %+v", got)
	}

	s.mustControl(http.MethodPatch, "moved", `{"redirectTo":""}`, http.StatusOK)
	s.mustDeliver("moved", signed(t, secret, "msg_1", webhookPayload), http.StatusOK)
}

func TestAWebhookSinkAnswersAfterDelayMs(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "slow", `{"secret":"`+secret+`","delayMs":300}`, http.StatusCreated)

	t.Run("the answer comes after the delay", func(t *testing.T) {
		start := time.Now()
		s.mustDeliver("slow", signed(t, secret, "msg_1", webhookPayload), http.StatusOK)
		if took := time.Since(start); took < 300*time.Millisecond {
			t.Errorf("answered after %s, before delayMs", took)
		}
	})

	t.Run("a sender that times out first is recorded as having left", func(t *testing.T) {
		d := signed(t, secret, "msg_2", webhookPayload)
		req, _ := http.NewRequest(http.MethodPost, s.url+"/_local/webhook-sink/slow", strings.NewReader(d.body))
		req.Header.Set("webhook-id", d.id)
		req.Header.Set("webhook-timestamp", d.timestamp)
		req.Header.Set("webhook-signature", d.signature)
		impatient := &http.Client{Timeout: 50 * time.Millisecond}
		if resp, err := impatient.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("answered %d within 50 ms", resp.StatusCode)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			got := (*s.show("slow").Deliveries)[1]
			if got.Abandoned {
				if got.AnsweredStatus != 0 || got.DelayMs != 300 || !strings.Contains(got.Answer, "closed the connection") {
					t.Errorf("recorded %+v", got)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("still not recorded as left: %+v", got)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestAnUnknownWebhookSinkAnswers404(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustDeliver("nobody", signed(t, secret, "msg_1", webhookPayload), http.StatusNotFound)
	req, _ := http.NewRequest(http.MethodGet, s.url+"/_local/webhook-sink/nobody", nil)
	if resp, _ := s.do(req); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET unknown sink: %d", resp.StatusCode)
	}
	s.mustControl(http.MethodPatch, "nobody", `{"secret":"`+secret+`"}`, http.StatusNotFound)
	s.mustControl(http.MethodDelete, "nobody", "", http.StatusNotFound)

	s.mustControl(http.MethodPut, "gone", "", http.StatusCreated)
	s.mustControl(http.MethodDelete, "gone", "", http.StatusNoContent)
	s.mustDeliver("gone", signed(t, secret, "msg_1", webhookPayload), http.StatusNotFound)
}

func TestChangingAWebhookSinkNeedsTheControlHeader(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "kept", `{"secret":"`+secret+`"}`, http.StatusCreated)

	for _, c := range []struct{ method, name, header string }{
		{http.MethodPut, "new", ""},
		{http.MethodPut, "kept", ""},
		{http.MethodPatch, "kept", ""},
		{http.MethodDelete, "kept", ""},
		{http.MethodPut, "new", "yes"},
	} {
		t.Run(c.method+" "+c.name+" with header "+strconv.Quote(c.header)+" is refused", func(t *testing.T) {
			req, _ := http.NewRequest(c.method, s.url+"/_local/webhook-sinks/"+c.name, strings.NewReader(`{"failFirst":5}`))
			if c.header != "" {
				req.Header.Set(controlHeader, c.header)
			}
			if resp, body := s.do(req); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("%d %s, want 403", resp.StatusCode, body)
			}
		})
	}
	v := s.show("kept")
	if v.FailFirst != 0 || !v.HasSecret {
		t.Errorf("the refused requests changed the sink: %+v", v)
	}
	s.mustDeliver("new", signed(t, secret, "msg_1", webhookPayload), http.StatusNotFound)
	// A delivery needs no header: the webhook sender does not send one.
	s.mustDeliver("kept", signed(t, secret, "msg_1", webhookPayload), http.StatusOK)
}

func TestWebhookSinksAreListedWithoutTheirSecrets(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "zeta", `{"secret":"`+secret+`","failFirst":3,"delayMs":10}`, http.StatusCreated)
	s.mustControl(http.MethodPut, "alpha", "", http.StatusCreated)
	s.mustDeliver("zeta", signed(t, secret, "msg_1", webhookPayload), http.StatusServiceUnavailable)

	req, _ := http.NewRequest(http.MethodGet, s.url+"/_local/webhook-sinks", nil)
	resp, body := s.do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	var list struct{ Sinks []sinkView }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Sinks) != 2 || list.Sinks[0].Name != "alpha" || list.Sinks[1].Name != "zeta" {
		t.Fatalf("sinks %+v, want alpha then zeta", list.Sinks)
	}
	alpha, zeta := list.Sinks[0], list.Sinks[1]
	if alpha.HasSecret || alpha.Status != 200 || alpha.URL != s.url+"/_local/webhook-sink/alpha" {
		t.Errorf("alpha %+v", alpha)
	}
	if !zeta.HasSecret || zeta.FailFirst != 3 || zeta.FailFirstAnswered != 1 || zeta.DelayMs != 10 || zeta.Counts.Received != 1 || zeta.Deliveries != nil {
		t.Errorf("zeta %+v", zeta)
	}

	_, put := s.control(http.MethodPatch, "zeta", `{"status":202}`)
	_, shown := s.do(mustRequest(http.MethodGet, s.url+"/_local/webhook-sink/zeta"))
	key := strings.TrimPrefix(secret, "whsec_")
	for what, text := range map[string]string{"the list": body, "PATCH's answer": put, "the sink": shown} {
		if strings.Contains(text, key) {
			t.Errorf("%s shows the secret: %s", what, text)
		}
	}
}

// The README's walk: the sink comes first (the endpoint needs its URL), the endpoint's
// secret afterwards (the API hands it out when the endpoint is created).
func TestASinkWithoutASecretRecordsEverythingUntilItGetsOne(t *testing.T) {
	s := newSinkServer(t)
	s.mustControl(http.MethodPut, "demo", "", http.StatusCreated)
	secret := newWebhookSecret(t) // what POST /v1/webhook-endpoints answers

	s.mustDeliver("demo", signed(t, secret, "msg_early", webhookPayload), http.StatusOK)
	s.mustControl(http.MethodPatch, "demo", `{"secret":"`+secret+`"}`, http.StatusOK)
	s.mustDeliver("demo", signed(t, secret, "msg_test", webhookPayload), http.StatusOK)

	v := s.show("demo")
	early, test := (*v.Deliveries)[0], (*v.Deliveries)[1]
	if early.SignatureValid || early.VerifyError != "no secret registered" || early.AnsweredStatus != http.StatusOK {
		t.Errorf("before the secret: %+v", early)
	}
	if !test.SignatureValid || test.VerifyError != "" || !v.HasSecret {
		t.Errorf("after the secret: %+v", test)
	}
	if v.Counts != (sinkCounts{Received: 2, Valid: 1, Invalid: 1, Kept: 2, DistinctWebhookIDs: 2}) {
		t.Errorf("counts %+v", v.Counts)
	}

	// PUT with the secret alone does the same (it replaces every setting, and keeps what
	// was received).
	s.mustControl(http.MethodPut, "demo", `{"secret":"`+secret+`"}`, http.StatusOK)
	if v := s.show("demo"); !v.HasSecret || v.Counts.Kept != 2 {
		t.Errorf("after PUT: %+v", v)
	}
}

func TestBadWebhookSinkSettingsAreRefused(t *testing.T) {
	s := newSinkServer(t)
	for _, c := range []struct{ why, name, settings string }{
		{"a name over 64 characters", strings.Repeat("a", 65), ""},
		{"a name with a dot", "a.b", ""},
		{"a secret without whsec_", "x", `{"secret":"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}`},
		{"a secret that is not base64", "x", `{"secret":"whsec_not base64"}`},
		{"a negative failFirst", "x", `{"failFirst":-1}`},
		{"a status under 200", "x", `{"status":101}`},
		{"a status over 599", "x", `{"status":600}`},
		{"a delay over 5 minutes", "x", `{"delayMs":300001}`},
		{"a redirect that is not http", "x", `{"redirectTo":"ftp://example.com/"}`},
		{"a relative redirect", "x", `{"redirectTo":"elsewhere"}`},
		{"a field in another case", "x", `{"failfirst":2}`},
		{"an unknown field", "x", `{"failFirst":2,"fail":1}`},
		{"a JSON value that is not an object", "x", `[1]`},
		{"a body that is not JSON", "x", `failFirst=2`},
	} {
		t.Run(c.why+" is refused", func(t *testing.T) {
			s.mustControl(http.MethodPut, c.name, c.settings, http.StatusBadRequest)
		})
	}
	_, body := s.do(mustRequest(http.MethodGet, s.url+"/_local/webhook-sinks"))
	if body != "{\"sinks\":[]}\n" {
		t.Errorf("registered anyway: %s", body)
	}
}

// deliverDirect serves one delivery without the network, for the tests that send many.
func (s *sinkServer) deliverDirect(name string, d delivery) int {
	req := httptest.NewRequest(http.MethodPost, "/_local/webhook-sink/"+name, strings.NewReader(d.body))
	req.Header.Set("webhook-id", d.id)
	req.Header.Set("webhook-timestamp", d.timestamp)
	req.Header.Set("webhook-signature", d.signature)
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	return rec.Code
}

func TestAWebhookSinkKeepsBoundedMemory(t *testing.T) {
	t.Run("the last 1000 deliveries are kept, the counts cover them all", func(t *testing.T) {
		s := newSinkServer(t)
		secret := newWebhookSecret(t)
		s.mustControl(http.MethodPut, "busy", `{"secret":"`+secret+`"}`, http.StatusCreated)
		for i := 1; i <= 1005; i++ {
			if code := s.deliverDirect("busy", signed(t, secret, fmt.Sprintf("msg_%d", i), `{"type":"t"}`)); code != 200 {
				t.Fatalf("delivery %d: %d", i, code)
			}
		}
		v := s.show("busy")
		list := *v.Deliveries
		if len(list) != 1000 || list[0].Seq != 6 || list[0].WebhookID != "msg_6" || list[999].WebhookID != "msg_1005" {
			t.Fatalf("kept %d, from %+v to %+v", len(list), list[0], list[len(list)-1])
		}
		if v.Counts != (sinkCounts{Received: 1005, Valid: 1005, Kept: 1000, DistinctWebhookIDs: 1000}) {
			t.Errorf("counts %+v", v.Counts)
		}
	})

	t.Run("large bodies are cut to 64 KB but verified whole, and fewer of them are kept", func(t *testing.T) {
		s := newSinkServer(t)
		secret := newWebhookSecret(t)
		s.mustControl(http.MethodPut, "big", `{"secret":"`+secret+`"}`, http.StatusCreated)
		body := `{"type":"big","data":"` + strings.Repeat("é", 40<<10) + `"}` // 80 KB, two bytes a character
		for i := 0; i < 135; i++ {
			if code := s.deliverDirect("big", signed(t, secret, "msg_big", body)); code != 200 {
				t.Fatalf("delivery %d: %d", i, code)
			}
		}
		v := s.show("big")
		got := (*v.Deliveries)[0]
		if !got.SignatureValid || !got.BodyTruncated || got.BodyBytes != len(body) || len(got.Body) > 64<<10 || len(got.Body) < 64<<10-1 {
			t.Errorf("recorded bodyBytes %d, kept %d, truncated %v, valid %v", got.BodyBytes, len(got.Body), got.BodyTruncated, got.SignatureValid)
		}
		if v.Counts.Kept*len(got.Body) > maxSinkKeptBodyBytes || v.Counts.Kept < 100 || v.Counts.Kept == v.Counts.Received || v.Counts.Received != 135 {
			t.Errorf("kept %d bodies of %d bytes: over the %d bytes budget or too few", v.Counts.Kept, len(got.Body), maxSinkKeptBodyBytes)
		}
	})

	t.Run("a body over 1 MB is answered 413 and not verified", func(t *testing.T) {
		s := newSinkServer(t)
		secret := newWebhookSecret(t)
		s.mustControl(http.MethodPut, "big", `{"secret":"`+secret+`"}`, http.StatusCreated)
		if code := s.deliverDirect("big", signed(t, secret, "msg_huge", strings.Repeat("x", 1<<20+1))); code != http.StatusRequestEntityTooLarge {
			t.Fatalf("answered %d", code)
		}
		if got := (*s.show("big").Deliveries)[0]; got.SignatureValid || !strings.Contains(got.VerifyError, "not verified") {
			t.Errorf("recorded %+v", got)
		}
	})
}

func TestConcurrentDeliveriesToASinkAreAllRecorded(t *testing.T) {
	s := newSinkServer(t)
	secret := newWebhookSecret(t)
	s.mustControl(http.MethodPut, "shared", `{"secret":"`+secret+`"}`, http.StatusCreated)

	const senders, each = 8, 25
	var wg sync.WaitGroup
	for g := 0; g < senders; g++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				if code := s.deliverDirect("shared", signed(t, secret, fmt.Sprintf("msg_%d_%d", g, i), webhookPayload)); code != 200 {
					t.Errorf("delivery: %d", code)
				}
			}
		})
	}
	wg.Go(func() { // a reader and a change of settings while deliveries land
		for i := 0; i < 20; i++ {
			read := httptest.NewRecorder()
			s.mux.ServeHTTP(read, httptest.NewRequest(http.MethodGet, "/_local/webhook-sink/shared", nil))
			patch := httptest.NewRequest(http.MethodPatch, "/_local/webhook-sinks/shared", strings.NewReader(`{"delayMs":0}`))
			patch.Header.Set(controlHeader, "1")
			changed := httptest.NewRecorder()
			s.mux.ServeHTTP(changed, patch)
			if read.Code != http.StatusOK || changed.Code != http.StatusOK {
				t.Errorf("GET %d, PATCH %d", read.Code, changed.Code)
			}
		}
	})
	wg.Wait()

	v := s.show("shared")
	if v.Counts != (sinkCounts{Received: senders * each, Valid: senders * each, Kept: senders * each, DistinctWebhookIDs: senders * each}) {
		t.Errorf("counts %+v", v.Counts)
	}
	for i, d := range *v.Deliveries {
		if d.Seq != i+1 {
			t.Fatalf("delivery %d has seq %d: not newest last", i, d.Seq)
		}
	}
}
