package movements

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/rules"
	"github.com/chainfi/chainguard/shared/store"
)

// Rule actions and severities.
var (
	ruleActions    = []string{"alert", "review", "block"}
	ruleSeverities = []string{"low", "medium", "high", "critical"}
)

// MaxRules is how many rules a tenant may have (enabled or not).
const MaxRules = 200

// RuleInput is POST /v1/rules and PUT /v1/rules/{id}.
type RuleInput struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Expression  string `json:"expression"`
	Action      string `json:"action"`
	Severity    string `json:"severity"`
	Enabled     *bool  `json:"enabled"`
}

// Rule is a client rule at one version.
type Rule struct {
	ID          string `json:"id" dynamodbav:"ruleId"`
	Version     int    `json:"version" dynamodbav:"ruleVersion"`
	Name        string `json:"name" dynamodbav:"name"`
	Description string `json:"description" dynamodbav:"description"`
	Expression  string `json:"expression" dynamodbav:"expression"`
	Action      string `json:"action" dynamodbav:"action"`
	Severity    string `json:"severity" dynamodbav:"severity"`
	Enabled     bool   `json:"enabled" dynamodbav:"enabled"`
	CreatedAt   string `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt   string `json:"updatedAt" dynamodbav:"updatedAt"`
	UpdatedBy   string `json:"updatedBy" dynamodbav:"updatedBy"`
}

type ruleItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Rule
}

func (ruleItem) EntityType() string { return "rule" }

type ruleVersionItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Rule
}

func (ruleVersionItem) EntityType() string { return "rule_version" }

// headItem moves with every change of a tenant's rules or lists: a warm function reads it
// (one GetItem) to know whether its compiled rules and loaded lists are current.
type headItem struct {
	store.Meta
	TenantID   string `dynamodbav:"tenantId"`
	Generation int64  `dynamodbav:"generation"`
}

func (headItem) EntityType() string { return "rules_head" }

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,79}$`)

func (in RuleInput) validate() error {
	switch {
	case !namePattern.MatchString(in.Name):
		return invalid("invalid_name", "name is 1 to 80 letters, digits, spaces and . _ : -")
	case utf8.RuneCountInString(in.Description) > 1000 || !cleanText(in.Description, true):
		return invalid("invalid_description", "description is at most 1,000 characters of text, without control or direction characters")
	case !slices.Contains(ruleActions, in.Action):
		return invalid("invalid_action", "action is alert, review or block")
	case !slices.Contains(ruleSeverities, in.Severity):
		return invalid("invalid_severity", "severity is low, medium, high or critical")
	}
	return nil
}

func ruleVersionSK(v int) string { return fmt.Sprintf("%06d", v) }

var errRuleNotFound = failure.Missing("rule_not_found", "no such rule")

// compile checks an expression against the tenant's lists.
func (s *Service) compile(ctx context.Context, t store.TenantID, expr string) (*rules.Program, error) {
	env, err := s.env()
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	ls, err := s.ListLists(ctx, t)
	if err != nil {
		return nil, err
	}
	for _, l := range ls {
		known[l.Name] = true
	}
	return env.Compile(expr, rules.CompileOptions{KnownLists: known})
}

var (
	envOnce sync.Once
	envVal  *rules.Env
	envErr  error
)

// env is the process's rules environment (built once: it is the expensive part).
func (s *Service) env() (*rules.Env, error) {
	envOnce.Do(func() { envVal, envErr = rules.NewEnv(rules.Config{MaxWindow: MaxWindow, MinWindow: MinWindow}) })
	return envVal, envErr
}

// CreateRule checks and stores a new rule at version 1.
func (s *Service) CreateRule(ctx context.Context, t store.TenantID, by audit.Actor, in RuleInput) (Rule, error) {
	if err := in.validate(); err != nil {
		return Rule{}, err
	}
	if _, err := s.compile(ctx, t, in.Expression); err != nil {
		return Rule{}, err
	}
	existing, err := s.Rules(ctx, t)
	if err != nil {
		return Rule{}, err
	}
	if len(existing) >= MaxRules {
		return Rule{}, failure.Conflicting("too_many_rules", "a tenant has at most %d rules; delete one first", MaxRules)
	}
	at := store.FormatTime(s.now())
	r := Rule{ID: "rul_" + strings.ToLower(store.NewID()), Version: 1, Name: in.Name, Description: in.Description, Expression: in.Expression,
		Action: in.Action, Severity: in.Severity, Enabled: in.Enabled == nil || *in.Enabled, CreatedAt: at, UpdatedAt: at, UpdatedBy: actorRef(by)}
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "rule.created", Actor: by, Subject: audit.Subject{Type: "rule", ID: r.ID},
		Details: map[string]string{"version": "1", "action": r.Action, "enabled": fmt.Sprint(r.Enabled)}}, func(tx *store.Tx) {
		tx.Create(store.RuleKey(t, r.ID), ruleItem{TenantID: string(t), Rule: r})
		tx.Create(store.RuleVersionKey(t, r.ID, ruleVersionSK(1)), ruleVersionItem{TenantID: string(t), Rule: r})
		bumpHead(tx, t)
	})
	return r, err
}

func bumpHead(tx *store.Tx, t store.TenantID) {
	tx.Tally(store.RulesHeadKey(t), store.Tally{Entity: "rules_head", Add: map[string]int64{"generation": 1}, SetAbsent: map[string]string{"tenantId": string(t)}})
}

// GetRule answers a rule's current version.
func (s *Service) GetRule(ctx context.Context, t store.TenantID, id string) (Rule, error) {
	it, err := s.ruleItem(ctx, t, id)
	return it.Rule, err
}

func (s *Service) ruleItem(ctx context.Context, t store.TenantID, id string) (ruleItem, error) {
	if !store.ValidID(id) || !strings.HasPrefix(id, "rul_") {
		return ruleItem{}, errRuleNotFound
	}
	var it ruleItem
	if err := s.Store.Get(ctx, store.RuleKey(t, id), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ruleItem{}, errRuleNotFound
		}
		return ruleItem{}, err
	}
	if it.TenantID != string(t) {
		return ruleItem{}, errRuleNotFound
	}
	return it, nil
}

// UpdateRule stores a new version of a rule (the old ones are kept). expectedVersion,
// when not zero, must be the current version (If-Match).
func (s *Service) UpdateRule(ctx context.Context, t store.TenantID, by audit.Actor, id string, expectedVersion int, in RuleInput) (Rule, error) {
	if err := in.validate(); err != nil {
		return Rule{}, err
	}
	cur, err := s.ruleItem(ctx, t, id)
	if err != nil {
		return Rule{}, err
	}
	if _, err := s.compile(ctx, t, in.Expression); err != nil {
		return Rule{}, err
	}
	enabled := cur.Enabled
	if in.Enabled != nil {
		enabled = *in.Enabled
	}
	return s.newVersion(ctx, t, by, cur, expectedVersion, "rule.updated", func(r *Rule) {
		r.Name, r.Description, r.Expression, r.Action, r.Severity, r.Enabled = in.Name, in.Description, in.Expression, in.Action, in.Severity, enabled
	})
}

// DisableRule disables a rule (a new version); rules are never deleted, since decisions
// name their versions.
func (s *Service) DisableRule(ctx context.Context, t store.TenantID, by audit.Actor, id string) (Rule, error) {
	cur, err := s.ruleItem(ctx, t, id)
	if err != nil {
		return Rule{}, err
	}
	if !cur.Enabled {
		return cur.Rule, nil
	}
	return s.newVersion(ctx, t, by, cur, 0, "rule.disabled", func(r *Rule) { r.Enabled = false })
}

func (s *Service) newVersion(ctx context.Context, t store.TenantID, by audit.Actor, cur ruleItem, expected int, action string, change func(*Rule)) (Rule, error) {
	if expected != 0 && expected != cur.Rule.Version {
		return Rule{}, failure.Conflicting("version_mismatch", "the rule is at version %d, not %d; read it again", cur.Rule.Version, expected)
	}
	next := cur.Rule
	change(&next)
	next.Version = cur.Rule.Version + 1
	next.UpdatedAt, next.UpdatedBy = store.FormatTime(s.now()), actorRef(by)
	_, err := s.Audit.Commit(ctx, t, audit.Record{Action: action, Actor: by, Subject: audit.Subject{Type: "rule", ID: next.ID},
		Details: map[string]string{"version": fmt.Sprint(next.Version), "action": next.Action, "enabled": fmt.Sprint(next.Enabled)}}, func(tx *store.Tx) {
		tx.Update(store.RuleKey(t, next.ID), cur.Meta.Version, ruleItem{TenantID: string(t), Rule: next})
		tx.Create(store.RuleVersionKey(t, next.ID, ruleVersionSK(next.Version)), ruleVersionItem{TenantID: string(t), Rule: next})
		bumpHead(tx, t)
	})
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrAlreadyExists) {
		return Rule{}, failure.Conflicting("rule_changed", "the rule changed meanwhile; read it again")
	}
	return next, err
}

// Rules lists the tenant's rules at their current versions.
func (s *Service) Rules(ctx context.Context, t store.TenantID) ([]Rule, error) {
	var out []Rule
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.RulesPK(t), SKPrefix: "R#", Tenant: t, Limit: store.MaxLimit},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var it ruleItem
				if err := store.Unmarshal(raw, &it); err != nil {
					return false, err
				}
				if it.TenantID == string(t) {
					out = append(out, it.Rule)
				}
			}
			return true, nil
		})
	return out, err
}

// RuleVersions lists a rule's versions, newest first.
func (s *Service) RuleVersions(ctx context.Context, t store.TenantID, id string) ([]Rule, error) {
	if _, err := s.ruleItem(ctx, t, id); err != nil {
		return nil, err
	}
	var out []Rule
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.RuleVersionsPK(t, id), Tenant: t, Limit: store.MaxLimit, Descending: true},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var it ruleVersionItem
				if err := store.Unmarshal(raw, &it); err != nil {
					return false, err
				}
				out = append(out, it.Rule)
			}
			return true, nil
		})
	return out, err
}

// ruleVersion reads one version of a rule.
func (s *Service) ruleVersion(ctx context.Context, t store.TenantID, id string, v int) (Rule, error) {
	var it ruleVersionItem
	if err := s.Store.Get(ctx, store.RuleVersionKey(t, id, ruleVersionSK(v)), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Rule{}, errRuleNotFound
		}
		return Rule{}, err
	}
	return it.Rule, nil
}
