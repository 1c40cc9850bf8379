package movements

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// Findings of the hostile probe of issue 11, kept as tests.

func TestAddressesAreCheckedForTheirChain(t *testing.T) {
	for _, c := range []struct{ chain, addr, code string }{
		{"TRX", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "invalid_address"},            // a Bitcoin address on TRON
		{"BTC", "zz1gys8lu7cdxlpcmqu3wx5y4ryey", "invalid_address"},                 // bech32 of no Bitcoin network
		{"USDT", "0x742d35Cc6634C0532925a3b844Bc454e4438f44e", "unsupported_chain"}, // an asset, not a network
		{"BTC", "bc1" + strings.Repeat("q", 300), "invalid_address"},
	} {
		if _, err := NormalizeAddress(c.chain, c.addr); code(err) != c.code {
			t.Errorf("%s %s: %v, want %s", c.chain, c.addr[:10], err, c.code)
		}
	}
	for _, c := range []struct{ chain, addr string }{
		{"BTC", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}, {"BTC", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"},
		{"TRX", "TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"}, {"ETH", cleanETH},
	} {
		if _, err := NormalizeAddress(c.chain, c.addr); err != nil {
			t.Errorf("%s %s refused: %v", c.chain, c.addr, err)
		}
	}
}

func TestTextsRefuseControlAndDirectionCharacters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, l := range []string{"a\u202eb", "a\u009bb", "a\u200bb", "\ufeffa"} {
		if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(1), VaultInput{VaultID: "v-x", Label: l}); code(err) != "invalid_label" {
			t.Errorf("label %q: %v", l, err)
		}
	}
	in := f.withdrawal("ip-zone", "vault-a", cleanETH, "1", "")
	in.InitiatedBy = &Initiator{IP: "fe80::1%eth0"}
	if r := f.log(t, in)[0]; r.Error == nil || r.Error.Code != "invalid_initiated_by" {
		t.Errorf("ip zone: %+v", r)
	}
	if _, err := f.svc.CreateList(ctx, f.tenant, client, ListInput{Name: "cc", Kind: ListKindCounty, Items: []json.RawMessage{json.RawMessage(`"ZZ"`)}}); code(err) != "invalid_item" {
		t.Errorf("country ZZ: %v", err)
	}
	if _, err := f.svc.CreateList(ctx, f.tenant, client, ListInput{Name: "aa", Kind: ListKindAddr, Items: []json.RawMessage{json.RawMessage(`{"chain":"ETH","address":"` + cleanETH + `","evil":1}`)}}); code(err) != "invalid_item" {
		t.Errorf("unknown field in an item: %v", err)
	}
}

func TestHugeValuesNeitherOverflowNorWrap(t *testing.T) {
	f := setup(t)
	in := f.withdrawal("huge", "vault-h", cleanETH, "1", "99999999999999")
	if r := f.log(t, in)[0]; r.Error == nil || r.Error.Code != "invalid_value_usd" {
		t.Fatalf("valueUsd >= 10^13: %+v", r)
	}
	if addSat(1<<62, 1<<62) != 1<<63-1 || addSat(-(1<<62), -(1<<62)-1) != -1<<63 {
		t.Fatal("addSat wraps")
	}
}

func TestACorrectionReplacesItsRecordInTheAggregatesAndIsMadeOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.mustLog(t, f.withdrawal("orig", "vault-c", cleanETH, "1000", "1000"))
	fix := f.withdrawal("fix-1", "vault-c", cleanETH, "900", "900")
	if _, err := f.svc.Correct(ctx, f.tenant, client, "orig", fix); err != nil {
		t.Fatal(err)
	}
	w, _ := f.svc.Velocity(ctx, f.tenant, []string{"V", "vault-c"}, time.Hour, f.now())
	if w.OutCount != 1 || w.OutCents != 90000 {
		t.Fatalf("after one correction: %+v", w)
	}
	// A second correction of the same record: 409; correcting the correction works.
	if _, err := f.svc.Correct(ctx, f.tenant, client, "orig", f.withdrawal("fix-2", "vault-c", cleanETH, "800", "800")); code(err) != "already_corrected" {
		t.Fatalf("second correction: %v", err)
	}
	if _, err := f.svc.Correct(ctx, f.tenant, client, "fix-1", f.withdrawal("fix-2", "vault-c", cleanETH, "800", "800")); err != nil {
		t.Fatal(err)
	}
	w, _ = f.svc.Velocity(ctx, f.tenant, []string{"V", "vault-c"}, time.Hour, f.now())
	if w.OutCount != 1 || w.OutCents != 80000 {
		t.Fatalf("after a correction of the correction: %+v", w)
	}
	// The same correction body sent as a correction of another record is a conflict.
	f.mustLog(t, f.withdrawal("other", "vault-c", cleanETH, "5", "5"))
	if _, err := f.svc.Correct(ctx, f.tenant, client, "other", fix); code(err) != "movement_id_conflict" {
		t.Fatalf("replay against another record: %v", err)
	}
	m, _ := f.svc.Get(ctx, f.tenant, client, "orig")
	if fmt.Sprint(m.CorrectedBy) != "[fix-1]" || m.Amount != "1000" {
		t.Fatalf("original: %+v", m)
	}
}

func TestADecisionCoversOneMatchingMovementAndIsTakenAtNow(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		f.mustLog(t, f.withdrawal(fmt.Sprintf("p-%d", i), "vault-d", cleanETH, "1", "1"))
	}
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "vel", Expression: `count_out(duration("1h")) >= 3`, Action: "review", Severity: "low"}); err != nil {
		t.Fatal(err)
	}
	proposal := Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-d"}, Destination: Endpoint{Chain: "ETH", Address: cleanETH},
		Asset: "USDT", Chain: "ETH", Amount: "100", OccurredAt: "2026-01-01T00:00:00Z"} // an old time changes nothing
	d, err := f.svc.Check(ctx, f.tenant, client, proposal)
	if err != nil || d.Outcome != "review" {
		t.Fatalf("check: %+v %v", d.Outcome, err)
	}
	other := f.withdrawal("big", "vault-d", cleanETH, "99999", "")
	other.DecisionID = d.ID
	if r := f.log(t, other)[0]; r.Error == nil || r.Error.Code != "decision_mismatch" {
		t.Fatalf("mismatch: %+v", r)
	}
	okIn := f.withdrawal("ok", "vault-d", cleanETH, "100.00", "")
	okIn.DecisionID = d.ID
	f.mustLog(t, okIn)
	again := f.withdrawal("ok-2", "vault-d", cleanETH, "100", "")
	again.DecisionID = d.ID
	if r := f.log(t, again)[0]; r.Error == nil || r.Error.Code != "decision_already_used" {
		t.Fatalf("reuse: %+v", r)
	}
	if r := f.log(t, okIn)[0]; r.Status != StatusReplayed {
		t.Fatalf("replay of the linked movement: %+v", r)
	}
}

func TestAVerboseRuleSetStillRecordsItsDecision(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var names []string
	for i := 0; i < 30; i++ {
		n := fmt.Sprintf("l%02d", i)
		if _, err := f.svc.CreateList(ctx, f.tenant, client, ListInput{Name: n, Kind: ListKindAddr}); err != nil {
			t.Fatal(err)
		}
		names = append(names, `!(destination.address in list("`+n+`"))`)
	}
	expr := strings.Join(names, " && ")
	for i := 0; i < 30; i++ {
		if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: fmt.Sprintf("r%02d", i), Expression: expr, Action: "alert", Severity: "low"}); err != nil {
			t.Fatal(err)
		}
	}
	d, err := f.svc.Check(ctx, f.tenant, client, Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-v"}, Destination: Endpoint{Chain: "ETH", Address: cleanETH},
		Asset: "USDT", Chain: "ETH", Amount: "1"})
	if err != nil || len(d.Hits) != 30 {
		t.Fatalf("check: %d hits, %v", len(d.Hits), err)
	}
	got, err := f.svc.GetDecision(ctx, f.tenant, d.ID)
	if err != nil || len(got.Hits) != 30 {
		t.Fatalf("stored: %v", err)
	}
}

func TestAMovementBetweenAUsersOwnVaultsIsNotInItsOwnIncomingAggregates(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for _, v := range []string{"vault-a", "vault-b"} {
		if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(1), VaultInput{VaultID: v}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "in", Expression: `count_in(duration("1h")) > 0`, Action: "alert", Severity: "low"}); err != nil {
		t.Fatal(err)
	}
	in := Input{ID: "own", Kind: KindVaultToVault, Source: Endpoint{VaultID: "vault-a"}, Destination: Endpoint{VaultID: "vault-b"},
		Asset: "USDT", Chain: "ETH", Amount: "5", ValueUSD: "5", OccurredAt: store.FormatTime(f.now())}
	f.mustLog(t, in)
	ev, err := f.svc.Process(ctx, f.tenant, "own")
	if err != nil || len(ev.Hits) != 0 {
		t.Fatalf("count_in saw the movement itself: %+v %v", ev.Hits, err)
	}
}
