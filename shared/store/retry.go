package store

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"time"
)

// Backoff is the wait before a retry, grown with the attempt number n the caller counts
// (its first retry is whatever n it starts from):
//
//   - the wait is Base<<n (doubling), or Base*(n+1) when Linear, at most Max when Max is
//     set;
//   - with Full it is instead a random time below that (full jitter);
//   - a random time below Jitter is added, and Min.
//
// The packages keep their own curves (see their conflict-retry policies); Backoff is the
// one implementation of them.
type Backoff struct {
	Base   time.Duration
	Linear bool
	Max    time.Duration
	Full   bool
	Jitter time.Duration
	Min    time.Duration
}

// ConflictBackoff doubles from 5ms to 320ms, plus up to 10ms: what movements and trades
// wait before deciding again after a lost race.
var ConflictBackoff = Backoff{Base: 5 * time.Millisecond, Max: 320 * time.Millisecond, Jitter: 10 * time.Millisecond}

// Delay is the wait before retry n.
func (b Backoff) Delay(n int) time.Duration {
	n = min(max(n, 0), 62) // beyond, every curve is at its Max (or the largest wait there is)
	d := b.Base
	switch {
	case b.Linear:
		d *= time.Duration(n + 1)
	default:
		for i := 0; i < n && d <= math.MaxInt64/4 && (b.Max <= 0 || d < b.Max); i++ {
			d *= 2
		}
	}
	if b.Max > 0 {
		d = min(d, b.Max)
	}
	if b.Full {
		d = randBelow(d)
	}
	return d + randBelow(b.Jitter) + b.Min
}

func randBelow(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)))
}

// Wait waits Delay(n), or answers ctx.Err() as soon as ctx is done (at once when it
// already is).
func (b Backoff) Wait(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := time.NewTimer(b.Delay(n))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RetryPolicy is how a package retries an operation that lost an optimistic race.
type RetryPolicy struct {
	// Attempts is how many times fn is called at most (at least once).
	Attempts int
	// Backoff is the wait between two calls; the first wait is Backoff.Delay(0).
	Backoff Backoff
	// AlreadyExists counts ErrAlreadyExists as a lost race too: an item fn creates was
	// created meanwhile by a concurrent call, which fn reads on its next attempt.
	AlreadyExists bool
}

// RetryConflicts calls fn until it returns something other than a conflict (ErrConflict,
// and ErrAlreadyExists when the policy says so), at most p.Attempts times, waiting
// p.Backoff between calls (never after the last). It answers fn's last error, or
// ctx.Err() when ctx is done during a wait. fn reads what it decides on again each time.
func RetryConflicts(ctx context.Context, p RetryPolicy, fn func() error) error {
	for n := 0; ; n++ {
		err := fn()
		if !errors.Is(err, ErrConflict) && (!p.AlreadyExists || !errors.Is(err, ErrAlreadyExists)) {
			return err
		}
		if n+1 >= p.Attempts {
			return err
		}
		if werr := p.Backoff.Wait(ctx, n); werr != nil {
			return werr
		}
	}
}
