package rules

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
)

// Aggregates answers the velocity functions for one evaluation. The caller binds it to the
// initiating party (Input.Source.Key(): the source user, else the source vault, else the
// source address) and to the movement's time; a window w covers the party's movements
// with occurredAt in (t-w, t], t the movement's occurredAt, never the evaluated movement
// itself. Window answers from a logged history; the movements service from its counters.
type Aggregates interface {
	CountOut(ctx context.Context, window time.Duration) (int64, error)
	CountIn(ctx context.Context, window time.Duration) (int64, error)
	SumOutUSD(ctx context.Context, window time.Duration) (float64, error)
	SumInUSD(ctx context.Context, window time.Duration) (float64, error)
	DistinctDestinations(ctx context.Context, window time.Duration) (int64, error)
}

// Lists answers list membership for one evaluation: whether value is on the client list
// named name, and the version of the list that answered, which the decision records.
// Values are compared as given (addresses arrive normalised from ingestion).
type Lists interface {
	Contains(ctx context.Context, name, value string) (member bool, version string, err error)
}

// Data is what an evaluation reads beyond its input. Either may be nil when no rule needs
// it; a rule that then calls a velocity function or list() errors.
type Data struct {
	Aggregates Aggregates
	Lists      Lists
}

// The velocity functions, in the order of aggFunc.
type aggFunc int

const (
	countOut aggFunc = iota
	countIn
	sumOutUSD
	sumInUSD
	distinctDestinations
)

var aggNames = [...]string{"count_out", "count_in", "sum_out_usd", "sum_in_usd", "distinct_destinations"}

func aggByName(name string) (aggFunc, bool) {
	for i, n := range aggNames {
		if n == name {
			return aggFunc(i), true
		}
	}
	return 0, false
}

func (f aggFunc) isCount() bool { return f == countOut || f == countIn || f == distinctDestinations }

// hidden is the variable the macros pass to velocity functions and list(): the evaluation
// in progress. "@" cannot start an identifier a rule writes, so no rule can name it.
const hidden = "@ev"

var (
	evaluationType = cel.OpaqueType("rules.evaluation")
	listType       = cel.ObjectType("rules.list", traits.ContainerType)
)

// Codes of rule errors, in RuleError.Code.
const (
	ErrCostLimit  = "cost_limit_exceeded"
	ErrWindow     = "window_out_of_range"
	ErrAggregates = "aggregate_unavailable"
	ErrLists      = "list_unavailable"
	ErrTimeout    = "timeout"
	ErrEvaluation = "evaluation_error"
	ErrNotBool    = "not_bool"
)

// evaluation is the state of one Evaluate call: the activation the programs read, the
// cache of aggregate values and list answers (each asked once per evaluation whatever the
// number of rules asking), and the record of what was seen.
type evaluation struct {
	ctx                           context.Context
	env                           *Env
	data                          Data
	movement, source, destination ref.Val

	aggs     []AggregateValue
	checks   []ListCheck
	versions []ListVersion

	// touched: what the current rule read (indexes into aggs and checks), for its reason.
	touchedAggs, touchedChecks []int
	fault                      string // code of the last function failure of the current rule
}

// ResolveName implements interpreter.Activation.
func (ev *evaluation) ResolveName(name string) (any, bool) {
	switch name {
	case "movement":
		return ev.movement, true
	case "source":
		return ev.source, true
	case "destination":
		return ev.destination, true
	case hidden:
		return ev, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (ev *evaluation) Parent() interpreter.Activation { return nil }

// ref.Val, so that the evaluation can be an argument of the hidden calls.
func (ev *evaluation) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("evaluation does not leave CEL")
}
func (ev *evaluation) ConvertToType(ref.Type) ref.Val { return types.NewErr("no conversion") }
func (ev *evaluation) Equal(other ref.Val) ref.Val    { return types.Bool(other == ref.Val(ev)) }
func (ev *evaluation) Type() ref.Type                 { return evaluationType }
func (ev *evaluation) Value() any                     { return ev }

func (ev *evaluation) fail(code, format string, args ...any) ref.Val {
	ev.fault = code
	return types.NewErr(format, args...)
}

func (ev *evaluation) touchAgg(i int) {
	for _, j := range ev.touchedAggs {
		if j == i {
			return
		}
	}
	ev.touchedAggs = append(ev.touchedAggs, i)
}

func (ev *evaluation) touchCheck(i int) {
	for _, j := range ev.touchedChecks {
		if j == i {
			return
		}
	}
	ev.touchedChecks = append(ev.touchedChecks, i)
}

// aggregate is the implementation of every velocity function.
func (ev *evaluation) aggregate(f aggFunc, window time.Duration) ref.Val {
	if window < ev.env.cfg.MinWindow || window > ev.env.cfg.MaxWindow {
		return ev.fail(ErrWindow, "%s: window %s is outside %s..%s", aggNames[f], window, ev.env.cfg.MinWindow, ev.env.cfg.MaxWindow)
	}
	name := aggNames[f]
	for i := range ev.aggs {
		if a := &ev.aggs[i]; a.Function == name && a.window == window {
			ev.touchAgg(i)
			return aggValue(f, a.Value)
		}
	}
	if ev.data.Aggregates == nil {
		return ev.fail(ErrAggregates, "%s: no aggregates supplied", name)
	}
	v, err := ask(ev.ctx, ev.data.Aggregates, f, window)
	if err != nil {
		return ev.fail(ErrAggregates, "%s(%s): %v", name, window, err)
	}
	ev.aggs = append(ev.aggs, AggregateValue{Function: name, Window: window.String(), Value: v, window: window, short: shortDuration(window)})
	ev.touchAgg(len(ev.aggs) - 1)
	return aggValue(f, v)
}

func ask(ctx context.Context, a Aggregates, f aggFunc, w time.Duration) (float64, error) {
	var n int64
	var err error
	switch f {
	case countOut:
		n, err = a.CountOut(ctx, w)
	case countIn:
		n, err = a.CountIn(ctx, w)
	case distinctDestinations:
		n, err = a.DistinctDestinations(ctx, w)
	case sumOutUSD:
		return a.SumOutUSD(ctx, w)
	case sumInUSD:
		return a.SumInUSD(ctx, w)
	}
	return float64(n), err
}

func aggValue(f aggFunc, v float64) ref.Val {
	if f.isCount() {
		return types.Int(int64(v))
	}
	return types.Double(v)
}

// listRef is the value of list("name"): a handle that only answers `x in list("name")`,
// one Lists.Contains call per (list, value) per evaluation; the list is never loaded.
type listRef struct {
	ev   *evaluation
	name string
}

var _ traits.Container = listRef{}

func (l listRef) ConvertToNative(reflect.Type) (any, error) {
	return nil, fmt.Errorf("list(%q) can only be used with in", l.name)
}
func (l listRef) ConvertToType(ref.Type) ref.Val { return types.NewErr("no conversion") }
func (l listRef) Equal(ref.Val) ref.Val          { return types.False }
func (l listRef) Type() ref.Type                 { return listType }
func (l listRef) Value() any                     { return l.name }

// Contains implements traits.Container, hence the in operator.
func (l listRef) Contains(value ref.Val) ref.Val {
	s, ok := value.(types.String)
	if !ok {
		return types.MaybeNoSuchOverloadErr(value)
	}
	return l.ev.contains(l.name, string(s))
}

func (ev *evaluation) contains(name, value string) ref.Val {
	for i := range ev.checks {
		if c := &ev.checks[i]; c.List == name && c.Value == value {
			ev.touchCheck(i)
			return types.Bool(c.Member)
		}
	}
	if value == "" {
		// No address, no country: nothing to look up, and nothing to record.
		return types.False
	}
	if ev.data.Lists == nil {
		return ev.fail(ErrLists, "list(%q): no lists supplied", name)
	}
	member, version, err := ev.data.Lists.Contains(ev.ctx, name, value)
	if err != nil {
		return ev.fail(ErrLists, "list(%q): %v", name, err)
	}
	ev.checks = append(ev.checks, ListCheck{List: name, Value: value, Member: member, Version: version})
	ev.touchCheck(len(ev.checks) - 1)
	ev.noteVersion(name, version)
	return types.Bool(member)
}

func (ev *evaluation) noteVersion(name, version string) {
	for _, v := range ev.versions {
		if v.Name == name && v.Version == version {
			return
		}
	}
	ev.versions = append(ev.versions, ListVersion{Name: name, Version: version})
}
