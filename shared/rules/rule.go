package rules

import (
	"strings"
	"unicode"

	"github.com/chainfi/chainguard/shared/failure"
)

// Action is what a hit of the rule asks for.
type Action string

// The actions. An alert is reported and does not change the outcome.
const (
	ActionAlert  Action = "alert"
	ActionReview Action = "review"
	ActionBlock  Action = "block"
)

// Valid reports whether a is an action.
func (a Action) Valid() bool { return a == ActionAlert || a == ActionReview || a == ActionBlock }

// Severity grades a rule for the client's triage; it does not change the outcome.
type Severity string

// The severities.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Valid reports whether s is a severity.
func (s Severity) Valid() bool {
	switch s {
	case SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

// Rule is one version of a client rule. A change is a new Version; the decision records
// the versions it ran, so old versions must be kept to replay it.
type Rule struct {
	ID         string   `json:"id"`
	Version    int      `json:"version"`
	Name       string   `json:"name"`
	Action     Action   `json:"action"`
	Severity   Severity `json:"severity"`
	Enabled    bool     `json:"enabled"`
	Expression string   `json:"expression"`
}

// Limits of the rule metadata.
const (
	MaxRuleIDBytes   = 128
	MaxRuleNameRunes = 200
)

// Validate checks the metadata (the expression is Compile's business). Codes:
// invalid_rule_id, invalid_rule_version, invalid_rule_name, invalid_action,
// invalid_severity.
func (r Rule) Validate() error {
	switch {
	case r.ID == "" || len(r.ID) > MaxRuleIDBytes || strings.IndexFunc(r.ID, unicode.IsSpace) >= 0:
		return failure.InvalidInput("invalid_rule_id", "a rule id is 1 to %d bytes without spaces", MaxRuleIDBytes)
	case r.Version < 1:
		return failure.InvalidInput("invalid_rule_version", "a rule version starts at 1, got %d", r.Version)
	case strings.TrimSpace(r.Name) == "" || len([]rune(r.Name)) > MaxRuleNameRunes || strings.IndexFunc(r.Name, unicode.IsControl) >= 0:
		return failure.InvalidInput("invalid_rule_name", "a rule name is 1 to %d characters, no control characters", MaxRuleNameRunes)
	case !r.Action.Valid():
		return failure.InvalidInput("invalid_action", "action %q is not one of alert, review, block", r.Action)
	case !r.Severity.Valid():
		return failure.InvalidInput("invalid_severity", "severity %q is not one of low, medium, high, critical", r.Severity)
	}
	return nil
}

// CompiledRule is a rule with its program, ready for Evaluate; build it once per rule
// version and share it.
type CompiledRule struct {
	Rule
	Program *Program
}

// CompileRule validates the metadata and compiles the expression.
func (e *Env) CompileRule(r Rule, opts CompileOptions) (CompiledRule, error) {
	if err := r.Validate(); err != nil {
		return CompiledRule{}, err
	}
	p, err := e.Compile(r.Expression, opts)
	if err != nil {
		return CompiledRule{}, err
	}
	return CompiledRule{Rule: r, Program: p}, nil
}
