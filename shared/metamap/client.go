package metamap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/vendorhttp"
)

// API is what callers need from MetaMap. Callers own their own narrower interfaces; this
// one lists everything Client does.
type API interface {
	// StartVerification starts a verification of a flow; the answer's ID and IdentityID
	// go to the front end's SDK.
	StartVerification(ctx context.Context, flowID string, metadata map[string]string) (Verification, error)
	GetVerification(ctx context.Context, id string) (Verification, error)
}

var _ API = (*Client)(nil)

// Defaults of Config.
const (
	DefaultBaseURL    = "https://api.getmati.com"
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 2
)

// MaxResponseBody bounds how much of a response is read.
const MaxResponseBody = 1 << 20

const (
	defaultBackoff = 250 * time.Millisecond
	maxBackoff     = 5 * time.Second
	maxRetryAfter  = 30 * time.Second
	// tokenMargin is how long before its expiry a token is renewed; at most half its
	// lifetime.
	tokenMargin = time.Minute
)

// Errors of the client; compare with errors.Is. Answers other than 2xx are *APIError.
var (
	ErrConfig           = errors.New("metamap: invalid client configuration")
	ErrInvalidArgument  = errors.New("metamap: invalid argument")
	ErrResponseTooLarge = errors.New("metamap: response larger than 1 MB")
)

// APIError is an answer other than 2xx. Only the code and message of the body are kept.
type APIError struct {
	Status  int    // HTTP status
	Code    string // the body's code, when it has one
	Message string // at most maxMessage characters
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "metamap: HTTP %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

const maxMessage = 300

func newAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	var w struct {
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &w) != nil {
		return e // never echo a body we cannot read
	}
	e.Code = truncate(scalar(w.Code), 100)
	msg := w.Message
	if msg == "" {
		msg = scalar(w.Error)
	}
	e.Message = truncate(msg, maxMessage)
	return e
}

// scalar returns a JSON string or number as text, "" for anything else.
func scalar(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Config configures NewClient.
type Config struct {
	BaseURL      string // DefaultBaseURL when empty
	ClientID     string
	ClientSecret string
	// HTTPClient sends the requests; when nil, a client that follows no redirects (a
	// redirect would carry the credentials elsewhere).
	HTTPClient *http.Client
	Timeout    time.Duration // per attempt; DefaultTimeout when zero
	// MaxRetries is how many times a read (and the token request) is retried after a
	// network error, a 429 or a 5xx: DefaultMaxRetries when zero, none when negative.
	MaxRetries int
}

// Client is the HTTP implementation of API. It is safe for concurrent use.
type Client struct {
	base         string
	clientID     string
	clientSecret string
	hc           *http.Client
	timeout      time.Duration
	maxRetries   int
	backoff      time.Duration // the first backoff; tests shorten it
	now          func() time.Time

	mu      sync.Mutex // guards the token fields
	token   string
	expires time.Time
	fetch   *tokenFetch // the fetch under way, shared by every caller that needs a token
}

type tokenFetch struct {
	done  chan struct{}
	token string
	err   error
}

// NewClient checks the configuration and returns a client.
func NewClient(cfg Config) (*Client, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: BaseURL must be an http(s) URL with no query", ErrConfig)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, fmt.Errorf("%w: ClientID and ClientSecret are required", ErrConfig)
	}
	c := &Client{
		base:         base,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		hc:           cfg.HTTPClient,
		timeout:      cfg.Timeout,
		maxRetries:   cfg.MaxRetries,
		backoff:      defaultBackoff,
		now:          time.Now,
	}
	if c.hc == nil {
		c.hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	return c, nil
}

// StartVerification starts a verification (POST /v2/verifications). It is not retried:
// a repeat would start a second verification. A 401 is an exception: nothing was started,
// so the token is renewed and the request sent once more.
func (c *Client) StartVerification(ctx context.Context, flowID string, metadata map[string]string) (Verification, error) {
	if !ValidID(flowID) {
		return Verification{}, fmt.Errorf("%w: flow id %.70q", ErrInvalidArgument, flowID)
	}
	body, err := json.Marshal(struct {
		FlowID   string            `json:"flowId"`
		Metadata map[string]string `json:"metadata,omitempty"`
	}{flowID, metadata})
	if err != nil {
		return Verification{}, err
	}
	resp, err := c.authed(ctx, http.MethodPost, "/v2/verifications", body, false)
	if err != nil {
		return Verification{}, err
	}
	return ParseVerification(resp)
}

// GetVerification reads a verification (GET /v2/verifications/{id}); id must be a plain
// id (see ValidID), such as Event.VerificationID returns.
func (c *Client) GetVerification(ctx context.Context, id string) (Verification, error) {
	if !ValidID(id) {
		return Verification{}, fmt.Errorf("%w: verification id %.70q", ErrInvalidArgument, id)
	}
	resp, err := c.authed(ctx, http.MethodGet, "/v2/verifications/"+id, nil, true)
	if err != nil {
		return Verification{}, err
	}
	return ParseVerification(resp)
}

// authed sends a request with the bearer token, renewing the token once on a 401.
func (c *Client) authed(ctx context.Context, method, path string, body []byte, retry bool) ([]byte, error) {
	for renewed := false; ; renewed = true {
		tok, err := c.accessToken(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.do(ctx, method, path, body, "application/json", func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+tok)
		}, retry)
		var apiErr *APIError
		if !renewed && errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized {
			c.forget(tok)
			continue
		}
		return resp, err
	}
}

// accessToken returns the cached token, or waits for the one fetch under way, starting
// it when there is none. The fetch runs apart from the caller's cancellation, so a caller
// that gives up does not fail the others; it is bounded by the attempts' timeouts.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.now().Before(c.expires) {
		tok := c.token
		c.mu.Unlock()
		return tok, nil
	}
	f := c.fetch
	if f == nil {
		f = &tokenFetch{done: make(chan struct{})}
		c.fetch = f
		go c.runFetch(context.WithoutCancel(ctx), f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (c *Client) runFetch(ctx context.Context, f *tokenFetch) {
	tok, ttl, err := c.fetchToken(ctx)
	c.mu.Lock()
	if err == nil {
		c.token, c.expires = tok, c.now().Add(ttl-min(tokenMargin, ttl/2))
	}
	c.fetch = nil
	c.mu.Unlock()
	f.token, f.err = tok, err
	close(f.done)
}

// forget drops the cached token if it is still the one that was refused.
func (c *Client) forget(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// fetchToken asks for a token (POST /oauth, client credentials with HTTP Basic). Asking
// twice only mints two tokens, so it is retried.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	form := []byte(url.Values{"grant_type": {"client_credentials"}}.Encode())
	resp, err := c.do(ctx, http.MethodPost, "/oauth", form, "application/x-www-form-urlencoded", func(r *http.Request) {
		r.SetBasicAuth(c.clientID, c.clientSecret)
	}, true)
	if err != nil {
		return "", 0, err
	}
	var out struct {
		AccessToken string          `json:"access_token"`
		ExpiresIn   json.RawMessage `json:"expiresIn"`
		ExpiresIn2  json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return "", 0, fmt.Errorf("metamap: decode token: %w", err)
	}
	if out.AccessToken == "" {
		return "", 0, errors.New("metamap: decode token: no access_token")
	}
	secs, err := strconv.ParseFloat(first(scalar(out.ExpiresIn), scalar(out.ExpiresIn2)), 64)
	if err != nil || secs <= 0 {
		secs = 0 // unknown lifetime: use the token for this call only
	}
	return out.AccessToken, time.Duration(secs * float64(time.Second)), nil
}

// do sends a request and returns the body of a 2xx answer. When retry is set, a network
// error (a per-attempt timeout included), a 429 or a 5xx is retried up to maxRetries
// times with jittered backoff, unless ctx ends first.
func (c *Client) do(ctx context.Context, method, path string, body []byte, contentType string, auth func(*http.Request), retry bool) ([]byte, error) {
	attempts := 1
	if retry {
		attempts += c.maxRetries
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			if err := vendorhttp.Sleep(ctx, c.delay(attempt, lastErr)); err != nil {
				return nil, fmt.Errorf("metamap: %s %s: %w (after %v)", method, path, err, lastErr)
			}
		}
		resp, err := c.attempt(ctx, method, path, body, contentType, auth)
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if ctx.Err() != nil || !vendorhttp.Transient(err) {
			break
		}
	}
	var se *vendorhttp.StatusError
	if errors.As(lastErr, &se) {
		return nil, se.Err
	}
	return nil, lastErr
}

func (c *Client) attempt(ctx context.Context, method, path string, body []byte, contentType string, auth func(*http.Request)) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	auth(req)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	op := method + " " + path
	return vendorhttp.Do(c.hc, req, "metamap", op, MaxResponseBody, ErrResponseTooLarge, newAPIError)
}

// delay is the wait before attempt (1 or more): see vendorhttp.Backoff.
func (c *Client) delay(attempt int, lastErr error) time.Duration {
	return vendorhttp.Backoff{Base: c.backoff, Max: maxBackoff, MaxRetryAfter: maxRetryAfter}.Delay(attempt, lastErr)
}
