package vendorhttp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAnAttemptIsRetriedOnlyWithoutAnAnswerOnA429OrA5xx(t *testing.T) {
	api := errors.New("api")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{NewNetError("v", "GET /x", errors.New("reset")), true},
		{&StatusError{Err: api, Status: http.StatusTooManyRequests}, true},
		{&StatusError{Err: api, Status: http.StatusBadGateway}, true},
		{&StatusError{Err: api, Status: http.StatusBadRequest}, false},
		{&StatusError{Err: api, Status: http.StatusConflict}, false},
		{errors.New("other"), false},
	} {
		if got := Transient(c.err); got != c.want {
			t.Errorf("%v: transient %v, want %v", c.err, got, c.want)
		}
	}
}

func TestANetErrorDropsTheURL(t *testing.T) {
	cause := errors.New("connection refused")
	e := NewNetError("sumsub", "GET /resources/applicants/-;externalUserId=usr_1", &url.Error{Op: "Get", URL: "https://api/x?user=usr_secret", Err: cause})
	if strings.Contains(e.Error(), "usr_secret") || !errors.Is(e, cause) || !strings.HasPrefix(e.Error(), "sumsub: GET ") {
		t.Errorf("%q", e.Error())
	}
}

func TestTheWaitHonoursRetryAfterAndStaysWithinItsBounds(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: time.Second, MaxRetryAfter: 5 * time.Second}
	if d := b.Delay(1, &StatusError{Err: errors.New("x"), Status: 429, RetryAfter: "3"}); d != 3*time.Second {
		t.Errorf("Retry-After 3: %v", d)
	}
	if d := b.Delay(1, &StatusError{Err: errors.New("x"), Status: 429, RetryAfter: "3600"}); d != 5*time.Second {
		t.Errorf("Retry-After 3600: %v, want the cap", d)
	}
	for attempt := 1; attempt <= 30; attempt++ {
		full := min(b.Base<<min(attempt-1, 20), b.Max)
		for range 20 {
			if d := b.Delay(attempt, nil); d < full/2 || d > full {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, full/2, full)
			}
		}
	}
}

func TestReadCappedRefusesMoreThanItsLimit(t *testing.T) {
	tooLarge := errors.New("too large")
	if b, err := ReadCapped(strings.NewReader("12345"), 5, tooLarge); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q %v", b, err)
	}
	if _, err := ReadCapped(strings.NewReader("123456"), 5, tooLarge); !errors.Is(err, tooLarge) {
		t.Errorf("past the limit: %v", err)
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("%v", err)
	}
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("%v", err)
	}
}

type testAPIError struct{ status int }

func (e *testAPIError) Error() string { return "api " + http.StatusText(e.status) }

// TestDoTellsAnAnswerFromAStatusFromNoAnswer: the body of a 2xx, a
// StatusError with the vendor's error and Retry-After for the rest, the
// too-large error past the limit, and a NetError without the URL when no
// answer came.
func TestDoTellsAnAnswerFromAStatusFromNoAnswer(t *testing.T) {
	tooLarge := errors.New("too large")
	apiErr := func(status int, _ []byte) *testAPIError { return &testAPIError{status} }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(`{"ok":true}`))
		case "/busy":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/big":
			w.Write([]byte(strings.Repeat("x", 100)))
		}
	}))
	defer srv.Close()
	do := func(path string) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return Do(srv.Client(), req, "v", "GET "+path, 64, tooLarge, apiErr)
	}
	if b, err := do("/ok"); err != nil || string(b) != `{"ok":true}` {
		t.Errorf("/ok: %q %v", b, err)
	}
	var se *StatusError
	var ae *testAPIError
	if _, err := do("/busy"); !errors.As(err, &se) || se.Status != 429 || se.RetryAfter != "7" || !errors.As(err, &ae) || !Transient(err) {
		t.Errorf("/busy: %v", err)
	}
	if _, err := do("/big"); !errors.Is(err, tooLarge) || Transient(err) {
		t.Errorf("/big: %v", err)
	}
	srv.Close()
	var ne *NetError
	if _, err := do("/ok"); !errors.As(err, &ne) || strings.Contains(err.Error(), srv.URL) || !Transient(err) {
		t.Errorf("closed server: %v", err)
	}
}
