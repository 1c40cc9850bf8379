package rules

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
)

// history is a random log of movements between a few users, vaults and addresses, in
// time order, with repeated timestamps.
func history(n int, seed uint64) []Input {
	rng := rand.New(rand.NewPCG(seed, 1))
	parties := []Party{
		{Type: PartyVault, VaultID: "v1", UserID: "alice"},
		{Type: PartyVault, VaultID: "v2", UserID: "alice"}, // alice's second vault: one party
		{Type: PartyVault, VaultID: "v3", UserID: "bob"},
		{Type: PartyVault, VaultID: "treasury"}, // no user: the vault is the party
		{Type: PartyAddress, Chain: "ethereum", Address: "0xa"},
		{Type: PartyAddress, Chain: "ethereum", Address: "0xb"},
		{Type: PartyAddress, Chain: "bitcoin", Address: "bc1q"},
	}
	t := t0
	var out []Input
	for i := range n {
		if rng.IntN(4) > 0 {
			t = t.Add(time.Duration(rng.IntN(3*3600)) * time.Second)
		}
		src, dst := parties[rng.IntN(len(parties))], parties[rng.IntN(len(parties))]
		usd := ""
		if rng.IntN(5) > 0 {
			usd = fmt.Sprintf("%d.%02d", rng.IntN(100000), rng.IntN(100))
		}
		out = append(out, Input{Movement: Movement{ID: fmt.Sprint("m", i), Kind: VaultToWallet, Asset: "ETH", Chain: "ethereum",
			Amount: "1", ValueUSD: usd, OccurredAt: t}, Source: src, Destination: dst})
	}
	return out
}

// naive answers a velocity function by scanning the whole history before movement i.
func naive(h []Input, i int, f aggFunc, w time.Duration) float64 {
	me, t := h[i].Source.Key(), h[i].Movement.OccurredAt
	var v float64
	seen := map[string]bool{}
	for _, m := range h[:i] {
		if !m.Movement.OccurredAt.After(t.Add(-w)) || m.Movement.OccurredAt.After(t) {
			continue
		}
		usd := 0.0
		if m.Movement.ValueUSD != "" {
			d, _ := parseDecimal(m.Movement.ValueUSD)
			usd = d.approx
		}
		out, in := m.Source.Key() == me, m.Destination.Key() == me
		switch {
		case f == countOut && out, f == countIn && in:
			v++
		case f == sumOutUSD && out, f == sumInUSD && in:
			v += usd
		case f == distinctDestinations && out && !seen[m.Destination.Key()]:
			seen[m.Destination.Key()] = true
			v++
		}
	}
	return v
}

func TestWindowAnswersAsAScanOfTheHistoryWould(t *testing.T) {
	h := history(1200, 7)
	w := NewWindow(7 * 24 * time.Hour)
	windows := []time.Duration{time.Minute, time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}
	for i, in := range h {
		a := w.At(in)
		for _, win := range windows {
			for f := range aggFunc(len(aggNames)) {
				got, err := ask(context.Background(), a, f, win)
				if err != nil {
					t.Fatal(err)
				}
				if want := naive(h, i, f, win); got != want {
					t.Fatalf("movement %d %s(%s) = %v, want %v", i, aggNames[f], win, got, want)
				}
			}
		}
		if err := w.Add(in); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWindowRefusesAMovementOutOfOrder(t *testing.T) {
	w := NewWindow(0)
	a, b := withdrawal(), withdrawal()
	b.Movement.OccurredAt = a.Movement.OccurredAt.Add(-time.Second)
	if err := w.Add(a); err != nil {
		t.Fatal(err)
	}
	if f, ok := failure.As(w.Add(b)); !ok || f.Code != "out_of_order" {
		t.Fatalf("got %v", f)
	}
}

// A backtest: the same rules over a logged history, with the Window for aggregates.
func TestABacktestEvaluatesRulesOverHistoryWithTheWindow(t *testing.T) {
	e := newTestEnv(t, Config{})
	rs := []CompiledRule{
		compileRule(t, e, "burst", ActionReview, `count_out(duration("1h")) >= 3`),
		compileRule(t, e, "fanout", ActionAlert, `distinct_destinations(duration("24h")) >= 4`),
	}
	h := history(500, 3)
	w := NewWindow(0)
	hits := map[string]int{}
	for i, in := range h {
		d, err := e.Evaluate(context.Background(), rs, in, Data{Aggregates: w.At(in)})
		if err != nil || len(d.Errors) > 0 {
			t.Fatal(err, d.Errors)
		}
		for _, hit := range d.Hits {
			hits[hit.RuleID]++
			// The recorded value is what a scan gives.
			a := hit.Aggregates[0]
			f, _ := aggByName(a.Function)
			win, _ := time.ParseDuration(a.Window)
			if want := naive(h, i, f, win); a.Value != want {
				t.Fatalf("movement %d: %s = %v, want %v", i, a.Function, a.Value, want)
			}
		}
		if err := w.Add(in); err != nil {
			t.Fatal(err)
		}
	}
	if hits["burst"] == 0 || hits["fanout"] == 0 {
		t.Errorf("hits %v", hits)
	}
}
