package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
	"github.com/chainfi/chainguard/shared/trades"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

var custody = audit.Actor{Type: "client", ID: "key1"}

type activeUsers struct{}

func (activeUsers) GetUser(_ context.Context, _ store.TenantID, id string) (onboarding.User, error) {
	return onboarding.User{ID: id, Status: lifecycle.StatusActive}, nil
}

// userStub is the user item the ledger's existence check looks for.
type userStub struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
}

func (userStub) EntityType() string { return "user" }

// logBuffer keeps what the job logs, as JSON lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// brokenInvariants are the (tenant, code) pairs the job logged as broken, sorted.
func (b *logBuffer) brokenInvariants(t *testing.T) []string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var rec map[string]any
		if line == "" {
			continue
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "ledger invariant broken" {
			out = append(out, fmt.Sprint(rec["tenant"], " ", rec["code"]))
		}
	}
	slices.Sort(out)
	b.buf.Reset()
	return out
}

type env struct {
	h      *timer
	st     *store.Store
	db     *dynamodb.Client
	table  string
	ledger *ledger.Service
	logs   *logBuffer
}

func setup(t *testing.T) *env {
	t.Helper()
	cfg := emulator.TestConfig(t)
	e := &env{db: dynamodb.NewFromConfig(cfg), logs: &logBuffer{}}
	e.table = stack.TestTable(t, cfg)
	e.st = store.New(e.db, e.table, store.WithCursorSecret([]byte(strings.Repeat("k", 32))))
	au := audit.New(e.db, e.table)
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	e.ledger = ledger.New(ledger.Config{Store: e.st, Audit: au})
	svc := trades.New(trades.Service{Store: e.st, Audit: au, Ledger: e.ledger, Users: activeUsers{}})
	e.h = &timer{svc: svc, tenants: tenants.NewService(e.st, au, log), log: log}
	return e
}

// tenantWithTrades makes a tenant whose seller funded two trades: one open, one released.
func (e *env) tenantWithTrades(t *testing.T, name string) (store.TenantID, string) {
	t.Helper()
	ctx := context.Background()
	tn, _, err := e.h.tenants.CreateTenant(ctx, audit.Actor{Type: "staff", ID: "stf_ops"}, name, "main")
	if err != nil {
		t.Fatal(err)
	}
	tid := store.TenantID(tn.ID)
	seller, buyer := "usr_01je28jt97kb6cq643dzvmx001", "usr_01je28jt97kb6cq643dzvmx002"
	for _, u := range []string{seller, buyer} {
		if err := e.st.Put(ctx, store.UserKey(tid, u), userStub{TenantID: tn.ID}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.ledger.Deposit(ctx, custody, tid, ledger.Movement{ID: "dep-1", User: seller, Asset: "USDT", Amount: ledger.AmountOf(5000)}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range 2 {
		tr, err := e.h.svc.Open(ctx, tid, custody, trades.OpenInput{Seller: seller, Buyer: buyer, Asset: "USDT", Amount: "1000",
			FiatCurrency: "EUR", FiatAmount: "920.00", PaymentMethod: "sepa_transfer", PaymentWindowMinutes: 30})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tr.ID)
	}
	if _, err := e.h.svc.Act(ctx, tid, custody, ids[1], "paid", trades.ActInput{By: buyer}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.h.svc.Act(ctx, tid, custody, ids[1], "release", trades.ActInput{By: seller}); err != nil {
		t.Fatal(err)
	}
	return tid, seller
}

func (e *env) verify(t *testing.T) Output {
	t.Helper()
	out, err := e.h.Handle(context.Background(), json.RawMessage(`{"job":"verify"}`))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheDailyVerifyPassesSoundLedgersAndReportsACorruptedBalance(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	good, _ := e.tenantWithTrades(t, "Good Exchange")
	bad, seller := e.tenantWithTrades(t, "Tampered Exchange")
	if out := e.verify(t); out.Verified != 2 || out.Problems != 0 || out.Sweep != nil {
		t.Fatalf("sound ledgers: %+v", out)
	}
	if broken := e.logs.brokenInvariants(t); len(broken) != 0 {
		t.Fatalf("logged: %v", broken)
	}
	// The seller's escrow balance edited behind the ledger's back: 1000 becomes 900.
	key := store.LedgerBalanceKey(bad, seller, "USDT", string(ledger.Escrow))
	_, err := e.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(e.table),
		Key:                       map[string]types.AttributeValue{store.AttrPK: &types.AttributeValueMemberS{Value: key.PK}, store.AttrSK: &types.AttributeValueMemberS{Value: key.SK}},
		ConditionExpression:       aws.String("attribute_exists(#b)"),
		UpdateExpression:          aws.String("SET #b = :b"),
		ExpressionAttributeNames:  map[string]string{"#b": "balance"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberN{Value: "900"}}})
	if err != nil {
		t.Fatal(err)
	}
	out := e.verify(t)
	broken := e.logs.brokenInvariants(t)
	if out.Verified != 2 || out.Problems != len(broken) || out.Problems == 0 {
		t.Fatalf("corrupted: %+v, logged %v", out, broken)
	}
	for _, b := range broken {
		if !strings.HasPrefix(b, string(bad)+" ") {
			t.Errorf("a problem logged for another tenant than the tampered one (%s): %s", good, b)
		}
	}
	for _, want := range []string{ledger.ProblemBalanceMismatch, ledger.ProblemSellerEscrow} {
		if !slices.Contains(broken, string(bad)+" "+want) {
			t.Errorf("%s not reported: %v", want, broken)
		}
	}
}
