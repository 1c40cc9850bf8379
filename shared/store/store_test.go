package store_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// user is a test entity shaped like the planned user profile.
type user struct {
	store.Meta
	Tenant    store.TenantID `dynamodbav:"tenantId"`
	ID        string         `dynamodbav:"id"`
	Status    string         `dynamodbav:"status"`
	Name      string         `dynamodbav:"name,omitempty"`
	CreatedAt string         `dynamodbav:"createdAt"`
}

func (user) EntityType() string { return "user" }

func (u user) Indexes() store.Indexes {
	at, _ := time.Parse(store.TimeLayout, u.CreatedAt)
	return store.Indexes{GSI1: store.Key{PK: store.UsersByStatusPK(u.Tenant, u.Status), SK: store.TimeSK(at, u.ID)}}
}

func (u user) key() store.Key { return store.UserKey(u.Tenant, u.ID) }

type vault struct {
	store.Meta
	ID string `dynamodbav:"id"`
}

func (vault) EntityType() string { return "vault" }

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newUser(tenant store.TenantID, i int) user {
	return user{Tenant: tenant, ID: fmt.Sprintf("u%03d", i), Status: "pending", CreatedAt: store.FormatTime(t0.Add(time.Duration(i) * time.Second))}
}

// newStore is a store over a fresh table that signs cursors with a random secret (opts
// may replace it).
func newStore(t *testing.T, opts ...store.Option) *store.Store {
	t.Helper()
	cfg := emulator.TestConfig(t)
	opts = append([]store.Option{store.WithCursorSecret(randomSecret(t))}, opts...)
	return store.New(dynamodb.NewFromConfig(cfg), stack.TestTable(t, cfg), opts...)
}

// randomSecret is a cursor secret of the length deployed functions get (64 characters).
func randomSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return []byte(hex.EncodeToString(b))
}

// withoutOldItems is the real client with the items that ReturnValuesOnConditionCheckFailure
// returns stripped from its errors, as from a backend that ignores the parameter: the
// store must then classify failures with a consistent read.
type withoutOldItems struct{ *dynamodb.Client }

func strip(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		ccf.Item = nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i := range tce.CancellationReasons {
			tce.CancellationReasons[i].Item = nil
		}
	}
	return err
}

func (w withoutOldItems) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := w.Client.PutItem(ctx, in, o...)
	return out, strip(err)
}

func (w withoutOldItems) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := w.Client.UpdateItem(ctx, in, o...)
	return out, strip(err)
}

func (w withoutOldItems) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	out, err := w.Client.DeleteItem(ctx, in, o...)
	return out, strip(err)
}

func (w withoutOldItems) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := w.Client.TransactWriteItems(ctx, in, o...)
	return out, strip(err)
}

// backends runs a test against the emulator as it is and as a backend without ALL_OLD.
var backends = []struct {
	name string
	new  func(t *testing.T) *store.Store
}{
	{"with old items on condition failure", func(t *testing.T) *store.Store { return newStore(t) }},
	{"without old items on condition failure", func(t *testing.T) *store.Store {
		cfg := emulator.TestConfig(t)
		return store.New(withoutOldItems{dynamodb.NewFromConfig(cfg)}, stack.TestTable(t, cfg))
	}},
}

func mustCreate(t *testing.T, s *store.Store, u user) {
	t.Helper()
	if err := s.Create(context.Background(), u.key(), u); err != nil {
		t.Fatalf("create %s: %v", u.ID, err)
	}
}

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := newUser("acme", 1)
	mustCreate(t, s, u)

	var got user
	if err := s.Get(ctx, u.key(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Entity != "user" || got.PK != u.key().PK || got.Status != "pending" {
		t.Fatalf("got %+v", got)
	}

	t.Run("a second create of the same key fails with ErrAlreadyExists", func(t *testing.T) {
		err := s.Create(ctx, u.key(), u)
		if !errors.Is(err, store.ErrAlreadyExists) {
			t.Fatalf("err = %v, want ErrAlreadyExists", err)
		}
	})
	t.Run("getting a missing item fails with ErrNotFound", func(t *testing.T) {
		err := s.Get(ctx, store.UserKey("acme", "nobody"), &got)
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("reading an item into another entity type fails", func(t *testing.T) {
		var v vault
		if err := s.Get(ctx, u.key(), &v); !errors.Is(err, store.ErrWrongEntity) {
			t.Fatalf("err = %v, want ErrWrongEntity", err)
		}
	})
}

func TestOptimisticLocking(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testOptimisticLocking(t, b.new(t)) })
	}
}

func testOptimisticLocking(t *testing.T, s *store.Store) {
	ctx := context.Background()
	u := newUser("acme", 1)
	mustCreate(t, s, u)

	u.Status = "active"
	v, err := s.Update(ctx, u.key(), 1, u)
	if err != nil || v != 2 {
		t.Fatalf("update at the right version: v=%d err=%v", v, err)
	}
	var got user
	if err := s.Get(ctx, u.key(), &got); err != nil || got.Version != 2 || got.Status != "active" {
		t.Fatalf("after update: %+v, %v", got, err)
	}

	t.Run("an update at a stale version fails with ErrConflict and returns the current item", func(t *testing.T) {
		_, err := s.Update(ctx, u.key(), 1, u)
		if !errors.Is(err, store.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		var ce *store.ConditionError
		if !errors.As(err, &ce) || ce.Current == nil {
			t.Fatalf("no current item in %v", err)
		}
		var cur user
		if err := store.Unmarshal(ce.Current, &cur); err != nil || cur.Version != 2 {
			t.Fatalf("current = %+v, %v", cur, err)
		}
	})
	t.Run("an update of a missing item fails with ErrNotFound", func(t *testing.T) {
		ghost := newUser("acme", 99)
		if _, err := s.Update(ctx, ghost.key(), 1, ghost); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
		if _, err := s.Patch(ctx, ghost.key(), 1, store.Changes{Set: map[string]any{"name": "x"}}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("patch err = %v, want ErrNotFound", err)
		}
		if err := s.Get(ctx, ghost.key(), &got); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failed update must not create the item: %v", err)
		}
	})
	t.Run("a patch sets and removes attributes and increments the version", func(t *testing.T) {
		v, err := s.Patch(ctx, u.key(), 2, store.Changes{Set: map[string]any{"name": "Ada", "status": "suspended"}})
		if err != nil || v != 3 {
			t.Fatalf("patch: v=%d err=%v", v, err)
		}
		if _, err := s.Patch(ctx, u.key(), 2, store.Changes{Remove: []string{"name"}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale patch err = %v, want ErrConflict", err)
		}
		v, err = s.Patch(ctx, u.key(), 3, store.Changes{Remove: []string{"name"}})
		if err != nil || v != 4 {
			t.Fatalf("patch remove: v=%d err=%v", v, err)
		}
		var got user
		if err := s.Get(ctx, u.key(), &got); err != nil || got.Version != 4 || got.Name != "" || got.Status != "suspended" {
			t.Fatalf("after patches: %+v, %v", got, err)
		}
	})
	t.Run("a patch may not touch the store's attributes", func(t *testing.T) {
		if _, err := s.Patch(ctx, u.key(), 4, store.Changes{Set: map[string]any{"version": 1}}); err == nil {
			t.Fatal("patch of version accepted")
		}
	})
	t.Run("a delete at a stale version conflicts, at the right one removes the item", func(t *testing.T) {
		if err := s.Delete(ctx, u.key(), 3); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		if err := s.Delete(ctx, u.key(), 4); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, u.key(), 4); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second delete err = %v, want ErrNotFound", err)
		}
	})
}

func TestConditionalPut(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	u := newUser("acme", 1)
	cond := store.Cond{Expr: "attribute_not_exists(PK) OR #s = :s", Names: map[string]string{"#s": "status"}, Values: map[string]any{":s": "pending"}}
	if err := s.PutIf(ctx, u.key(), u, cond); err != nil {
		t.Fatal(err)
	}
	u.Status = "active"
	if err := s.PutIf(ctx, u.key(), u, cond); err != nil {
		t.Fatal(err)
	}
	err := s.PutIf(ctx, u.key(), u, cond)
	var ce *store.ConditionError
	if !errors.Is(err, store.ErrConditionFailed) || !errors.As(err, &ce) || ce.Current == nil {
		t.Fatalf("err = %v, want ErrConditionFailed with the current item", err)
	}
	if err := s.DeleteIf(ctx, u.key(), cond); !errors.Is(err, store.ErrConditionFailed) {
		t.Fatalf("delete err = %v, want ErrConditionFailed", err)
	}
	if err := s.DeleteIf(ctx, u.key(), store.Cond{}); err != nil {
		t.Fatal(err)
	}
}
