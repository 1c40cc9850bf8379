package rules

import (
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/parser"
)

// Config bounds what a rule may be and cost. The zero value takes the defaults.
type Config struct {
	MaxExpressionBytes int           // default 4096
	MaxNodes           int           // nodes of the parsed expression, macros expanded; default 1000
	CostLimit          uint64        // per rule and evaluation, in CEL cost units; default 10000
	MinWindow          time.Duration // of a velocity function; default 1 minute
	MaxWindow          time.Duration // default 31 days
}

// The defaults of Config.
const (
	DefaultMaxExpressionBytes = 4096
	DefaultMaxNodes           = 1000
	DefaultCostLimit          = 10000
	DefaultMinWindow          = time.Minute
	DefaultMaxWindow          = 31 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	if c.MaxExpressionBytes <= 0 {
		c.MaxExpressionBytes = DefaultMaxExpressionBytes
	}
	if c.MaxNodes <= 0 {
		c.MaxNodes = DefaultMaxNodes
	}
	if c.CostLimit == 0 {
		c.CostLimit = DefaultCostLimit
	}
	if c.MinWindow <= 0 {
		c.MinWindow = DefaultMinWindow
	}
	if c.MaxWindow <= 0 {
		c.MaxWindow = DefaultMaxWindow
	}
	return c
}

// Env is the CEL environment of client rules. Build it once per process: declaring the
// environment is the expensive part; it is immutable afterwards and safe for concurrent
// use, as are the Programs it compiles.
type Env struct {
	cfg      Config
	cel      *cel.Env
	provider *provider

	// The decimal("...") literals of compiled rules, parsed once at compilation rather
	// than at every evaluation.
	mu       sync.RWMutex
	literals map[string]decimal
}

func (e *Env) literal(s string) (decimal, bool) {
	e.mu.RLock()
	d, ok := e.literals[s]
	e.mu.RUnlock()
	return d, ok
}

// maxLiterals bounds the literal cache; literals beyond it are parsed at each evaluation.
const maxLiterals = 10000

func (e *Env) keepLiteral(d decimal) {
	e.mu.Lock()
	if len(e.literals) < maxLiterals {
		e.literals[d.text] = d
	}
	e.mu.Unlock()
}

// NewEnv declares the variables, functions and limits of the rules language.
func NewEnv(cfg Config) (*Env, error) {
	cfg = cfg.withDefaults()
	base, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	e := &Env{cfg: cfg, provider: newProvider(base), literals: map[string]decimal{}}
	opts := []cel.EnvOption{
		cel.CustomTypeAdapter(base),
		cel.CustomTypeProvider(e.provider),
		cel.ParserRecursionLimit(64),
		cel.ParserExpressionSizeLimit(cfg.MaxExpressionBytes),
		cel.Variable("movement", movementType),
		cel.Variable("source", partyType),
		cel.Variable("destination", partyType),
		cel.Variable(hidden, evaluationType),
		cel.Macros(hiddenMacro("list")),
		cel.Function("list",
			cel.Overload("list_evaluation_string", []*cel.Type{evaluationType, cel.StringType}, listType,
				cel.BinaryBinding(func(ev, name ref.Val) ref.Val {
					return listRef{ev: ev.(*evaluation), name: string(name.(types.String))}
				}))),
		// No binding: the standard library's in dispatches to listRef.Contains.
		cel.Function(operators.In,
			cel.Overload("in_string_rules_list", []*cel.Type{cel.StringType, listType}, cel.BoolType)),
		cel.Function("decimal",
			cel.Overload("decimal_string", []*cel.Type{cel.StringType}, decimalType,
				cel.UnaryBinding(func(s ref.Val) ref.Val {
					if d, ok := e.literal(string(s.(types.String))); ok {
						return d
					}
					d, err := parseDecimal(string(s.(types.String)))
					if err != nil {
						return types.NewErr("decimal(%q): not an exact decimal", string(s.(types.String)))
					}
					return d
				}))),
		cel.Function("double",
			cel.Overload("double_decimal", []*cel.Type{decimalType}, cel.DoubleType,
				cel.UnaryBinding(func(d ref.Val) ref.Val { return types.Double(d.(decimal).approx) }))),
		cel.Function("string",
			cel.Overload("string_decimal", []*cel.Type{decimalType}, cel.StringType,
				cel.UnaryBinding(func(d ref.Val) ref.Val { return types.String(d.(decimal).text) }))),
	}
	// Ordering of decimals: the decimal on the left, a decimal, int, uint or double on the
	// right. No bindings: the standard library's comparison dispatches to decimal.Compare.
	for _, op := range []struct{ fn, id string }{
		{operators.Less, "less"}, {operators.LessEquals, "less_equals"},
		{operators.Greater, "greater"}, {operators.GreaterEquals, "greater_equals"},
	} {
		opts = append(opts, cel.Function(op.fn,
			cel.Overload(op.id+"_decimal_decimal", []*cel.Type{decimalType, decimalType}, cel.BoolType),
			cel.Overload(op.id+"_decimal_int", []*cel.Type{decimalType, cel.IntType}, cel.BoolType),
			cel.Overload(op.id+"_decimal_uint", []*cel.Type{decimalType, cel.UintType}, cel.BoolType),
			cel.Overload(op.id+"_decimal_double", []*cel.Type{decimalType, cel.DoubleType}, cel.BoolType)))
	}
	for i, name := range aggNames {
		f := aggFunc(i)
		result := cel.IntType
		if !f.isCount() {
			result = cel.DoubleType
		}
		opts = append(opts,
			cel.Macros(hiddenMacro(name)),
			cel.Function(name,
				cel.Overload(name+"_evaluation_duration", []*cel.Type{evaluationType, cel.DurationType}, result,
					cel.BinaryBinding(func(ev, w ref.Val) ref.Val {
						return ev.(*evaluation).aggregate(f, w.(types.Duration).Duration)
					}))))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	e.cel = env
	return e, nil
}

// Config returns the limits in force, defaults filled in.
func (e *Env) Config() Config { return e.cfg }

// hiddenMacro rewrites name(x) into name(@ev, x): the function then reaches the evaluation
// in progress (its Aggregates and Lists) without a rule ever naming it, and Programs stay
// shared across evaluations.
func hiddenMacro(name string) parser.Macro {
	return parser.NewGlobalMacro(name, 1, func(eh parser.ExprHelper, _ ast.Expr, args []ast.Expr) (ast.Expr, *common.Error) {
		return eh.NewCall(name, eh.NewIdent(hidden), args[0]), nil
	})
}
