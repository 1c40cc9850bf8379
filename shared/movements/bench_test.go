package movements

// Benchmarks of the movement log, the pre-signing decision and the listings against the
// emulator that TestMain starts (moto behind our launcher): the times are the emulator's
// plus our code's, on this machine; the AWS calls per movement and per decision are what
// they would be against AWS (counted by an SDK middleware on the DynamoDB and KMS clients).
//
//	go test -run '^$' -bench . -benchtime 200x ./shared/movements/
//
// Each benchmark reports, besides ns/op and allocs/op: movements/s (per worker, 1/op time),
// p50-ns and p99-ns (per-op durations recorded one by one), aws-calls per movement or per
// decision, and one metric per AWS operation (for example DynamoDB.TransactWriteItems/mv).
// MOVEMENTS_BENCH_SEED overrides the 10,000 movements the listing benchmark seeds.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/rules/rulestest"
	"github.com/chainfi/chainguard/shared/store"
)

// setupB is setup for benchmarks (testing.TB), with the KMS client counted as well: the
// envelope's GenerateDataKey calls are part of what a movement costs.
func setupB(tb testing.TB) *fixture {
	tb.Helper()
	return newFixture(tb, fixtureOptions{jurisdictions: [5]string{"EU", "EU", "GB", "US", "SG"}, tenantPrefix: "mvb", countKMS: true})
}

// benchAddr is the n-th of a set of valid, distinct ETH addresses.
func benchAddr(n int) string { return fmt.Sprintf("0x%040x", 0xbe00000+n) }

// benchMovement is a vault-to-wallet movement with the initiator and approval path (the
// encrypted context), as a custody platform logs a withdrawal.
func (f *fixture) benchMovement(id, vault, to string, at time.Time) Input {
	in := f.withdrawal(id, vault, to, "1250.5", "1250.50")
	in.OccurredAt = store.FormatTime(at)
	in.TxHash = "0x" + strings.Repeat("ab", 32)
	in.InitiatedBy = &Initiator{DeviceID: "dev-7f3a", SessionID: "sess-" + id, IP: "203.0.113.7", UserAgent: "Custody/4.2"}
	in.ApprovalPath = []Approval{{Approver: "ops-17", Role: "treasury", At: store.FormatTime(at.Add(-time.Minute))}}
	return in
}

func (f *fixture) linkVaults(tb testing.TB, vaults map[string]string) {
	tb.Helper()
	for v, u := range vaults {
		if _, _, err := f.svc.LinkVault(context.Background(), f.tenant, client, u, VaultInput{VaultID: v}); err != nil {
			tb.Fatal(err)
		}
	}
}

func mustAllLogged(tb testing.TB, res []Result) {
	tb.Helper()
	for i, r := range res {
		if r.Status != StatusLogged {
			tb.Fatalf("movement %d (%s): %s %+v %v", i, r.ID, r.Status, r.Error, r.err)
		}
	}
}

// durations records per-op times and reports their percentiles.
type durations struct {
	mu sync.Mutex
	d  []time.Duration
}

func (d *durations) add(x time.Duration) {
	d.mu.Lock()
	d.d = append(d.d, x)
	d.mu.Unlock()
}

func (d *durations) pct(p float64) time.Duration {
	s := slices.Clone(d.d)
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (d *durations) report(b *testing.B, per float64) {
	b.ReportMetric(float64(d.pct(0.50).Nanoseconds())/per, "p50-ns")
	b.ReportMetric(float64(d.pct(0.99).Nanoseconds())/per, "p99-ns")
	b.ReportMetric(float64(d.pct(1).Nanoseconds())/per, "max-ns")
}

// reportCalls reports the AWS calls counted since the last Reset, per unit (movement or
// decision), in total and by operation, and logs the breakdown.
func reportCalls(b *testing.B, calls *emulator.Calls, units int, unit string) {
	got := calls.Reset()
	total := 0
	var ops []string
	for op, n := range got {
		total += n
		ops = append(ops, op)
	}
	sort.Strings(ops)
	b.ReportMetric(float64(total)/float64(units), "aws-calls/"+unit)
	var parts []string
	for _, op := range ops {
		b.ReportMetric(float64(got[op])/float64(units), op+"/"+unit)
		parts = append(parts, fmt.Sprintf("%s=%.3f", op, float64(got[op])/float64(units)))
	}
	b.Logf("%d %ss: %.3f AWS calls per %s: %s", units, unit, float64(total)/float64(units), unit, strings.Join(parts, " "))
}

// BenchmarkLogMovement logs movements through LogMovements: one per op (a withdrawal from
// a vault mapped to a user), and a batch of 500 per op (five users' vaults, 100
// destinations; the figures are per movement).
func BenchmarkLogMovement(b *testing.B) {
	b.Run("single", func(b *testing.B) {
		f := setupB(b)
		f.linkVaults(b, map[string]string{"vault-a": userID(1)})
		ctx := context.Background()
		// Warm the envelope's data key and the SDK's connections.
		mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, []Input{f.benchMovement("warm", "vault-a", cleanETH, f.now())}))
		f.calls.Reset()
		var ds durations
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			f.advance(time.Second)
			in := f.benchMovement("mv-"+strconv.Itoa(n), "vault-a", benchAddr(n%100), f.now())
			n++
			start := time.Now()
			res := f.svc.LogMovements(ctx, f.tenant, client, []Input{in})
			ds.add(time.Since(start))
			mustAllLogged(b, res)
		}
		reportCalls(b, f.calls, n, "mv")
		ds.report(b, 1)
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "movements/s")
	})
	b.Run("batch500", func(b *testing.B) {
		f := setupB(b)
		vaults := map[string]string{}
		for i := 1; i <= 5; i++ {
			vaults[fmt.Sprintf("vault-%d", i)] = userID(i)
		}
		f.linkVaults(b, vaults)
		ctx := context.Background()
		mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, []Input{f.benchMovement("warm", "vault-1", cleanETH, f.now())}))
		f.calls.Reset()
		var ds durations
		n, ops := 0, 0
		b.ReportAllocs()
		for b.Loop() {
			f.advance(time.Minute)
			batch := make([]Input, MaxBatch)
			for i := range batch {
				batch[i] = f.benchMovement("mv-"+strconv.Itoa(n), fmt.Sprintf("vault-%d", 1+i%5), benchAddr(n%100), f.now().Add(-time.Duration(i)*time.Millisecond))
				n++
			}
			start := time.Now()
			res := f.svc.LogMovements(ctx, f.tenant, client, batch)
			ds.add(time.Since(start))
			ops++
			mustAllLogged(b, res)
		}
		reportCalls(b, f.calls, n, "mv")
		ds.report(b, MaxBatch)
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "movements/s")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/mv")
	})
}

// usdtFrozen is the USDT issuer's frozen ETH addresses (the crypto watch list fixture), or
// nil when the fixtures are not there.
func usdtFrozen() []json.RawMessage {
	dir := os.Getenv("CHAINGUARD_FIXTURES")
	if dir == "" {
		wd, _ := os.Getwd()
		dir = filepath.Join(wd, "..", "..", "..", "shared", "fixtures")
	}
	fh, err := os.Open(filepath.Join(dir, "crypto-watchlists", "usdt-issuer-blacklist-ETH.txt"))
	if err != nil {
		return nil
	}
	defer fh.Close()
	var out []json.RawMessage
	for sc := bufio.NewScanner(fh); sc.Scan(); {
		if a := strings.TrimSpace(sc.Text()); a != "" && !strings.HasPrefix(a, "#") {
			raw, _ := json.Marshal(a)
			out = append(out, raw)
		}
	}
	return out
}

// setupRules creates the lists and 50 enabled rules (xs, or rulestest.Busy).
func (f *fixture) setupRules(tb testing.TB, xs ...string) {
	tb.Helper()
	ctx := context.Background()
	addrs := func(from, n int) []json.RawMessage {
		var out []json.RawMessage
		for i := from; i < from+n; i++ {
			out = append(out, json.RawMessage(strconv.Quote(benchAddr(i))))
		}
		return out
	}
	frozen := usdtFrozen()
	if frozen == nil {
		tb.Logf("crypto watch list fixture not found (set CHAINGUARD_FIXTURES): usdt-frozen holds 1,000 made-up addresses")
		frozen = addrs(50_000, 1000)
	}
	for _, l := range []ListInput{
		{Name: "my-blocklist", Kind: ListKindAddr, Items: addrs(10_000, 200)},
		{Name: "usdt-frozen", Kind: ListKindAddr, Items: frozen},
		{Name: "partner-blocklist", Kind: ListKindAddr, Items: addrs(20_000, 50)},
		{Name: "internal-watch", Kind: ListKindAddr, Items: addrs(30_000, 10)},
		{Name: "high-risk-countries", Kind: ListKindCounty, Items: []json.RawMessage{json.RawMessage(`"IR"`), json.RawMessage(`"KP"`), json.RawMessage(`"SY"`), json.RawMessage(`"CU"`)}},
	} {
		if _, err := f.svc.CreateList(ctx, f.tenant, client, l); err != nil {
			tb.Fatalf("list %s: %v", l.Name, err)
		}
	}
	actions := []string{"alert", "review", "block"}
	if xs == nil {
		xs = rulestest.Busy([4]string{"10m", "1h", "24h", "24h"}, "10m")
	}
	if len(xs) != 50 {
		tb.Fatalf("%d rules, want 50", len(xs))
	}
	for i, x := range xs {
		if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: fmt.Sprintf("rule %02d", i), Expression: x, Action: actions[i%3], Severity: "high"}); err != nil {
			tb.Fatalf("rule %d %s: %v", i, x, err)
		}
	}
}

// BenchmarkCheck50Rules is the pre-signing decision with 50 enabled rules (list
// membership, amounts, velocity over 3 windows) on a withdrawal from a mapped vault that
// has 200 logged movements in the last hours: sequential, and 8 callers at once.
func BenchmarkCheck50Rules(b *testing.B) {
	f := setupB(b)
	ctx := context.Background()
	f.linkVaults(b, map[string]string{"vault-a": userID(1)})
	f.setupRules(b)
	// History for the aggregates: 200 withdrawals over the last 100 minutes.
	var hist []Input
	for i := 0; i < 200; i++ {
		hist = append(hist, f.benchMovement("h-"+strconv.Itoa(i), "vault-a", benchAddr(i%40), f.now().Add(-time.Duration(i)*30*time.Second)))
	}
	mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, hist))
	proposal := Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-a"}, Destination: Endpoint{Chain: "ETH", Address: cleanETH2},
		Asset: "USDT", Chain: "ETH", Amount: "250", ValueUSD: "250.00"}
	d, err := f.svc.Check(ctx, f.tenant, client, proposal) // warm: compiles the rules, loads the lists
	if err != nil {
		b.Fatal(err)
	}
	if len(d.Rules) != 50 || len(d.Errors) != 0 {
		b.Fatalf("warm decision: %d rules ran, errors %+v", len(d.Rules), d.Errors)
	}
	b.Logf("warm decision: %s, %d hits, aggregates %+v", d.Outcome, len(d.Hits), d.Aggregates)
	for _, par := range []int{1, 8} {
		b.Run(fmt.Sprintf("callers-%d", par), func(b *testing.B) {
			f.calls.Reset()
			var ds durations
			var mu sync.Mutex
			decisions := 0
			check := func() {
				start := time.Now()
				d, err := f.svc.Check(ctx, f.tenant, client, proposal)
				ds.add(time.Since(start))
				if err != nil || len(d.Rules) != 50 || len(d.Errors) != 0 {
					b.Errorf("check: %v (%d rules, errors %+v)", err, len(d.Rules), d.Errors)
				}
				mu.Lock()
				decisions++
				mu.Unlock()
			}
			b.ReportAllocs()
			if par == 1 {
				for b.Loop() {
					check()
				}
			} else {
				b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						check()
					}
				})
			}
			reportCalls(b, f.calls, decisions, "decision")
			ds.report(b, 1)
			b.ReportMetric(float64(decisions)/b.Elapsed().Seconds(), "decisions/s")
		})
	}
}

// BenchmarkList lists a user with 10,000 movements (seeded with LogMovements batches of
// 500): the first page of 50, and the 50th page of 50 (its cursor taken by walking).
func BenchmarkList(b *testing.B) {
	f := setupB(b)
	ctx := context.Background()
	f.linkVaults(b, map[string]string{"vault-q": userID(1)})
	seed := 10_000
	if v, err := strconv.Atoi(os.Getenv("MOVEMENTS_BENCH_SEED")); err == nil && v > 0 {
		seed = v
	}
	start := time.Now()
	for done := 0; done < seed; {
		batch := make([]Input, 0, MaxBatch)
		for ; len(batch) < MaxBatch && done < seed; done++ {
			batch = append(batch, f.benchMovement("q-"+strconv.Itoa(done), "vault-q", benchAddr(done%100), f.now().Add(-time.Duration(done)*100*time.Millisecond)))
		}
		mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, batch))
	}
	el := time.Since(start)
	b.Logf("seeded %d movements for one user in %s (%.0f movements/s, 8 workers)", seed, el.Round(time.Millisecond), float64(seed)/el.Seconds())
	filter := Filter{User: userID(1)}
	// The cursor of page 50, walking from the first page.
	cursor := ""
	walk := time.Now()
	for p := 1; p < 50; p++ {
		page, next, err := f.svc.List(ctx, f.tenant, filter, cursor, 50)
		if err != nil || len(page) != 50 || next == "" {
			b.Fatalf("page %d: %d items, next %q, %v", p, len(page), next, err)
		}
		cursor = next
	}
	b.Logf("walked 49 pages of 50 in %s", time.Since(walk).Round(time.Millisecond))
	for _, c := range []struct {
		name, cursor string
		first        string
	}{{"page1", "", "q-0"}, {"page50", cursor, "q-2450"}} {
		b.Run(c.name, func(b *testing.B) {
			f.calls.Reset()
			var ds durations
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				page, _, err := f.svc.List(ctx, f.tenant, filter, c.cursor, 50)
				ds.add(time.Since(start))
				n++
				if err != nil || len(page) != 50 || page[0].ID != c.first {
					b.Fatalf("%s: %d items (first %v), %v", c.name, len(page), ids(page[:min(1, len(page))]), err)
				}
			}
			reportCalls(b, f.calls, n, "query")
			ds.report(b, 1)
		})
	}
}

// BenchmarkProcess50Rules is the movement.logged consumer (movements-process) on a logged
// withdrawal with the 50 rules enabled: the rules at ingestion, alerts for hits, and the
// platform's detectors, with the rules of BenchmarkCheck50Rules (about 12 of which hit each
// movement: alerts) and with rules that never hit. Its AWS calls add to the ingestion's for
// the cost of a movement. Logging each movement is outside the timer and the counts.
func BenchmarkProcess50Rules(b *testing.B) {
	b.Run("hits", func(b *testing.B) { benchProcess(b, nil) })
	b.Run("no-hits", func(b *testing.B) { benchProcess(b, rulestest.Quiet("my-blocklist", "high-risk-countries")) })
}

func benchProcess(b *testing.B, xs []string) {
	f := setupB(b)
	ctx := context.Background()
	f.linkVaults(b, map[string]string{"vault-a": userID(1)})
	f.setupRules(b, xs...)
	mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, []Input{f.benchMovement("warm", "vault-a", cleanETH, f.now())}))
	if _, err := f.svc.Process(ctx, f.tenant, "warm"); err != nil {
		b.Fatal(err)
	}
	total := map[string]int{}
	var ds durations
	n, hits := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		f.advance(time.Second)
		id := "p-" + strconv.Itoa(n)
		mustAllLogged(b, f.svc.LogMovements(ctx, f.tenant, client, []Input{f.benchMovement(id, "vault-a", benchAddr(n%100), f.now())}))
		f.calls.Reset()
		b.StartTimer()
		start := time.Now()
		ev, err := f.svc.Process(ctx, f.tenant, id)
		ds.add(time.Since(start))
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		hits += len(ev.Hits)
		for op, c := range f.calls.Reset() {
			total[op] += c
		}
		n++
		b.StartTimer()
	}
	sum := 0
	var parts []string
	for op, c := range total {
		sum += c
		b.ReportMetric(float64(c)/float64(n), op+"/mv")
		parts = append(parts, fmt.Sprintf("%s=%.3f", op, float64(c)/float64(n)))
	}
	sort.Strings(parts)
	b.ReportMetric(float64(sum)/float64(n), "aws-calls/mv")
	b.ReportMetric(float64(hits)/float64(n), "hits/mv")
	b.Logf("%d movements processed: %.3f AWS calls each: %s", n, float64(sum)/float64(n), strings.Join(parts, " "))
	ds.report(b, 1)
}
