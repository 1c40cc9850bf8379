package movements

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/store"
)

func TestAMovementIsLoggedOnceAndNeverRewritten(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	in := f.withdrawal("wd-1", "vault-a", cleanETH, "2500.000000000000000001", "2500.00")
	in.InitiatedBy = &Initiator{DeviceID: "dev-1", IP: "203.0.113.7", UserAgent: "Console/1"}
	in.ApprovalPath = []Approval{{Approver: "ops-17", Role: "treasury", At: "2026-12-02T09:13:40Z"}}
	m := f.mustLog(t, in)[0]
	if m.Amount != "2500.000000000000000001" || m.Destination.Address != cleanETH || m.InitiatedBy != nil {
		t.Fatalf("logged %+v", m)
	}
	// The same id and body again: the stored record, marked replayed.
	if r := f.log(t, in)[0]; r.Status != StatusReplayed || r.Movement.LoggedAt != m.LoggedAt {
		t.Fatalf("replay: %+v", r)
	}
	// The same id with another body: 409, nothing changed.
	other := in
	other.Amount = "1"
	if r := f.log(t, other)[0]; r.Error == nil || r.Error.Code != "movement_id_conflict" || r.Error.Status != 409 {
		t.Fatalf("conflict: %+v", r)
	}
	got, err := f.svc.Get(ctx, f.tenant, client, "wd-1")
	if err != nil || got.Amount != in.Amount || got.InitiatedBy == nil || got.InitiatedBy.IP != "203.0.113.7" || len(got.ApprovalPath) != 1 {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Another tenant's id is not found.
	if _, err := f.svc.Get(ctx, store.TenantID("tnt_other"), client, "wd-1"); code(err) != "movement_not_found" {
		t.Fatalf("other tenant: %v", err)
	}
	// A correction is a new record pointing at the original, which stays as it was.
	fix := f.withdrawal("wd-1-fix", "vault-a", cleanETH, "2500", "2500.00")
	r, err := f.svc.Correct(ctx, f.tenant, client, "wd-1", fix)
	if err != nil || r.Movement.Corrects != "wd-1" {
		t.Fatalf("correct: %+v %v", r, err)
	}
	got, _ = f.svc.Get(ctx, f.tenant, client, "wd-1")
	if got.Amount != in.Amount || !slices.Equal(got.CorrectedBy, []string{"wd-1-fix"}) {
		t.Fatalf("original after correction: %+v", got)
	}
	if _, err := f.svc.Correct(ctx, f.tenant, client, "nope", fix); code(err) != "movement_not_found" {
		t.Fatalf("correcting nothing: %v", err)
	}
}

func TestBadMovementsAreRefusedOneByOneWithClearCodes(t *testing.T) {
	f := setup(t)
	good := f.withdrawal("ok-1", "vault-a", cleanETH, "10", "")
	cases := map[string]func(in *Input){
		"invalid_amount":      func(in *Input) { in.Amount = "1e5" },
		"invalid_kind":        func(in *Input) { in.Kind = "teleport" },
		"invalid_address":     func(in *Input) { in.Destination.Address = "0x742d35cc6634c0532925a3b844bc454e4438f44" },
		"unsupported_chain":   func(in *Input) { in.Destination.Chain = "ZZZ" },
		"invalid_occurred_at": func(in *Input) { in.OccurredAt = store.FormatTime(f.now().Add(time.Hour)) },
		"invalid_id":          func(in *Input) { in.ID = "has space" },
		"invalid_source":      func(in *Input) { in.Source = Endpoint{Chain: "ETH", Address: cleanETH} },
		"same_endpoints":      func(in *Input) { in.Kind = KindVaultToVault; in.Destination = Endpoint{VaultID: "vault-a"} },
		"invalid_initiated_by": func(in *Input) {
			in.InitiatedBy = &Initiator{IP: "not-an-ip"}
		},
		"unknown_user":      func(in *Input) { in.Source.UserID = userID(99) },
		"invalid_value_usd": func(in *Input) { in.ValueUSD = "-3" },
	}
	var batch []Input
	var want []string
	i := 0
	for c, mutate := range cases {
		in := good
		in.ID = fmt.Sprintf("bad-%d", i)
		i++
		mutate(&in)
		batch = append(batch, in)
		want = append(want, c)
	}
	batch = append(batch, good)
	res := f.log(t, batch...)
	for i, c := range want {
		if res[i].Status != StatusError || res[i].Error.Code != c || res[i].Error.Status != 400 {
			t.Errorf("%s: %+v", c, res[i].Error)
		}
	}
	if res[len(res)-1].Status != StatusLogged {
		t.Fatalf("the good one: %+v", res[len(res)-1])
	}
	// Nothing of the refused ones was stored.
	for _, in := range batch[:len(batch)-1] {
		if _, err := f.svc.Get(context.Background(), f.tenant, client, in.ID); code(err) != "movement_not_found" && in.ID != "has space" {
			t.Errorf("%s stored: %v", in.ID, err)
		}
	}
}

func TestMappingsEnrichMovementsAndListingsAreByPartyNewestFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, created, err := f.svc.LinkVault(ctx, f.tenant, client, userID(1), VaultInput{VaultID: "vault-a", Label: "main"}); err != nil || !created {
		t.Fatalf("link: %v", err)
	}
	if _, created, err := f.svc.LinkVault(ctx, f.tenant, client, userID(1), VaultInput{VaultID: "vault-a"}); err != nil || created {
		t.Fatalf("link again: created=%v %v", created, err)
	}
	if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(2), VaultInput{VaultID: "vault-a"}); code(err) != "vault_already_linked" {
		t.Fatalf("another user's vault: %v", err)
	}
	// The wallet is given in mixed case; the mapping is found by its normalised key.
	if _, _, err := f.svc.LinkWallet(ctx, f.tenant, client, userID(2), WalletInput{Chain: "ETH", Address: cleanETH}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 7; i++ {
		f.advance(time.Minute)
		asset := "USDT"
		if i%2 == 1 {
			asset = "USDC"
		}
		in := f.withdrawal(fmt.Sprintf("m-%d", i), "vault-a", strings.ToLower(cleanETH), "100", "100")
		in.Asset = asset
		f.mustLog(t, in)
	}
	m, _ := f.svc.Get(ctx, f.tenant, client, "m-0")
	if m.Source.UserID != userID(1) || m.Source.UserFrom != "mapping" || !slices.Equal(m.Source.Jurisdictions, []string{"DE"}) ||
		m.Destination.UserID != userID(2) || !slices.Equal(m.Destination.Jurisdictions, []string{"FR"}) {
		t.Fatalf("enriched: %+v", m)
	}
	page, next, err := f.svc.List(ctx, f.tenant, Filter{User: userID(1)}, "", 3)
	if err != nil || len(page) != 3 || page[0].ID != "m-6" || page[2].ID != "m-4" || next == "" {
		t.Fatalf("page 1: %v %v %q", ids(page), err, next)
	}
	page2, _, _ := f.svc.List(ctx, f.tenant, Filter{User: userID(1)}, next, 3)
	if len(page2) != 3 || page2[0].ID != "m-3" {
		t.Fatalf("page 2: %v", ids(page2))
	}
	usdc, _, _ := f.svc.List(ctx, f.tenant, Filter{Address: cleanETH, Chain: "ETH", Asset: "USDC"}, "", 50)
	if !slices.Equal(ids(usdc), []string{"m-5", "m-3", "m-1"}) {
		t.Fatalf("by address, USDC: %v", ids(usdc))
	}
	if _, _, err := f.svc.List(ctx, f.tenant, Filter{User: userID(1), Vault: "vault-a"}, "", 5); code(err) != "invalid_filter" {
		t.Fatalf("two filters: %v", err)
	}
	// Unlinking keeps the history and frees the vault.
	if err := f.svc.UnlinkVault(ctx, f.tenant, client, userID(1), "vault-a"); err != nil {
		t.Fatal(err)
	}
	links, hist, err := f.svc.Links(ctx, f.tenant, userID(1), LinkVault)
	if err != nil || len(links) != 0 || len(hist) != 2 || hist[0].Action != "unlinked" {
		t.Fatalf("after unlink: %v %+v %v", links, hist, err)
	}
	if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(2), VaultInput{VaultID: "vault-a"}); err != nil {
		t.Fatalf("relink to another user: %v", err)
	}
}

func ids(ms []Movement) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestConcurrentMovementsOfOneVaultAreAllTalliedExactly(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			to := cleanETH
			if i%2 == 0 {
				to = cleanETH2
			}
			in := f.withdrawal(fmt.Sprintf("c-%d", i), "vault-hot", to, "1", "12.34")
			if r := f.log(t, in)[0]; r.Status != StatusLogged {
				t.Errorf("%d: %+v", i, r.Error)
			}
			// A retry of the same movement counts nothing more.
			f.log(t, in)
		}()
	}
	wg.Wait()
	w, err := f.svc.Velocity(ctx, f.tenant, []string{"V", "vault-hot"}, time.Hour, f.now())
	if err != nil || w.OutCount != n || w.OutCents != n*1234 || w.Destinations != 2 {
		t.Fatalf("velocity: %+v %v", w, err)
	}
	day, _ := f.svc.Velocity(ctx, f.tenant, []string{"V", "vault-hot"}, 24*time.Hour, f.now())
	if day.OutCount != n {
		t.Fatalf("hour buckets: %+v", day)
	}
	// Three hours later the hour window has moved past them.
	later, _ := f.svc.Velocity(ctx, f.tenant, []string{"V", "vault-hot"}, time.Hour, f.now().Add(3*time.Hour))
	if later.OutCount != 0 {
		t.Fatalf("window moved: %+v", later)
	}
}

func fixtureFile(t *testing.T, rel string) []byte {
	t.Helper()
	dir := os.Getenv("CHAINGUARD_FIXTURES")
	if dir == "" {
		wd, _ := os.Getwd()
		dir = filepath.Join(wd, "..", "..", "..", "shared", "fixtures")
	}
	raw, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Skipf("fixture %s not found (set CHAINGUARD_FIXTURES): %v", rel, err)
	}
	return raw
}

func TestRulesDecideBeforeSigningWithListsAndVelocity(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// The USDT issuer's blacklist as the client's own list.
	var items []json.RawMessage
	for _, line := range strings.Split(string(fixtureFile(t, "crypto-watchlists/usdt-issuer-blacklist-ETH.txt")), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			raw, _ := json.Marshal(line)
			items = append(items, raw)
		}
	}
	l, err := f.svc.CreateList(ctx, f.tenant, client, ListInput{Name: "usdt-blacklist", Kind: ListKindAddr, Items: items})
	if err != nil || l.Count < 700 {
		t.Fatalf("list: %+v %v", l, err)
	}
	blocked := strings.TrimSpace(strings.Split(string(fixtureFile(t, "crypto-watchlists/usdt-issuer-blacklist-ETH.txt")), "\n")[0])
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "blacklisted destination", Expression: `destination.address in list("usdt-blacklist")`,
		Action: "block", Severity: "critical"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "velocity", Expression: `count_out(duration("1h")) >= 3`,
		Action: "review", Severity: "medium"}); err != nil {
		t.Fatal(err)
	}
	// A rule that does not compile names the position; an unknown list is refused.
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "bad", Expression: "movement.amount >", Action: "alert", Severity: "low"}); code(err) != "invalid_expression" || !strings.Contains(err.Error(), "1:") {
		t.Fatalf("bad expression: %v", err)
	}
	if _, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "bad", Expression: `destination.address in list("nope")`, Action: "alert", Severity: "low"}); code(err) != "list_not_found" {
		t.Fatalf("unknown list: %v", err)
	}
	// A withdrawal to a blacklisted address: block, naming the rule.
	d, err := f.svc.Check(ctx, f.tenant, client, Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-a"}, Destination: Endpoint{Chain: "ETH", Address: blocked},
		Asset: "USDT", Chain: "ETH", Amount: "50"})
	if err != nil || d.Outcome != "block" || len(d.Hits) != 1 || d.Hits[0].Name != "blacklisted destination" {
		t.Fatalf("blacklisted: %+v %v", d, err)
	}
	// Three logged withdrawals in the hour, then a fourth proposed: review for velocity.
	for i := 0; i < 3; i++ {
		f.advance(time.Minute)
		f.mustLog(t, f.withdrawal(fmt.Sprintf("v-%d", i), "vault-a", cleanETH, "10", "10"))
	}
	f.advance(time.Minute)
	d2, err := f.svc.Check(ctx, f.tenant, client, Input{Kind: KindVaultToWallet, Source: Endpoint{VaultID: "vault-a"}, Destination: Endpoint{Chain: "ETH", Address: cleanETH},
		Asset: "USDT", Chain: "ETH", Amount: "10"})
	if err != nil || d2.Outcome != "review" || len(d2.Aggregates) == 0 || d2.Aggregates[0].Value != 3 {
		t.Fatalf("velocity: %+v %v", d2, err)
	}
	// The decision is recorded and linked to the movement logged with it.
	in := f.withdrawal("v-linked", "vault-a", cleanETH, "10", "10")
	in.DecisionID = d2.ID
	f.mustLog(t, in)
	got, err := f.svc.GetDecision(ctx, f.tenant, d2.ID)
	if err != nil || got.Outcome != "review" || !slices.Equal(got.LinkedMovements, []string{"v-linked"}) || len(got.Rules) != 2 {
		t.Fatalf("decision: %+v %v", got, err)
	}
	if _, err := f.svc.GetDecision(ctx, store.TenantID("tnt_other"), d2.ID); code(err) != "decision_not_found" {
		t.Fatalf("other tenant's decision: %v", err)
	}
	// A decision id of another tenant cannot be cited.
	bad := f.withdrawal("v-bad", "vault-a", cleanETH, "10", "10")
	bad.DecisionID = "dec_01je28jt97kb6cq643dzvmx000"
	if r := f.log(t, bad)[0]; r.Error == nil || r.Error.Code != "unknown_decision" {
		t.Fatalf("unknown decision: %+v", r)
	}
}

func TestIngestionRaisesAlertsAndPlatformReviewsOnce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(3), VaultInput{VaultID: "vault-c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateList(ctx, f.tenant, client, ListInput{Name: "blocklist", Kind: ListKindAddr, Items: []json.RawMessage{json.RawMessage(`"` + cleanETH2 + `"`)}}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.CreateRule(ctx, f.tenant, client, RuleInput{Name: "blocklisted", Expression: `destination.address in list("blocklist")`, Action: "block", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	// A withdrawal to the client's blocklisted address: an alert for the user, once.
	f.mustLog(t, f.withdrawal("i-1", "vault-c", cleanETH2, "5", "5"))
	for i := 0; i < 2; i++ {
		ev, err := f.svc.Process(ctx, f.tenant, "i-1")
		if err != nil || ev.Outcome != "block" || len(ev.AlertIDs) != 1 {
			t.Fatalf("process %d: %+v %v", i, ev, err)
		}
	}
	as, _, err := f.alerts.List(ctx, f.tenant, alerts.Filter{UserID: userID(3)}, "", 10)
	if err != nil || len(as) != 1 || as[0].Kind != alerts.KindRule || as[0].EntityID != r.ID || as[0].Outcome != alerts.OutcomeMatch {
		t.Fatalf("alerts: %+v %v", as, err)
	}
	// A withdrawal to a sanctioned address: a platform review of the user, whatever the
	// client's rules say; processing it again opens nothing more.
	f.mustLog(t, f.withdrawal("i-2", "vault-c", listedETH, "5", "5"))
	for i := 0; i < 2; i++ {
		if _, err := f.svc.Process(ctx, f.tenant, "i-2"); err != nil {
			t.Fatal(err)
		}
	}
	if kinds := f.users.signalKinds(userID(3)); !slices.Equal(kinds, []string{SignalSanctionedAddress}) {
		t.Fatalf("signals: %v", kinds)
	}
	ev, err := f.svc.GetEvaluation(ctx, f.tenant, "i-2")
	if err != nil || ev.Outcome != "allow" || !ev.Input.Destination.Sanctioned {
		t.Fatalf("evaluation: %+v %v", ev, err)
	}
}

func TestFanOutAndPassThroughOpenReviews(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.svc.Signals = SignalPolicy{PassThroughWindow: time.Hour, PassThroughCents: 1_000_00, FanOutWindow: time.Hour, FanOutNew: 5}
	if _, _, err := f.svc.LinkVault(ctx, f.tenant, client, userID(4), VaultInput{VaultID: "vault-d"}); err != nil {
		t.Fatal(err)
	}
	// 1,500 USD in, then 1,200 out within the hour: funds passing through.
	in := Input{ID: "pt-in", Kind: KindWalletToVault, Source: Endpoint{Chain: "ETH", Address: cleanETH}, Destination: Endpoint{VaultID: "vault-d"},
		Asset: "USDT", Chain: "ETH", Amount: "1500", ValueUSD: "1500", OccurredAt: store.FormatTime(f.now())}
	f.mustLog(t, in)
	f.advance(10 * time.Minute)
	f.mustLog(t, f.withdrawal("pt-out", "vault-d", cleanETH, "1200", "1200"))
	if _, err := f.svc.Process(ctx, f.tenant, "pt-out"); err != nil {
		t.Fatal(err)
	}
	if kinds := f.users.signalKinds(userID(4)); !slices.Contains(kinds, SignalPassThrough) {
		t.Fatalf("pass-through: %v", kinds)
	}
	// Five new destinations within the hour: fan-out.
	for i := 0; i < 5; i++ {
		f.advance(time.Minute)
		addr := fmt.Sprintf("0x%040x", 0xabc0+i)
		f.mustLog(t, f.withdrawal(fmt.Sprintf("fo-%d", i), "vault-d", addr, "1", "1"))
	}
	if _, err := f.svc.Process(ctx, f.tenant, "fo-4"); err != nil {
		t.Fatal(err)
	}
	if kinds := f.users.signalKinds(userID(4)); !slices.Contains(kinds, SignalFanOut) {
		t.Fatalf("fan-out: %v", kinds)
	}
}

func TestAWalletOnASanctionsListOpensAReviewAndAnAlert(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	l, created, err := f.svc.LinkWallet(ctx, f.tenant, client, userID(5), WalletInput{Chain: "ETH", Address: strings.ToUpper(listedETH[2:])})
	if err != nil || !created || l.Screening == nil || l.Screening.Outcome != "match" || l.Screening.AlertID == "" || l.Screening.ReviewID == "" {
		t.Fatalf("link: %+v %v", l, err)
	}
	if kinds := f.users.signalKinds(userID(5)); !slices.Equal(kinds, []string{SignalWalletSanctioned}) {
		t.Fatalf("signals: %v", kinds)
	}
	if _, _, err := f.svc.LinkWallet(ctx, f.tenant, client, userID(5), WalletInput{Chain: "ETH", Address: "0x123"}); code(err) != "invalid_address" {
		t.Fatalf("bad address: %v", err)
	}
	if _, _, err := f.svc.LinkWallet(ctx, f.tenant, client, userID(5), WalletInput{Chain: "NOPE", Address: cleanETH}); code(err) != "unsupported_chain" {
		t.Fatalf("bad chain: %v", err)
	}
}
