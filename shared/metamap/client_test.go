package metamap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClientID     = "client-id"
	testClientSecret = "client-secret"
)

// fakeMetaMap issues tokens at /oauth to testClientID:testClientSecret and refuses, with a
// 401, any other request without a token it issued and has not revoked.
type fakeMetaMap struct {
	srv        *httptest.Server
	expiresIn  string        // JSON of expiresIn; "3600" by default
	oauthGate  chan struct{} // when set, /oauth waits for it to close
	oauthFails int32         // how many token requests answer 502 first
	oauthCalls atomic.Int32
	apiCalls   atomic.Int32
	handle     func(w http.ResponseWriter, r *http.Request, body []byte)

	mu    sync.Mutex
	valid map[string]bool
}

func newFakeMetaMap(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, body []byte)) *fakeMetaMap {
	t.Helper()
	f := &fakeMetaMap{expiresIn: "3600", handle: handle, valid: map[string]bool{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMetaMap) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Path == "/oauth" {
		n := f.oauthCalls.Add(1)
		if f.oauthGate != nil {
			<-f.oauthGate
		}
		if n <= f.oauthFails {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || id != testClientID || secret != testClientSecret || r.Method != http.MethodPost ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || string(body) != "grant_type=client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"code":401,"message":"bad client credentials"}`)
			return
		}
		tok := fmt.Sprintf("tok-%d", n)
		f.mu.Lock()
		f.valid[tok] = true
		f.mu.Unlock()
		fmt.Fprintf(w, `{"access_token":%q,"expiresIn":%s,"payload":{"user":{"_id":"u"}}}`, tok, f.expiresIn)
		return
	}
	f.apiCalls.Add(1)
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	ok := f.valid[tok]
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":401,"message":"Unauthorized"}`)
		return
	}
	f.handle(w, r, body)
}

func (f *fakeMetaMap) revokeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.valid)
}

func (f *fakeMetaMap) client(t *testing.T, cfg Config) *Client {
	t.Helper()
	cfg.BaseURL, cfg.ClientID, cfg.ClientSecret = f.srv.URL, testClientID, testClientSecret
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.backoff = time.Millisecond
	return c
}

func fullFixture(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir(t), "verification-retrieve_full_verification.json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func serveBody(body []byte) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) { w.Write(body) }
}

const startAnswer = `{"documents":[],"expired":false,"flow":{"id":"f1","name":"default"},"identity":"65f3a1d2c8a4f100123abc45","metadata":{"userId":"u1"},"steps":[],"id":"65f3a1d2c8a4f100123abc99"}`

func TestStartVerificationPostsTheFlowAndMetadata(t *testing.T) {
	var got struct {
		method, path, contentType string
		body                      map[string]any
	}
	f := newFakeMetaMap(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		got.method, got.path, got.contentType = r.Method, r.URL.Path, r.Header.Get("Content-Type")
		json.Unmarshal(body, &got.body)
		io.WriteString(w, startAnswer)
	})
	v, err := f.client(t, Config{}).StartVerification(t.Context(), "f1", map[string]string{"userId": "u1"})
	if err != nil {
		t.Fatal(err)
	}
	if got.method != http.MethodPost || got.path != "/v2/verifications" || got.contentType != "application/json" {
		t.Fatalf("request %+v", got)
	}
	if want := `map[flowId:f1 metadata:map[userId:u1]]`; fmt.Sprint(got.body) != want {
		t.Fatalf("body %v, want %s", got.body, want)
	}
	if v.ID != "65f3a1d2c8a4f100123abc99" || v.IdentityID != "65f3a1d2c8a4f100123abc45" || v.Status != StatusPending {
		t.Fatalf("got %+v", v)
	}
}

func TestGetVerificationReadsTheVerification(t *testing.T) {
	var path string
	body := fullFixture(t)
	f := newFakeMetaMap(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		path = r.Method + " " + r.URL.Path
		w.Write(body)
	})
	v, err := f.client(t, Config{}).GetVerification(t.Context(), "5d9fb1f5bfbfac001a349bfb")
	if err != nil {
		t.Fatal(err)
	}
	if path != "GET /v2/verifications/5d9fb1f5bfbfac001a349bfb" || v.Status != StatusVerified || v.Identity != fixtureIdentity {
		t.Fatalf("%s gave %+v", path, v)
	}
}

func TestTheTokenIsFetchedOnceAndReused(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	c := f.client(t, Config{})
	for range 3 {
		if _, err := c.GetVerification(t.Context(), "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.oauthCalls.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestTheTokenIsRenewedShortlyBeforeItExpires(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn string
		at        time.Duration // after the first call
		wantFetch bool
	}{
		{"an hour's token is reused 61 s before its expiry", "3600", 3600*time.Second - 61*time.Second, false},
		{"an hour's token is renewed 59 s before its expiry", "3600", 3600*time.Second - 59*time.Second, true},
		{"a minute's token is reused at 29 s", "60", 29 * time.Second, false},
		{"a minute's token is renewed at half its life", "60", 30 * time.Second, true},
		{"a token of unknown lifetime is used once", "null", 0, true},
		{"a lifetime given as a string is read", `"3600"`, time.Hour - 2*time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
			f.expiresIn = tt.expiresIn
			c := f.client(t, Config{})
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			var clock atomic.Int64
			clock.Store(start.UnixNano())
			c.now = func() time.Time { return time.Unix(0, clock.Load()) }
			if _, err := c.GetVerification(t.Context(), "v1"); err != nil {
				t.Fatal(err)
			}
			clock.Store(start.Add(tt.at).UnixNano())
			if _, err := c.GetVerification(t.Context(), "v1"); err != nil {
				t.Fatal(err)
			}
			if fetched := f.oauthCalls.Load() == 2; fetched != tt.wantFetch {
				t.Fatalf("%d token requests", f.oauthCalls.Load())
			}
		})
	}
}

func TestConcurrentCallersShareOneTokenFetch(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	f.oauthGate = make(chan struct{})
	c := f.client(t, Config{})
	const callers = 20
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := c.GetVerification(t.Context(), "v1")
			errs <- err
		}()
	}
	waitFor(t, func() bool { return f.oauthCalls.Load() >= 1 })
	time.Sleep(20 * time.Millisecond) // let the other callers reach the token
	close(f.oauthGate)
	for range callers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := f.oauthCalls.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestACallerThatGivesUpDoesNotFailTheOthersWaitingForTheToken(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	f.oauthGate = make(chan struct{})
	c := f.client(t, Config{})
	ctx, cancel := context.WithCancel(t.Context())
	impatient := make(chan error, 1)
	go func() {
		_, err := c.GetVerification(ctx, "v1")
		impatient <- err
	}()
	waitFor(t, func() bool { return f.oauthCalls.Load() == 1 })
	patient := make(chan error, 1)
	go func() {
		_, err := c.GetVerification(t.Context(), "v1")
		patient <- err
	}()
	cancel()
	if err := <-impatient; !errors.Is(err, context.Canceled) {
		t.Fatalf("the impatient caller got %v", err)
	}
	close(f.oauthGate)
	if err := <-patient; err != nil {
		t.Fatalf("the patient caller got %v", err)
	}
	if n := f.oauthCalls.Load(); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}

func TestARefusedTokenIsRenewedOnce(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	c := f.client(t, Config{})
	if _, err := c.GetVerification(t.Context(), "v1"); err != nil {
		t.Fatal(err)
	}
	f.revokeAll() // MetaMap no longer takes the cached token
	if _, err := c.GetVerification(t.Context(), "v1"); err != nil {
		t.Fatal(err)
	}
	if f.oauthCalls.Load() != 2 || f.apiCalls.Load() != 3 {
		t.Fatalf("%d token requests and %d calls, want 2 and 3", f.oauthCalls.Load(), f.apiCalls.Load())
	}
}

func TestA401AfterRenewalIsReturnedWithoutLooping(t *testing.T) {
	f := newFakeMetaMap(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"code":401,"message":"flow not allowed"}`)
	})
	_, err := f.client(t, Config{}).GetVerification(t.Context(), "v1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.Message != "flow not allowed" {
		t.Fatalf("err = %v", err)
	}
	if f.oauthCalls.Load() != 2 || f.apiCalls.Load() != 2 {
		t.Fatalf("%d token requests and %d calls, want 2 and 2", f.oauthCalls.Load(), f.apiCalls.Load())
	}
}

func TestStartVerificationIsSentAgainOnlyAfterA401(t *testing.T) {
	var posts atomic.Int32
	f := newFakeMetaMap(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		posts.Add(1)
		io.WriteString(w, startAnswer)
	})
	c := f.client(t, Config{})
	if _, err := c.StartVerification(t.Context(), "f1", nil); err != nil {
		t.Fatal(err)
	}
	f.revokeAll()
	if _, err := c.StartVerification(t.Context(), "f1", nil); err != nil {
		t.Fatal(err)
	}
	if posts.Load() != 2 || f.apiCalls.Load() != 3 {
		t.Fatalf("%d verifications started in %d calls, want 2 in 3", posts.Load(), f.apiCalls.Load())
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name         string
		call         func(context.Context, *Client) error
		statuses     []int
		wantAttempts int32
		wantStatus   int
	}{
		{"a read is retried after 503s", getV1, []int{503, 503, 200}, 3, 0},
		{"a read is retried after a 429", getV1, []int{429, 200}, 2, 0},
		{"a read gives up after two retries", getV1, []int{500}, 3, 500},
		{"a read is not retried after a 404", getV1, []int{404, 200}, 1, 404},
		{"starting a verification is not retried after a 503", startF1, []int{503, 200}, 1, 503},
		{"starting a verification is not retried after a 429", startF1, []int{429, 200}, 1, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			f := newFakeMetaMap(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				i := int(n.Add(1)) - 1
				status := tt.statuses[min(i, len(tt.statuses)-1)]
				if status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "0")
				}
				w.WriteHeader(status)
				if status == http.StatusOK {
					io.WriteString(w, startAnswer)
				}
			})
			err := tt.call(t.Context(), f.client(t, Config{}))
			if n.Load() != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d", n.Load(), tt.wantAttempts)
			}
			var apiErr *APIError
			switch {
			case tt.wantStatus == 0 && err != nil:
				t.Fatal(err)
			case tt.wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus):
				t.Fatalf("err = %v, want HTTP %d", err, tt.wantStatus)
			}
		})
	}
}

func getV1(ctx context.Context, c *Client) error {
	_, err := c.GetVerification(ctx, "v1")
	return err
}

func startF1(ctx context.Context, c *Client) error {
	_, err := c.StartVerification(ctx, "f1", nil)
	return err
}

func TestTheTokenRequestIsRetriedAfterA5xx(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	f.oauthFails = 1
	if err := getV1(t.Context(), f.client(t, Config{})); err != nil || f.oauthCalls.Load() != 2 {
		t.Fatalf("err %v after %d token requests", err, f.oauthCalls.Load())
	}
}

func TestBadCredentialsFailWithoutLooping(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	c, err := NewClient(Config{BaseURL: f.srv.URL, ClientID: testClientID, ClientSecret: "wrong"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetVerification(t.Context(), "v1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || f.oauthCalls.Load() != 1 || f.apiCalls.Load() != 0 {
		t.Fatalf("err = %v after %d token requests", err, f.oauthCalls.Load())
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), testClientID) {
		t.Fatalf("the error shows the credentials: %v", err)
	}
}

func TestATokenAnswerWithoutATokenFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `{"expiresIn":3600}`)
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{BaseURL: srv.URL, ClientID: "i", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetVerification(t.Context(), "v1"); err == nil || !strings.Contains(err.Error(), "no access_token") {
		t.Fatalf("err = %v", err)
	}
}

func TestEachAttemptTimesOutAndIsRetried(t *testing.T) {
	f := newFakeMetaMap(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select { // answer only after the client has given up on the attempt
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, startAnswer)
	})
	start := time.Now()
	_, err := f.client(t, Config{Timeout: 30 * time.Millisecond, MaxRetries: 1}).GetVerification(t.Context(), "v1")
	if !errors.Is(err, context.DeadlineExceeded) || f.apiCalls.Load() != 2 || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %d attempts and %v", err, f.apiCalls.Load(), time.Since(start))
	}
}

func TestAPIErrorKeepsOnlyTheCodeAndMessage(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError
	}{
		{"a code and a message", 400, `{"code":"validation.flowId","message":"bad flow","firstName":"John"}`, APIError{Status: 400, Code: "validation.flowId", Message: "bad flow"}},
		{"a numeric code", 404, `{"code":404,"message":"Verification not found"}`, APIError{Status: 404, Code: "404", Message: "Verification not found"}},
		{"an error string", 400, `{"error":"invalid_request"}`, APIError{Status: 400, Message: "invalid_request"}},
		{"a page that is not JSON", 502, `<html>John 1980-01-01</html>`, APIError{Status: 502}},
		{"a long message is cut", 400, `{"message":"` + strings.Repeat("m", 500) + `"}`, APIError{Status: 400, Message: strings.Repeat("m", maxMessage) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMetaMap(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := f.client(t, Config{MaxRetries: -1}).GetVerification(t.Context(), "v1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) || *apiErr != tt.want {
				t.Fatalf("err = %#v, want %+v", err, tt.want)
			}
			if strings.Contains(err.Error(), "John") {
				t.Fatalf("the error shows the body: %v", err)
			}
		})
	}
}

func TestAResponseOverOneMegabyteIsRefused(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(`{"id":"v1","x":"`+strings.Repeat("x", MaxResponseBody)+`"}`)))
	if _, err := f.client(t, Config{}).GetVerification(t.Context(), "v1"); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestTheDefaultHTTPClientFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	f := newFakeMetaMap(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Location", other.URL)
		w.WriteHeader(http.StatusTemporaryRedirect)
	})
	_, err := f.client(t, Config{}).GetVerification(t.Context(), "v1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusTemporaryRedirect || elsewhere.Load() != 0 {
		t.Fatalf("err = %v, requests elsewhere %d", err, elsewhere.Load())
	}
}

func TestCallsCheckTheirArgumentsBeforeSending(t *testing.T) {
	f := newFakeMetaMap(t, serveBody([]byte(startAnswer)))
	c := f.client(t, Config{})
	tests := []struct {
		name string
		call func() error
	}{
		{"GetVerification without an id", func() error { _, err := c.GetVerification(t.Context(), ""); return err }},
		{"GetVerification of a path", func() error { _, err := c.GetVerification(t.Context(), "../identities/x"); return err }},
		{"GetVerification of an id with a query", func() error { _, err := c.GetVerification(t.Context(), "v1?x=1"); return err }},
		{"StartVerification without a flow", func() error { _, err := c.StartVerification(t.Context(), "", nil); return err }},
		{"StartVerification of a flow with a slash", func() error { _, err := c.StartVerification(t.Context(), "f/1", nil); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if f.oauthCalls.Load() != 0 || f.apiCalls.Load() != 0 {
		t.Fatal("a request was sent")
	}
}

func TestNewClientRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no client id", Config{ClientSecret: "s"}},
		{"no client secret", Config{ClientID: "i"}},
		{"a base URL without a scheme", Config{BaseURL: "api.getmati.com", ClientID: "i", ClientSecret: "s"}},
		{"a base URL with a query", Config{BaseURL: "https://api.getmati.com?x=1", ClientID: "i", ClientSecret: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewClient(tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient(Config{ClientID: "i", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != DefaultBaseURL || c.timeout != DefaultTimeout || c.maxRetries != DefaultMaxRetries {
		t.Fatalf("base %q, timeout %v, retries %d", c.base, c.timeout, c.maxRetries)
	}
}
