package movements

import (
	"context"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/rules"
	"github.com/chainfi/chainguard/shared/store"
)

// Backtest limits: it runs inside the request.
const (
	MaxBacktestSpan      = 31 * 24 * time.Hour
	MaxBacktestMovements = 20_000
	backtestSample       = 20
)

// BacktestInput is POST /v1/rules/{id}/backtest; Expression, when set, is a draft tried
// in place of the rule's current expression (with the rule's action).
type BacktestInput struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Expression string `json:"expression,omitempty"`
}

// Backtest is what a rule would have done over logged movements.
type Backtest struct {
	RuleID      string            `json:"ruleId"`
	Version     int               `json:"version"`
	Draft       bool              `json:"draft"`
	From        string            `json:"from"`
	To          string            `json:"to"`
	Evaluated   int               `json:"evaluated"`
	Hits        int               `json:"hits"`
	Errors      int               `json:"errors"`
	HitRate     float64           `json:"hitRate"`
	Sample      []BacktestHit     `json:"sample"`
	ErrorSample []rules.RuleError `json:"errorSample,omitempty"`
	Notes       []string          `json:"notes"`
}

// BacktestHit is one movement the rule would have hit.
type BacktestHit struct {
	MovementID string                 `json:"movementId"`
	OccurredAt string                 `json:"occurredAt"`
	Reason     string                 `json:"reason"`
	Aggregates []rules.AggregateValue `json:"aggregates,omitempty"`
}

// RunBacktest replays the movements logged in [from, to] through one rule. Velocity
// aggregates are recomputed exactly from the history (rules.Window, warmed up over the
// rule's longest window before from), list membership uses the lists as they are now, and
// sanctioned flags the current sanctions list version.
func (s *Service) RunBacktest(ctx context.Context, t store.TenantID, id string, in BacktestInput) (Backtest, error) {
	cur, err := s.ruleItem(ctx, t, id)
	if err != nil {
		return Backtest{}, err
	}
	from, err1 := time.Parse(time.RFC3339Nano, in.From)
	to, err2 := time.Parse(time.RFC3339Nano, in.To)
	if err1 != nil || err2 != nil || to.Before(from) || to.Sub(from) > MaxBacktestSpan {
		return Backtest{}, invalid("invalid_range", "from and to are RFC 3339 times, to after from and at most 31 days later")
	}
	from, to = from.UTC(), to.UTC()
	expr := cur.Expression
	if in.Expression != "" {
		expr = in.Expression
	}
	env, err := s.env()
	if err != nil {
		return Backtest{}, err
	}
	tr, err := s.tenantRules(ctx, t)
	if err != nil {
		return Backtest{}, err
	}
	known := map[string]bool{}
	for name := range tr.lists {
		known[name] = true
	}
	cr, err := env.CompileRule(rules.Rule{ID: cur.ID, Version: cur.Rule.Version, Name: cur.Name, Action: rules.Action(cur.Action),
		Severity: rules.Severity(cur.Severity), Enabled: true, Expression: expr}, rules.CompileOptions{KnownLists: known})
	if err != nil {
		return Backtest{}, err
	}
	warm := time.Duration(0)
	windows := cr.Program.Velocity()
	for _, w := range windows {
		warm = max(warm, w.Window)
	}
	notes := []string{"list membership uses the lists as they are now", "sanctioned flags use the current sanctions list version"}
	if len(windows) == 0 && usesVelocity(expr) {
		warm = MaxWindow
		notes = append(notes, "a velocity window is not a constant: warmed up over the longest window")
	}
	out := Backtest{RuleID: cur.ID, Version: cur.Rule.Version, Draft: in.Expression != "", From: store.FormatTime(from), To: store.FormatTime(to),
		Sample: []BacktestHit{}, Notes: notes}
	win := rules.NewWindow(MaxWindow)
	seen := 0
	err = s.byTime(ctx, t, from.Add(-warm), to, func(items []movementItem) (bool, error) {
		for _, mi := range items {
			seen++
			if seen > s.BacktestLimit {
				return false, failure.New(failure.Unprocessable, "backtest_too_large",
					"more than %d movements in the period (with the warm-up of the rule's windows); narrow it", s.BacktestLimit)
			}
			m := mi.Movement
			srcHit, _, err := s.sanctioned(ctx, m.Source)
			if err != nil {
				return false, err
			}
			dstHit, _, err := s.sanctioned(ctx, m.Destination)
			if err != nil {
				return false, err
			}
			input := ruleInput(m, srcHit, dstHit)
			if at := timeOf(m.OccurredAt); !at.Before(from) {
				d, err := env.Evaluate(ctx, []rules.CompiledRule{cr}, input, rules.Data{Aggregates: win.At(input), Lists: tr})
				if err != nil {
					return false, err
				}
				out.Evaluated++
				switch {
				case len(d.Errors) > 0:
					out.Errors++
					if len(out.ErrorSample) < 5 {
						out.ErrorSample = append(out.ErrorSample, d.Errors[0])
					}
				case len(d.Hits) > 0:
					out.Hits++
					if len(out.Sample) < backtestSample {
						out.Sample = append(out.Sample, BacktestHit{MovementID: m.ID, OccurredAt: m.OccurredAt, Reason: d.Hits[0].Reason, Aggregates: d.Hits[0].Aggregates})
					}
				}
			}
			if err := win.Add(input); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		return Backtest{}, err
	}
	if out.Evaluated > 0 {
		out.HitRate = float64(out.Hits) / float64(out.Evaluated)
	}
	return out, nil
}

func usesVelocity(expr string) bool {
	for _, f := range []string{"count_out", "count_in", "sum_out_usd", "sum_in_usd", "distinct_destinations"} {
		if strings.Contains(expr, f) {
			return true
		}
	}
	return false
}
