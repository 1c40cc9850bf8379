package vendorsandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests sign requests and check webhook signatures with their own code, written from
// the vendors' documentation, not with the package's: a shared mistake would pass.

const (
	testAppToken        = "sbx:test-app-token"
	testSecretKey       = "test-secret-key"
	testSumsubWHSecret  = "test-sumsub-webhook-secret"
	testMMClientID      = "64b0c0ffee0000000000beef"
	testMMClientSecret  = "test-metamap-client-secret"
	testMetaMapWHSecret = "test-metamap-webhook-secret"
)

// clock is a settable time source shared by the sandbox and the test's clients.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2025, 8, 22, 2, 22, 35, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logs collects the sandbox's log lines.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// delivery as the receiver saw it.
type receivedWebhook struct {
	header http.Header
	body   []byte
	err    error // nil when the signature verified
}

// receiver is a webhook endpoint: it checks each delivery's signature, fails the first
// failFirst attempts with 503, and keeps the accepted deliveries in arrival order.
type receiver struct {
	t         *testing.T
	srv       *httptest.Server
	verify    func(http.Header, []byte) error
	failFirst int

	mu       sync.Mutex
	attempts []receivedWebhook
	accepted []receivedWebhook
	changed  chan struct{}
}

func newReceiver(t *testing.T, verify func(http.Header, []byte) error, failFirst int) *receiver {
	t.Helper()
	rc := &receiver{t: t, verify: verify, failFirst: failFirst, changed: make(chan struct{}, 1)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got := receivedWebhook{header: r.Header.Clone(), body: body, err: rc.verify(r.Header, body)}
		rc.mu.Lock()
		rc.attempts = append(rc.attempts, got)
		fail := len(rc.attempts) <= rc.failFirst
		if !fail {
			rc.accepted = append(rc.accepted, got)
		}
		rc.mu.Unlock()
		select {
		case rc.changed <- struct{}{}:
		default:
		}
		if fail {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait returns the first n accepted deliveries, failing the test if they do not come.
func (rc *receiver) wait(n int) []receivedWebhook {
	rc.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rc.mu.Lock()
		if len(rc.accepted) >= n {
			got := append([]receivedWebhook(nil), rc.accepted[:n]...)
			rc.mu.Unlock()
			return got
		}
		have := len(rc.accepted)
		rc.mu.Unlock()
		select {
		case <-rc.changed:
		case <-deadline:
			rc.t.Fatalf("receiver got %d deliveries, want %d", have, n)
		}
	}
}

func (rc *receiver) allAttempts() []receivedWebhook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedWebhook(nil), rc.attempts...)
}

func (rc *receiver) allAccepted() []receivedWebhook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedWebhook(nil), rc.accepted...)
}

// verifySumsub checks X-Payload-Digest as Sumsub documents it: lowercase hex HMAC of
// the raw body with the webhook secret, the hash named by X-Payload-Digest-Alg.
func verifySumsub(secret string) func(http.Header, []byte) error {
	return func(h http.Header, body []byte) error {
		var newHash func() hash.Hash
		switch h.Get("X-Payload-Digest-Alg") {
		case "HMAC_SHA1_HEX":
			newHash = sha1.New
		case "HMAC_SHA256_HEX":
			newHash = sha256.New
		case "HMAC_SHA512_HEX":
			newHash = sha512.New
		default:
			return fmt.Errorf("unknown X-Payload-Digest-Alg %q", h.Get("X-Payload-Digest-Alg"))
		}
		if h.Get("Content-Type") != "application/json" {
			return fmt.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		m := hmac.New(newHash, []byte(secret))
		m.Write(body)
		if got, want := h.Get("X-Payload-Digest"), hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(got), []byte(want)) {
			return fmt.Errorf("X-Payload-Digest %q, want %q", got, want)
		}
		return nil
	}
}

// verifyMetaMap checks x-signature: hex HMAC-SHA256 of the body with the webhook secret.
func verifyMetaMap(secret string) func(http.Header, []byte) error {
	return func(h http.Header, body []byte) error {
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		if got, want := h.Get("X-Signature"), hex.EncodeToString(m.Sum(nil)); !hmac.Equal([]byte(got), []byte(want)) {
			return fmt.Errorf("x-signature %q, want %q", got, want)
		}
		return nil
	}
}

type fixture struct {
	clock    *clock
	logs     *logs
	sandbox  *Sandbox
	sumsub   *httptest.Server
	metamap  *httptest.Server
	ssHooks  *receiver
	mmHooks  *receiver
	ssClient *sumsubClient
}

type fixtureOptions struct {
	digestAlg   string
	failFirst   int // for both receivers
	retryDelays []time.Duration
}

// newFixture starts a sandbox behind httptest servers with receivers for both vendors'
// webhooks, and closes it all when the test ends.
func newFixture(t *testing.T, opts fixtureOptions) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), logs: &logs{}}
	f.ssHooks = newReceiver(t, verifySumsub(testSumsubWHSecret), opts.failFirst)
	f.mmHooks = newReceiver(t, verifyMetaMap(testMetaMapWHSecret), opts.failFirst)
	delays := opts.retryDelays
	if delays == nil {
		delays = []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}
	}
	// The MetaMap server is started first so that its URL can be the webhook resource base.
	mmMux := http.NewServeMux()
	f.metamap = httptest.NewServer(mmMux)
	f.sandbox = New(Config{
		Sumsub: SumsubConfig{
			AppToken: testAppToken, SecretKey: testSecretKey, WebhookSecret: testSumsubWHSecret,
			WebhookURL: f.ssHooks.srv.URL + "/webhooks/sumsub", DigestAlg: opts.digestAlg,
		},
		MetaMap: MetaMapConfig{
			ClientID: testMMClientID, ClientSecret: testMMClientSecret, WebhookSecret: testMetaMapWHSecret,
			WebhookURL: f.mmHooks.srv.URL + "/webhooks/metamap", BaseURL: f.metamap.URL,
		},
		Now:         f.clock.Now,
		Logf:        f.logs.Logf,
		RetryDelays: delays,
	})
	mmMux.Handle("/", f.sandbox.MetaMapHandler())
	f.sumsub = httptest.NewServer(f.sandbox.SumsubHandler())
	f.ssClient = &sumsubClient{t: t, base: f.sumsub.URL, token: testAppToken, secret: testSecretKey, now: f.clock.Now}
	t.Cleanup(func() {
		f.sumsub.Close()
		f.metamap.Close()
		f.sandbox.Close()
	})
	return f
}

// sumsubClient signs requests as Sumsub documents: X-App-Access-Sig is the hex
// HMAC-SHA256 of ts + METHOD + path with query + body.
type sumsubClient struct {
	t             *testing.T
	base, prefix  string // prefix: signed in front of the path, when mounted under one
	token, secret string
	now           func() time.Time
}

func (c *sumsubClient) sign(ts, method, uri string, body []byte) string {
	m := hmac.New(sha256.New, []byte(c.secret))
	m.Write([]byte(ts + method + uri))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (c *sumsubClient) request(method, uri string, body any) *http.Request {
	c.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, c.base+c.prefix+uri, bytes.NewReader(raw))
	if err != nil {
		c.t.Fatal(err)
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-App-Token", c.token)
	req.Header.Set("X-App-Access-Ts", ts)
	req.Header.Set("X-App-Access-Sig", c.sign(ts, method, c.prefix+uri, raw))
	return req
}

// do sends a signed request and decodes the JSON answer into out (when not nil). Like
// send, it reports failures with Errorf, so goroutines of a test may call it.
func (c *sumsubClient) do(method, uri string, body, out any) int {
	c.t.Helper()
	return send(c.t, c.request(method, uri, body), out)
}

func send(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", req.Method, req.URL.Path, err)
		return 0
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", req.Method, req.URL.Path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Errorf("%s %s: answer %s: %v", req.Method, req.URL.Path, raw, err)
		}
	}
	return resp.StatusCode
}

// createApplicant creates an applicant and returns its id, or "" after reporting why not.
func (f *fixture) createApplicant(t *testing.T, ext, kind string, fixedInfo map[string]any) string {
	t.Helper()
	body := map[string]any{"externalUserId": ext, "type": kind}
	if fixedInfo != nil {
		body["fixedInfo"] = fixedInfo
	}
	var got map[string]any
	if status := f.ssClient.do("POST", "/resources/applicants?levelName=basic-kyc-level", body, &got); status != http.StatusCreated {
		t.Errorf("create applicant %s: status %d, answer %v", ext, status, got)
		return ""
	}
	id, _ := got["id"].(string)
	return id
}

// hook decodes a webhook body, failing the test if its signature did not verify.
func hook(t *testing.T, w receivedWebhook) map[string]any {
	t.Helper()
	if w.err != nil {
		t.Errorf("webhook %s: %v", w.body, w.err)
	}
	var m map[string]any
	if err := json.Unmarshal(w.body, &m); err != nil {
		t.Fatalf("webhook body %s: %v", w.body, err)
	}
	return m
}

// hooksOf is the decoded accepted deliveries whose applicantId (Sumsub) is id.
func hooksOf(t *testing.T, all []receivedWebhook, id string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, w := range all {
		if m := hook(t, w); m["applicantId"] == id {
			out = append(out, m)
		}
	}
	return out
}

func types(hooks []map[string]any) string {
	var s []string
	for _, h := range hooks {
		s = append(s, fmt.Sprint(h["type"]))
	}
	return strings.Join(s, ",")
}

func is24Hex(s string) bool {
	if len(s) != 24 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
