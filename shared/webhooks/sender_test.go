package webhooks

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// received is what a test endpoint saw of one request.
type received struct {
	header http.Header
	body   []byte
	remote string
}

// recorder is a test endpoint that answers with status and body and keeps every request.
type recorder struct {
	mu     sync.Mutex
	got    []received
	status int
	body   []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.got = append(rec.got, received{header: r.Header.Clone(), body: body, remote: r.RemoteAddr})
	rec.mu.Unlock()
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body)
}

func (rec *recorder) requests() []received {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]received(nil), rec.got...)
}

// quietLog keeps the TLS tests' expected handshake errors out of the test output.
var quietLog = log.New(io.Discard, "", 0)

func startServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func localSender(opts SenderOptions) *Sender {
	opts.Policy.AllowLocal = true
	return NewSender(opts)
}

// trust makes the sender accept the certificate of a TLS test server.
func trust(s *Sender, srv *httptest.Server) {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	s.transport.TLSClientConfig.RootCAs = pool
}

func testRequest(t *testing.T, rawURL string, secrets ...string) Request {
	t.Helper()
	if len(secrets) == 0 {
		secrets = []string{mustSecret(t)}
	}
	return Request{URL: rawURL, MsgID: "msg_01JM9S346Q3D25VT4F5V37E3S3", Secrets: secrets, Body: []byte(`{"type":"webhook.test","timestamp":"2026-03-07T09:15:04.512Z","data":{"endpointId":"ep_01jm9s346q3d25vt4f5v37e3s3"}}`)}
}

func TestSendSucceedsOn2xxWithSignedStandardHeaders(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusNoContent, http.StatusAccepted} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			rec := &recorder{status: status}
			if status != http.StatusNoContent {
				rec.body = []byte("ok")
			}
			srv := startServer(t, rec)
			current, previous := mustSecret(t), mustSecret(t)
			req := testRequest(t, srv.URL+"/hook?x=1", current, previous)
			at := time.Now().Add(-time.Minute).Truncate(time.Second)
			req.Now = func() time.Time { return at }

			a := localSender(SenderOptions{}).Send(context.Background(), req)

			if !a.Success || a.Status != status || a.ErrorCode != "" || a.Error != "" || !a.At.Equal(at) || a.Duration <= 0 {
				t.Fatalf("attempt %+v", a)
			}
			if a.ResponseBody != string(rec.body) {
				t.Fatalf("response body %q", a.ResponseBody)
			}
			got := rec.requests()
			if len(got) != 1 {
				t.Fatalf("%d requests", len(got))
			}
			h := got[0].header
			for name, want := range map[string]string{
				"Content-Type": "application/json", "User-Agent": DefaultUserAgent,
				"Webhook-Id": req.MsgID, "Webhook-Timestamp": strconv.FormatInt(at.Unix(), 10),
			} {
				if h.Get(name) != want {
					t.Errorf("%s: %q, want %q", name, h.Get(name), want)
				}
			}
			if !bytes.Equal(got[0].body, req.Body) {
				t.Fatalf("body %q", got[0].body)
			}
			if n := len(strings.Fields(h.Get("Webhook-Signature"))); n != 2 {
				t.Fatalf("%d signatures, want one per secret", n)
			}
			for _, secret := range []string{current, previous} {
				if err := refVerify(secret, h, got[0].body, at); err != nil {
					t.Fatalf("reference verifier: %v", err)
				}
				if err := Verify(secret, h, got[0].body, 0, at); err != nil {
					t.Fatalf("Verify: %v", err)
				}
			}
		})
	}
}

func TestSendFailsOnOtherStatusesAndKeepsTheAnswer(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusGone, http.StatusTooManyRequests} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv := startServer(t, &recorder{status: status, body: []byte(`{"error":"nope"}`)})
			a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, srv.URL))
			if a.Success || a.Status != status || a.ErrorCode != CodeNon2xx || !strings.Contains(a.Error, strconv.Itoa(status)) {
				t.Fatalf("attempt %+v", a)
			}
			if a.ResponseBody != `{"error":"nope"}` {
				t.Fatalf("response body %q", a.ResponseBody)
			}
		})
	}
}

func TestSendTimesOutOnASlowEndpoint(t *testing.T) {
	release := make(chan struct{})
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release) // before srv.Close, which waits for the handler
	s := localSender(SenderOptions{Timeout: 200 * time.Millisecond})
	start := time.Now()
	a := s.Send(context.Background(), testRequest(t, srv.URL))
	if a.Success || a.ErrorCode != CodeTimeout || a.Status != 0 || !strings.Contains(a.Error, "200ms") {
		t.Fatalf("attempt %+v", a)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %s", took)
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var targetHits atomic.Int32
	target := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	for _, status := range []int{http.StatusFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", status)
		}))
		a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, srv.URL))
		if a.Success || a.Status != status || a.ErrorCode != CodeRedirect {
			t.Fatalf("%d: attempt %+v", status, a)
		}
	}
	if n := targetHits.Load(); n != 0 {
		t.Fatalf("the redirect target was hit %d times", n)
	}
}

func TestSendReadsAtMostMaxResponseOfALargeAnswer(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(bytes.Repeat([]byte("a"), 1<<20))
	}))
	a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, srv.URL))
	if !a.Success || len(a.ResponseBody) != ResponseBodyKept {
		t.Fatalf("success %v, kept %d bytes", a.Success, len(a.ResponseBody))
	}
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestReadCappedReadsNoMoreThanTheCap(t *testing.T) {
	src := &countingReader{r: bytes.NewReader(make([]byte, 1<<20))}
	b, err := readCapped(src, DefaultMaxResponse)
	if err != nil || len(b) != DefaultMaxResponse || src.n != DefaultMaxResponse {
		t.Fatalf("got %d bytes, read %d, %v", len(b), src.n, err)
	}
}

func TestTextPrefix(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short ASCII is kept", "ok", 1024, "ok"},
		{"ASCII is cut at n", "abcdef", 4, "abcd"},
		{"a character is not cut in half", "abc€", 5, "abc"},
		{"an invalid byte becomes U+FFFD", "a\xffb", 10, "a\uFFFDb"},
		{"a run of invalid bytes becomes one U+FFFD", "a\xff\xfe\xfdb", 10, "a\uFFFDb"},
		{"a truncated character at the end becomes U+FFFD", "ab\xe2\x82", 10, "ab\uFFFD"},
		{"U+FFFD that does not fit is dropped", "abc\xff", 5, "abc"},
		{"empty", "", 10, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := textPrefix([]byte(tt.in), tt.n)
			if got != tt.want || !utf8.ValidString(got) || len(got) > tt.n {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSendKeepsTheAnswerAsValidUTF8(t *testing.T) {
	answer := append(bytes.Repeat([]byte("é"), 511), 0xff, 0xfe, 'x') // 1022 bytes of é, 2 invalid, 1 ASCII
	srv := startServer(t, &recorder{status: http.StatusBadRequest, body: answer})
	a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, srv.URL))
	if !utf8.ValidString(a.ResponseBody) || len(a.ResponseBody) > ResponseBodyKept {
		t.Fatalf("response body of %d bytes, valid %v", len(a.ResponseBody), utf8.ValidString(a.ResponseBody))
	}
	if !strings.HasSuffix(a.ResponseBody, "é") || strings.Count(a.ResponseBody, "é") != 511 {
		t.Fatalf("response body ends with %q", a.ResponseBody[len(a.ResponseBody)-4:])
	}
}

func TestSendRefusesBlockedAddressesInProduction(t *testing.T) {
	rec := &recorder{status: http.StatusOK}
	srv := startServer(t, rec)
	u, _ := url.Parse(srv.URL)
	port := u.Port()
	prod := NewSender(SenderOptions{Timeout: 2 * time.Second})

	for _, raw := range []string{srv.URL, "https://127.0.0.1:" + port, "https://localhost:" + port, "https://[::1]:" + port} {
		a := prod.Send(context.Background(), testRequest(t, raw))
		if a.Success || a.ErrorCode != CodeInvalidURL {
			t.Fatalf("%s: attempt %+v", raw, a)
		}
	}
	// Past the URL check (as if the name had resolved to a public address when it was
	// registered), the dialer refuses at connect time.
	for _, raw := range []string{srv.URL, "http://localhost:" + port, "https://localhost:" + port} {
		target, _ := url.Parse(raw)
		a := prod.deliver(context.Background(), target, testRequest(t, raw), time.Now())
		if a.Success || a.ErrorCode != CodeBlockedAddress || a.Error != errBlockedAddress.Error() {
			t.Fatalf("%s: attempt %+v", raw, a)
		}
		if strings.Contains(a.Error, "127.0.0.1") {
			t.Fatalf("the error names the address: %q", a.Error)
		}
	}
	if n := len(rec.requests()); n != 0 {
		t.Fatalf("the endpoint was reached %d times", n)
	}
}

func TestSendRefusesPrivateAddressesEvenLocally(t *testing.T) {
	s := localSender(SenderOptions{Timeout: 2 * time.Second})
	target, _ := url.Parse("https://169.254.169.254/latest/meta-data/")
	a := s.deliver(context.Background(), target, testRequest(t, target.String()), time.Now())
	if a.ErrorCode != CodeBlockedAddress {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendOverTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(&recorder{status: http.StatusOK})
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)

	s := localSender(SenderOptions{})
	a := s.Send(context.Background(), testRequest(t, srv.URL))
	if a.ErrorCode != CodeTLS || a.Success {
		t.Fatalf("an untrusted certificate: %+v", a)
	}
	trust(s, srv)
	if a := s.Send(context.Background(), testRequest(t, srv.URL)); !a.Success {
		t.Fatalf("a trusted certificate: %+v", a)
	}
}

func TestSendRefusesTLSBelow1_2(t *testing.T) {
	srv := httptest.NewUnstartedServer(&recorder{status: http.StatusOK})
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}
	srv.Config.ErrorLog = quietLog
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s := localSender(SenderOptions{})
	trust(s, srv)
	if a := s.Send(context.Background(), testRequest(t, srv.URL)); a.ErrorCode != CodeTLS {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendToAPlainHTTPServerOverHTTPSFailsWithTLS(t *testing.T) {
	srv := startServer(t, &recorder{status: http.StatusOK})
	if a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, strings.Replace(srv.URL, "http:", "https:", 1))); a.ErrorCode != CodeTLS {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendReportsARefusedConnection(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, "http://"+addr+"/hook"))
	if a.ErrorCode != CodeConnectionFailed || a.Status != 0 {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendReportsAConnectionClosedWithoutAnswer(t *testing.T) {
	srv := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	if a := localSender(SenderOptions{}).Send(context.Background(), testRequest(t, srv.URL)); a.ErrorCode != CodeConnectionFailed {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendReportsAFailedLookup(t *testing.T) {
	s := NewSender(SenderOptions{Timeout: 2 * time.Second})
	s.dialer.Resolver = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS server in this test")
	}}
	a := s.Send(context.Background(), testRequest(t, "https://hooks.example.com/in"))
	if a.ErrorCode != CodeDNSFailed || strings.Contains(a.Error, "no DNS server") {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendRefusesAnInvalidURLWithoutConnecting(t *testing.T) {
	a := NewSender(SenderOptions{}).Send(context.Background(), testRequest(t, "ftp://hooks.example.com/in"))
	if a.ErrorCode != CodeInvalidURL || a.Error != "the URL must use https" || a.At.IsZero() {
		t.Fatalf("attempt %+v", a)
	}
}

func TestSendRefusesAnUnsignableRequest(t *testing.T) {
	rec := &recorder{status: http.StatusOK}
	srv := startServer(t, rec)
	req := testRequest(t, srv.URL)
	req.Secrets = nil
	if a := localSender(SenderOptions{}).Send(context.Background(), req); a.ErrorCode != CodeInvalidRequest {
		t.Fatalf("attempt %+v", a)
	}
	req = testRequest(t, srv.URL, "whsec_"+strings.Repeat("A", 100))
	a := localSender(SenderOptions{}).Send(context.Background(), req)
	if a.ErrorCode != CodeInvalidRequest || strings.Contains(a.Error, "AAAA") {
		t.Fatalf("attempt %+v", a)
	}
	if n := len(rec.requests()); n != 0 {
		t.Fatalf("%d requests sent", n)
	}
}

func TestSendReusesConnections(t *testing.T) {
	rec := &recorder{status: http.StatusOK}
	srv := startServer(t, rec)
	s := localSender(SenderOptions{})
	for range 3 {
		if a := s.Send(context.Background(), testRequest(t, srv.URL)); !a.Success {
			t.Fatalf("attempt %+v", a)
		}
	}
	got := rec.requests()
	if got[0].remote != got[1].remote || got[1].remote != got[2].remote {
		t.Fatalf("remote addresses %s, %s, %s", got[0].remote, got[1].remote, got[2].remote)
	}
}

func TestSenderIgnoresProxiesAndDefaults(t *testing.T) {
	s := NewSender(SenderOptions{})
	if s.transport.Proxy != nil {
		t.Fatal("the transport reads proxies from the environment")
	}
	if s.transport.TLSClientConfig.MinVersion != tls.VersionTLS12 {
		t.Fatal("TLS below 1.2 allowed")
	}
	if s.timeout != DefaultTimeout || s.maxResponse != DefaultMaxResponse || s.userAgent != DefaultUserAgent {
		t.Fatalf("defaults %s %d %q", s.timeout, s.maxResponse, s.userAgent)
	}
}

func TestSendUsesTheCallersContext(t *testing.T) {
	srv := startServer(t, &recorder{status: http.StatusOK})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if a := localSender(SenderOptions{}).Send(ctx, testRequest(t, srv.URL)); a.Success || a.ErrorCode != CodeTimeout {
		t.Fatalf("attempt %+v", a)
	}
}
