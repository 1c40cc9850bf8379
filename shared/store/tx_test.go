package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chainfi/chainguard/shared/store"
)

func TestTransactions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testTransactions(t, b.new(t)) })
	}
}

func testTransactions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	existing := newUser("acme", 1)
	mustCreate(t, s, existing)

	assertMissing := func(t *testing.T, users ...user) {
		t.Helper()
		for _, u := range users {
			var got user
			if err := s.Get(ctx, u.key(), &got); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s was written by a cancelled transaction (err %v)", u.ID, err)
			}
		}
	}

	t.Run("a duplicate create cancels everything and names the failing item", func(t *testing.T) {
		a, b := newUser("acme", 2), newUser("acme", 3)
		err := s.Tx().Create(a.key(), a).Create(b.key(), b).Create(existing.key(), existing).Exec(ctx)
		var txErr *store.TxError
		if !errors.As(err, &txErr) {
			t.Fatalf("err = %v, want *TxError", err)
		}
		if txErr.Index != 2 || txErr.Op != "create" || txErr.Key != existing.key() || !errors.Is(err, store.ErrAlreadyExists) {
			t.Fatalf("TxError = %+v", txErr)
		}
		assertMissing(t, a, b)
	})

	t.Run("a stale version cancels everything with ErrConflict", func(t *testing.T) {
		a := newUser("acme", 4)
		err := s.Tx().Create(a.key(), a).Patch(existing.key(), 7, store.Changes{Set: map[string]any{"status": "active"}}).Exec(ctx)
		var txErr *store.TxError
		if !errors.As(err, &txErr) || txErr.Index != 1 || !errors.Is(err, store.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict at item 1", err)
		}
		assertMissing(t, a)
		var got user
		if err := s.Get(ctx, existing.key(), &got); err != nil || got.Version != 1 || got.Status != "pending" {
			t.Fatalf("existing item changed: %+v %v", got, err)
		}
	})

	t.Run("a versioned write of a missing item cancels with ErrNotFound", func(t *testing.T) {
		a, ghost := newUser("acme", 5), newUser("acme", 6)
		err := s.Tx().Create(a.key(), a).Update(ghost.key(), 1, ghost).Exec(ctx)
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		assertMissing(t, a, ghost)
	})

	t.Run("a failed condition check cancels with ErrConditionFailed", func(t *testing.T) {
		a := newUser("acme", 7)
		err := s.Tx().
			Create(a.key(), a).
			Check(existing.key(), store.Cond{Expr: "#s = :s", Names: map[string]string{"#s": "status"}, Values: map[string]any{":s": "active"}}).
			Exec(ctx)
		var txErr *store.TxError
		if !errors.As(err, &txErr) || txErr.Index != 1 || !errors.Is(err, store.ErrConditionFailed) {
			t.Fatalf("err = %v, want ErrConditionFailed at item 1", err)
		}
		assertMissing(t, a)
	})

	t.Run("several failures are all reported, the first one leads", func(t *testing.T) {
		a, ghost := newUser("acme", 8), newUser("acme", 9)
		err := s.Tx().Create(a.key(), a).CheckVersion(existing.key(), 9).Update(ghost.key(), 1, ghost).Exec(ctx)
		var txErr *store.TxError
		if !errors.As(err, &txErr) {
			t.Fatalf("err = %v, want *TxError", err)
		}
		if txErr.Index != 1 || !errors.Is(err, store.ErrConflict) || len(txErr.Failures) != 2 {
			t.Fatalf("TxError = %+v", txErr)
		}
		if f := txErr.Failures[1]; f.Index != 2 || f.Op != "update" || !errors.Is(f.Err, store.ErrNotFound) || f.Code != "ConditionalCheckFailed" {
			t.Fatalf("second failure = %+v", f)
		}
		assertMissing(t, a, ghost)
	})

	t.Run("a transaction that holds writes them all", func(t *testing.T) {
		a, b := newUser("acme", 10), newUser("acme", 11)
		err := s.Tx().Token("tx-ok-"+store.NewID()).
			Create(a.key(), a).
			Create(b.key(), b).
			Patch(existing.key(), 1, store.Changes{Set: map[string]any{"status": "active"}}).
			Exec(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got user
		for _, k := range []store.Key{a.key(), b.key()} {
			if err := s.Get(ctx, k, &got); err != nil || got.Version != 1 {
				t.Fatalf("%v: %+v %v", k, got, err)
			}
		}
		if err := s.Get(ctx, existing.key(), &got); err != nil || got.Version != 2 || got.Status != "active" {
			t.Fatalf("existing: %+v %v", got, err)
		}
		if err := s.Tx().Delete(a.key(), 1).Delete(b.key(), 1).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		assertMissing(t, a, b)
	})

	t.Run("more than 100 items are refused before calling DynamoDB", func(t *testing.T) {
		tx := s.Tx()
		for i := 0; i <= store.MaxTxItems; i++ {
			u := newUser("acme", 100+i)
			tx.Create(u.key(), u)
		}
		if err := tx.Exec(ctx); err == nil {
			t.Fatal("accepted 101 items")
		}
	})

	t.Run("an invalid item is reported at Exec", func(t *testing.T) {
		if err := s.Tx().Create(store.Key{PK: "x"}, existing).Exec(ctx); !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
	})
}
