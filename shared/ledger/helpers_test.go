package ledger

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	svc   *Service
	st    *store.Store
	db    *dynamodb.Client
	table string
	calls *emulator.Calls
	clock atomic.Int64 // unix milliseconds
}

var custody = audit.Actor{Type: "client", ID: "key1"}

func setup(t testing.TB) *fixture {
	t.Helper()
	cfg := emulator.TestConfig(t)
	f := &fixture{calls: &emulator.Calls{}}
	f.clock.Store(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC).UnixMilli())
	f.db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, f.calls.Middleware) })
	f.table = stack.TestTable(t, cfg)
	f.st = store.New(f.db, f.table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	f.svc = New(Config{Store: f.st, Audit: audit.New(f.db, f.table, audit.WithClock(f.now)), Now: f.now})
	return f
}

// now advances a millisecond per call, so statement lines sort in the order written.
func (f *fixture) now() time.Time { return time.UnixMilli(f.clock.Add(1)).UTC() }

type userItem struct {
	store.Meta
	ID string `dynamodbav:"id"`
}

func (userItem) EntityType() string { return "user" }

// users creates the user items the ledger's existence check looks for.
func (f *fixture) users(t testing.TB, tenant store.TenantID, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := f.st.Put(context.Background(), store.UserKey(tenant, id), userItem{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) deposit(t testing.TB, tenant store.TenantID, id, user, asset string, n int64) Receipt {
	t.Helper()
	r, err := f.svc.Deposit(context.Background(), custody, tenant, Movement{ID: id, User: user, Asset: asset, Amount: AmountOf(n)})
	if err != nil {
		t.Fatalf("deposit %s: %v", id, err)
	}
	return r
}

// balances renders a user's balances as "asset/account=n" sorted.
func (f *fixture) balances(t testing.TB, tenant store.TenantID, user string) string {
	t.Helper()
	bs, err := f.svc.Balances(context.Background(), tenant, user)
	if err != nil {
		t.Fatal(err)
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("%s/%s=%s", b.Asset, b.Account, b.Amount)
	}
	return strings.Join(parts, " ")
}

// scan counts the items of each entity type (test inspection only; the code never scans).
func (f *fixture) scan(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	var start map[string]types.AttributeValue
	for {
		page, err := f.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &f.table, ExclusiveStartKey: start})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if v, ok := it[store.AttrType].(*types.AttributeValueMemberS); ok {
				out[v.Value]++
			}
		}
		if page.LastEvaluatedKey == nil {
			return out
		}
		start = page.LastEvaluatedKey
	}
}

func (f *fixture) verify(t testing.TB, tenant store.TenantID, trades []TradeEscrow) Report {
	t.Helper()
	r, err := f.svc.Verify(context.Background(), tenant, trades)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
