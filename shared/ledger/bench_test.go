package ledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// synthetic builds a sound ledger of n transactions (2 entries each) for tenant as the
// raw items the verifier reads: deposits funding users, then trades locking and
// releasing or refunding. Balances are the sums of the entries.
func synthetic(tb testing.TB, tenant store.TenantID, n int) (txs, balances []mapItem) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	const users = 1000
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	sums := map[acct]Amount{}
	add := func(t Transaction) {
		it, err := store.Marshal(store.LedgerTxKey(tenant, t.ID), txItemOf(t))
		if err != nil {
			tb.Fatal(err)
		}
		txs = append(txs, it)
		for _, e := range t.Entries {
			k := acct{Account: e.Account}
			if e.Account.Kind == External {
				k.shard = externalShard(t.ID)
			}
			sums[k] = sums[k].Add(e.Amount)
		}
	}
	user := func(i int) string { return fmt.Sprintf("u%04d", i) }
	for i := 0; i < users && len(txs) < n; i++ {
		add(Deposit(tenant, fmt.Sprintf("d%d", i), user(i), "USDT", AmountOf(1_000_000_000), at))
	}
	for k := 0; len(txs) < n; k++ {
		f := TradeFunds{Tenant: tenant, TradeID: fmt.Sprintf("tr%06d", k), Seller: user(rng.IntN(users)), Asset: "USDT", Amount: AmountOf(1 + rng.Int64N(10_000))}
		f.Buyer = user((rng.IntN(users-1) + 1 + indexOf(f.Seller)) % users)
		add(f.Lock(at))
		if len(txs) < n {
			if k%3 == 0 {
				add(f.Refund(at))
			} else {
				add(f.Release(at))
			}
		}
	}
	for k, v := range sums {
		var key store.Key
		it := balanceItem{TenantID: string(tenant), Account: string(k.Kind), User: k.User, Asset: k.Asset, Shard: k.shard, Balance: v}
		if k.Kind == External {
			key = store.LedgerExternalKey(tenant, k.Asset, k.shard)
		} else {
			key = store.LedgerBalanceKey(tenant, k.User, k.Asset, string(k.Kind))
		}
		raw, err := store.Marshal(key, it)
		if err != nil {
			tb.Fatal(err)
		}
		balances = append(balances, raw)
	}
	return txs, balances
}

func indexOf(user string) int {
	var i int
	fmt.Sscanf(user, "u%d", &i)
	return i
}

func verifyInProcess(tenant store.TenantID, txs, balances []mapItem) Report {
	v := newVerifier(tenant)
	for _, it := range txs {
		v.addTx(it)
	}
	return v.finish(balances, balances, nil)
}

// BenchmarkVerify100kEntries is the verifier's own work on items already read:
// decoding, hashing, checking 50,000 transactions of 100,000 entries.
func BenchmarkVerify100kEntries(b *testing.B) {
	txs, balances := synthetic(b, "acme", 50_000)
	b.ResetTimer()
	for b.Loop() {
		if r := verifyInProcess("acme", txs, balances); !r.OK() || r.Entries != 100_000 {
			b.Fatalf("%+v", r.Problems)
		}
	}
}

// TestVerifierTimeFor100kEntriesThroughTheEmulator loads a 100,000-entry ledger into
// the emulator (BatchWriteItem, not the write path: that is measured by the stress test)
// and times Verify end to end: the Queries and the checks. Set LEDGER_VERIFY_BENCH=1.
func TestVerifierTimeFor100kEntriesThroughTheEmulator(t *testing.T) {
	if os.Getenv("LEDGER_VERIFY_BENCH") == "" {
		t.Skip("set LEDGER_VERIFY_BENCH=1 (loads 50,000 items into the emulator)")
	}
	f := setup(t)
	ctx := context.Background()
	const tn store.TenantID = "acme"
	txs, balances := synthetic(t, tn, 50_000)
	start := time.Now()
	inproc := verifyInProcess(tn, txs, balances)
	t.Logf("in process: %d transactions, %d entries, %d accounts checked in %s (ok %t)",
		inproc.Transactions, inproc.Entries, inproc.Accounts, time.Since(start).Round(time.Millisecond), inproc.OK())
	start = time.Now()
	all := append(append([]mapItem{}, txs...), balances...)
	for i := 0; i < len(all); i += 25 {
		var reqs []types.WriteRequest
		for _, it := range all[i:min(i+25, len(all))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		for len(reqs) > 0 {
			out, err := f.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{f.table: reqs}})
			if err != nil {
				t.Fatal(err)
			}
			reqs = out.UnprocessedItems[f.table]
		}
	}
	t.Logf("loaded %d items in %s", len(all), time.Since(start).Round(time.Millisecond))
	f.calls.Reset()
	r := f.verify(t, tn, nil)
	if !r.OK() || r.Entries != 100_000 {
		t.Fatalf("%+v", r.Problems)
	}
	t.Logf("Verify through the emulator: %d transactions, %d entries, %d accounts in %s; calls %v",
		r.Transactions, r.Entries, r.Accounts, r.Duration.Round(time.Millisecond), f.calls.Reset())
}
