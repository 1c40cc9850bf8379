package lists_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/store"
)

// marker is a caller's item added to a screening's transaction.
type marker struct {
	store.Meta
	ScreeningID string `dynamodbav:"screeningId"`
}

func (marker) EntityType() string { return "marker" }

func markerKey(tenant store.TenantID) store.Key {
	return store.Key{PK: "T#" + string(tenant) + "#MARKER", SK: "MARKER"}
}

func (e *env) screener(t *testing.T) *lists.Screener {
	t.Helper()
	e.refresh(t)
	enc, err := envelope.New(kms.NewFromConfig(e.cfg), e.key)
	if err != nil {
		t.Fatal(err)
	}
	return lists.NewScreener(e.store, e.audit, enc, lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket))
}

func (e *env) screenings(t *testing.T, tenant store.TenantID) int {
	t.Helper()
	page, err := e.store.Query(context.Background(), store.QueryInput{Index: store.IndexGSI2,
		PK: store.TenantScreeningsPK(tenant, lists.KindClient), Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}

func TestACallersItemsCommitWithTheScreening(t *testing.T) {
	e := newEnv(t)
	s := e.screener(t)
	by := audit.Actor{Type: "client", ID: "k1"}
	req := lists.Request{Query: lists.Query{Type: lists.TypePerson, Name: "Maria Schneider"}}

	t.Run("the items are stored with the screening and know its id", func(t *testing.T) {
		calls := 0
		got, err := s.Screen(context.Background(), by, "acme", req, func(tx *store.Tx, id string) {
			calls++
			tx.Create(markerKey("acme"), marker{ScreeningID: id})
		})
		if err != nil || calls == 0 {
			t.Fatalf("screen: %v (hook called %d times)", err, calls)
		}
		var m marker
		if err := e.store.Get(context.Background(), markerKey("acme"), &m); err != nil || m.ScreeningID != got.ID {
			t.Fatalf("marker %+v %v, want screening %s", m, err, got.ID)
		}
		if n := e.screenings(t, "acme"); n != 1 {
			t.Fatalf("%d screenings stored", n)
		}
	})
	t.Run("a failed condition on an item cancels the screening", func(t *testing.T) {
		_, err := s.Screen(context.Background(), by, "globex", req, func(tx *store.Tx, _ string) {
			tx.Check(markerKey("globex"), store.Cond{Expr: "attribute_exists(PK)"})
		})
		var te *store.TxError
		if !errors.As(err, &te) || !errors.Is(err, store.ErrConditionFailed) || te.Key != markerKey("globex") {
			t.Fatalf("err = %v, want the item's failed condition", err)
		}
		if n := e.screenings(t, "globex"); n != 0 {
			t.Fatalf("%d screenings stored despite the cancelled transaction", n)
		}
	})
}
