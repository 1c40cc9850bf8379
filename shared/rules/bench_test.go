package rules

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
)

// benchmarkExpressions are 50 rules of the kind clients write: list membership, amounts
// per asset, velocity over several windows, jurisdiction and risk.
func benchmarkExpressions() []string {
	var xs []string
	for _, l := range []string{"my-blocklist", "usdt-frozen", "partner-blocklist", "internal-watch", "my-blocklist"} {
		xs = append(xs, fmt.Sprintf(`destination.address in list(%q)`, l))
	}
	xs = append(xs,
		`source.address in list("my-blocklist")`,
		`destination.country in list("high-risk-countries")`,
		`source.country in list("high-risk-countries") && movement.direction == "out"`,
		`source.jurisdictions.exists(j, j in list("high-risk-countries"))`,
		`destination.sanctioned || source.sanctioned`,
	)
	for i, asset := range []string{"BTC", "ETH", "USDT", "USDC", "SOL"} {
		xs = append(xs,
			fmt.Sprintf(`movement.asset == %q && movement.amount > decimal("%d.5")`, asset, (i+1)*1000),
			fmt.Sprintf(`movement.asset == %q && movement.amount >= %d && movement.direction == "out"`, asset, (i+1)*100),
		)
	}
	for _, w := range []string{"10m", "1h", "24h", "168h"} {
		xs = append(xs,
			fmt.Sprintf(`count_out(duration(%q)) > 10`, w),
			fmt.Sprintf(`sum_out_usd(duration(%q)) + movement.valueUsd > 50000.0`, w),
			fmt.Sprintf(`distinct_destinations(duration(%q)) >= 5 && movement.kind == "vault_to_wallet"`, w),
		)
	}
	xs = append(xs,
		`count_in(duration("1h")) > 0 && sum_in_usd(duration("1h")) > 10000.0 && count_out(duration("1h")) > 0`,
		`sum_in_usd(duration("24h")) > 100000.0`,
		`source.riskTier == "high" && movement.valueUsd > 1000.0`,
		`destination.riskTier == "high" && !movement.hasValueUsd`,
		`movement.kind == "wallet_to_wallet" && destination.userId == ""`,
		`movement.occurredAt.getHours("UTC") < 5 && movement.valueUsd > 20000.0`,
		`"us" in source.jurisdictions && destination.country == "CU"`,
		`movement.chain != destination.chain && destination.type == "address"`,
		`size(movement.txHash) == 0 && movement.direction == "out"`,
		`movement.valueUsd > 1000000.0`,
		`source.userId != destination.userId && destination.userId != "" && movement.valueUsd > 250000.0`,
		`count_out(duration("1h")) > 3 && destination.address in list("internal-watch")`,
		`distinct_destinations(duration("24h")) > 20`,
		`movement.asset == "ETH" && movement.amount > 10 && destination.address in list("partner-blocklist")`,
		`count_out(duration("24h")) > 50 || sum_out_usd(duration("24h")) > 500000.0`,
		`source.type == "vault" && destination.type == "vault" && movement.valueUsd > 5000000.0`,
		`destination.jurisdictions.exists(j, j == "ru" || j == "by") && movement.direction == "out"`,
		`count_out(duration("168h")) == 0 && movement.valueUsd > 10000.0`,
	)
	return xs
}

func benchmarkRules(tb testing.TB, e *Env) []CompiledRule {
	tb.Helper()
	actions := []Action{ActionAlert, ActionReview, ActionBlock}
	known := map[string]bool{"my-blocklist": true, "usdt-frozen": true, "partner-blocklist": true, "internal-watch": true, "high-risk-countries": true}
	var rs []CompiledRule
	for i, x := range benchmarkExpressions() {
		r, err := e.CompileRule(Rule{ID: fmt.Sprint("rule-", i), Version: 1, Name: fmt.Sprint("rule ", i),
			Action: actions[i%3], Severity: SeverityHigh, Enabled: true, Expression: x}, CompileOptions{KnownLists: known})
		if err != nil {
			tb.Fatalf("%s: %v", x, err)
		}
		rs = append(rs, r)
	}
	if len(rs) != 50 {
		tb.Fatalf("%d rules, want 50", len(rs))
	}
	return rs
}

// benchmarkLists holds the USDT issuer's frozen addresses (the crypto watch list fixture)
// as "usdt-frozen", when the fixtures are there.
func benchmarkLists(tb testing.TB) *fakeLists {
	_, l := testData()
	l.items["usdt-frozen"] = map[string]bool{}
	l.items["partner-blocklist"] = map[string]bool{"0xfeed": true}
	l.items["internal-watch"] = map[string]bool{}
	if dir, err := sanctionstest.Dir(); err == nil {
		if f, err := os.Open(filepath.Join(dir, "crypto-watchlists", "usdt-issuer-blacklist-ETH.txt")); err == nil {
			defer f.Close()
			for sc := bufio.NewScanner(f); sc.Scan(); {
				if a := strings.TrimSpace(sc.Text()); a != "" && !strings.HasPrefix(a, "#") {
					l.items["usdt-frozen"][strings.ToLower(a)] = true
				}
			}
		}
	}
	return l
}

func TestTheBenchmarkRulesHitWhatTheySay(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, _ := testData()
	lists := benchmarkLists(t)
	frozen := withdrawal()
	frozen.Destination.Address = "0x008fe40574e881e7247b50b991c0cc057d66647f"
	if len(lists.items["usdt-frozen"]) < 100 {
		t.Skip("crypto watch list fixture unavailable")
	}
	d := evaluate(t, e, frozen, Data{Aggregates: aggs, Lists: lists}, benchmarkRules(t, e)...)
	found := false
	for _, h := range d.Hits {
		found = found || strings.Contains(h.Reason, `in list("usdt-frozen")`)
	}
	if !found || len(d.Errors) != 0 {
		t.Errorf("a frozen USDT address did not hit: %+v", d)
	}
}

func BenchmarkEvaluate50Rules(b *testing.B) {
	e := newTestEnv(b, Config{})
	rs := benchmarkRules(b, e)
	aggs, _ := testData()
	lists := benchmarkLists(b)
	in := withdrawal()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d, err := e.Evaluate(ctx, rs, in, Data{Aggregates: aggs, Lists: lists})
		if err != nil || len(d.Errors) != 0 {
			b.Fatal(err, d.Errors)
		}
	}
}

func BenchmarkCompileRule(b *testing.B) {
	e := newTestEnv(b, Config{})
	xs := benchmarkExpressions()
	known := map[string]bool{"my-blocklist": true, "usdt-frozen": true, "partner-blocklist": true, "internal-watch": true, "high-risk-countries": true}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := e.Compile(xs[i%len(xs)], CompileOptions{KnownLists: known}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkNewEnv(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEnv(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
