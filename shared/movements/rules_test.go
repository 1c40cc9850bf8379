package movements

import (
	"context"
	"sync"
	"testing"

	"github.com/chainfi/chainguard/shared/audit"
)

func TestARuleChangesByVersionsThatAreKeptAndAStaleIfMatchIsRefused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	key2 := audit.Actor{Type: "client", ID: "key2"}
	v1, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "large", Expression: `movement.valueUsd > 1000.0`, Action: "alert", Severity: "low"})
	if err != nil || v1.Version != 1 || !v1.Enabled {
		t.Fatalf("create: %+v %v", v1, err)
	}
	// PUT with If-Match 1: version 2.
	v2, err := f.svc.UpdateRule(ctx, f.tenant, key2, v1.ID, 1, RuleInput{Name: "larger", Expression: `movement.valueUsd > 5000.0`, Action: "review", Severity: "high"})
	if err != nil || v2.Version != 2 || v2.Expression != `movement.valueUsd > 5000.0` || v2.UpdatedBy != "client:key2" || v2.CreatedAt != v1.CreatedAt || !v2.Enabled {
		t.Fatalf("update: %+v %v", v2, err)
	}
	// PUT with the stale If-Match 1: refused, nothing written.
	if _, err := f.svc.UpdateRule(ctx, f.tenant, client, v1.ID, 1, RuleInput{Name: "stale", Expression: `movement.valueUsd > 1.0`, Action: "block", Severity: "low"}); code(err) != "version_mismatch" {
		t.Fatalf("stale If-Match: %v", err)
	}
	// A PUT that does not compile is refused before any version is made.
	if _, err := f.svc.UpdateRule(ctx, f.tenant, client, v1.ID, 2, RuleInput{Name: "bad", Expression: `movement.valueUsd >`, Action: "alert", Severity: "low"}); code(err) != "invalid_expression" {
		t.Fatalf("bad expression: %v", err)
	}
	cur, err := f.svc.GetRule(ctx, f.tenant, v1.ID)
	if err != nil || cur != v2 {
		t.Fatalf("current: %+v %v", cur, err)
	}
	// DELETE disables (a version of its own); disabling again makes none.
	v3, err := f.svc.DisableRule(ctx, f.tenant, client, v1.ID)
	if err != nil || v3.Version != 3 || v3.Enabled || v3.Expression != v2.Expression {
		t.Fatalf("disable: %+v %v", v3, err)
	}
	if again, err := f.svc.DisableRule(ctx, f.tenant, client, v1.ID); err != nil || again.Version != 3 {
		t.Fatalf("disable again: %+v %v", again, err)
	}
	vs, err := f.svc.RuleVersions(ctx, f.tenant, v1.ID)
	if err != nil || len(vs) != 3 || vs[0] != v3 || vs[1] != v2 || vs[2] != v1 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	// A disabled rule is still listed (decisions name its versions) and no longer decides.
	rs, err := f.svc.Rules(ctx, f.tenant)
	if err != nil || len(rs) != 1 || rs[0] != v3 {
		t.Fatalf("rules: %+v %v", rs, err)
	}
	d, err := f.svc.Check(ctx, f.tenant, client, Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-a"}, Destination: Endpoint{Chain: "ETH", Address: cleanETH},
		Asset: "USDT", Chain: "ETH", Amount: "9000", ValueUSD: "9000"})
	if err != nil || d.Outcome != "allow" || len(d.Hits) != 0 {
		t.Fatalf("check with the rule disabled: %+v %v", d, err)
	}
	// PUT with enabled true turns it on again at version 4.
	on := true
	v4, err := f.svc.UpdateRule(ctx, f.tenant, client, v1.ID, 3, RuleInput{Name: v3.Name, Expression: v3.Expression, Action: v3.Action, Severity: v3.Severity, Enabled: &on})
	if err != nil || v4.Version != 4 || !v4.Enabled {
		t.Fatalf("enable: %+v %v", v4, err)
	}
	if _, err := f.svc.UpdateRule(ctx, f.tenant, client, "rul_01je28jt97kb6cq643dzvmx000", 0, RuleInput{Name: "x", Expression: "true", Action: "alert", Severity: "low"}); code(err) != "rule_not_found" {
		t.Fatalf("unknown rule: %v", err)
	}
	if _, err := f.svc.RuleVersions(ctx, "tnt_other", v1.ID); code(err) != "rule_not_found" {
		t.Fatalf("another tenant's versions: %v", err)
	}
}

func TestTwoPutsWithTheSameIfMatchMakeOneVersion(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	r, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "large", Expression: `movement.valueUsd > 1000.0`, Action: "alert", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	codes := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.UpdateRule(ctx, f.tenant, client, r.ID, 1, RuleInput{Name: "large", Expression: `movement.valueUsd > 2000.0`, Action: "alert", Severity: "low"})
			codes[i] = code(err)
		}()
	}
	wg.Wait()
	won := 0
	for _, c := range codes {
		switch c {
		case "":
			won++
		case "version_mismatch", "rule_changed": // read after the winner wrote, or raced it
		default:
			t.Errorf("a losing PUT: %s", c)
		}
	}
	vs, err := f.svc.RuleVersions(ctx, f.tenant, r.ID)
	if won != 1 || err != nil || len(vs) != 2 {
		t.Fatalf("%d PUTs won (%v); versions %d %v", won, codes, len(vs), err)
	}
}
