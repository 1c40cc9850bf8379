package rules

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/rules/rulestest"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
)

func benchmarkRules(tb testing.TB, e *Env) []CompiledRule {
	tb.Helper()
	actions := []Action{ActionAlert, ActionReview, ActionBlock}
	known := map[string]bool{"my-blocklist": true, "usdt-frozen": true, "partner-blocklist": true, "internal-watch": true, "high-risk-countries": true}
	var rs []CompiledRule
	for i, x := range rulestest.Busy([4]string{"10m", "1h", "24h", "168h"}, "168h") {
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
	xs := rulestest.Busy([4]string{"10m", "1h", "24h", "168h"}, "168h")
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
