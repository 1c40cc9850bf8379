package trades

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"
)

// TestAWSCallsPerTransition counts the DynamoDB calls of each step of a trade's life
// (the emulator's SDK middleware counts them), and logs them for the README.
func TestAWSCallsPerTransition(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	seller, buyer := f.user(t, 1, 1_000_000), f.user(t, 2, 0)
	f.calls.Reset()
	tr := f.open(t, seller, buyer, 100)
	open := f.calls.Reset()
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); err != nil {
		t.Fatal(err)
	}
	paid := f.calls.Reset()
	if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller}); err != nil {
		t.Fatal(err)
	}
	release := f.calls.Reset()
	for name, c := range map[string]map[string]int{"open": open, "mark_paid": paid, "release": release} {
		t.Logf("%s: %v", name, c)
		if c["DynamoDB.TransactWriteItems"] != 1 {
			t.Errorf("%s: %d TransactWriteItems, want 1", name, c["DynamoDB.TransactWriteItems"])
		}
	}
	// The reads: the trade (the parties' status comes from onboarding, 1 GetItem each in
	// the functions, a fake here); no scan, no query.
	if paid["DynamoDB.GetItem"] != 1 || paid["DynamoDB.Query"] != 0 || paid["DynamoDB.Scan"] != 0 || open["DynamoDB.GetItem"] != 0 {
		t.Errorf("reads: open %v, mark_paid %v", open, paid)
	}
}

// BenchmarkTradeLifecycle measures open, paid and release of one trade against the
// emulator (trades per second per worker = 1 / time per op).
func BenchmarkTradeLifecycle(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	seller, buyer := f.user(b, 1, 1_000_000_000_000), f.user(b, 2, 0)
	var durs []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		tr := f.open(b, seller, buyer, 100)
		if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "paid", ActInput{By: buyer}); err != nil {
			b.Fatal(err)
		}
		if _, err := f.svc.Act(ctx, f.tenant, client, tr.ID, "release", ActInput{By: seller}); err != nil {
			b.Fatal(err)
		}
		durs = append(durs, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
	b.ReportMetric(float64(durs[len(durs)/2].Microseconds()), "p50-µs/trade")
	b.ReportMetric(float64(durs[len(durs)*99/100].Microseconds()), "p99-µs/trade")
}

// TestStressRacingTradesAtScale is the racing test at a size set by TRADES_STRESS (the
// number of trades; skipped when unset): CI runs the small one above.
func TestStressRacingTradesAtScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("TRADES_STRESS"))
	if n == 0 {
		t.Skip("set TRADES_STRESS=<trades> to run")
	}
	stressTrades = n
	defer func() { stressTrades = 30 }()
	TestRacingActionsSettleEveryTradeExactlyOnce(t)
	fmt.Println()
}
