package rules

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAggs answers from memory, keyed by function and window.
type fakeAggs struct {
	values map[string]float64 // "count_out/1h0m0s" -> 7
	err    error
	calls  atomic.Int64
}

func (f *fakeAggs) get(fn string, w time.Duration) (float64, error) {
	f.calls.Add(1)
	if f.err != nil {
		return 0, f.err
	}
	return f.values[fn+"/"+w.String()], nil
}

func (f *fakeAggs) CountOut(_ context.Context, w time.Duration) (int64, error) {
	v, err := f.get("count_out", w)
	return int64(v), err
}
func (f *fakeAggs) CountIn(_ context.Context, w time.Duration) (int64, error) {
	v, err := f.get("count_in", w)
	return int64(v), err
}
func (f *fakeAggs) DistinctDestinations(_ context.Context, w time.Duration) (int64, error) {
	v, err := f.get("distinct_destinations", w)
	return int64(v), err
}
func (f *fakeAggs) SumOutUSD(_ context.Context, w time.Duration) (float64, error) {
	return f.get("sum_out_usd", w)
}
func (f *fakeAggs) SumInUSD(_ context.Context, w time.Duration) (float64, error) {
	return f.get("sum_in_usd", w)
}

// fakeLists holds lists in memory, each at version "v1".
type fakeLists struct {
	items map[string]map[string]bool
	err   error
	calls atomic.Int64
}

func (f *fakeLists) Contains(_ context.Context, name, value string) (bool, string, error) {
	f.calls.Add(1)
	if f.err != nil {
		return false, "", f.err
	}
	l, ok := f.items[name]
	if !ok {
		return false, "", errors.New("no such list")
	}
	return l[value], "v1", nil
}

func newTestEnv(t testing.TB, cfg Config) *Env {
	t.Helper()
	e, err := NewEnv(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// withdrawal is a vault-to-wallet movement of a user to an external address.
func withdrawal() Input {
	return Input{
		Movement: Movement{ID: "m1", Kind: VaultToWallet, Asset: "ETH", Chain: "ethereum",
			Amount: "12.5", ValueUSD: "40000.25", OccurredAt: t0, TxHash: "0xtx"},
		Source: Party{Type: PartyVault, VaultID: "vault-1", UserID: "user-1",
			Jurisdictions: []string{"eu", "fr"}, Country: "FR", RiskTier: "low"},
		Destination: Party{Type: PartyAddress, Chain: "ethereum", Address: "0xbad", Country: "IR"},
	}
}

func testData() (*fakeAggs, *fakeLists) {
	return &fakeAggs{values: map[string]float64{
			"count_out/1h0m0s":              7,
			"count_in/1h0m0s":               2,
			"sum_out_usd/24h0m0s":           90000.5,
			"sum_in_usd/24h0m0s":            100,
			"distinct_destinations/24h0m0s": 12,
		}}, &fakeLists{items: map[string]map[string]bool{
			"my-blocklist":        {"0xbad": true},
			"high-risk-countries": {"IR": true, "KP": true},
			"empty":               {},
		}}
}

var knownLists = map[string]bool{"my-blocklist": true, "high-risk-countries": true, "empty": true}
