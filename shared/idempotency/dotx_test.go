package idempotency_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/store"
)

// effect is the item an operation stores: its transaction is where DoTx's completion goes.
type effect struct {
	store.Meta
	Name string `dynamodbav:"name"`
}

func (effect) EntityType() string { return "effect" }

func effectKey(id string) store.Key { return store.Key{PK: "T#acme#EFFECT#" + id, SK: "EFFECT"} }

// storeEffect is an operation that creates effect id in one transaction with the key's
// completion, counting its runs; after, if set, runs once the transaction has committed
// (a response lost to the deadline).
func storeEffect(st *store.Store, runs *atomic.Int32, id string, after func(context.Context) error) func(context.Context, *idempotency.Completion) error {
	return func(ctx context.Context, done *idempotency.Completion) error {
		runs.Add(1)
		tx := st.Tx().Create(effectKey(id), effect{Name: id})
		done.Stage(tx, []byte(id))
		if err := tx.Exec(ctx); err != nil {
			return err
		}
		if after != nil {
			return after(ctx)
		}
		return nil
	}
}

func (f *fixture) status(t *testing.T, scope, key string) string {
	t.Helper()
	var rec lockRecord
	switch err := f.st.Get(context.Background(), store.IdempotencyKey("acme", scope, key), &rec); {
	case errors.Is(err, store.ErrNotFound):
		return "absent"
	case err != nil:
		t.Fatal(err)
	}
	return rec.Status
}

func (f *fixture) exists(t *testing.T, id string) bool {
	t.Helper()
	err := f.st.Get(context.Background(), effectKey(id), &effect{})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func TestDoTxCompletesTheKeyInTheOperationsTransaction(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	var runs atomic.Int32
	res, replayed, err := f.svc.DoTx(ctx, "acme", "op", "t1", []byte("p"), storeEffect(f.st, &runs, "e1", nil))
	if err != nil || replayed || string(res) != "e1" || !f.exists(t, "e1") || f.status(t, "op", "t1") != idempotency.StatusCompleted {
		t.Fatalf("first: %q replayed=%v err=%v", res, replayed, err)
	}
	res, replayed, err = f.svc.DoTx(ctx, "acme", "op", "t1", []byte("p"), storeEffect(f.st, &runs, "e2", nil))
	if err != nil || !replayed || string(res) != "e1" || runs.Load() != 1 || f.exists(t, "e2") {
		t.Fatalf("replay: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
	}
}

func TestDoTxAfterACommitWhoseAnswerWasLost(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	var runs atomic.Int32
	lost := func(context.Context) error {
		return fmt.Errorf("operation error DynamoDB: TransactWriteItems: %w", context.DeadlineExceeded)
	}
	_, _, err := f.svc.DoTx(ctx, "acme", "op", "t2", []byte("p"), storeEffect(f.st, &runs, "e1", lost))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	t.Run("the release does not delete the completed record", func(t *testing.T) {
		if got := f.status(t, "op", "t2"); got != idempotency.StatusCompleted {
			t.Fatalf("record is %s", got)
		}
	})
	t.Run("the retry replays the committed result without running", func(t *testing.T) {
		res, replayed, err := f.svc.DoTx(ctx, "acme", "op", "t2", []byte("p"), storeEffect(f.st, &runs, "e2", nil))
		if err != nil || !replayed || string(res) != "e1" || runs.Load() != 1 || f.exists(t, "e2") {
			t.Fatalf("retry: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
		}
	})
}

func TestDoTxThatFailsBeforeItsCommitLeavesNothing(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	var runs atomic.Int32
	boom := errors.New("kms unavailable")
	_, _, err := f.svc.DoTx(ctx, "acme", "op", "t3", []byte("p"), func(context.Context, *idempotency.Completion) error {
		runs.Add(1)
		return boom
	})
	if !errors.Is(err, boom) || f.status(t, "op", "t3") != "absent" {
		t.Fatalf("err = %v, record %s; want the operation's error and no record", err, f.status(t, "op", "t3"))
	}
	res, replayed, err := f.svc.DoTx(ctx, "acme", "op", "t3", []byte("p"), storeEffect(f.st, &runs, "e1", nil))
	if err != nil || replayed || string(res) != "e1" || runs.Load() != 2 {
		t.Fatalf("retry: %q replayed=%v err=%v runs=%d", res, replayed, err, runs.Load())
	}
}

func TestDoTxWhoseLockWasTakenOverStoresNothing(t *testing.T) {
	ctx := context.Background()
	f := setup(t, idempotency.WithLockTimeout(30*time.Second))
	var runs atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	late := make(chan error, 1)
	go func() {
		// An invocation that stalls past its lock before committing.
		_, _, err := f.svc.DoTx(ctx, "acme", "op", "t4", []byte("p"), func(ctx context.Context, done *idempotency.Completion) error {
			close(started)
			<-release
			return storeEffect(f.st, &runs, "late", nil)(ctx, done)
		})
		late <- err
	}()
	<-started
	f.clock.Advance(31 * time.Second)
	res, replayed, err := f.svc.DoTx(ctx, "acme", "op", "t4", []byte("p"), storeEffect(f.st, &runs, "fresh", nil))
	if err != nil || replayed || string(res) != "fresh" {
		t.Fatalf("takeover: %q replayed=%v err=%v", res, replayed, err)
	}
	close(release)
	if err := <-late; !errors.Is(err, idempotency.ErrInProgress) {
		t.Fatalf("late invocation: %v, want ErrInProgress", err)
	}
	if f.exists(t, "late") {
		t.Fatal("the late invocation's effect was stored next to the new owner's")
	}
	res, replayed, err = f.svc.DoTx(ctx, "acme", "op", "t4", []byte("p"), storeEffect(f.st, &runs, "x", nil))
	if err != nil || !replayed || string(res) != "fresh" {
		t.Fatalf("replay: %q replayed=%v err=%v", res, replayed, err)
	}
}

func TestDoTxStagingTwiceKeepsTheLastTransaction(t *testing.T) {
	// audit.Log.Commit may build its transaction again; only the one executed counts.
	ctx := context.Background()
	f := setup(t)
	res, _, err := f.svc.DoTx(ctx, "acme", "op", "t5", []byte("p"), func(ctx context.Context, done *idempotency.Completion) error {
		done.Stage(f.st.Tx(), []byte("abandoned"))
		tx := f.st.Tx().Create(effectKey("kept"), effect{Name: "kept"})
		done.Stage(tx, []byte("kept"))
		return tx.Exec(ctx)
	})
	if err != nil || string(res) != "kept" {
		t.Fatalf("%q %v", res, err)
	}
}

func TestDoTxWithoutStagingIsAnError(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	_, _, err := f.svc.DoTx(ctx, "acme", "op", "t6", []byte("p"), func(context.Context, *idempotency.Completion) error { return nil })
	if !errors.Is(err, idempotency.ErrNotStaged) || f.status(t, "op", "t6") != "absent" {
		t.Fatalf("err = %v, record %s", err, f.status(t, "op", "t6"))
	}
}
