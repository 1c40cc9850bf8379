package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
)

func TestCompileRefusesABadExpressionNamingWhere(t *testing.T) {
	e := newTestEnv(t, Config{})
	tests := []struct {
		name, expr, code, where, says string
	}{
		{"a syntax error", `movement.amount > `, CodeInvalidExpression, "1:19", "Syntax error"},
		{"an error on a later line", "movement.amount > 1 &&\n  nosuch", CodeInvalidExpression, "2:3", "undeclared reference to 'nosuch'"},
		{"an unknown field", `movement.colour == "red"`, CodeInvalidExpression, "1:9", "undefined field 'colour'"},
		{"a field of an amount", `movement.amount.scale == 2`, CodeInvalidExpression, "1:16", "undefined field 'scale'"},
		{"an amount equal to a double", `movement.amount == 12.5`, CodeInvalidExpression, "1:17", "'_==_' applied to '(decimal, double)'"},
		{"comparing a string with an int", `movement.asset > 1`, CodeInvalidExpression, "1:16", "no matching overload"},
		{"an int on the left of a decimal", `1000 < movement.amount`, CodeInvalidExpression, "1:6", "no matching overload"},
		{"a velocity window given as a string", `count_out("1h") > 1`, CodeInvalidExpression, "1:10", "'count_out' applied to '(string)'"},
		{"a non-bool result", `movement.amount`, CodeInvalidExpression, "1:1", "of type decimal; a rule must be a bool"},
		{"an int result", `count_out(duration("1h"))`, CodeInvalidExpression, "1:1", "of type int"},
		{"an unknown list", `destination.address in list("nope")`, CodeListNotFound, "1:28", `no list named "nope"`},
		{"a list name that is not a literal", `destination.address in list(movement.asset)`, CodeInvalidExpression, "1:28", "list name in quotes"},
		{"a window under a minute", `count_out(duration("30s")) > 1`, CodeInvalidExpression, "1:10", "window 30s is outside 1m0s..744h0m0s"},
		{"a window over 31 days", `sum_out_usd(duration("745h")) > 1.0`, CodeInvalidExpression, "1:12", "window 745h0m0s is outside"},
		{"a decimal that is not one", `movement.amount > decimal("1e5")`, CodeInvalidExpression, "1:26", `decimal("1e5")`},
		{"an object construction", `rules.Movement{}.id == ""`, CodeInvalidExpression, "1:15", "cannot be constructed"},
		{"the hidden variable", `@ev == @ev`, CodeInvalidExpression, "1:1", "Syntax error"},
		{"an empty expression", "  \n ", CodeInvalidExpression, "", "empty"},
		{"a too long expression", `movement.id == "` + strings.Repeat("x", 4100) + `"`, CodeInvalidExpression, "", "the limit is 4096"},
		{"too many nodes", "size([" + strings.Repeat("1,", 1000) + "1]) > 0", CodeInvalidExpression, "", "nodes; the limit is 1000"},
		{"too deep a nesting", strings.Repeat("1 + ", 600) + "1 > 0", CodeInvalidExpression, "1:1", "max recursion depth exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.Compile(tt.expr, CompileOptions{KnownLists: knownLists})
			if err == nil {
				t.Fatalf("compiled: %v", p.Expression())
			}
			f, ok := failure.As(err)
			if !ok || f.Kind != failure.Invalid || f.Code != tt.code {
				t.Fatalf("got %v, want an invalid-input failure %s", err, tt.code)
			}
			if tt.where != "" && !strings.HasPrefix(f.Message, tt.where+": ") {
				t.Errorf("message %q does not start at %s", f.Message, tt.where)
			}
			if !strings.Contains(f.Message, tt.says) {
				t.Errorf("message %q does not say %q", f.Message, tt.says)
			}
			if strings.Contains(f.Message, "evaluation") || strings.Contains(f.Message, "@ev") && tt.name != "the hidden variable" {
				t.Errorf("message %q shows the hidden argument", f.Message)
			}
			var ce *CompileError
			if tt.where != "" && (!errors.As(err, &ce) || len(ce.Issues) == 0 || ce.Issues[0].String() != strings.SplitN(f.Message, " (and", 2)[0]) {
				t.Errorf("cause %v does not carry the issues of %q", ce, f.Message)
			}
		})
	}
}

func TestCompileReportsEveryIssueInTheCause(t *testing.T) {
	e := newTestEnv(t, Config{})
	_, err := e.Compile(`count_out(duration("1s")) > 1 || count_in(duration("9999h")) > 1`, CompileOptions{})
	var ce *CompileError
	if !errors.As(err, &ce) || len(ce.Issues) != 2 {
		t.Fatalf("got %v", err)
	}
	if f, _ := failure.As(err); !strings.HasSuffix(f.Message, "(and 1 more)") {
		t.Errorf("message %q", f.Message)
	}
}

func TestCompileWithoutKnownListsLeavesListNamesToEvaluation(t *testing.T) {
	e := newTestEnv(t, Config{})
	p, err := e.Compile(`destination.address in list("deleted-since")`, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Lists(); len(got) != 1 || got[0] != "deleted-since" {
		t.Errorf("Lists() = %v", got)
	}
}

func TestCompileAcceptsRealisticRules(t *testing.T) {
	e := newTestEnv(t, Config{})
	tests := []struct {
		expr     string
		lists    []string
		velocity []string
	}{
		{`destination.address in list("my-blocklist")`, []string{"my-blocklist"}, nil},
		{`destination.country in list("high-risk-countries") || source.country in list("high-risk-countries")`, []string{"high-risk-countries"}, nil},
		{`destination.sanctioned || source.sanctioned`, nil, nil},
		{`movement.kind == "vault_to_wallet" && count_out(duration("1h")) >= 10`, nil, []string{"count_out/1h0m0s"}},
		{`sum_out_usd(duration("24h")) + movement.valueUsd > 50000.0`, nil, []string{"sum_out_usd/24h0m0s"}},
		{`distinct_destinations(duration("24h")) > 20 && movement.direction == "out"`, nil, []string{"distinct_destinations/24h0m0s"}},
		{`count_in(duration("10m")) > 0 && sum_in_usd(duration("10m")) > 10000.0 && movement.direction == "out"`, nil, []string{"count_in/10m0s", "sum_in_usd/10m0s"}},
		{`movement.asset == "BTC" && movement.amount >= decimal("0.5")`, nil, nil},
		{`movement.amount > 1000 && !movement.hasValueUsd`, nil, nil},
		{`source.jurisdictions.exists(j, j in list("high-risk-countries"))`, []string{"high-risk-countries"}, nil},
		{`destination.riskTier == "high" && movement.occurredAt.getHours("UTC") < 6`, nil, nil},
		{`has(movement.txHash) && movement.txHash != ""`, nil, nil},
		{`count_out(duration("744h")) > 1000`, nil, []string{"count_out/744h0m0s"}},
	}
	for _, tt := range tests {
		p, err := e.Compile(tt.expr, CompileOptions{KnownLists: knownLists})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if strings.Join(p.Lists(), ",") != strings.Join(tt.lists, ",") {
			t.Errorf("%s: Lists() = %v, want %v", tt.expr, p.Lists(), tt.lists)
		}
		var v []string
		for _, c := range p.Velocity() {
			v = append(v, c.Function+"/"+c.Window.String())
		}
		if strings.Join(v, ",") != strings.Join(tt.velocity, ",") {
			t.Errorf("%s: Velocity() = %v, want %v", tt.expr, v, tt.velocity)
		}
	}
}

func TestRuleValidateNamesTheBadField(t *testing.T) {
	ok := Rule{ID: "r1", Version: 1, Name: "Blocklist", Action: ActionBlock, Severity: SeverityHigh, Enabled: true, Expression: "true"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*Rule)
		code string
	}{
		{"no id", func(r *Rule) { r.ID = "" }, "invalid_rule_id"},
		{"an id with a space", func(r *Rule) { r.ID = "a b" }, "invalid_rule_id"},
		{"an id too long", func(r *Rule) { r.ID = strings.Repeat("a", 129) }, "invalid_rule_id"},
		{"version zero", func(r *Rule) { r.Version = 0 }, "invalid_rule_version"},
		{"a blank name", func(r *Rule) { r.Name = "  " }, "invalid_rule_name"},
		{"a name with a newline", func(r *Rule) { r.Name = "a\nb" }, "invalid_rule_name"},
		{"a name too long", func(r *Rule) { r.Name = strings.Repeat("é", 201) }, "invalid_rule_name"},
		{"an unknown action", func(r *Rule) { r.Action = "deny" }, "invalid_action"},
		{"no severity", func(r *Rule) { r.Severity = "" }, "invalid_severity"},
	}
	for _, tt := range tests {
		r := ok
		tt.edit(&r)
		err := r.Validate()
		if f, isF := failure.As(err); !isF || f.Code != tt.code || f.Kind != failure.Invalid {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	e := newTestEnv(t, Config{})
	bad := ok
	bad.Expression = "movement.amount"
	if _, err := e.CompileRule(bad, CompileOptions{}); err == nil {
		t.Error("CompileRule accepted a non-bool expression")
	}
	if cr, err := e.CompileRule(ok, CompileOptions{}); err != nil || cr.Program == nil {
		t.Errorf("CompileRule: %v", err)
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`destination.address in list("my-blocklist")`,
		`count_out(duration("1h")) > 5`,
		`movement.amount > decimal("1.5")`,
		`[1,2,3].all(x, x > 0)`,
		`rules.Movement{id: "x"}.id == "x"`,
		`list(list("a"))`,
		`count_out(count_out(duration("1h")))`,
		`"\xff"`,
		`((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))) == 1`,
		`@ev`,
		`in list`,
	} {
		f.Add(s)
	}
	e := newTestEnv(f, Config{})
	aggs, lists := testData()
	f.Fuzz(func(t *testing.T, expr string) {
		start := time.Now()
		defer func() {
			// Nothing a client sends may hold a request: a generous bound for a loaded machine.
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("%q took %s", expr, d)
			}
		}()
		p, err := e.Compile(expr, CompileOptions{KnownLists: knownLists})
		if err != nil {
			if fl, ok := failure.As(err); !ok || fl.Kind != failure.Invalid {
				t.Fatalf("%q: %v is not an invalid-input failure", expr, err)
			}
			return
		}
		// A compiled expression evaluates without panicking, within the cost limit.
		r := CompiledRule{Rule: Rule{ID: "f", Version: 1, Name: "f", Action: ActionBlock, Severity: SeverityLow, Enabled: true}, Program: p}
		if _, err := e.Evaluate(t.Context(), []CompiledRule{r}, withdrawal(), Data{Aggregates: aggs, Lists: lists}); err != nil {
			t.Fatal(err)
		}
	})
}
