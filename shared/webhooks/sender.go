package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults of SenderOptions.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxResponse = 4 << 10
	DefaultUserAgent   = "ChainGuard-Webhooks/1"
	// ResponseBodyKept is how much of the response an Attempt keeps.
	ResponseBodyKept = 1 << 10
)

// Error codes of an Attempt.
const (
	CodeTimeout          = "timeout"
	CodeConnectionFailed = "connection_failed"
	CodeDNSFailed        = "dns_failed"
	CodeBlockedAddress   = "blocked_address"
	CodeRedirect         = "redirect"
	CodeTLS              = "tls"
	CodeInvalidURL       = "invalid_url"
	CodeInvalidRequest   = "invalid_request" // the Request itself is unusable (no secret, bad id): our bug, not the endpoint's
	CodeNon2xx           = "non_2xx"
)

// SenderOptions configures a Sender; zero fields take the defaults.
type SenderOptions struct {
	Policy      URLPolicy
	Timeout     time.Duration // per attempt, from dial to the end of reading the response; DefaultTimeout
	MaxResponse int64         // bytes of the response body read at most; DefaultMaxResponse
	UserAgent   string        // DefaultUserAgent
}

// Sender makes delivery attempts. It is safe for concurrent use and keeps connections
// alive across attempts; build one per process.
type Sender struct {
	policy      URLPolicy
	timeout     time.Duration
	maxResponse int64
	userAgent   string
	dialer      *net.Dialer // kept so that tests can give it a resolver
	transport   *http.Transport
	client      *http.Client
}

// NewSender builds a Sender. Its transport ignores proxies from the environment, speaks
// TLS 1.2 or later, never follows redirects, and connects only to addresses the policy
// allows (see the package documentation).
func NewSender(opts SenderOptions) *Sender {
	s := &Sender{
		policy: opts.Policy, timeout: opts.Timeout, maxResponse: opts.MaxResponse, userAgent: opts.UserAgent,
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.maxResponse <= 0 {
		s.maxResponse = DefaultMaxResponse
	}
	if s.userAgent == "" {
		s.userAgent = DefaultUserAgent
	}
	s.dialer = &net.Dialer{
		Timeout:   s.timeout,
		KeepAlive: 30 * time.Second,
		Control:   dialControl(opts.Policy.AllowLocal),
	}
	s.transport = &http.Transport{
		Proxy:                  nil,
		DialContext:            s.dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    s.timeout,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true, // the cap on the body then counts bytes on the wire
	}
	s.client = &http.Client{
		Transport: s.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s
}

// Request is one delivery attempt to make.
type Request struct {
	URL     string
	MsgID   string   // the webhook-id, the same on every attempt of a message
	Secrets []string // the endpoint's signing secrets, current first
	Body    []byte   // the encoded Message, sent and signed as is
	// Now is the clock; time.Now when nil. The attempt's webhook-timestamp is read from it.
	Now func() time.Time
}

// Attempt is the outcome of one attempt, as it is recorded and shown to the tenant. Error
// is a sentence for people and holds neither secrets nor resolved addresses.
type Attempt struct {
	At           time.Time     // when the attempt started (the webhook-timestamp)
	Duration     time.Duration // until the response was read or the attempt failed, by the real clock
	Status       int           // the HTTP status, 0 when none came back
	Success      bool          // a 2xx status
	Error        string        // "" on success
	ErrorCode    string        // one of the Code constants, "" on success
	ResponseBody string        // the first ResponseBodyKept bytes of the response, as valid UTF-8
}

// Send makes one attempt: it checks the URL against the policy, signs the body with every
// secret, and POSTs it with the Standard Webhooks headers. Any 2xx is a success; a 3xx is
// a failure (code redirect) and is not followed. Send does not retry.
func (s *Sender) Send(ctx context.Context, req Request) Attempt {
	now := req.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	u, err := s.policy.Check(req.URL)
	if err != nil {
		return Attempt{At: start, ErrorCode: CodeInvalidURL, Error: err.Error()}
	}
	return s.deliver(ctx, u, req, start)
}

// deliver sends to a URL that passed the policy's check. The tests call it directly to
// reach the dialer with hosts the check refuses.
func (s *Sender) deliver(ctx context.Context, u *url.URL, req Request, start time.Time) Attempt {
	began := time.Now() // the duration is measured on the monotonic clock, whatever req.Now says
	a := Attempt{At: start}
	sig, err := Sign(req.Secrets, req.MsgID, start, req.Body)
	if err != nil {
		a.ErrorCode, a.Error = CodeInvalidRequest, "the delivery could not be signed: "+err.Error()
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(req.Body))
	if err != nil {
		a.ErrorCode, a.Error = CodeInvalidURL, "the URL cannot be requested"
		return a
	}
	h := httpReq.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", s.userAgent)
	h.Set(HeaderID, req.MsgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(start.Unix(), 10))
	h.Set(HeaderSignature, sig)

	resp, err := s.client.Do(httpReq)
	if err != nil {
		a.Duration = time.Since(began)
		a.ErrorCode, a.Error = classify(ctx, err, s.timeout)
		return a
	}
	body, _ := readCapped(resp.Body, s.maxResponse) // a partial body is still worth keeping
	_ = resp.Body.Close()
	a.Duration = time.Since(began)
	a.Status = resp.StatusCode
	a.ResponseBody = textPrefix(body, ResponseBodyKept)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode <= 299:
		a.Success = true
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		a.ErrorCode = CodeRedirect
		a.Error = fmt.Sprintf("the endpoint answered %d, a redirect; redirects are not followed, so register the final URL", resp.StatusCode)
	default:
		a.ErrorCode = CodeNon2xx
		a.Error = fmt.Sprintf("the endpoint answered %d", resp.StatusCode)
	}
	return a
}

// classify turns a transport error into an error code and a sentence. The order matters:
// a refused address or a DNS failure can also surface as the context's deadline.
func classify(ctx context.Context, err error, timeout time.Duration) (code, msg string) {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	var alertErr tls.AlertError
	var unknownCA x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var netErr net.Error
	switch {
	case errors.Is(err, errBlockedAddress):
		return CodeBlockedAddress, errBlockedAddress.Error()
	case errors.As(err, &dnsErr) && !dnsErr.IsTimeout:
		return CodeDNSFailed, "the host name could not be resolved"
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostnameErr), errors.As(err, &invalidCert):
		return CodeTLS, "the endpoint's TLS certificate is not valid for this host or not trusted"
	case errors.As(err, &recordErr), errors.As(err, &alertErr), isTLSFailure(err):
		return CodeTLS, "the TLS handshake failed (the endpoint must speak TLS 1.2 or later)"
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return CodeTimeout, fmt.Sprintf("no response within %s", timeout)
	case errors.Is(err, context.Canceled):
		return CodeTimeout, "the attempt was cancelled before a response came back"
	default:
		return CodeConnectionFailed, "the connection to the endpoint failed or was closed before a response"
	}
}

// isTLSFailure recognises the TLS failures that crypto/tls and net/http do not export as
// types: an alert received from the server ("remote error: tls: ..."), and a plain HTTP
// answer to a TLS hello.
func isTLSFailure(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "remote error" {
		return true
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err // the URL is not part of the check
	}
	msg := err.Error()
	return strings.Contains(msg, "tls: ") || strings.Contains(msg, "HTTP response to HTTPS client")
}

// readCapped reads at most max bytes of r.
func readCapped(r io.Reader, max int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, max))
}

// textPrefix returns at most n bytes of b as valid UTF-8: each run of invalid bytes
// becomes one U+FFFD, and a character is never cut in half.
func textPrefix(b []byte, n int) string {
	out := make([]byte, 0, min(len(b), n))
	invalid := false
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r == utf8.RuneError && size <= 1 {
			if invalid {
				continue
			}
			invalid = true
		} else {
			invalid = false
		}
		if len(out)+utf8.RuneLen(r) > n {
			break
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}
