package rules

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/chainfi/chainguard/shared/failure"
)

// Outcome is the answer of a decision.
type Outcome string

// The outcomes, in increasing order of restriction.
const (
	OutcomeAllow  Outcome = "allow"
	OutcomeReview Outcome = "review"
	OutcomeBlock  Outcome = "block"
)

func (o Outcome) rank() int {
	switch o {
	case OutcomeReview:
		return 1
	case OutcomeBlock:
		return 2
	}
	return 0
}

// Decision is the answer to one evaluation with everything needed to explain and replay
// it: the rule versions run, the input as given, every aggregate value and list answer
// the rules saw, and the list versions that answered.
type Decision struct {
	Outcome    Outcome          `json:"outcome"`
	Hits       []Hit            `json:"hits"`
	Errors     []RuleError      `json:"errors"`
	Rules      []RuleRun        `json:"rules"`
	Input      Input            `json:"input"`
	Aggregates []AggregateValue `json:"aggregates"`
	ListChecks []ListCheck      `json:"listChecks"`
	Lists      []ListVersion    `json:"lists"`
}

// Hit is a rule whose expression was true, with what it read.
type Hit struct {
	RuleID     string           `json:"ruleId"`
	Version    int              `json:"version"`
	Name       string           `json:"name"`
	Action     Action           `json:"action"`
	Severity   Severity         `json:"severity"`
	Reason     string           `json:"reason"`
	Aggregates []AggregateValue `json:"aggregates,omitempty"`
	ListChecks []ListCheck      `json:"listChecks,omitempty"`
}

// RuleError is a rule that could not be evaluated. Code is one of the Err* constants.
type RuleError struct {
	RuleID  string `json:"ruleId"`
	Version int    `json:"version"`
	Name    string `json:"name"`
	Action  Action `json:"action"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RuleRun is one enabled rule as run: its version, its result and its cost.
type RuleRun struct {
	RuleID  string `json:"ruleId"`
	Version int    `json:"version"`
	Result  string `json:"result"`         // hit, miss or error
	Cost    uint64 `json:"cost,omitempty"` // CEL cost units spent, for rules measured at evaluation
}

// AggregateValue is one velocity value seen: the function, the window (Go duration text,
// e.g. "1h0m0s") and the value (a count for count_*, distinct_destinations).
type AggregateValue struct {
	Function string  `json:"function"`
	Window   string  `json:"window"`
	Value    float64 `json:"value"`

	window time.Duration
	short  string // the window as a reason writes it: 1h
}

// ListCheck is one membership answer seen.
type ListCheck struct {
	List    string `json:"list"`
	Value   string `json:"value"`
	Member  bool   `json:"member"`
	Version string `json:"version"`
}

// ListVersion is a list as it stood when it answered.
type ListVersion struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Evaluate runs every enabled rule on the input, in order, and decides: block if a block
// rule hit, else review if a review rule hit, else allow; alert hits are reported and do
// not change the outcome.
//
// A rule that errors (cost limit, aggregates or lists unavailable, a window out of range,
// the context done) is reported in Errors and never silently allows: a block or review
// rule that errors makes the outcome at least review, never block (we do not refuse a
// movement on our own failure); an alert rule that errors changes nothing.
//
// The error is for an invalid input only (see Input.Validate); rules are not run then.
func (e *Env) Evaluate(ctx context.Context, rules []CompiledRule, in Input, data Data) (Decision, error) {
	if err := in.Validate(); err != nil {
		return Decision{}, err
	}
	mv, err := newMovementObj(in.Movement)
	if err != nil {
		return Decision{}, failure.InvalidInput("invalid_amount", "movement amount is not an exact decimal")
	}
	ev := &evaluation{
		ctx:         ctx,
		env:         e,
		data:        data,
		movement:    object{def: e.def(movementType), ptr: mv},
		source:      object{def: e.def(partyType), ptr: newPartyObj(in.Source)},
		destination: object{def: e.def(partyType), ptr: newPartyObj(in.Destination)},
	}
	d := Decision{Outcome: OutcomeAllow, Input: in, Hits: []Hit{}, Errors: []RuleError{}, Rules: []RuleRun{}}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		run := RuleRun{RuleID: r.ID, Version: r.Version}
		hit, cost, code, msg := ev.run(r)
		run.Cost = cost
		switch {
		case code != "":
			run.Result = "error"
			d.Errors = append(d.Errors, RuleError{RuleID: r.ID, Version: r.Version, Name: r.Name, Action: r.Action, Code: code, Message: msg})
			if r.Action != ActionAlert {
				d.raise(OutcomeReview)
			}
		case hit:
			run.Result = "hit"
			d.Hits = append(d.Hits, ev.hit(r))
			switch r.Action {
			case ActionBlock:
				d.raise(OutcomeBlock)
			case ActionReview:
				d.raise(OutcomeReview)
			}
		default:
			run.Result = "miss"
		}
		d.Rules = append(d.Rules, run)
	}
	d.Aggregates = append([]AggregateValue{}, ev.aggs...)
	d.ListChecks = append([]ListCheck{}, ev.checks...)
	d.Lists = append([]ListVersion{}, ev.versions...)
	return d, nil
}

func (d *Decision) raise(o Outcome) {
	if o.rank() > d.Outcome.rank() {
		d.Outcome = o
	}
}

func (e *Env) def(t interface{ TypeName() string }) *objectDef {
	return e.provider.objects[t.TypeName()]
}

// run evaluates one rule; code is "" unless it errored.
func (ev *evaluation) run(r CompiledRule) (hit bool, cost uint64, code, msg string) {
	ev.touchedAggs, ev.touchedChecks, ev.fault = ev.touchedAggs[:0], ev.touchedChecks[:0], ""
	if err := ev.ctx.Err(); err != nil {
		return false, 0, ErrTimeout, err.Error()
	}
	if r.Program == nil {
		return false, 0, ErrEvaluation, "the rule is not compiled"
	}
	val, det, err := r.Program.prg.Eval(ev)
	if det != nil && det.ActualCost() != nil {
		cost = *det.ActualCost()
	}
	if err != nil {
		var cancelled interpreter.EvalCancelledError
		switch {
		case errors.As(err, &cancelled) && cancelled.Cause == interpreter.CostLimitExceeded:
			return false, cost, ErrCostLimit, fmt.Sprintf("the rule costs more than %d units", ev.env.cfg.CostLimit)
		case ev.fault != "":
			return false, cost, ev.fault, err.Error()
		}
		return false, cost, ErrEvaluation, err.Error()
	}
	b, ok := val.(types.Bool)
	if !ok {
		return false, cost, ErrNotBool, fmt.Sprintf("the rule gave %s, not a bool", val.Type())
	}
	return bool(b), cost, "", ""
}

// hit builds the hit of r from what it read: "name: count_out(1h)=7, "0xab" in list("x")".
func (ev *evaluation) hit(r CompiledRule) Hit {
	h := Hit{RuleID: r.ID, Version: r.Version, Name: r.Name, Action: r.Action, Severity: r.Severity}
	if len(ev.touchedAggs)+len(ev.touchedChecks) == 0 {
		h.Reason = r.Name
		return h
	}
	b := make([]byte, 0, len(r.Name)+48*(len(ev.touchedAggs)+len(ev.touchedChecks)))
	b = append(b, r.Name...)
	b = append(b, ": "...)
	for k, i := range ev.touchedAggs {
		a := ev.aggs[i]
		h.Aggregates = append(h.Aggregates, a)
		if k > 0 {
			b = append(b, ", "...)
		}
		b = append(b, a.Function...)
		b = append(b, '(')
		b = append(b, a.short...)
		b = append(b, ")="...)
		b = strconv.AppendFloat(b, a.Value, 'f', -1, 64)
	}
	for k, i := range ev.touchedChecks {
		c := ev.checks[i]
		h.ListChecks = append(h.ListChecks, c)
		if k > 0 || len(ev.touchedAggs) > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendQuote(b, c.Value)
		if c.Member {
			b = append(b, " in list("...)
		} else {
			b = append(b, " not in list("...)
		}
		b = strconv.AppendQuote(b, c.List)
		b = append(b, ')')
	}
	h.Reason = string(b)
	return h
}

// shortDuration writes 1h rather than 1h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Recorded answers from a decision's record alone: the aggregates and list answers it
// saw. Anything else is an error, so a replay that takes another path shows as an error
// rather than as a silently different answer.
func Recorded(d Decision) Data {
	r := &record{aggs: map[string]float64{}, checks: map[[2]string]ListCheck{}}
	for _, a := range d.Aggregates {
		w, err := time.ParseDuration(a.Window)
		if err != nil {
			continue
		}
		r.aggs[a.Function+"/"+w.String()] = a.Value
	}
	for _, c := range d.ListChecks {
		r.checks[[2]string{c.List, c.Value}] = c
	}
	return Data{Aggregates: r, Lists: r}
}

// Replay evaluates rules again on the decision's input with its recorded aggregates and
// list answers. rules must be the versions the decision ran (same ids and versions, in
// the same order), else rule_versions_differ. The replayed decision equals the original
// when the rule versions are the same and the engine behaves the same.
func (e *Env) Replay(ctx context.Context, rules []CompiledRule, d Decision) (Decision, error) {
	var enabled []CompiledRule
	for _, r := range rules {
		if r.Enabled {
			enabled = append(enabled, r)
		}
	}
	if len(enabled) != len(d.Rules) {
		return Decision{}, failure.InvalidInput("rule_versions_differ", "the decision ran %d rules, %d given", len(d.Rules), len(enabled))
	}
	for i, r := range enabled {
		if r.ID != d.Rules[i].RuleID || r.Version != d.Rules[i].Version {
			return Decision{}, failure.InvalidInput("rule_versions_differ", "rule %d: the decision ran %s v%d, given %s v%d",
				i+1, d.Rules[i].RuleID, d.Rules[i].Version, r.ID, r.Version)
		}
	}
	return e.Evaluate(ctx, enabled, d.Input, Recorded(d))
}

type record struct {
	aggs   map[string]float64
	checks map[[2]string]ListCheck
}

var errNotRecorded = errors.New("not in the recorded decision")

func (r *record) get(f aggFunc, w time.Duration) (float64, error) {
	v, ok := r.aggs[aggNames[f]+"/"+w.String()]
	if !ok {
		return 0, errNotRecorded
	}
	return v, nil
}

func (r *record) count(f aggFunc, w time.Duration) (int64, error) {
	v, err := r.get(f, w)
	return int64(v), err
}

func (r *record) CountOut(_ context.Context, w time.Duration) (int64, error) {
	return r.count(countOut, w)
}
func (r *record) CountIn(_ context.Context, w time.Duration) (int64, error) {
	return r.count(countIn, w)
}
func (r *record) DistinctDestinations(_ context.Context, w time.Duration) (int64, error) {
	return r.count(distinctDestinations, w)
}
func (r *record) SumOutUSD(_ context.Context, w time.Duration) (float64, error) {
	return r.get(sumOutUSD, w)
}
func (r *record) SumInUSD(_ context.Context, w time.Duration) (float64, error) {
	return r.get(sumInUSD, w)
}
func (r *record) Contains(_ context.Context, name, value string) (bool, string, error) {
	c, ok := r.checks[[2]string{name, value}]
	if !ok {
		return false, "", errNotRecorded
	}
	return c.Member, c.Version, nil
}
