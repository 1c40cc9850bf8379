package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

const ms = time.Millisecond

// The curves the packages use, each as its copy computed it before RetryConflicts: the
// waits stay within these bounds, and where there is jitter they vary.
func TestBackoffKeepsEachPackagesCurve(t *testing.T) {
	for _, c := range []struct {
		name   string
		b      Backoff
		bounds func(n int) (lo, hi time.Duration) // lo <= wait < hi
	}{
		{"movements and trades: 5ms doubling to 320ms, plus 0-10ms", ConflictBackoff,
			func(n int) (time.Duration, time.Duration) { d := 5 * ms << min(n, 6); return d, d + 10*ms }},
		{"alerts: 5ms more each time, plus 0-5ms", Backoff{Base: 5 * ms, Linear: true, Jitter: 5 * ms},
			func(n int) (time.Duration, time.Duration) { d := time.Duration(5*(n+1)) * ms; return d, d + 5*ms }},
		{"onboarding: 5ms more each time, no jitter", Backoff{Base: 5 * ms, Linear: true},
			func(n int) (time.Duration, time.Duration) { d := time.Duration(5*(n+1)) * ms; return d, d + 1 }},
		{"ledger: full jitter below 10ms doubling", Backoff{Base: 10 * ms, Full: true},
			func(n int) (time.Duration, time.Duration) { return 0, 10 * ms << n }},
		{"audit: full jitter below 1ms doubling to 100ms, plus 1ms", Backoff{Base: ms, Max: 100 * ms, Full: true, Min: ms},
			func(n int) (time.Duration, time.Duration) { return ms, ms + min(ms<<min(n, 7), 100*ms) }},
	} {
		for n := range 12 {
			lo, hi := c.bounds(n)
			seen := map[time.Duration]bool{}
			for range 200 {
				d := c.b.Delay(n)
				if d < lo || d >= hi {
					t.Fatalf("%s: attempt %d waits %v, want [%v, %v)", c.name, n, d, lo, hi)
				}
				seen[d] = true
			}
			if jitter := hi-lo > 1; jitter != (len(seen) > 1) {
				t.Errorf("%s: attempt %d: %d distinct waits in 200", c.name, n, len(seen))
			}
		}
	}
	// A large attempt number neither overflows nor goes past Max.
	for _, b := range []Backoff{{Base: 10 * ms}, {Base: 5 * ms, Linear: true}, {Base: 5 * ms, Max: 320 * ms}} {
		if d := b.Delay(1 << 20); d <= 0 || (b.Max > 0 && d > b.Max) {
			t.Errorf("%+v: attempt 2^20 waits %v", b, d)
		}
	}
}

// fast is a policy whose waits do not slow the test down.
func fast(attempts int) RetryPolicy {
	return RetryPolicy{Attempts: attempts, Backoff: Backoff{Base: time.Microsecond, Jitter: time.Microsecond}}
}

func TestRetryConflictsRetriesOnlyLostRacesAndAtMostAttemptsTimes(t *testing.T) {
	ctx := context.Background()
	conflict := fmt.Errorf("store: update T#a/x: %w", ErrConflict)
	exists := &TxError{Err: ErrAlreadyExists}
	other := errors.New("boom")
	for _, c := range []struct {
		name   string
		p      RetryPolicy
		errs   []error // fn's answers, in turn (nil after them)
		calls  int
		result error
	}{
		{"success at once", fast(8), nil, 1, nil},
		{"conflicts then success", fast(8), []error{conflict, conflict}, 3, nil},
		{"conflicts to the end", fast(5), []error{conflict, conflict, conflict, conflict, conflict, conflict}, 5, ErrConflict},
		{"another error is not retried", fast(8), []error{conflict, other}, 2, other},
		{"not-found is not retried", fast(8), []error{ErrNotFound}, 1, ErrNotFound},
		{"already-exists is not a conflict by default", fast(8), []error{exists}, 1, ErrAlreadyExists},
		{"already-exists is one when the policy says so", RetryPolicy{Attempts: 10, AlreadyExists: true, Backoff: fast(1).Backoff}, []error{exists, conflict, exists}, 4, nil},
		{"one attempt", fast(1), []error{conflict}, 1, ErrConflict},
		{"no attempts given: still one call", fast(0), []error{conflict}, 1, ErrConflict},
	} {
		calls := 0
		err := RetryConflicts(ctx, c.p, func() error {
			calls++
			if calls <= len(c.errs) {
				return c.errs[calls-1]
			}
			return nil
		})
		if calls != c.calls || !errors.Is(err, c.result) || (c.result == nil && err != nil) {
			t.Errorf("%s: %d calls, %v; want %d calls, %v", c.name, calls, err, c.calls, c.result)
		}
	}
}

func TestRetryConflictsStopsWhenTheContextIsDone(t *testing.T) {
	// Cancelled while the first conflict is answered: no second call, ctx's error.
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := RetryConflicts(ctx, RetryPolicy{Attempts: 8, Backoff: Backoff{Base: time.Hour}}, func() error {
		calls++
		cancel()
		return ErrConflict
	})
	if calls != 1 || !errors.Is(err, context.Canceled) {
		t.Fatalf("%d calls, %v", calls, err)
	}
	// Cancelled during the last call: the last error is answered, there is no wait after it.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	calls = 0
	err = RetryConflicts(ctx2, fast(3), func() error {
		calls++
		if calls == 3 {
			cancel2()
		}
		return ErrConflict
	})
	if calls != 3 || !errors.Is(err, ErrConflict) {
		t.Fatalf("cancelled in the last call: %d calls, %v", calls, err)
	}
	// A wait on a context already done answers at once.
	if err := (Backoff{Base: time.Hour}).Wait(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait: %v", err)
	}
}
