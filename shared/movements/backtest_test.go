package movements

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

func TestABacktestCountsHitsWithVelocityRecomputedFromTheHistory(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "busy vault", Expression: `count_out(duration("1h")) >= 3`, Action: "review", Severity: "medium"})
	if err != nil {
		t.Fatal(err)
	}
	// vault-b: three withdrawals before the period, two in it; vault-c: one before, one in it.
	at := map[string]time.Time{}
	for _, m := range []struct{ id, vault, to string }{
		{"b-0", "vault-b", cleanETH}, {"b-1", "vault-b", cleanETH}, {"b-2", "vault-b", cleanETH2}, {"c-0", "vault-c", cleanETH},
		{"b-3", "vault-b", cleanETH}, {"c-1", "vault-c", cleanETH2}, {"b-4", "vault-b", cleanETH},
	} {
		f.advance(time.Minute)
		at[m.id] = f.now()
		f.mustLog(t, f.withdrawal(m.id, m.vault, m.to, "100", "100"))
	}
	from, to := store.FormatTime(at["b-3"]), store.FormatTime(f.now())
	bt, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	// Only b-3 and b-4 are judged hits: the three withdrawals before the period count in
	// their window (the warm-up), and vault-c's never reach three.
	if bt.RuleID != r.ID || bt.Version != 1 || bt.Draft || bt.Evaluated != 3 || bt.Hits != 2 || bt.Errors != 0 || bt.HitRate < 0.66 || bt.HitRate > 0.67 {
		t.Fatalf("backtest: %+v", bt)
	}
	var sample []string
	var seen []float64
	for _, h := range bt.Sample {
		sample = append(sample, h.MovementID)
		if len(h.Aggregates) != 1 || h.Aggregates[0].Function != "count_out" || h.Reason == "" {
			t.Fatalf("hit %s: %+v", h.MovementID, h)
		}
		seen = append(seen, h.Aggregates[0].Value)
	}
	if !slices.Equal(sample, []string{"b-3", "b-4"}) || !slices.Equal(seen, []float64{3, 4}) {
		t.Fatalf("sample %v, counts seen %v", sample, seen)
	}
	if bt.Sample[0].OccurredAt != store.FormatTime(at["b-3"]) {
		t.Fatalf("occurredAt: %s, want %s", bt.Sample[0].OccurredAt, store.FormatTime(at["b-3"]))
	}

	// A draft is tried in place of the rule's expression; the rule itself stays as it was.
	draft, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: store.FormatTime(at["b-0"]), To: to,
		Expression: fmt.Sprintf(`destination.address == %q`, strings.ToLower(cleanETH2))})
	if err != nil || !draft.Draft || draft.Evaluated != 7 || draft.Hits != 2 || len(draft.Sample) != 2 || draft.Sample[0].MovementID != "b-2" || draft.Sample[1].MovementID != "c-1" {
		t.Fatalf("draft: %+v %v", draft, err)
	}
	if cur, _ := f.svc.GetRule(ctx, f.tenant, r.ID); cur.Version != 1 || cur.Expression != r.Expression {
		t.Fatalf("rule after a draft: %+v", cur)
	}
	// A draft that fails on some movements counts errors apart from hits.
	if div, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: from, To: to, Expression: `1 / (count_out(duration("1h")) - 3) > 0`}); err != nil || div.Errors != 1 || div.Hits != 1 || len(div.ErrorSample) != 1 {
		t.Fatalf("errors: %+v %v", div, err)
	}
}

func TestABacktestRefusesBadRangesDraftsAndRules(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "large", Expression: `movement.valueUsd > 1000.0`, Action: "alert", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	now := f.now()
	at := func(d time.Duration) string { return store.FormatTime(now.Add(d)) }
	for name, c := range map[string]struct {
		id   string
		in   BacktestInput
		code string
	}{
		"longer than 31 days": {r.ID, BacktestInput{From: at(-32 * 24 * time.Hour), To: at(0)}, "invalid_range"},
		"to before from":      {r.ID, BacktestInput{From: at(0), To: at(-time.Hour)}, "invalid_range"},
		"not a time":          {r.ID, BacktestInput{From: "yesterday", To: at(0)}, "invalid_range"},
		"a bad draft":         {r.ID, BacktestInput{From: at(-time.Hour), To: at(0), Expression: "movement.amount >"}, "invalid_expression"},
		"an unknown list":     {r.ID, BacktestInput{From: at(-time.Hour), To: at(0), Expression: `destination.address in list("nope")`}, "list_not_found"},
		"an unknown rule":     {"rul_01je28jt97kb6cq643dzvmx000", BacktestInput{From: at(-time.Hour), To: at(0)}, "rule_not_found"},
		"another tenant's":    {r.ID, BacktestInput{From: at(-time.Hour), To: at(0)}, "rule_not_found"},
	} {
		tenant := f.tenant
		if name == "another tenant's" {
			tenant = store.TenantID("tnt_other")
		}
		if _, err := f.svc.RunBacktest(ctx, tenant, c.id, c.in); code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	// Too many movements, the warm-up of the rule's windows included: refused, not cut short.
	v, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "busy", Expression: `count_out(duration("1h")) >= 2`, Action: "review", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		f.advance(time.Minute)
		f.mustLog(t, f.withdrawal(fmt.Sprintf("big-%d", i), "vault-b", cleanETH, "100", "100"))
	}
	f.svc.BacktestLimit = 3
	if _, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: at(-time.Hour), To: store.FormatTime(f.now())}); code(err) != "backtest_too_large" {
		t.Errorf("4 movements in the period, limit 3: %v", err)
	}
	// Two in the period, but the hour's warm-up before it brings in the other two.
	if _, err := f.svc.RunBacktest(ctx, f.tenant, v.ID, BacktestInput{From: store.FormatTime(f.now().Add(-90 * time.Second)), To: store.FormatTime(f.now())}); code(err) != "backtest_too_large" {
		t.Errorf("2 movements in the period and 2 in the warm-up, limit 3: %v", err)
	}
	// Without the warm-up the same period fits.
	if bt, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: store.FormatTime(f.now().Add(-90 * time.Second)), To: store.FormatTime(f.now())}); err != nil || bt.Evaluated != 2 {
		t.Errorf("2 movements, no warm-up, limit 3: %+v %v", bt, err)
	}
	f.svc.BacktestLimit = MaxBacktestMovements
	// Exactly 31 days is allowed.
	if _, err := f.svc.RunBacktest(ctx, f.tenant, r.ID, BacktestInput{From: at(-31 * 24 * time.Hour), To: at(0)}); err != nil {
		t.Fatalf("31 days: %v", err)
	}
}
