package idempotency_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// clock is a settable clock, safe for the goroutines of a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	st    *store.Store
	clock *clock
	svc   *idempotency.Service
}

func setup(t *testing.T, opts ...idempotency.Option) *fixture {
	t.Helper()
	cfg := emulator.TestConfig(t)
	return setupOn(t, store.New(dynamodb.NewFromConfig(cfg), stack.TestTable(t, cfg)), opts...)
}

func setupOn(t *testing.T, st *store.Store, opts ...idempotency.Option) *fixture {
	t.Helper()
	c := &clock{t: time.Now().UTC()}
	return &fixture{st: st, clock: c, svc: idempotency.New(st, append([]idempotency.Option{idempotency.WithClock(c.Now)}, opts...)...)}
}

// counting returns an operation that counts its runs and answers out.
func counting(runs *atomic.Int32, out string) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) {
		runs.Add(1)
		return []byte(out), nil
	}
}

func TestDoRunsOnceAndReplays(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	var runs atomic.Int32

	res, replayed, err := f.svc.Do(ctx, "acme", "create-user", "k1", []byte(`{"name":"ada"}`), counting(&runs, "user-1"))
	if err != nil || replayed || string(res) != "user-1" || runs.Load() != 1 {
		t.Fatalf("first call: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
	}

	t.Run("a retry with the same payload replays the result without running", func(t *testing.T) {
		res, replayed, err := f.svc.Do(ctx, "acme", "create-user", "k1", []byte(`{"name":"ada"}`), counting(&runs, "user-2"))
		if err != nil || !replayed || string(res) != "user-1" || runs.Load() != 1 {
			t.Fatalf("retry: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
		}
	})
	t.Run("the same key with another payload is refused", func(t *testing.T) {
		_, _, err := f.svc.Do(ctx, "acme", "create-user", "k1", []byte(`{"name":"eve"}`), counting(&runs, "x"))
		if !errors.Is(err, idempotency.ErrPayloadMismatch) || runs.Load() != 1 {
			t.Fatalf("err = %v runs=%d, want ErrPayloadMismatch", err, runs.Load())
		}
	})
	t.Run("the same key in another scope or tenant is another operation", func(t *testing.T) {
		for _, c := range []struct {
			tenant store.TenantID
			scope  string
		}{{"acme", "other-op"}, {"globex", "create-user"}} {
			_, replayed, err := f.svc.Do(ctx, c.tenant, c.scope, "k1", []byte(`x`), counting(&runs, "y"))
			if err != nil || replayed {
				t.Fatalf("%v: replayed=%v err=%v", c, replayed, err)
			}
		}
		if runs.Load() != 3 {
			t.Fatalf("runs = %d", runs.Load())
		}
	})
	t.Run("a key with a separator is refused", func(t *testing.T) {
		_, _, err := f.svc.Do(ctx, "acme", "create-user", "k#1", nil, counting(&runs, "x"))
		if !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
	})
	t.Run("a key outside [A-Za-z0-9._:-] is refused without running", func(t *testing.T) {
		before := runs.Load()
		for _, key := range []string{"k 1", "k\t1", "k1,k2", "k\uFFFD", "cl\u00e9"} {
			_, _, err := f.svc.Do(ctx, "acme", "create-user", key, nil, counting(&runs, "x"))
			if !errors.Is(err, store.ErrInvalidKey) {
				t.Errorf("key %q: err = %v, want ErrInvalidKey", key, err)
			}
		}
		if runs.Load() != before {
			t.Fatalf("a refused key ran the operation")
		}
	})
	t.Run("an expired completed record runs the operation again", func(t *testing.T) {
		f.clock.Advance(idempotency.DefaultExpiry + time.Minute)
		before := runs.Load()
		res, replayed, err := f.svc.Do(ctx, "acme", "create-user", "k1", []byte(`{"name":"eve"}`), counting(&runs, "user-3"))
		if err != nil || replayed || string(res) != "user-3" || runs.Load() != before+1 {
			t.Fatalf("after expiry: %q replayed=%v err=%v", res, replayed, err)
		}
	})
}

func TestConcurrentDuplicateIsInProgress(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	started, release := make(chan struct{}), make(chan struct{})
	type outcome struct {
		res []byte
		err error
	}
	first := make(chan outcome, 1)
	go func() {
		res, _, err := f.svc.Do(ctx, "acme", "payout", "p1", []byte("100"), func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("paid"), nil
		})
		first <- outcome{res, err}
	}()
	<-started

	var runs atomic.Int32
	_, _, err := f.svc.Do(ctx, "acme", "payout", "p1", []byte("100"), counting(&runs, "twice"))
	if !errors.Is(err, idempotency.ErrInProgress) || runs.Load() != 0 {
		t.Fatalf("duplicate: err=%v runs=%d, want ErrInProgress", err, runs.Load())
	}
	_, _, err = f.svc.Do(ctx, "acme", "payout", "p1", []byte("999"), counting(&runs, "twice"))
	if !errors.Is(err, idempotency.ErrPayloadMismatch) {
		t.Fatalf("other payload while in progress: err=%v, want ErrPayloadMismatch", err)
	}

	close(release)
	if o := <-first; o.err != nil || string(o.res) != "paid" {
		t.Fatalf("first: %q %v", o.res, o.err)
	}
	res, replayed, err := f.svc.Do(ctx, "acme", "payout", "p1", []byte("100"), counting(&runs, "twice"))
	if err != nil || !replayed || string(res) != "paid" || runs.Load() != 0 {
		t.Fatalf("after completion: %q replayed=%v err=%v", res, replayed, err)
	}
}

func TestConcurrentCallersRunOnce(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	var runs atomic.Int32
	var wg sync.WaitGroup
	var ok, inProgress atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := f.svc.Do(ctx, "acme", "race", "r1", []byte("same"), func(context.Context) ([]byte, error) {
				runs.Add(1)
				time.Sleep(200 * time.Millisecond)
				return []byte("done"), nil
			})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, idempotency.ErrInProgress):
				inProgress.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 || ok.Load()+inProgress.Load() != 8 {
		t.Fatalf("runs=%d ok=%d inProgress=%d", runs.Load(), ok.Load(), inProgress.Load())
	}
}

func TestExpiredLockIsTakenOver(t *testing.T) {
	ctx := context.Background()
	f := setup(t, idempotency.WithLockTimeout(30*time.Second))
	started, release := make(chan struct{}), make(chan struct{})
	crashed := make(chan error, 1)
	go func() {
		// An invocation that hangs past its lock, as a crashed one would.
		_, _, err := f.svc.Do(ctx, "acme", "kyc-start", "s1", []byte("p"), func(context.Context) ([]byte, error) {
			close(started)
			<-release
			return []byte("late"), nil
		})
		crashed <- err
	}()
	<-started

	var runs atomic.Int32
	if _, _, err := f.svc.Do(ctx, "acme", "kyc-start", "s1", []byte("p"), counting(&runs, "x")); !errors.Is(err, idempotency.ErrInProgress) {
		t.Fatalf("before lock expiry: %v, want ErrInProgress", err)
	}
	f.clock.Advance(31 * time.Second)
	res, replayed, err := f.svc.Do(ctx, "acme", "kyc-start", "s1", []byte("p"), counting(&runs, "fresh"))
	if err != nil || replayed || string(res) != "fresh" || runs.Load() != 1 {
		t.Fatalf("takeover: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
	}

	t.Run("the late invocation does not overwrite the new owner's record", func(t *testing.T) {
		close(release)
		if err := <-crashed; err != nil {
			t.Fatalf("late invocation: %v", err)
		}
		res, replayed, err := f.svc.Do(ctx, "acme", "kyc-start", "s1", []byte("p"), counting(&runs, "x"))
		if err != nil || !replayed || string(res) != "fresh" {
			t.Fatalf("replay: %q replayed=%v err=%v", res, replayed, err)
		}
	})
}

// lockRecord reads the raw record (test view of the stored item).
type lockRecord struct {
	store.Meta
	Status     string `dynamodbav:"status"`
	LockExpiry int64  `dynamodbav:"inProgressExpiry"`
	ExpiresAt  int64  `dynamodbav:"expiresAt"`
}

func (lockRecord) EntityType() string { return idempotency.EntityType }

func TestLockFollowsTheDeadline(t *testing.T) {
	f := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	key := store.IdempotencyKey("acme", "webhook", "d1")
	var seen lockRecord
	_, _, err := f.svc.Do(ctx, "acme", "webhook", "d1", nil, func(ctx context.Context) ([]byte, error) {
		return nil, f.st.Get(ctx, key, &seen)
	})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	lockFor := time.UnixMilli(seen.LockExpiry).Sub(now)
	if seen.Status != idempotency.StatusInProgress || lockFor <= 2*time.Second || lockFor > 3*time.Second {
		t.Fatalf("in-progress record %+v: lock for %v, want the 3s deadline", seen, lockFor)
	}
	if got := time.Unix(seen.ExpiresAt, 0).Sub(now); got < 23*time.Hour || got > 25*time.Hour {
		t.Fatalf("expiresAt in %v, want 24h", got)
	}
	var done lockRecord
	if err := f.st.Get(context.Background(), key, &done); err != nil || done.Status != idempotency.StatusCompleted || done.LockExpiry != 0 {
		t.Fatalf("completed record %+v %v", done, err)
	}
}

func TestFailureReleasesTheKey(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	boom := errors.New("vendor down")
	_, _, err := f.svc.Do(ctx, "acme", "screen", "x1", []byte("p"), func(context.Context) ([]byte, error) { return nil, boom })
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the operation's error", err)
	}
	var runs atomic.Int32
	res, replayed, err := f.svc.Do(ctx, "acme", "screen", "x1", []byte("p"), counting(&runs, "ok"))
	if err != nil || replayed || string(res) != "ok" || runs.Load() != 1 {
		t.Fatalf("retry after failure: %q replayed=%v err=%v", res, replayed, err)
	}

	t.Run("a panicking operation releases the key too", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic swallowed")
				}
			}()
			_, _, _ = f.svc.Do(ctx, "acme", "screen", "x2", nil, func(context.Context) ([]byte, error) { panic("bug") })
		}()
		res, _, err := f.svc.Do(ctx, "acme", "screen", "x2", nil, counting(&runs, "after-panic"))
		if err != nil || string(res) != "after-panic" {
			t.Fatalf("after panic: %q %v", res, err)
		}
	})
}

// withoutOldItems is the real client with the item that ReturnValuesOnConditionCheckFailure
// returns stripped from a refused put, as from a backend that ignores the parameter.
type withoutOldItems struct{ *dynamodb.Client }

func (w withoutOldItems) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := w.Client.PutItem(ctx, in, o...)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		ccf.Item = nil
	}
	return out, err
}

func TestWithoutOldItemsTheRecordIsRead(t *testing.T) {
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	f := setupOn(t, store.New(withoutOldItems{dynamodb.NewFromConfig(cfg)}, stack.TestTable(t, cfg)))
	var runs atomic.Int32
	if _, _, err := f.svc.Do(ctx, "acme", "op", "k", []byte("a"), counting(&runs, "r")); err != nil {
		t.Fatal(err)
	}
	res, replayed, err := f.svc.Do(ctx, "acme", "op", "k", []byte("a"), counting(&runs, "again"))
	if err != nil || !replayed || string(res) != "r" || runs.Load() != 1 {
		t.Fatalf("replay: %q replayed=%v err=%v", res, replayed, err)
	}
	if _, _, err := f.svc.Do(ctx, "acme", "op", "k", []byte("b"), counting(&runs, "x")); !errors.Is(err, idempotency.ErrPayloadMismatch) {
		t.Fatalf("err = %v, want ErrPayloadMismatch", err)
	}
}

func TestValidKeysAreShortASCIIWords(t *testing.T) {
	for key, want := range map[string]bool{
		"3f2b8c9e-1d4a-4b6f-9a7e-2c5d8e1f0a3b": true,
		"01ARZ3NDEKTSV4RRFFQ69G5FAV":           true,
		"req_8f2Kx:retry.1":                    true,
		"":                                     false,
		"   ":                                  false,
		"a\tb":                                 false,
		"a,b":                                  false,
		"k\uFFFD":                              false,
		"k\xff":                                false,
	} {
		if got := idempotency.ValidKey(key); got != want {
			t.Errorf("ValidKey(%q) = %v, want %v", key, got, want)
		}
	}
	long := make([]byte, idempotency.MaxKeyLen+1)
	for i := range long {
		long[i] = 'k'
	}
	if !idempotency.ValidKey(string(long[:idempotency.MaxKeyLen])) || idempotency.ValidKey(string(long)) {
		t.Fatalf("the length limit is not %d", idempotency.MaxKeyLen)
	}
}
