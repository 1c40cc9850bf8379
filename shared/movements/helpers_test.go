package movements

import (
	"context"
	"fmt"
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
	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// The sanctioned address of the test list (an OFAC-style entry with a crypto address).
const (
	listedETH = "0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c"
	cleanETH  = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e"
	cleanETH2 = "0x52908400098527886E0F7030069857D2E4169EE7"
)

var client = audit.Actor{Type: "client", ID: "key1"}

// fakeUsers stands in for onboarding: users with a status and jurisdiction, and the
// platform reviews opened.
type fakeUsers struct {
	mu      sync.Mutex
	users   map[string]onboarding.User
	signals map[string][]onboarding.Signal // by user
}

func (f *fakeUsers) GetUser(_ context.Context, _ store.TenantID, id string) (onboarding.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return u, failure.Missing("user_not_found", "no such user")
	}
	return u, nil
}

func (f *fakeUsers) OpenSignalReview(_ context.Context, _ store.TenantID, userID string, sig onboarding.Signal) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.signals[userID] {
		if s.Key == sig.Key {
			return "rv_" + userID, nil
		}
	}
	f.signals[userID] = append(f.signals[userID], sig)
	return "rv_" + userID, nil
}

func (f *fakeUsers) signalKinds(user string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.signals[user] {
		out = append(out, s.Kind)
	}
	return out
}

type staticLists struct{ l *lists.Loaded }

func (s staticLists) Current(context.Context) (*lists.Loaded, error) { return s.l, nil }

type fixture struct {
	svc    *Service
	users  *fakeUsers
	alerts *alerts.Service
	st     *store.Store
	db     *dynamodb.Client
	calls  *emulator.Calls
	tenant store.TenantID
	clock  atomic.Int64
}

func userID(n int) string { return fmt.Sprintf("usr_01je28jt97kb6cq643dzvmx%03d", n) }

var tenantSeq atomic.Int64

func setup(t *testing.T) *fixture {
	t.Helper()
	return newFixture(t, fixtureOptions{jurisdictions: [5]string{"DE", "FR", "GB", "US", "SG"}, tenantPrefix: "mv"})
}

// fixtureOptions are what a test and a benchmark fixture differ by.
type fixtureOptions struct {
	jurisdictions [5]string // of the five users
	tenantPrefix  string
	countKMS      bool // count the KMS calls too (a benchmark's cost per movement)
}

func newFixture(tb testing.TB, o fixtureOptions) *fixture {
	tb.Helper()
	ctx := context.Background()
	cfg := emulator.TestConfig(tb)
	f := &fixture{calls: &emulator.Calls{}, users: &fakeUsers{users: map[string]onboarding.User{}, signals: map[string][]onboarding.Signal{}}}
	f.clock.Store(time.Now().UTC().Truncate(time.Hour).Add(-2 * time.Hour).UnixMilli())
	f.db = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, f.calls.Middleware) })
	table := stack.TestTable(tb, cfg)
	var kmsOpts []func(*kms.Options)
	if o.countKMS {
		kmsOpts = append(kmsOpts, func(o *kms.Options) { o.APIOptions = append(o.APIOptions, f.calls.Middleware) })
	}
	kc := kms.NewFromConfig(cfg, kmsOpts...)
	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("movements test")})
	if err != nil {
		tb.Fatal(err)
	}
	enc, err := envelope.New(kc, aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		tb.Fatal(err)
	}
	f.st = store.New(f.db, table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	au := audit.New(f.db, table)
	f.alerts = alerts.New(alerts.Config{Store: f.st, Audit: au, Enc: enc, Now: f.now})
	ix, err := screening.Build(&sanctions.List{Source: sanctions.SourceOFAC, Checksums: map[string]string{"sdn.csv": "t"}, Entities: []sanctions.Entity{{
		ID: "99001", Source: sanctions.SourceOFAC, Type: sanctions.TypeOrganisation, Names: []sanctions.Name{{Full: "GARANTEX EUROPE OU"}},
		Programs: []string{"CYBER2"}, Crypto: []sanctions.CryptoAddress{{Asset: "ETH", Address: listedETH}},
	}}})
	if err != nil {
		tb.Fatal(err)
	}
	f.svc = New(Service{Store: f.st, Audit: au, Enc: enc, Users: f.users, Reviews: f.users, Alerts: f.alerts,
		Lists: staticLists{&lists.Loaded{Index: ix, Version: "000001-3f9a1c0b7d2e"}}, Now: f.now})
	f.tenant = store.TenantID(fmt.Sprintf("tnt_%s%d_%d", o.tenantPrefix, time.Now().UnixNano()%1e9, tenantSeq.Add(1)))
	for i := 1; i <= 5; i++ {
		f.users.users[userID(i)] = onboarding.User{ID: userID(i), Status: lifecycle.StatusActive, Jurisdiction: o.jurisdictions[i-1], RiskTier: "low"}
	}
	return f
}

func (f *fixture) now() time.Time { return time.UnixMilli(f.clock.Load()).UTC() }

func (f *fixture) advance(d time.Duration) { f.clock.Add(int64(d / time.Millisecond)) }

// withdrawal is a vault-to-wallet movement at the fixture's clock.
func (f *fixture) withdrawal(id, vault, to, amount, usd string) Input {
	return Input{ID: id, Kind: KindVaultToWallet, Source: Endpoint{VaultID: vault}, Destination: Endpoint{Chain: "ETH", Address: to},
		Asset: "USDT", Chain: "ETH", Amount: amount, ValueUSD: usd, OccurredAt: store.FormatTime(f.now())}
}

func (f *fixture) log(t *testing.T, ins ...Input) []Result {
	t.Helper()
	return f.svc.LogMovements(context.Background(), f.tenant, client, ins)
}

func (f *fixture) mustLog(t *testing.T, ins ...Input) []Movement {
	t.Helper()
	var out []Movement
	for i, r := range f.log(t, ins...) {
		if r.Status != StatusLogged {
			t.Fatalf("movement %d (%s): %s %+v", i, r.ID, r.Status, r.Error)
		}
		out = append(out, *r.Movement)
	}
	return out
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
