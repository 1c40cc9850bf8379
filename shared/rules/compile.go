package rules

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"github.com/chainfi/chainguard/shared/failure"
)

// Codes of compile failures (all failure.Invalid, a 400).
const (
	CodeInvalidExpression = "invalid_expression"
	CodeListNotFound      = "list_not_found"
)

// CompileOptions are what a compilation checks against beyond the environment.
type CompileOptions struct {
	// KnownLists are the client's list names: list("x") with another name is refused
	// with list_not_found. Nil skips the check, for recompiling stored rules whose lists
	// may have been deleted since (their evaluation then errors with list_unavailable);
	// at creation, always pass the tenant's lists.
	KnownLists map[string]bool
}

// Issue is one compile problem at a position (line and column from 1).
type Issue struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

func (i Issue) String() string { return fmt.Sprintf("%d:%d: %s", i.Line, i.Column, i.Message) }

// CompileError carries every issue of a refused expression; it is the cause (Err) of the
// failure.Error that Compile returns, for a caller who wants them all, structured.
type CompileError struct{ Issues []Issue }

func (e *CompileError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "; ")
}

// Program is a compiled rule expression: checked, planned, immutable, safe for concurrent
// evaluation.
type Program struct {
	expr    string
	prg     cel.Program
	lists   []string
	windows []VelocityCall
	maxCost uint64 // static worst case
	tracked bool   // the cost is measured at evaluation and stopped at the limit
}

// VelocityCall is a velocity call a program makes with a constant window.
type VelocityCall struct {
	Function string        `json:"function"`
	Window   time.Duration `json:"window"`
}

// MaxCost returns the static worst-case cost of one evaluation, and whether the program is
// instead measured at evaluation (worst case unknown or above the limit).
func (p *Program) MaxCost() (worst uint64, tracked bool) { return p.maxCost, p.tracked }

// Expression returns the source text.
func (p *Program) Expression() string { return p.expr }

// Lists returns the names of the client lists the expression reads, sorted.
func (p *Program) Lists() []string { return p.lists }

// Velocity returns the velocity calls with a constant window, in source order: what the
// counters must keep for this rule.
func (p *Program) Velocity() []VelocityCall { return p.windows }

// Compile parses and type-checks expr, refuses what is not a bool, too large, constructs
// objects, names an unknown list, or gives a constant velocity window or decimal out of
// range, and plans the program with the cost limit. Errors are failure.Invalid with
// code invalid_expression (or list_not_found), the message naming line:column.
func (e *Env) Compile(expr string, opts CompileOptions) (*Program, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, failure.InvalidInput(CodeInvalidExpression, "the expression is empty")
	}
	if len(expr) > e.cfg.MaxExpressionBytes {
		return nil, failure.InvalidInput(CodeInvalidExpression, "the expression is %d bytes; the limit is %d", len(expr), e.cfg.MaxExpressionBytes)
	}
	if !utf8.ValidString(expr) {
		return nil, failure.InvalidInput(CodeInvalidExpression, "the expression is not valid UTF-8")
	}
	parsed, iss := e.cel.Parse(expr)
	if iss.Err() != nil {
		return nil, issuesError(iss)
	}
	if n := countNodes(parsed.NativeRep()); n > e.cfg.MaxNodes {
		return nil, failure.InvalidInput(CodeInvalidExpression, "the expression has %d nodes; the limit is %d", n, e.cfg.MaxNodes)
	}
	checked, iss := e.cel.Check(parsed)
	if iss.Err() != nil {
		return nil, issuesError(iss)
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		return nil, compileError(CodeInvalidExpression, Issue{Line: 1, Column: 1,
			Message: fmt.Sprintf("the expression is of type %s; a rule must be a bool", checked.OutputType())})
	}
	p := &Program{expr: expr}
	if err := e.inspect(checked.NativeRep(), opts, p); err != nil {
		return nil, err
	}
	popts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	est, err := e.cel.EstimateCost(checked, sizeEstimator{})
	if err != nil || est.Max > e.cfg.CostLimit {
		// The worst case is unknown or above the limit: measure and stop at the limit.
		popts = append(popts, cel.CostLimit(e.cfg.CostLimit))
		p.tracked = true
	}
	p.maxCost = est.Max
	prg, err := e.cel.Program(checked, popts...)
	if err != nil {
		return nil, failure.InvalidInput(CodeInvalidExpression, "the expression cannot be planned: %v", err)
	}
	p.prg = prg
	return p, nil
}

// inspect walks the checked expression for what the type checker cannot see: object
// construction, list names, constant windows and decimals.
func (e *Env) inspect(a *ast.AST, opts CompileOptions, p *Program) error {
	info := a.SourceInfo()
	var invalid, unknown []Issue
	at := func(id int64, format string, args ...any) Issue {
		loc := info.GetStartLocation(id)
		return Issue{Line: loc.Line(), Column: loc.Column() + 1, Message: fmt.Sprintf(format, args...)}
	}
	lists := map[string]bool{}
	ast.PreOrderVisit(a.Expr(), ast.NewExprVisitor(func(x ast.Expr) {
		switch x.Kind() {
		case ast.StructKind:
			invalid = append(invalid, at(x.ID(), "objects cannot be constructed in a rule"))
			return
		case ast.CallKind:
		default:
			return
		}
		call := x.AsCall()
		args := call.Args()
		switch fn := call.FunctionName(); {
		case fn == "list" && len(args) == 2:
			name, ok := stringLiteral(args[1])
			if !ok {
				invalid = append(invalid, at(x.ID(), "list() takes a list name in quotes, e.g. list(\"my-blocklist\")"))
				return
			}
			if opts.KnownLists != nil && !opts.KnownLists[name] {
				unknown = append(unknown, at(x.ID(), "there is no list named %q", name))
				return
			}
			lists[name] = true
		case fn == "decimal" && len(args) == 1:
			if s, ok := stringLiteral(args[0]); ok {
				d, err := parseDecimal(s)
				if err != nil {
					invalid = append(invalid, at(x.ID(), "decimal(%q): not an exact decimal", s))
					return
				}
				e.keepLiteral(d)
			}
		default:
			f, ok := aggByName(fn)
			if !ok || len(args) != 2 {
				return
			}
			w, ok := constantDuration(args[1])
			if !ok {
				return // checked at evaluation
			}
			if w < e.cfg.MinWindow || w > e.cfg.MaxWindow {
				invalid = append(invalid, at(x.ID(), "%s: window %s is outside %s..%s", aggNames[f], w, e.cfg.MinWindow, e.cfg.MaxWindow))
				return
			}
			p.windows = append(p.windows, VelocityCall{Function: aggNames[f], Window: w})
		}
	}))
	if len(invalid) > 0 {
		return compileError(CodeInvalidExpression, invalid...)
	}
	if len(unknown) > 0 {
		return compileError(CodeListNotFound, unknown...)
	}
	for name := range lists {
		p.lists = append(p.lists, name)
	}
	sort.Strings(p.lists)
	return nil
}

func stringLiteral(x ast.Expr) (string, bool) {
	if x.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := x.AsLiteral().(types.String)
	return string(s), ok
}

// constantDuration recognises duration("1h"), the one way a rule writes a constant window.
func constantDuration(x ast.Expr) (time.Duration, bool) {
	if x.Kind() != ast.CallKind || x.AsCall().FunctionName() != "duration" || len(x.AsCall().Args()) != 1 {
		return 0, false
	}
	s, ok := stringLiteral(x.AsCall().Args()[0])
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

func countNodes(a *ast.AST) int {
	n := 0
	ast.PostOrderVisit(a.Expr(), ast.NewExprVisitor(func(ast.Expr) { n++ }))
	return n
}

func issuesError(iss *cel.Issues) error {
	var out []Issue
	for _, e := range iss.Errors() {
		out = append(out, issue(e))
	}
	return compileError(CodeInvalidExpression, out...)
}

func issue(e *common.Error) Issue {
	msg := e.Message
	// The hidden first argument of velocity functions and list() is ours, not the rule's.
	msg = strings.ReplaceAll(msg, "rules.evaluation, ", "")
	msg = strings.ReplaceAll(msg, " (in container '')", "")
	line, col := e.Location.Line(), e.Location.Column()+1
	if line < 1 {
		line, col = 1, 1
	}
	return Issue{Line: line, Column: col, Message: msg}
}

// compileError reports the first issue (and how many more) in the message and all of them
// in the cause.
func compileError(code string, issues ...Issue) error {
	msg := issues[0].String()
	if len(issues) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(issues)-1)
	}
	return failure.InvalidInput(code, "%s", msg).Wrap(&CompileError{Issues: issues})
}
