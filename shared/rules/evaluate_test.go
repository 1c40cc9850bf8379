package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
)

func compileRule(t testing.TB, e *Env, id string, action Action, expr string) CompiledRule {
	t.Helper()
	r, err := e.CompileRule(Rule{ID: id, Version: 1, Name: "rule " + id, Action: action, Severity: SeverityMedium, Enabled: true, Expression: expr},
		CompileOptions{KnownLists: knownLists})
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return r
}

func evaluate(t testing.TB, e *Env, in Input, data Data, rules ...CompiledRule) Decision {
	t.Helper()
	d, err := e.Evaluate(context.Background(), rules, in, data)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestEachVariableAndFunctionReadsWhatItSays(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	exact := withdrawal()
	exact.Movement.Amount = "1000.000000000000000001"
	tenth := withdrawal()
	tenth.Movement.Amount = "0.1"
	noUSD := withdrawal()
	noUSD.Movement.ValueUSD = ""
	tests := []struct {
		expr string
		in   Input
		hit  bool
	}{
		{`movement.id == "m1" && movement.kind == "vault_to_wallet" && movement.asset == "ETH" && movement.chain == "ethereum"`, withdrawal(), true},
		{`movement.direction == "out"`, withdrawal(), true},
		{`movement.txHash == "0xtx"`, withdrawal(), true},
		{`movement.occurredAt == timestamp("2026-03-01T12:00:00Z")`, withdrawal(), true},
		{`movement.valueUsd == 40000.25 && movement.hasValueUsd`, withdrawal(), true},
		{`movement.valueUsd == 0.0 && !movement.hasValueUsd`, noUSD, true},
		{`movement.amount > 12`, withdrawal(), true},
		{`movement.amount > 12.5`, withdrawal(), false},
		{`movement.amount >= 12.5 && movement.amount <= 12.5`, withdrawal(), true},
		{`movement.amount < 13u`, withdrawal(), true},
		{`movement.amount == decimal("12.50")`, withdrawal(), true},
		{`string(movement.amount) == "12.5" && double(movement.amount) == 12.5`, withdrawal(), true},
		{`movement.amount > 1000`, exact, true}, // a double would say 1000 == 1000
		{`movement.amount > 1000.0`, exact, true},
		{`movement.amount > decimal("1000.000000000000000000999")`, exact, true},
		{`movement.amount < decimal("1000.000000000000000001001")`, exact, true},
		{`double(movement.amount) > 1000.0`, exact, false}, // what the conversion gives up
		{`movement.amount >= 0.1 && movement.amount <= 0.1`, tenth, true},
		{`source.type == "vault" && source.vaultId == "vault-1" && source.userId == "user-1"`, withdrawal(), true},
		{`"fr" in source.jurisdictions && size(destination.jurisdictions) == 0`, withdrawal(), true},
		{`source.country == "FR" && source.riskTier == "low" && !source.sanctioned`, withdrawal(), true},
		{`destination.type == "address" && destination.chain == "ethereum" && destination.address == "0xbad" && destination.userId == ""`, withdrawal(), true},
		{`destination.address in list("my-blocklist")`, withdrawal(), true},
		{`source.vaultId in list("my-blocklist")`, withdrawal(), false},
		{`destination.country in list("high-risk-countries")`, withdrawal(), true},
		{`source.country in list("high-risk-countries")`, withdrawal(), false},
		{`source.jurisdictions.exists(j, j in list("empty"))`, withdrawal(), false},
		{`count_out(duration("1h")) == 7`, withdrawal(), true},
		{`count_in(duration("1h")) == 2`, withdrawal(), true},
		{`sum_out_usd(duration("24h")) == 90000.5`, withdrawal(), true},
		{`sum_in_usd(duration("24h")) == 100.0`, withdrawal(), true},
		{`distinct_destinations(duration("24h")) == 12`, withdrawal(), true},
		{`count_out(duration("2h")) == 0`, withdrawal(), true}, // the fake knows no 2h
		{`movement == movement && source != destination`, withdrawal(), true},
		{`dyn(movement).asset == "ETH"`, withdrawal(), true},
	}
	for _, tt := range tests {
		r := compileRule(t, e, "r", ActionAlert, tt.expr)
		d := evaluate(t, e, tt.in, Data{Aggregates: aggs, Lists: lists}, r)
		if len(d.Errors) > 0 {
			t.Errorf("%s: %+v", tt.expr, d.Errors)
			continue
		}
		if got := len(d.Hits) == 1; got != tt.hit {
			t.Errorf("%s: hit %v, want %v", tt.expr, got, tt.hit)
		}
	}
}

func TestTheOutcomeIsTheMostRestrictiveHit(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	rule := func(id string, a Action, hits bool) CompiledRule {
		return compileRule(t, e, id, a, fmt.Sprint(hits))
	}
	tests := []struct {
		name  string
		rules []CompiledRule
		want  Outcome
		hits  int
	}{
		{"no rules", nil, OutcomeAllow, 0},
		{"nothing hits", []CompiledRule{rule("a", ActionBlock, false), rule("b", ActionReview, false)}, OutcomeAllow, 0},
		{"an alert alone allows", []CompiledRule{rule("a", ActionAlert, true)}, OutcomeAllow, 1},
		{"a review", []CompiledRule{rule("a", ActionAlert, true), rule("b", ActionReview, true)}, OutcomeReview, 2},
		{"a block", []CompiledRule{rule("a", ActionBlock, true)}, OutcomeBlock, 1},
		{"a block beats a review", []CompiledRule{rule("a", ActionReview, true), rule("b", ActionBlock, true), rule("c", ActionAlert, true)}, OutcomeBlock, 3},
		{"a block that misses", []CompiledRule{rule("a", ActionBlock, false), rule("b", ActionReview, true)}, OutcomeReview, 1},
	}
	for _, tt := range tests {
		d := evaluate(t, e, withdrawal(), Data{Aggregates: aggs, Lists: lists}, tt.rules...)
		if d.Outcome != tt.want || len(d.Hits) != tt.hits || len(d.Errors) != 0 {
			t.Errorf("%s: %s with %d hits %v, want %s with %d", tt.name, d.Outcome, len(d.Hits), d.Errors, tt.want, tt.hits)
		}
	}
	disabled := rule("off", ActionBlock, true)
	disabled.Enabled = false
	if d := evaluate(t, e, withdrawal(), Data{}, disabled); d.Outcome != OutcomeAllow || len(d.Rules) != 0 {
		t.Errorf("a disabled rule ran: %+v", d)
	}
}

func TestARuleThatErrorsNeverSilentlyAllows(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	down := &fakeAggs{err: errors.New("counters table unavailable")}
	listsDown := &fakeLists{err: errors.New("lists table unavailable")}
	velocity := `count_out(duration("1h")) > 5`
	tests := []struct {
		name  string
		rules []CompiledRule
		data  Data
		want  Outcome
		code  string
	}{
		{"a block rule whose aggregates fail reviews", []CompiledRule{compileRule(t, e, "a", ActionBlock, velocity)}, Data{Aggregates: down}, OutcomeReview, ErrAggregates},
		{"a review rule whose aggregates fail reviews", []CompiledRule{compileRule(t, e, "a", ActionReview, velocity)}, Data{Aggregates: down}, OutcomeReview, ErrAggregates},
		{"an alert rule that errors changes nothing", []CompiledRule{compileRule(t, e, "a", ActionAlert, velocity)}, Data{Aggregates: down}, OutcomeAllow, ErrAggregates},
		{"no aggregates supplied", []CompiledRule{compileRule(t, e, "a", ActionBlock, velocity)}, Data{}, OutcomeReview, ErrAggregates},
		{"a block hit stays a block", []CompiledRule{compileRule(t, e, "a", ActionBlock, "true"), compileRule(t, e, "b", ActionBlock, velocity)}, Data{Aggregates: down}, OutcomeBlock, ErrAggregates},
		{"lists unavailable", []CompiledRule{compileRule(t, e, "a", ActionBlock, `destination.address in list("my-blocklist")`)}, Data{Lists: listsDown}, OutcomeReview, ErrLists},
		{"a list deleted since", []CompiledRule{compileRule(t, e, "a", ActionBlock, `destination.address in list("empty")`)}, Data{Lists: &fakeLists{}}, OutcomeReview, ErrLists},
		{"a computed window out of range", []CompiledRule{compileRule(t, e, "a", ActionBlock, `count_out(duration(string(size(movement.id) * 10) + "s")) > 1`)}, Data{Aggregates: aggs}, OutcomeReview, ErrWindow},
		{"a computed decimal that is not one", []CompiledRule{compileRule(t, e, "a", ActionBlock, `movement.amount > decimal(movement.asset)`)}, Data{}, OutcomeReview, ErrEvaluation},
		{"an error absorbed by || is no error", []CompiledRule{compileRule(t, e, "a", ActionBlock, velocity+` || destination.address in list("my-blocklist")`)}, Data{Aggregates: down, Lists: lists}, OutcomeBlock, ""},
	}
	for _, tt := range tests {
		d := evaluate(t, e, withdrawal(), tt.data, tt.rules...)
		if d.Outcome != tt.want {
			t.Errorf("%s: %s, want %s (%+v)", tt.name, d.Outcome, tt.want, d.Errors)
		}
		if tt.code == "" {
			if len(d.Errors) != 0 {
				t.Errorf("%s: errors %+v", tt.name, d.Errors)
			}
			continue
		}
		if len(d.Errors) != 1 || d.Errors[0].Code != tt.code || d.Errors[0].RuleID == "" || d.Errors[0].Message == "" {
			t.Errorf("%s: errors %+v, want one %s", tt.name, d.Errors, tt.code)
		}
		for _, r := range d.Rules {
			if r.RuleID == d.Errors[0].RuleID && r.Result != "error" {
				t.Errorf("%s: run %+v", tt.name, r)
			}
		}
	}
}

func TestTheCostLimitStopsARuleAndCountsAsAnError(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	heavy := `[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25].all(a,
	          [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25].all(b,
	          [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25].all(c, a + b + c > 0)))`
	block := compileRule(t, e, "heavy", ActionBlock, heavy)
	d := evaluate(t, e, withdrawal(), Data{Aggregates: aggs, Lists: lists}, block, compileRule(t, e, "ok", ActionAlert, "true"))
	if d.Outcome != OutcomeReview || len(d.Errors) != 1 || d.Errors[0].Code != ErrCostLimit || len(d.Hits) != 1 {
		t.Fatalf("%+v", d)
	}
	if d.Rules[0].Cost <= DefaultCostLimit {
		t.Errorf("cost %d recorded for a rule that exceeded the limit", d.Rules[0].Cost)
	}
	// The same rule under a larger limit runs to its end.
	big := newTestEnv(t, Config{CostLimit: 10_000_000})
	d = evaluate(t, big, withdrawal(), Data{}, compileRule(t, big, "heavy", ActionBlock, heavy))
	if d.Outcome != OutcomeBlock || len(d.Errors) != 0 {
		t.Fatalf("%+v", d)
	}
}

func TestADoneContextStopsTheRemainingRules(t *testing.T) {
	e := newTestEnv(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, err := e.Evaluate(ctx, []CompiledRule{compileRule(t, e, "a", ActionBlock, "true"), compileRule(t, e, "b", ActionAlert, "true")}, withdrawal(), Data{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != OutcomeReview || len(d.Errors) != 2 || d.Errors[0].Code != ErrTimeout {
		t.Fatalf("%+v", d)
	}
}

func TestAnInvalidInputIsRefusedBeforeAnyRule(t *testing.T) {
	e := newTestEnv(t, Config{})
	tests := []struct {
		name string
		edit func(*Input)
		code string
	}{
		{"an unknown kind", func(in *Input) { in.Movement.Kind = "teleport" }, "invalid_movement_kind"},
		{"a float amount", func(in *Input) { in.Movement.Amount = "1e3" }, "invalid_amount"},
		{"an empty amount", func(in *Input) { in.Movement.Amount = "" }, "invalid_amount"},
		{"a usd value with a comma", func(in *Input) { in.Movement.ValueUSD = "1,000" }, "invalid_value_usd"},
		{"no time", func(in *Input) { in.Movement.OccurredAt = time.Time{} }, "missing_occurred_at"},
		{"a party of no type", func(in *Input) { in.Destination.Type = "" }, "invalid_party"},
	}
	for _, tt := range tests {
		in := withdrawal()
		tt.edit(&in)
		_, err := e.Evaluate(context.Background(), []CompiledRule{compileRule(t, e, "a", ActionBlock, "true")}, in, Data{})
		if f, ok := failure.As(err); !ok || f.Code != tt.code {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestEachAggregateAndListIsAskedOncePerEvaluationAndExplained(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	var rs []CompiledRule
	for i := range 20 {
		rs = append(rs, compileRule(t, e, fmt.Sprint("v", i), ActionReview, `count_out(duration("1h")) > 5 && destination.address in list("my-blocklist")`))
	}
	rs = append(rs, compileRule(t, e, "usd", ActionAlert, `sum_out_usd(duration("24h")) > 1000.0 && !(source.vaultId in list("my-blocklist"))`))
	d := evaluate(t, e, withdrawal(), Data{Aggregates: aggs, Lists: lists}, rs...)
	if aggs.calls.Load() != 2 || lists.calls.Load() != 2 {
		t.Errorf("asked aggregates %d times, lists %d times", aggs.calls.Load(), lists.calls.Load())
	}
	if d.Outcome != OutcomeReview || len(d.Hits) != 21 {
		t.Fatalf("%+v", d)
	}
	if want := `rule v0: count_out(1h)=7, "0xbad" in list("my-blocklist")`; d.Hits[0].Reason != want {
		t.Errorf("reason %q, want %q", d.Hits[0].Reason, want)
	}
	if want := `rule usd: sum_out_usd(24h)=90000.5, "vault-1" not in list("my-blocklist")`; d.Hits[20].Reason != want {
		t.Errorf("reason %q, want %q", d.Hits[20].Reason, want)
	}
	wantAggs := []AggregateValue{{Function: "count_out", Window: "1h0m0s", Value: 7}, {Function: "sum_out_usd", Window: "24h0m0s", Value: 90000.5}}
	if !sameAggs(d.Aggregates, wantAggs) || !sameAggs(d.Hits[0].Aggregates, wantAggs[:1]) {
		t.Errorf("aggregates %+v, hit %+v", d.Aggregates, d.Hits[0].Aggregates)
	}
	if len(d.ListChecks) != 2 || !reflect.DeepEqual(d.Lists, []ListVersion{{Name: "my-blocklist", Version: "v1"}}) {
		t.Errorf("lists %+v %+v", d.ListChecks, d.Lists)
	}
}

func sameAggs(a, b []AggregateValue) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Function != b[i].Function || a[i].Window != b[i].Window || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func TestADecisionReplaysFromItsRecordAlone(t *testing.T) {
	e := newTestEnv(t, Config{})
	aggs, lists := testData()
	rs := []CompiledRule{
		compileRule(t, e, "list", ActionBlock, `destination.address in list("my-blocklist")`),
		compileRule(t, e, "vel", ActionReview, `count_out(duration("1h")) > 5 || sum_out_usd(duration("24h")) > 1.0`),
		compileRule(t, e, "geo", ActionAlert, `destination.country in list("high-risk-countries") && distinct_destinations(duration("24h")) > 3`),
		compileRule(t, e, "miss", ActionBlock, `movement.amount > 1000000`),
	}
	d := evaluate(t, e, withdrawal(), Data{Aggregates: aggs, Lists: lists}, rs...)
	stored, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Decision
	if err := json.Unmarshal(stored, &back); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"outcome":"block"`, `"ruleId":"vel"`, `"window":"1h0m0s"`, `"listChecks"`, `"occurredAt":"2026-03-01T12:00:00Z"`, `"valueUsd":"40000.25"`} {
		if !strings.Contains(string(stored), key) {
			t.Errorf("the stored decision lacks %s: %s", key, stored)
		}
	}
	again, err := e.Replay(context.Background(), rs, back)
	if err != nil {
		t.Fatal(err)
	}
	again2, _ := json.Marshal(again)
	if string(again2) != string(stored) {
		t.Errorf("replay differs:\n%s\n%s", again2, stored)
	}
	changed := append([]CompiledRule{}, rs...)
	changed[1].Version = 2
	if _, err := e.Replay(context.Background(), changed, back); err == nil {
		t.Error("replayed with another rule version")
	}
	// A rule that reads what the decision never saw errors instead of answering differently.
	other := append([]CompiledRule{}, rs...)
	other[3] = compileRule(t, e, "miss", ActionBlock, `count_in(duration("5m")) > 0`)
	r, err := e.Replay(context.Background(), other, back)
	if err != nil || len(r.Errors) != 1 || r.Errors[0].Code != ErrAggregates {
		t.Errorf("%v %+v", err, r.Errors)
	}
}

func TestEnvAndProgramsAreSafeToShareAcrossGoroutines(t *testing.T) {
	e := newTestEnv(t, Config{})
	rs := benchmarkRules(t, e)
	aggs, lists := testData()
	inputs := make([]Input, 16)
	want := make([]Decision, len(inputs))
	for i := range inputs {
		in := withdrawal()
		in.Movement.ID = fmt.Sprint("m", i)
		in.Movement.Amount = fmt.Sprintf("%d.5", i*100)
		if i%3 == 0 {
			in.Destination.Address = "0xgood"
		}
		if i%4 == 0 {
			in.Movement.ValueUSD = ""
		}
		inputs[i] = in
		want[i] = evaluate(t, e, in, Data{Aggregates: aggs, Lists: lists}, rs...)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 50 {
				i := (g + k) % len(inputs)
				d, err := e.Evaluate(context.Background(), rs, inputs[i], Data{Aggregates: aggs, Lists: lists})
				if err != nil || !reflect.DeepEqual(d, want[i]) {
					t.Errorf("goroutine %d input %d: %v %+v", g, i, err, d.Outcome)
					return
				}
			}
		}()
	}
	// Compiling concurrently with evaluations is safe too.
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Compile(`count_out(duration("1h")) > 1`, CompileOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
