package trades

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

var client = audit.Actor{Type: "client", ID: "key1"}

type fakeUsers struct {
	mu     sync.Mutex
	status map[string]lifecycle.Status
}

func (f *fakeUsers) GetUser(_ context.Context, _ store.TenantID, id string) (onboarding.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st, ok := f.status[id]
	if !ok {
		return onboarding.User{}, failure.Missing("user_not_found", "no such user")
	}
	return onboarding.User{ID: id, Status: st}, nil
}

func (f *fakeUsers) set(id string, st lifecycle.Status) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[id] = st
}

type fakeProofs struct{ n atomic.Int64 }

func (f *fakeProofs) StartProofOfLife(_ context.Context, _ store.TenantID, userID, proofID string) (string, string, map[string]string, error) {
	v := fmt.Sprintf("ver%d%d", time.Now().UnixNano()%1e9, f.n.Add(1))
	return "metamap", v, map[string]string{"verificationId": v, "flowId": "liveness"}, nil
}

type userStub struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
}

func (userStub) EntityType() string { return "user" }

type fixture struct {
	svc    *Service
	ledger *ledger.Service
	users  *fakeUsers
	st     *store.Store
	calls  *emulator.Calls
	tenant store.TenantID
	clock  atomic.Int64
}

var seq atomic.Int64

func userID(n int) string { return fmt.Sprintf("usr_01je28jt97kb6cq643dzvmx%03d", n) }

func setup(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	f := &fixture{calls: &emulator.Calls{}, users: &fakeUsers{status: map[string]lifecycle.Status{}}}
	f.clock.Store(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC).UnixMilli())
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, f.calls.Middleware) })
	table := stack.TestTable(t, cfg)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("trades test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	f.st = store.New(db, table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	au := audit.New(db, table)
	f.ledger = ledger.New(ledger.Config{Store: f.st, Audit: au, Now: f.now})
	pol := escrow.Policy{FourEyesAbove: map[string]*big.Int{"USDT": big.NewInt(1_000_000_000)}} // 1,000 USDT (6 decimals)
	f.svc = New(Service{Store: f.st, Audit: au, Ledger: f.ledger, Users: f.users, Enc: enc, Proofs: &fakeProofs{}, Policy: pol, Now: f.now})
	f.tenant = store.TenantID(fmt.Sprintf("tnt_tr%d_%d", time.Now().UnixNano()%1e9, seq.Add(1)))
	return f
}

func (f *fixture) now() time.Time          { return time.UnixMilli(f.clock.Load()).UTC() }
func (f *fixture) advance(d time.Duration) { f.clock.Add(int64(d / time.Millisecond)) }

// user makes an active user with a deposit.
func (f *fixture) user(t testing.TB, n int, deposit int64) string {
	t.Helper()
	id := userID(n)
	f.users.set(id, lifecycle.StatusActive)
	if err := f.st.Put(context.Background(), store.UserKey(f.tenant, id), userStub{TenantID: string(f.tenant)}); err != nil {
		t.Fatal(err)
	}
	if deposit > 0 {
		if _, err := f.ledger.Deposit(context.Background(), client, f.tenant, ledger.Movement{ID: fmt.Sprintf("dep-%d", n), User: id, Asset: "USDT", Amount: ledger.AmountOf(deposit)}); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func (f *fixture) open(t testing.TB, seller, buyer string, amount int64) Trade {
	t.Helper()
	tr, err := f.svc.Open(context.Background(), f.tenant, client, OpenInput{Seller: seller, Buyer: buyer, Asset: "USDT", Amount: fmt.Sprint(amount),
		FiatCurrency: "EUR", FiatAmount: "92.50", PaymentMethod: "sepa_transfer", PaymentWindowMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (f *fixture) balance(t testing.TB, user, account string) string {
	t.Helper()
	bs, err := f.ledger.Balances(context.Background(), f.tenant, user)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if string(b.Account) == account && b.Asset == "USDT" {
			return b.Amount.String()
		}
	}
	return "0"
}

func code(err error) string {
	if f, ok := failure.As(err); ok {
		return f.Code
	}
	if err == nil {
		return ""
	}
	return "internal: " + err.Error()
}

func yes() *bool { b := true; return &b }
