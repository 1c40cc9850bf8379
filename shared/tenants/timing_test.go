package tenants

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// callLog records the DynamoDB operations a store makes, in order, so a test can compare
// what two code paths do against the emulator.
type callLog struct {
	*dynamodb.Client // what is not counted below passes through
	mu               sync.Mutex
	ops              []string
}

func (c *callLog) note(op string) {
	c.mu.Lock()
	c.ops = append(c.ops, op)
	c.mu.Unlock()
}

// take returns the operations recorded since the last call and forgets them.
func (c *callLog) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ops
	c.ops = nil
	return out
}

func (c *callLog) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.note("GetItem")
	return c.Client.GetItem(ctx, in, o...)
}

func (c *callLog) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.note("PutItem")
	return c.Client.PutItem(ctx, in, o...)
}

func (c *callLog) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.note("UpdateItem")
	return c.Client.UpdateItem(ctx, in, o...)
}

func (c *callLog) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.note("DeleteItem")
	return c.Client.DeleteItem(ctx, in, o...)
}

func (c *callLog) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.note("Query")
	return c.Client.Query(ctx, in, o...)
}

func (c *callLog) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.note("BatchGetItem")
	return c.Client.BatchGetItem(ctx, in, o...)
}

func (c *callLog) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.note("TransactWriteItems")
	return c.Client.TransactWriteItems(ctx, in, o...)
}

// countedFixture is a fixture whose store and audit trail report their DynamoDB calls.
func countedFixture(t *testing.T, opts ...Option) (fixture, *callLog) {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := &callLog{Client: dynamodb.NewFromConfig(cfg)} // no concurrent writers here
	st, al := store.New(db, table, store.WithCursorSecret(testCursorSecret(t))), audit.New(db, table)
	return fixture{svc: NewService(st, al, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...), st: st, audit: al}, db
}

// measureEnv turns on the measurements, which assert nothing and take 10-20 s.
const measureEnv = "CHAINGUARD_MEASURE"

// TestMeasureFailedAuthenticationTiming measures what a hostile client can time: an
// unknown key id against a known key id with a wrong secret, interleaved so that drift in
// the emulator hits both alike, once with the same work only and once with the default
// floor. It reports the medians (timing is not asserted: moto's latency is not AWS's,
// and the machine is shared); the floor itself is asserted by
// TestFailedAuthenticationsTakeAtLeastTheFloor. It runs only on request:
// CHAINGUARD_MEASURE=1 go test -v -run MeasureFailed ./shared/tenants/ prints them.
func TestMeasureFailedAuthenticationTiming(t *testing.T) {
	if os.Getenv(measureEnv) != "1" {
		t.Skipf("a measurement (10-20 s, asserts nothing): run it with %s=1 go test -v -run MeasureFailed ./shared/tenants/", measureEnv)
	}
	noFloor := DefaultFailurePolicy
	noFloor.Floor = 0
	t.Run("same work, no floor", func(t *testing.T) { measureFailures(t, noFloor, 300) })
	// Fewer rounds: each takes the floor twice, and the spread is the timer's.
	t.Run("same work and the default floor", func(t *testing.T) { measureFailures(t, DefaultFailurePolicy, 100) })
}

func measureFailures(t *testing.T, policy FailurePolicy, n int) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) // one failure window throughout
	f, calls := countedFixture(t, WithClock(func() time.Time { return at }), WithFailurePolicy(policy))
	ctx := context.Background()
	_, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := "Bearer " + key.Secret[:len(key.Secret)-4] + "AAAA"
	unknownKey := "Bearer " + keyPrefix + "01J00000000000000000000000" + key.Secret[len(keyPrefix)+keyIDLen:]

	// Past the burst threshold first, so that neither path writes its (one-off) audit
	// entry during the measurement.
	for range 2 * policy.Threshold {
		_, _ = f.svc.Authenticate(ctx, wrongSecret)
		_, _ = f.svc.Authenticate(ctx, unknownKey)
	}
	calls.take()

	var unknown, wrong []time.Duration
	var unknownOps, wrongOps []string
	for i := range n {
		for _, c := range []struct {
			header string
			into   *[]time.Duration
			ops    *[]string
		}{{unknownKey, &unknown, &unknownOps}, {wrongSecret, &wrong, &wrongOps}} {
			start := time.Now()
			_, err := f.svc.Authenticate(ctx, c.header)
			*c.into = append(*c.into, time.Since(start))
			if err == nil {
				t.Fatal("a bad credential was accepted")
			}
			if ops := calls.take(); i == 0 {
				*c.ops = ops
			}
		}
	}
	t.Logf("unknown key id: median %v p90 %v, calls %v", quantile(unknown, 0.5), quantile(unknown, 0.9), unknownOps)
	t.Logf("wrong secret:   median %v p90 %v, calls %v", quantile(wrong, 0.5), quantile(wrong, 0.9), wrongOps)
	t.Logf("median difference (wrong secret - unknown key): %v", quantile(wrong, 0.5)-quantile(unknown, 0.5))
}

func quantile(ds []time.Duration, q float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// What a prober can observe besides time: both failures answer the same 401 after the
// same DynamoDB calls (one GetItem, one counter increment).
func TestUnknownKeysAndWrongSecretsMakeTheSameCalls(t *testing.T) {
	at := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f, calls := countedFixture(t, WithClock(func() time.Time { return at }))
	ctx := context.Background()
	_, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	calls.take()
	wrong := "Bearer " + key.Secret[:len(key.Secret)-4] + "AAAA"
	unknown := "Bearer " + keyPrefix + "01J00000000000000000000000" + key.Secret[len(keyPrefix)+keyIDLen:]
	_, errWrong := f.svc.Authenticate(ctx, wrong)
	wrongOps := calls.take()
	_, errUnknown := f.svc.Authenticate(ctx, unknown)
	unknownOps := calls.take()
	if errWrong != errInvalidKey || errUnknown != errInvalidKey {
		t.Fatalf("errors: %v / %v, want the same 401", errWrong, errUnknown)
	}
	want := []string{"GetItem", "UpdateItem"}
	if !slices.Equal(wrongOps, want) || !slices.Equal(unknownOps, want) {
		t.Fatalf("calls: wrong secret %v, unknown key %v, want %v each", wrongOps, unknownOps, want)
	}
}

// The floor is what hides from a prober whether a key id exists: every 401 for a bad
// credential takes at least FailurePolicy.Floor, and nothing else does. A small floor
// keeps the test fast; a caller whose key works (or is suspended) must not wait for it,
// which the fastest of a few tries shows without depending on the machine's load.
func TestFailedAuthenticationsTakeAtLeastTheFloor(t *testing.T) {
	const floor = 30 * time.Millisecond
	policy := DefaultFailurePolicy
	policy.Floor = floor
	f := newFixture(t, WithFailurePolicy(policy))
	ctx := context.Background()
	_, key, err := f.svc.CreateTenant(ctx, staff, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	suspended, frozen, err := f.svc.CreateTenant(ctx, staff, "Frozen Desk", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Suspend(ctx, staff, suspended.ID, "other"); err != nil {
		t.Fatal(err)
	}
	timed := func(header string) (time.Duration, error) {
		start := time.Now()
		_, err := f.svc.Authenticate(ctx, header)
		return time.Since(start), err
	}

	for name, header := range map[string]string{
		"an unknown key id": "Bearer " + keyPrefix + "01J00000000000000000000000" + key.Secret[len(keyPrefix)+keyIDLen:],
		"a wrong secret":    "Bearer " + key.Secret[:len(key.Secret)-4] + "AAAA",
		"a malformed key":   "Bearer cgk_nope",
	} {
		t.Run(name+" answers 401 no sooner than the floor", func(t *testing.T) {
			for range 3 {
				took, err := timed(header)
				if codeOf(err) != "invalid_api_key" {
					t.Fatalf("err = %v, want 401 invalid_api_key", err)
				}
				if took < floor {
					t.Fatalf("answered after %v, before the floor of %v", took, floor)
				}
			}
		})
	}

	for name, c := range map[string]struct {
		header string
		code   string
	}{
		"a valid key is":              {"Bearer " + key.Secret, ""},
		"a suspended tenant's 403 is": {"Bearer " + frozen.Secret, "tenant_suspended"},
	} {
		t.Run(name+" not held back by the floor", func(t *testing.T) {
			fastest := time.Hour
			for range 5 {
				took, err := timed(c.header)
				if codeOf(err) != c.code || (c.code == "") != (err == nil) {
					t.Fatalf("err = %v, want %q", err, c.code)
				}
				fastest = min(fastest, took)
			}
			if fastest >= floor {
				t.Fatalf("the fastest of 5 answers took %v: held back by the floor of %v", fastest, floor)
			}
		})
	}
}
