package rules

import (
	"context"
	"sort"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
)

// Window computes the velocity aggregates from a logged history, for backtests: feed it
// the movements in time order; before each, At answers the velocity functions for that
// movement exactly as the counters should have (same party, same window bounds), with no
// counters store.
//
//	w := rules.NewWindow(0)
//	for _, in := range history { // occurredAt ascending
//		d, _ := env.Evaluate(ctx, rules, in, rules.Data{Aggregates: w.At(in), Lists: lists})
//		...
//		w.Add(in)
//	}
//
// A window w at time t counts the party's earlier movements with occurredAt in (t-w, t].
// Counts and distinct destinations are exact; USD sums are float64 additions in time
// order of the movements' valueUsd (absent counts 0). Memory: the movements of the last
// maxWindow per party. Not safe for concurrent use.
type Window struct {
	max     time.Duration
	parties map[string]*partyLog
	last    time.Time
}

type partyLog struct {
	out, in []logEntry
}

type logEntry struct {
	at   time.Time
	usd  float64
	dest string
}

// NewWindow keeps maxWindow of history per party (0: DefaultMaxWindow).
func NewWindow(maxWindow time.Duration) *Window {
	if maxWindow <= 0 {
		maxWindow = DefaultMaxWindow
	}
	return &Window{max: maxWindow, parties: map[string]*partyLog{}}
}

// Add records a movement: out for its source's party, in for its destination's. Movements
// must come in time order (equal times allowed): an earlier one is refused with
// out_of_order.
func (w *Window) Add(in Input) error {
	t := in.Movement.OccurredAt
	if t.Before(w.last) {
		return failure.InvalidInput("out_of_order", "movement %s at %s comes after one at %s", in.Movement.ID, t.Format(time.RFC3339Nano), w.last.Format(time.RFC3339Nano))
	}
	w.last = t
	var usd float64
	if in.Movement.ValueUSD != "" {
		d, err := parseDecimal(in.Movement.ValueUSD)
		if err != nil {
			return failure.InvalidInput("invalid_value_usd", "movement %s: valueUsd %q is not an exact decimal", in.Movement.ID, in.Movement.ValueUSD)
		}
		usd = d.approx
	}
	e := logEntry{at: t, usd: usd, dest: in.Destination.Key()}
	src := w.party(in.Source.Key())
	src.out = appendEvicting(src.out, e, t.Add(-w.max))
	dst := w.party(in.Destination.Key())
	dst.in = appendEvicting(dst.in, e, t.Add(-w.max))
	return nil
}

func (w *Window) party(key string) *partyLog {
	p, ok := w.parties[key]
	if !ok {
		p = &partyLog{}
		w.parties[key] = p
	}
	return p
}

// appendEvicting appends e after dropping the entries no window can reach any more.
func appendEvicting(es []logEntry, e logEntry, horizon time.Time) []logEntry {
	i := sort.Search(len(es), func(i int) bool { return es[i].at.After(horizon) })
	if i > 0 && i >= len(es)/2 {
		es = append(es[:0], es[i:]...)
	}
	return append(es, e)
}

// At answers the velocity functions for in's initiating party (in.Source.Key()) at
// in.Movement.OccurredAt, from the movements added so far. The answer is valid until the
// next Add.
func (w *Window) At(in Input) Aggregates {
	p := w.parties[in.Source.Key()]
	if p == nil {
		p = &partyLog{}
	}
	return &windowView{p: p, t: in.Movement.OccurredAt}
}

type windowView struct {
	p *partyLog
	t time.Time
}

// since returns the entries with at in (t-window, t].
func (v *windowView) since(es []logEntry, window time.Duration) []logEntry {
	from := v.t.Add(-window)
	i := sort.Search(len(es), func(i int) bool { return es[i].at.After(from) })
	j := sort.Search(len(es), func(j int) bool { return es[j].at.After(v.t) })
	if j < i {
		return nil
	}
	return es[i:j]
}

func (v *windowView) CountOut(_ context.Context, window time.Duration) (int64, error) {
	return int64(len(v.since(v.p.out, window))), nil
}

func (v *windowView) CountIn(_ context.Context, window time.Duration) (int64, error) {
	return int64(len(v.since(v.p.in, window))), nil
}

func (v *windowView) SumOutUSD(_ context.Context, window time.Duration) (float64, error) {
	return sumUSD(v.since(v.p.out, window)), nil
}

func (v *windowView) SumInUSD(_ context.Context, window time.Duration) (float64, error) {
	return sumUSD(v.since(v.p.in, window)), nil
}

func (v *windowView) DistinctDestinations(_ context.Context, window time.Duration) (int64, error) {
	es := v.since(v.p.out, window)
	seen := make(map[string]struct{}, len(es))
	for _, e := range es {
		seen[e.dest] = struct{}{}
	}
	return int64(len(seen)), nil
}

func sumUSD(es []logEntry) float64 {
	var s float64
	for _, e := range es {
		s += e.usd
	}
	return s
}
