package store_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// collect pages through q and returns the ids in order.
func collect(t *testing.T, s *store.Store, q store.QueryInput) (ids []string, pages int) {
	t.Helper()
	for {
		p, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		us, err := store.Items[user](p)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		if p.NextCursor == "" {
			return ids, pages
		}
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
		q.Cursor = p.NextCursor
	}
}

func seedUsers(t *testing.T, s *store.Store, tenant store.TenantID, n int) []string {
	t.Helper()
	ids := make([]string, n)
	tx := s.Tx()
	for i := range n {
		u := newUser(tenant, i)
		ids[i] = u.ID
		tx.Create(u.key(), u)
	}
	if err := tx.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestQueryPagination(t *testing.T) {
	s := newStore(t)
	want := seedUsers(t, s, "acme", 23)
	seedUsers(t, s, "globex", 5)
	byStatus := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("acme", "pending"), Tenant: "acme", Limit: 10}

	t.Run("23 items in pages of 10 come back once each, in order", func(t *testing.T) {
		ids, pages := collect(t, s, byStatus)
		if pages != 3 || strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("%d pages: %v", pages, ids)
		}
	})
	t.Run("descending order reverses the list", func(t *testing.T) {
		q := byStatus
		q.Descending = true
		ids, _ := collect(t, s, q)
		if len(ids) != 23 || ids[0] != want[22] || ids[22] != want[0] {
			t.Fatalf("descending: %v", ids)
		}
	})
	t.Run("a query for one tenant never returns another tenant's items", func(t *testing.T) {
		q := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("globex", "pending"), Tenant: "globex", Limit: 200}
		p, err := s.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		us, _ := store.Items[user](p)
		if len(us) != 5 {
			t.Fatalf("globex sees %d users", len(us))
		}
		for _, u := range us {
			if u.Tenant != "globex" {
				t.Fatalf("globex query returned %+v", u)
			}
		}
	})
	t.Run("a partition of another tenant is refused by the tenant guard", func(t *testing.T) {
		q := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("globex", "pending"), Tenant: "acme"}
		if _, err := s.Query(context.Background(), q); !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
		// "acme" must not own "acme2"'s partitions through a shared prefix.
		q = store.QueryInput{PK: store.UserPK("acme2", "u1"), Tenant: "acme"}
		if _, err := s.Query(context.Background(), q); !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("prefix err = %v, want ErrInvalidKey", err)
		}
	})
	t.Run("a sort-key prefix and a range select within the partition", func(t *testing.T) {
		ctx := context.Background()
		for _, id := range []string{"c1", "c2", "c3"} {
			c := consent{ID: id}
			if err := s.Create(ctx, store.ConsentKey("acme", "u001", "kyc", id), c); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.Query(ctx, store.QueryInput{PK: store.UserPK("acme", "u001"), SKPrefix: store.ConsentSKPrefix("kyc"), Descending: true, Limit: 1})
		if err != nil || len(p.Items) != 1 || p.NextCursor == "" {
			t.Fatalf("latest consent: %+v %v", p, err)
		}
		cs, _ := store.Items[consent](p)
		if cs[0].ID != "c3" {
			t.Fatalf("latest consent = %+v", cs[0])
		}
		p, err = s.Query(ctx, store.QueryInput{PK: store.UserPK("acme", "u001"), SKFrom: "CONSENT#kyc#c2", SKTo: "CONSENT#kyc#c3"})
		if err != nil || len(p.Items) != 2 {
			t.Fatalf("range: %d items, %v", len(p.Items), err)
		}
	})
	t.Run("the limit is clamped", func(t *testing.T) {
		p, err := s.Query(context.Background(), store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("acme", "pending"), Limit: 100000})
		if err != nil || len(p.Items) != 23 || p.NextCursor != "" {
			t.Fatalf("%d items, cursor %q, %v", len(p.Items), p.NextCursor, err)
		}
	})
}

type consent struct {
	store.Meta
	ID string `dynamodbav:"id"`
}

func (consent) EntityType() string { return "consent" }

func TestCursorBinding(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, store.WithCursorSecret([]byte("test-secret-of-at-least-32-bytes!")))
	seedUsers(t, s, "acme", 12)
	seedUsers(t, s, "globex", 12)
	acme := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("acme", "pending"), Limit: 5}
	globex := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("globex", "pending"), Limit: 5}
	first, err := s.Query(ctx, acme)
	if err != nil || first.NextCursor == "" {
		t.Fatalf("first page: %v", err)
	}
	payload, sig, _ := strings.Cut(first.NextCursor, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := base64.RawURLEncoding.EncodeToString([]byte(strings.ReplaceAll(string(raw), "T#acme", "T#globex"))) + "." + sig

	cases := []struct {
		name   string
		q      store.QueryInput
		cursor string
	}{
		{"a cursor replayed against another tenant's partition", globex, first.NextCursor},
		{"a cursor with its partition rewritten to another tenant", globex, forged},
		{"a cursor with a flipped byte", acme, first.NextCursor[:len(first.NextCursor)-2] + flip(first.NextCursor[len(first.NextCursor)-2:])},
		{"a cursor that is not base64", acme, "!!!.???"},
		{"a cursor without a signature", acme, payload},
		{"a cursor used on another index", store.QueryInput{Index: store.IndexGSI2, PK: acme.PK, Limit: 5}, first.NextCursor},
		{"a cursor used with another direction", store.QueryInput{Index: store.IndexGSI1, PK: acme.PK, Limit: 5, Descending: true}, first.NextCursor},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused with ErrBadCursor", func(t *testing.T) {
			q := c.q
			q.Cursor = c.cursor
			if _, err := s.Query(ctx, q); !errors.Is(err, store.ErrBadCursor) {
				t.Fatalf("err = %v, want ErrBadCursor", err)
			}
		})
	}
	t.Run("a cursor signed with another secret is refused", func(t *testing.T) {
		s2 := newStoreOn(t, s, []byte("another-secret-of-at-least-32-bytes"))
		q := acme
		q.Cursor = first.NextCursor
		if _, err := s2.Query(ctx, q); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("err = %v, want ErrBadCursor", err)
		}
	})
	t.Run("the genuine cursor continues the query", func(t *testing.T) {
		q := acme
		q.Cursor = first.NextCursor
		p, err := s.Query(ctx, q)
		if err != nil || len(p.Items) != 5 {
			t.Fatalf("second page: %d items, %v", len(p.Items), err)
		}
	})
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func newStoreOn(t *testing.T, s *store.Store, secret []byte) *store.Store {
	t.Helper()
	return store.New(dynamodb.NewFromConfig(emulator.TestConfig(t)), s.Table(), store.WithCursorSecret(secret))
}

// A key derived from something public (the table name, as the store once did) lets a
// client forge cursors. Without a real secret the store must refuse to page instead.
func TestAStoreWithoutACursorSecretRefusesToPage(t *testing.T) {
	signed := newStore(t)
	seedUsers(t, signed, "acme", 23)
	ctx := context.Background()
	q := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("acme", "pending"), Tenant: "acme", Limit: 5}
	first, err := signed.Query(ctx, q)
	if err != nil || first.NextCursor == "" {
		t.Fatalf("first page: %+v %v", first, err)
	}
	for name, s := range map[string]*store.Store{
		"no secret":    store.New(dynamodb.NewFromConfig(emulator.TestConfig(t)), signed.Table()),
		"short secret": newStoreOn(t, signed, []byte("thirty-one-bytes-are-too-short!")),
		"empty secret": newStoreOn(t, signed, nil),
	} {
		t.Run(name+": no cursor is issued", func(t *testing.T) {
			if _, err := s.Query(ctx, q); !errors.Is(err, store.ErrNoCursorSecret) {
				t.Fatalf("err = %v, want ErrNoCursorSecret", err)
			}
		})
		t.Run(name+": no cursor is accepted, and the client is not blamed", func(t *testing.T) {
			withCursor := q
			withCursor.Cursor = first.NextCursor
			_, err := s.Query(ctx, withCursor)
			if !errors.Is(err, store.ErrNoCursorSecret) || errors.Is(err, store.ErrBadCursor) {
				t.Fatalf("err = %v, want ErrNoCursorSecret only", err)
			}
		})
		t.Run(name+": a list that fits one page needs no cursor", func(t *testing.T) {
			all := q
			all.Limit = 100
			if p, err := s.Query(ctx, all); err != nil || len(p.Items) != 23 {
				t.Fatalf("%d items, %v", len(p.Items), err)
			}
		})
	}
	t.Run("a cursor signed with the key once derived from the table name is refused", func(t *testing.T) {
		secret := randomSecret(t)
		s := newStoreOn(t, signed, secret)
		lastKey := map[string]string{"PK": "T#acme#U#u009", "SK": "USER", "GSI1PK": q.PK, "GSI1SK": "x"}
		genuine := q
		genuine.Cursor = forgeCursor(q, secret, lastKey)
		if _, err := s.Query(ctx, genuine); err != nil {
			t.Fatalf("the same cursor signed with the store's secret: %v (forgeCursor is wrong)", err)
		}
		forged := q
		forged.Cursor = forgeCursor(q, []byte("chainguard-cursor-v1:"+signed.Table()), lastKey)
		if _, err := s.Query(ctx, forged); !errors.Is(err, store.ErrBadCursor) {
			t.Fatalf("err = %v, want ErrBadCursor", err)
		}
	})
}

// forgeCursor signs a cursor the way the store does, with a key of the caller's choice.
func forgeCursor(q store.QueryInput, key []byte, lastKey map[string]string) string {
	payload, _ := json.Marshal(map[string]any{"v": 1, "k": lastKey})
	index := q.Index
	if index == "" {
		index = "table"
	}
	h := hmac.New(sha256.New, key)
	// The binding's last part is the filter, empty for an unfiltered query.
	for _, part := range []string{"v1", index, q.PK, q.SKPrefix, q.SKFrom, q.SKTo, fmt.Sprint(q.Descending), ""} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(payload)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(h.Sum(nil))
}

// QueryAll is for the service's own reads of a whole partition: it pages on DynamoDB's
// LastEvaluatedKey without issuing a cursor, so it works on a store without a secret.
func TestQueryAllPagesWithoutACursorSecret(t *testing.T) {
	signed := newStore(t)
	want := seedUsers(t, signed, "acme", 23)
	seedUsers(t, signed, "globex", 5)
	unsigned := store.New(dynamodb.NewFromConfig(emulator.TestConfig(t)), signed.Table())
	ctx := context.Background()
	q := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK("acme", "pending"), Tenant: "acme", Limit: 5}
	read := func(q store.QueryInput, stopAfter int) (ids []string, pages int, err error) {
		err = unsigned.QueryAll(ctx, q, func(items []map[string]types.AttributeValue) (bool, error) {
			pages++
			for _, it := range items {
				var u user
				if err := store.Unmarshal(it, &u); err != nil {
					return false, err
				}
				ids = append(ids, u.ID)
			}
			return pages < stopAfter, nil
		})
		return ids, pages, err
	}
	t.Run("every item once, in order, in pages of the limit", func(t *testing.T) {
		ids, pages, err := read(q, 100)
		if err != nil || pages < 5 || strings.Join(ids, ",") != strings.Join(want, ",") {
			t.Fatalf("%d pages, %v: %v", pages, err, ids)
		}
	})
	t.Run("fn answering false stops the reading", func(t *testing.T) {
		ids, pages, err := read(q, 2)
		if err != nil || pages != 2 || strings.Join(ids, ",") != strings.Join(want[:10], ",") {
			t.Fatalf("%d pages, %v: %v", pages, err, ids)
		}
	})
	t.Run("fn's error ends the reading and is returned", func(t *testing.T) {
		boom := errors.New("boom")
		err := unsigned.QueryAll(ctx, q, func([]map[string]types.AttributeValue) (bool, error) { return true, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the tenant guard holds as for Query", func(t *testing.T) {
		other := q
		other.Tenant = "globex"
		if _, _, err := read(other, 100); !errors.Is(err, store.ErrInvalidKey) {
			t.Fatalf("err = %v, want ErrInvalidKey", err)
		}
	})
	t.Run("a cursor is refused: QueryAll starts at the beginning", func(t *testing.T) {
		withCursor := q
		withCursor.Cursor = "x.y"
		if _, pages, err := read(withCursor, 100); err == nil || pages != 0 {
			t.Fatalf("%d pages, err %v", pages, err)
		}
	})
}
