package sumsub

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testAppToken = "sbx:test-app-token"
	testSecret   = "test-app-secret"
)

// request is what the fake Sumsub saw, after checking the signature.
type request struct {
	Method, URI string
	Body        string
}

// recorder keeps the signed requests the fake received; handlers run concurrently.
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) add(req request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
}

func (r *recorder) all() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// fakeSumsub is an httptest server that refuses, as Sumsub does, any request not signed
// with testSecret, records the signed ones and answers them with respond.
func fakeSumsub(t *testing.T, respond func(w http.ResponseWriter, r request)) (*httptest.Server, *recorder) {
	t.Helper()
	seen := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get(HeaderAccessTS)
		err := VerifyRequest([]byte(testSecret), ts, r.Method, r.URL.RequestURI(), body, r.Header.Get(HeaderAccessSig))
		if err == nil {
			err = CheckRequestTime(ts, time.Now())
		}
		if err != nil || r.Header.Get(HeaderAppToken) != testAppToken || r.Header.Get("Accept") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"description":"Request signature mismatch","code":401,"errorCode":4003,"errorName":"app-token-signature-mismatch"}`)
			return
		}
		if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		req := request{Method: r.Method, URI: r.URL.RequestURI(), Body: string(body)}
		seen.add(req)
		respond(w, req)
	}))
	t.Cleanup(srv.Close)
	return srv, seen
}

func newTestClient(t *testing.T, baseURL string, cfg Config) *Client {
	t.Helper()
	cfg.BaseURL, cfg.AppToken, cfg.SecretKey = baseURL, testAppToken, []byte(testSecret)
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.backoff = time.Millisecond
	return c
}

const applicantJSON = `{"id":"68a7d46b8a6f58bf219053c6","externalUserId":"28","type":"individual","info":{"firstName":"John","lastName":"Mock-Doe"},"review":{"reviewStatus":"init"}}`

func answer(status int, body string) func(http.ResponseWriter, request) {
	return func(w http.ResponseWriter, _ request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func TestClientSignsEachCallAndSendsWhatSumsubExpects(t *testing.T) {
	tests := []struct {
		name     string
		call     func(context.Context, *Client) error
		reply    string
		wantReq  request
		wantJSON bool
	}{
		{
			name: "CreateApplicant posts the external user id and type with the level in the query",
			call: func(ctx context.Context, c *Client) error {
				a, err := c.CreateApplicant(ctx, "28", ApplicantIndividual, "basic kyc&level")
				if err == nil && a.ID != "68a7d46b8a6f58bf219053c6" {
					err = errors.New("wrong applicant " + a.ID)
				}
				return err
			},
			reply:    applicantJSON,
			wantReq:  request{"POST", "/resources/applicants?levelName=basic+kyc%26level", `{"externalUserId":"28","type":"individual"}`},
			wantJSON: true,
		},
		{
			name: "GetApplicant gets the applicant's one resource",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetApplicant(ctx, "68a7d46b8a6f58bf219053c6")
				return err
			},
			reply:   applicantJSON,
			wantReq: request{"GET", "/resources/applicants/68a7d46b8a6f58bf219053c6/one", ""},
		},
		{
			name: "GetApplicantByExternalUserID escapes the id inside the path",
			call: func(ctx context.Context, c *Client) error {
				_, err := c.GetApplicantByExternalUserID(ctx, "user/1;x")
				return err
			},
			reply:   applicantJSON,
			wantReq: request{"GET", "/resources/applicants/-;externalUserId=user%2F1%3Bx/one", ""},
		},
		{
			name: "AccessToken posts userId, levelName and ttlInSecs",
			call: func(ctx context.Context, c *Client) error {
				tok, err := c.AccessToken(ctx, "28", "basic-kyc-level", 10*time.Minute+500*time.Millisecond)
				if err == nil && tok != "_act-123" {
					err = errors.New("wrong token " + tok)
				}
				return err
			},
			reply:    `{"token":"_act-123","userId":"28"}`,
			wantReq:  request{"POST", "/resources/accessTokens/sdk", `{"userId":"28","levelName":"basic-kyc-level","ttlInSecs":600}`},
			wantJSON: true,
		},
		{
			name:    "RecheckAML posts to the applicant's recheck/aml",
			call:    func(ctx context.Context, c *Client) error { return c.RecheckAML(ctx, "a1") },
			reply:   `{"ok":1}`,
			wantReq: request{"POST", "/resources/applicants/a1/recheck/aml", ""},
		},
		{
			name: "TestCompleted posts the review result as its body",
			call: func(ctx context.Context, c *Client) error {
				return c.TestCompleted(ctx, "a1", ReviewResult{ReviewAnswer: AnswerRed, RejectLabels: []string{"SCREENSHOTS"}, ReviewRejectType: RejectRetry, ClientComment: "c", ModerationComment: "m"})
			},
			reply:    `{"ok":1}`,
			wantReq:  request{"POST", "/resources/applicants/a1/status/testCompleted", `{"reviewAnswer":"RED","rejectLabels":["SCREENSHOTS"],"reviewRejectType":"RETRY","moderationComment":"m","clientComment":"c"}`},
			wantJSON: true,
		},
		{
			name: "PatchFixedInfo patches only the fields given",
			call: func(ctx context.Context, c *Client) error {
				return c.PatchFixedInfo(ctx, "a1", Identity{FirstName: "John", DOB: "1990-01-02", Nationality: "GBR", Address: "1 High St, York"})
			},
			reply:    `{"firstName":"John"}`,
			wantReq:  request{"PATCH", "/resources/applicants/a1/fixedInfo", `{"firstName":"John","dob":"1990-01-02","nationality":"GBR","addresses":[{"street":"1 High St, York"}]}`},
			wantJSON: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := fakeSumsub(t, answer(http.StatusOK, tt.reply))
			if err := tt.call(t.Context(), newTestClient(t, srv.URL, Config{})); err != nil {
				t.Fatal(err)
			}
			reqs := seen.all()
			if len(reqs) != 1 {
				t.Fatalf("%d signed requests, want 1", len(reqs))
			}
			got := reqs[0]
			if tt.wantJSON {
				if !jsonEqual(t, got.Body, tt.wantReq.Body) {
					t.Fatalf("body %s, want %s", got.Body, tt.wantReq.Body)
				}
				got.Body = tt.wantReq.Body
			}
			if got != tt.wantReq {
				t.Fatalf("got  %+v\nwant %+v", got, tt.wantReq)
			}
		})
	}
}

func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestARequestSignedWithAnotherSecretIsRefusedByTheFake(t *testing.T) {
	srv, seen := fakeSumsub(t, answer(http.StatusOK, applicantJSON))
	c, err := NewClient(Config{BaseURL: srv.URL, AppToken: testAppToken, SecretKey: []byte("wrong")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetApplicant(t.Context(), "a1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized || apiErr.ErrorCode != 4003 || len(seen.all()) != 0 {
		t.Fatalf("err = %v", err)
	}
}

func TestCreateApplicantReturnsTheExistingApplicantWhenSumsubAnswers409(t *testing.T) {
	srv, seen := fakeSumsub(t, func(w http.ResponseWriter, r request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"description":"Applicant with external user id '28' already exists: 68a7d46b8a6f58bf219053c6","code":409,"correlationId":"req-1"}`)
			return
		}
		io.WriteString(w, applicantJSON)
	})
	a, err := newTestClient(t, srv.URL, Config{}).CreateApplicant(t.Context(), "28", ApplicantIndividual, "basic-kyc-level")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "68a7d46b8a6f58bf219053c6" || a.Identity.FirstName != "John" {
		t.Fatalf("got %+v", a)
	}
	if reqs := seen.all(); len(reqs) != 2 || reqs[1].URI != "/resources/applicants/-;externalUserId=28/one" {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestCreateApplicantRetriedAfterALostAnswerFindsTheApplicantItCreated(t *testing.T) {
	var posts atomic.Int32
	srv, seen := fakeSumsub(t, func(w http.ResponseWriter, r request) {
		if r.Method == http.MethodPost {
			if posts.Add(1) == 1 {
				w.WriteHeader(http.StatusBadGateway) // created, but the answer was lost
				return
			}
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"description":"already exists","code":409}`)
			return
		}
		io.WriteString(w, applicantJSON)
	})
	a, err := newTestClient(t, srv.URL, Config{}).CreateApplicant(t.Context(), "28", ApplicantIndividual, "basic-kyc-level")
	if err != nil || a.ID != "68a7d46b8a6f58bf219053c6" {
		t.Fatalf("applicant %+v, err %v", a, err)
	}
	if reqs := seen.all(); len(reqs) != 3 {
		t.Fatalf("requests %+v", reqs)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name         string
		statuses     []int // answers in turn; the last one repeats
		maxRetries   int
		wantAttempts int
		wantStatus   int // 0: success
	}{
		{"two 503s then a 200 succeed on the third attempt", []int{503, 503, 200}, 0, 3, 0},
		{"a 429 is retried", []int{429, 200}, 0, 2, 0},
		{"a 500 that persists fails after one attempt and two retries", []int{500}, 0, 3, 500},
		{"MaxRetries raises the number of retries", []int{500}, 4, 5, 500},
		{"a negative MaxRetries makes one attempt", []int{503, 200}, -1, 1, 503},
		{"a 400 is not retried", []int{400, 200}, 0, 1, 400},
		{"a 404 is not retried", []int{404, 200}, 0, 1, 404},
		{"a 401 is not retried", []int{401, 200}, 0, 1, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv, _ := fakeSumsub(t, func(w http.ResponseWriter, _ request) {
				i := int(n.Add(1)) - 1
				status := tt.statuses[min(i, len(tt.statuses)-1)]
				if status == http.StatusTooManyRequests {
					w.Header().Set("Retry-After", "0")
				}
				w.WriteHeader(status)
				if status == http.StatusOK {
					io.WriteString(w, applicantJSON)
				}
			})
			_, err := newTestClient(t, srv.URL, Config{MaxRetries: tt.maxRetries}).GetApplicant(t.Context(), "a1")
			if int(n.Load()) != tt.wantAttempts {
				t.Fatalf("%d attempts, want %d", n.Load(), tt.wantAttempts)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus {
				t.Fatalf("err = %v, want HTTP %d", err, tt.wantStatus)
			}
		})
	}
}

func TestADroppedConnectionIsRetried(t *testing.T) {
	var n atomic.Int32
	srv, _ := fakeSumsub(t, func(w http.ResponseWriter, _ request) {
		if n.Add(1) == 1 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		io.WriteString(w, applicantJSON)
	})
	if _, err := newTestClient(t, srv.URL, Config{}).GetApplicant(t.Context(), "a1"); err != nil || n.Load() != 2 {
		t.Fatalf("attempts %d, err %v", n.Load(), err)
	}
}

func TestEachAttemptTimesOutAndIsRetried(t *testing.T) {
	// A plain server: this is about timeouts, not signatures. It answers only after the
	// client has given up on the attempt.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, applicantJSON)
	}))
	t.Cleanup(srv.Close)
	start := time.Now()
	_, err := newTestClient(t, srv.URL, Config{Timeout: 30 * time.Millisecond, MaxRetries: 1}).GetApplicant(t.Context(), "a1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline", err)
	}
	if n.Load() != 2 {
		t.Fatalf("%d attempts, want 2", n.Load())
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("took %v: the attempts did not time out", elapsed)
	}
}

func TestACancelledContextStopsTheRetries(t *testing.T) {
	var n atomic.Int32
	srv, _ := fakeSumsub(t, func(w http.ResponseWriter, _ request) {
		n.Add(1)
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := newTestClient(t, srv.URL, Config{}).GetApplicant(ctx, "a1")
	if !errors.Is(err, context.DeadlineExceeded) || n.Load() != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("err = %v after %d attempts and %v", err, n.Load(), time.Since(start))
	}
}

func TestAPIErrorKeepsSumsubsErrorFieldsAndNothingElseOfTheBody(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   APIError
	}{
		{
			name:   "a Sumsub error body",
			status: 400,
			body:   `{"description":"Invalid id 'x'","code":400,"correlationId":"req-9","errorCode":1234,"errorName":"some-error","firstName":"John","dob":"1990-01-02"}`,
			want:   APIError{Status: 400, Code: 400, ErrorCode: 1234, ErrorName: "some-error", Description: "Invalid id 'x'", CorrelationID: "req-9"},
		},
		{
			name:   "a proxy's HTML page",
			status: 502,
			body:   `<html>John Mock-Doe 1990-01-02</html>`,
			want:   APIError{Status: 502},
		},
		{
			name:   "a long description is cut",
			status: 400,
			body:   `{"description":"` + strings.Repeat("d", 1000) + `"}`,
			want:   APIError{Status: 400, Description: strings.Repeat("d", maxDescription) + "…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fakeSumsub(t, answer(tt.status, tt.body))
			_, err := newTestClient(t, srv.URL, Config{MaxRetries: -1}).GetApplicant(t.Context(), "a1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v", err)
			}
			if *apiErr != tt.want {
				t.Fatalf("got  %+v\nwant %+v", *apiErr, tt.want)
			}
			if msg := err.Error(); strings.Contains(msg, "John") || strings.Contains(msg, "1990-01-02") {
				t.Fatalf("the error shows the body: %s", msg)
			}
		})
	}
}

func TestAResponseOverOneMegabyteIsRefused(t *testing.T) {
	srv, _ := fakeSumsub(t, answer(http.StatusOK, `{"id":"a1","x":"`+strings.Repeat("x", MaxResponseBody)+`"}`))
	if _, err := newTestClient(t, srv.URL, Config{}).GetApplicant(t.Context(), "a1"); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestTheDefaultHTTPClientFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	t.Cleanup(other.Close)
	srv, _ := fakeSumsub(t, func(w http.ResponseWriter, _ request) {
		w.Header().Set("Location", other.URL+"/steal")
		w.WriteHeader(http.StatusFound)
	})
	_, err := newTestClient(t, srv.URL, Config{}).GetApplicant(t.Context(), "a1")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusFound || elsewhere.Load() != 0 {
		t.Fatalf("err = %v, requests elsewhere %d", err, elsewhere.Load())
	}
}

func TestANetworkErrorDoesNotShowTheExternalUserID(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	_, err := newTestClient(t, srv.URL, Config{MaxRetries: -1}).GetApplicantByExternalUserID(t.Context(), "user-secret-42")
	if err == nil || strings.Contains(err.Error(), "user-secret-42") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewClientRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no app token", Config{SecretKey: []byte("s")}},
		{"no secret key", Config{AppToken: "t"}},
		{"a base URL without a scheme", Config{BaseURL: "api.sumsub.com", AppToken: "t", SecretKey: []byte("s")}},
		{"a base URL with a query", Config{BaseURL: "https://api.sumsub.com?x=1", AppToken: "t", SecretKey: []byte("s")}},
		{"a base URL of another scheme", Config{BaseURL: "ftp://api.sumsub.com", AppToken: "t", SecretKey: []byte("s")}},
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
	c, err := NewClient(Config{AppToken: "t", SecretKey: []byte("s")})
	if err != nil {
		t.Fatal(err)
	}
	if c.base != DefaultBaseURL || c.timeout != DefaultTimeout || c.maxRetries != DefaultMaxRetries || c.hc == nil {
		t.Fatalf("got base %q, timeout %v, retries %d", c.base, c.timeout, c.maxRetries)
	}
}

func TestCallsCheckTheirArgumentsBeforeSending(t *testing.T) {
	srv, seen := fakeSumsub(t, answer(http.StatusOK, applicantJSON))
	c := newTestClient(t, srv.URL, Config{})
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"CreateApplicant without an external user id", func() error {
			_, err := c.CreateApplicant(ctx, "", ApplicantIndividual, "l")
			return err
		}},
		{"CreateApplicant of an unknown type", func() error {
			_, err := c.CreateApplicant(ctx, "28", "person", "l")
			return err
		}},
		{"CreateApplicant without a level", func() error {
			_, err := c.CreateApplicant(ctx, "28", ApplicantCompany, "")
			return err
		}},
		{"GetApplicant without an id", func() error {
			_, err := c.GetApplicant(ctx, "")
			return err
		}},
		{"AccessToken without a user id", func() error {
			_, err := c.AccessToken(ctx, "", "l", time.Minute)
			return err
		}},
		{"RecheckAML without an id", func() error { return c.RecheckAML(ctx, "") }},
		{"TestCompleted with a YELLOW answer", func() error { return c.TestCompleted(ctx, "a1", ReviewResult{ReviewAnswer: "YELLOW"}) }},
		{"PatchFixedInfo with a day-first date of birth", func() error { return c.PatchFixedInfo(ctx, "a1", Identity{DOB: "02/01/1990"}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if reqs := seen.all(); len(reqs) != 0 {
		t.Fatalf("sent %+v", reqs)
	}
}
