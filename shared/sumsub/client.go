package sumsub

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
	"time"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/vendorhttp"
)

// API is what callers need from Sumsub. Callers own their own narrower interfaces; this
// one lists everything Client does.
type API interface {
	// CreateApplicant creates an applicant at a level, or returns the existing one when
	// Sumsub already has this external user id (which may be at another level).
	CreateApplicant(ctx context.Context, externalUserID, applicantType, levelName string) (Applicant, error)
	GetApplicant(ctx context.Context, applicantID string) (Applicant, error)
	// AccessToken returns a WebSDK access token for our user at a level.
	AccessToken(ctx context.Context, userID, levelName string, ttl time.Duration) (string, error)
	// RecheckAML re-runs AML screening on an applicant.
	RecheckAML(ctx context.Context, applicantID string) error
	// TestCompleted makes a sandbox applicant's review finish with r (sandbox only).
	TestCompleted(ctx context.Context, applicantID string, r ReviewResult) error
	// PatchFixedInfo sets the applicant's provided data; empty fields are left unchanged.
	PatchFixedInfo(ctx context.Context, applicantID string, info Identity) error
}

var _ API = (*Client)(nil)

// Defaults of Config.
const (
	DefaultBaseURL    = "https://api.sumsub.com"
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 2
)

// MaxResponseBody bounds how much of a response is read.
const MaxResponseBody = 1 << 20

// Backoff between attempts: full jitter over an exponential base, capped, and
// Retry-After honoured up to maxRetryAfter.
const (
	defaultBackoff = 250 * time.Millisecond
	maxBackoff     = 5 * time.Second
	maxRetryAfter  = 30 * time.Second
)

// Errors of the client; compare with errors.Is. Answers other than 2xx are *APIError.
var (
	ErrConfig           = errors.New("sumsub: invalid client configuration")
	ErrInvalidArgument  = errors.New("sumsub: invalid argument")
	ErrResponseTooLarge = errors.New("sumsub: response larger than 1 MB")
)

// APIError is an answer other than 2xx, read from Sumsub's error body
// {"description","code","correlationId","errorCode","errorName"}. Nothing else of the
// body is kept.
type APIError struct {
	Status        int    // HTTP status
	Code          int    // "code": usually the HTTP status again
	ErrorCode     int    // Sumsub's own code (for example 4003: bad signature); 0 when absent
	ErrorName     string // for example "app-token-signature-mismatch"
	Description   string // at most maxDescription characters
	CorrelationID string // for Sumsub support
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sumsub: HTTP %d", e.Status)
	if e.ErrorCode != 0 {
		fmt.Fprintf(&b, " (errorCode %d %s)", e.ErrorCode, e.ErrorName)
	}
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	return b.String()
}

const maxDescription = 300

func newAPIError(status int, body []byte) *APIError {
	e := &APIError{Status: status}
	var w struct {
		Description   string `json:"description"`
		Code          int    `json:"code"`
		CorrelationID string `json:"correlationId"`
		ErrorCode     int    `json:"errorCode"`
		ErrorName     string `json:"errorName"`
	}
	if json.Unmarshal(body, &w) != nil {
		return e // a proxy's HTML page, say: never echoed
	}
	e.Code, e.ErrorCode, e.ErrorName, e.CorrelationID = w.Code, w.ErrorCode, truncate(w.ErrorName, 100), truncate(w.CorrelationID, 100)
	e.Description = truncate(w.Description, maxDescription)
	return e
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Config configures NewClient.
type Config struct {
	BaseURL   string // DefaultBaseURL when empty
	AppToken  string
	SecretKey []byte // the app token's secret key (not a webhook secret)
	// HTTPClient sends the requests; when nil, a client that follows no redirects (a
	// redirect would carry X-App-Token elsewhere).
	HTTPClient *http.Client
	Timeout    time.Duration // per attempt; DefaultTimeout when zero
	// MaxRetries is how many times a call that is safe to repeat is retried after a
	// network error, a 429 or a 5xx: DefaultMaxRetries when zero, none when negative.
	MaxRetries int
}

// Client is the HTTP implementation of API. It is safe for concurrent use.
type Client struct {
	base       string
	appToken   string
	secret     []byte
	hc         *http.Client
	timeout    time.Duration
	maxRetries int
	backoff    time.Duration // the first backoff; tests shorten it
	now        func() time.Time
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
	if cfg.AppToken == "" || len(cfg.SecretKey) == 0 {
		return nil, fmt.Errorf("%w: AppToken and SecretKey are required", ErrConfig)
	}
	c := &Client{
		base:       base,
		appToken:   cfg.AppToken,
		secret:     bytes.Clone(cfg.SecretKey),
		hc:         cfg.HTTPClient,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		backoff:    defaultBackoff,
		now:        time.Now,
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

// CreateApplicant creates an applicant (POST /resources/applicants?levelName=). Sumsub
// answers 409 when the external user id already has an applicant; the existing applicant
// is then read back and returned. That also makes the call safe to retry: a retry after a
// lost answer finds the applicant the first attempt created.
func (c *Client) CreateApplicant(ctx context.Context, externalUserID, applicantType, levelName string) (Applicant, error) {
	if externalUserID == "" || levelName == "" {
		return Applicant{}, fmt.Errorf("%w: externalUserID and levelName are required", ErrInvalidArgument)
	}
	if applicantType != ApplicantIndividual && applicantType != ApplicantCompany {
		return Applicant{}, fmt.Errorf("%w: applicant type %.20q, want individual or company", ErrInvalidArgument, applicantType)
	}
	body, err := json.Marshal(map[string]string{"externalUserId": externalUserID, "type": applicantType})
	if err != nil {
		return Applicant{}, err
	}
	path := "/resources/applicants?" + url.Values{"levelName": {levelName}}.Encode()
	resp, err := c.do(ctx, http.MethodPost, path, body, true)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		return c.GetApplicantByExternalUserID(ctx, externalUserID)
	}
	if err != nil {
		return Applicant{}, err
	}
	return ParseApplicant(resp)
}

// GetApplicant reads an applicant (GET /resources/applicants/{id}/one).
func (c *Client) GetApplicant(ctx context.Context, applicantID string) (Applicant, error) {
	if applicantID == "" {
		return Applicant{}, fmt.Errorf("%w: applicantID is required", ErrInvalidArgument)
	}
	resp, err := c.do(ctx, http.MethodGet, "/resources/applicants/"+url.PathEscape(applicantID)+"/one", nil, true)
	if err != nil {
		return Applicant{}, err
	}
	return ParseApplicant(resp)
}

// GetApplicantByExternalUserID reads the applicant of our user id
// (GET /resources/applicants/-;externalUserId={id}/one).
func (c *Client) GetApplicantByExternalUserID(ctx context.Context, externalUserID string) (Applicant, error) {
	if externalUserID == "" {
		return Applicant{}, fmt.Errorf("%w: externalUserID is required", ErrInvalidArgument)
	}
	resp, err := c.do(ctx, http.MethodGet, "/resources/applicants/-;externalUserId="+url.PathEscape(externalUserID)+"/one", nil, true)
	if err != nil {
		return Applicant{}, err
	}
	return ParseApplicant(resp)
}

// AccessToken returns a WebSDK access token (POST /resources/accessTokens/sdk). ttl is
// rounded down to seconds; Sumsub's default applies when it is under a second.
func (c *Client) AccessToken(ctx context.Context, userID, levelName string, ttl time.Duration) (string, error) {
	if userID == "" || levelName == "" {
		return "", fmt.Errorf("%w: userID and levelName are required", ErrInvalidArgument)
	}
	req := struct {
		UserID    string `json:"userId"`
		LevelName string `json:"levelName"`
		TTLInSecs int64  `json:"ttlInSecs,omitempty"`
	}{userID, levelName, int64(ttl / time.Second)}
	body, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	resp, err := c.do(ctx, http.MethodPost, "/resources/accessTokens/sdk", body, true)
	if err != nil {
		return "", err
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(resp, &out); err != nil {
		return "", fmt.Errorf("sumsub: decode access token: %w", err)
	}
	if out.Token == "" {
		return "", errors.New("sumsub: decode access token: no token")
	}
	return out.Token, nil
}

// RecheckAML re-runs AML screening (POST /resources/applicants/{id}/recheck/aml). A
// repeat only screens again, so it is retried.
func (c *Client) RecheckAML(ctx context.Context, applicantID string) error {
	if applicantID == "" {
		return fmt.Errorf("%w: applicantID is required", ErrInvalidArgument)
	}
	_, err := c.do(ctx, http.MethodPost, "/resources/applicants/"+url.PathEscape(applicantID)+"/recheck/aml", nil, true)
	return err
}

// TestCompleted finishes a sandbox applicant's review with r
// (POST /resources/applicants/{id}/status/testCompleted); Sumsub then sends
// applicantReviewed. It works with sandbox app tokens only.
func (c *Client) TestCompleted(ctx context.Context, applicantID string, r ReviewResult) error {
	if applicantID == "" {
		return fmt.Errorf("%w: applicantID is required", ErrInvalidArgument)
	}
	if r.ReviewAnswer != AnswerGreen && r.ReviewAnswer != AnswerRed {
		return fmt.Errorf("%w: review answer %.20q, want GREEN or RED", ErrInvalidArgument, r.ReviewAnswer)
	}
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPost, "/resources/applicants/"+url.PathEscape(applicantID)+"/status/testCompleted", body, true)
	return err
}

// PatchFixedInfo sets the applicant's provided data
// (PATCH /resources/applicants/{id}/fixedInfo); empty fields are not sent. The address
// line goes into the first address's street, since Identity keeps it as one line.
// Setting the same values twice leaves the same state, so it is retried.
func (c *Client) PatchFixedInfo(ctx context.Context, applicantID string, info Identity) error {
	if applicantID == "" {
		return fmt.Errorf("%w: applicantID is required", ErrInvalidArgument)
	}
	if info.DOB != "" && validDate(info.DOB) == "" {
		return fmt.Errorf("%w: DOB must be YYYY-MM-DD", ErrInvalidArgument)
	}
	type address struct {
		Street string `json:"street"`
	}
	patch := struct {
		FirstName   string    `json:"firstName,omitempty"`
		MiddleName  string    `json:"middleName,omitempty"`
		LastName    string    `json:"lastName,omitempty"`
		DOB         string    `json:"dob,omitempty"`
		Country     string    `json:"country,omitempty"`
		Nationality string    `json:"nationality,omitempty"`
		Addresses   []address `json:"addresses,omitempty"`
	}{info.FirstName, info.MiddleName, info.LastName, info.DOB, info.Country, info.Nationality, nil}
	if info.Address != "" {
		patch.Addresses = []address{{Street: info.Address}}
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, http.MethodPatch, "/resources/applicants/"+url.PathEscape(applicantID)+"/fixedInfo", body, true)
	return err
}

// do sends a signed request and returns the body of a 2xx answer. When retry is set, a
// network error (a per-attempt timeout included), a 429 or a 5xx is retried up to
// maxRetries times with jittered backoff, unless ctx ends first.
func (c *Client) do(ctx context.Context, method, pathWithQuery string, body []byte, retry bool) ([]byte, error) {
	attempts := 1
	if retry {
		attempts += c.maxRetries
	}
	var lastErr error
	for attempt := range attempts {
		if attempt > 0 {
			if err := vendorhttp.Sleep(ctx, c.delay(attempt, lastErr)); err != nil {
				return nil, fmt.Errorf("sumsub: %s %s: %w (after %v)", method, redactPath(pathWithQuery), err, lastErr)
			}
		}
		resp, err := c.attempt(ctx, method, pathWithQuery, body)
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

func (c *Client) attempt(ctx context.Context, method, pathWithQuery string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+pathWithQuery, rd)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	ts := strconv.FormatInt(c.now().Unix(), 10)
	req.Header.Set(HeaderAppToken, c.appToken)
	req.Header.Set(HeaderAccessTS, ts)
	req.Header.Set(HeaderAccessSig, SignRequest(c.secret, ts, method, req.URL.RequestURI(), body))
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	op := method + " " + redactPath(pathWithQuery)
	return vendorhttp.Do(c.hc, req, "sumsub", op, MaxResponseBody, ErrResponseTooLarge, newAPIError)
}

// delay is the wait before attempt (1 or more): see vendorhttp.Backoff.
func (c *Client) delay(attempt int, lastErr error) time.Duration {
	return vendorhttp.Backoff{Base: c.backoff, Max: maxBackoff, MaxRetryAfter: maxRetryAfter}.Delay(attempt, lastErr)
}

// redactPath drops the query and the external user id from a path used in an error.
func redactPath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	if i := strings.Index(p, ";externalUserId="); i >= 0 {
		return p[:i] + ";externalUserId=…"
	}
	return p
}
