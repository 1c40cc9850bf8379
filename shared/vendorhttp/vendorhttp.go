// Package vendorhttp is the HTTP plumbing the identity vendors' API clients
// (shared/sumsub, shared/metamap) share: the errors of an attempt, which of
// them are worth another attempt, the wait before it, and a capped read of
// the answer, and the exchange itself (Do). Each client keeps its own
// requests, authentication and API error type.
package vendorhttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// NetError marks a failure to get an answer: retried for calls safe to
// repeat. It drops *url.Error's URL, which may hold our user id, and keeps
// its cause for errors.Is.
type NetError struct {
	Vendor, Op string
	Err        error
}

// NewNetError wraps err, the failure of operation op ("GET /path").
func NewNetError(vendor, op string, err error) *NetError {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &NetError{Vendor: vendor, Op: op, Err: err}
}

func (e *NetError) Error() string { return e.Vendor + ": " + e.Op + ": " + e.Err.Error() }
func (e *NetError) Unwrap() error { return e.Err }

// StatusError is a non-2xx answer: the vendor's API error (Err), its HTTP
// status and its Retry-After.
type StatusError struct {
	Err        error
	Status     int
	RetryAfter string
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// Transient says whether an attempt's error is worth another attempt: no
// answer at all, a 429 or a 5xx.
func Transient(err error) bool {
	var ne *NetError
	if errors.As(err, &ne) {
		return true
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return false
}

// Backoff is the wait between attempts.
type Backoff struct {
	Base, Max     time.Duration // full jitter over Base·2^(attempt-1), at most Max
	MaxRetryAfter time.Duration // the longest Retry-After honoured
}

// Delay is the wait before attempt (1 or more): the Retry-After in seconds
// of the last answer when it had one (up to MaxRetryAfter), else half of
// Base·2^(attempt-1), capped at Max, plus a random part up to as much.
func (b Backoff) Delay(attempt int, lastErr error) time.Duration {
	var se *StatusError
	if errors.As(lastErr, &se) && se.RetryAfter != "" {
		if s, err := strconv.Atoi(se.RetryAfter); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, b.MaxRetryAfter)
		}
	}
	d := min(b.Base<<min(max(attempt-1, 0), 20), b.Max)
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d, or until ctx ends (its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ReadCapped reads at most limit bytes and fails with tooLarge past that.
func ReadCapped(r io.Reader, limit int64, tooLarge error) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}

// Do sends req and reads the answer, at most limit bytes. A failure to get
// or read it is a NetError of vendor and op ("GET /path", without
// personal data), an answer over limit is tooLarge, and a status outside
// 2xx a StatusError wrapping apiErr(status, body).
func Do[E error](hc *http.Client, req *http.Request, vendor, op string, limit int64, tooLarge error, apiErr func(int, []byte) E) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, NewNetError(vendor, op, err)
	}
	defer resp.Body.Close()
	data, err := ReadCapped(resp.Body, limit, tooLarge)
	if err != nil {
		if errors.Is(err, tooLarge) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return nil, NewNetError(vendor, op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{Err: apiErr(resp.StatusCode, data), Status: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
	}
	return data, nil
}
