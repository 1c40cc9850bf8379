package movements

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/rules"
	"github.com/chainfi/chainguard/shared/store"
)

// ruleCache keeps each tenant's compiled enabled rules and loaded lists while the
// tenant's rules head has not moved: a warm decision reads the head (one GetItem) and
// nothing else of the rules.
type ruleCache struct {
	mu      sync.Mutex
	tenants map[store.TenantID]*tenantRules
}

type tenantRules struct {
	generation int64
	rules      []rules.CompiledRule
	lists      map[string]loadedList
}

type loadedList struct {
	version string
	values  map[string]bool
}

func newRuleCache() *ruleCache { return &ruleCache{tenants: map[store.TenantID]*tenantRules{}} }

// tenantRules answers the tenant's current compiled rules and lists.
func (s *Service) tenantRules(ctx context.Context, t store.TenantID) (*tenantRules, error) {
	var head headItem
	if err := s.Store.Get(ctx, store.RulesHeadKey(t), &head); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	s.rules.mu.Lock()
	cur := s.rules.tenants[t]
	s.rules.mu.Unlock()
	if cur != nil && cur.generation == head.Generation {
		return cur, nil
	}
	env, err := s.env()
	if err != nil {
		return nil, err
	}
	rs, err := s.Rules(ctx, t)
	if err != nil {
		return nil, err
	}
	ls, err := s.listItems(ctx, t)
	if err != nil {
		return nil, err
	}
	next := &tenantRules{generation: head.Generation, lists: map[string]loadedList{}}
	for _, l := range ls {
		set := make(map[string]bool, len(l.Values))
		for _, v := range l.Values {
			set[v] = true
		}
		next.lists[l.Name] = loadedList{version: fmt.Sprint(l.ClientList.Version), values: set}
	}
	for _, r := range rs {
		if !r.Enabled {
			continue
		}
		cr, err := env.CompileRule(rules.Rule{ID: r.ID, Version: r.Version, Name: r.Name, Action: rules.Action(r.Action),
			Severity: rules.Severity(r.Severity), Enabled: true, Expression: r.Expression}, rules.CompileOptions{})
		if err != nil {
			// Stored rules compiled when they were saved; one that no longer does (a
			// newer engine) is skipped loudly rather than stopping every decision.
			s.Log.ErrorContext(ctx, "stored rule does not compile", "tenant", string(t), "ruleId", r.ID, "version", r.Version, "error", err.Error())
			continue
		}
		next.rules = append(next.rules, cr)
	}
	s.rules.mu.Lock()
	s.rules.tenants[t] = next
	s.rules.mu.Unlock()
	return next, nil
}

// Contains answers list membership from the loaded lists.
func (tr *tenantRules) Contains(_ context.Context, name, value string) (bool, string, error) {
	l, ok := tr.lists[name]
	if !ok {
		return false, "", fmt.Errorf("list %s does not exist", name)
	}
	return l.values[value], l.version, nil
}

// aggregates answers the rules' velocity functions for one party at one time from the
// velocity buckets, one Query per distinct window, cached for the evaluation. exclude
// takes the evaluated movement out (at ingestion it is already tallied).
type aggregates struct {
	s       *Service
	t       store.TenantID
	party   []string
	at      time.Time
	exclude *Movement
	newDest bool // the excluded movement's destination was new to the party
	mu      sync.Mutex
	windows map[time.Duration]Window
}

func (a *aggregates) window(ctx context.Context, w time.Duration) (Window, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if v, ok := a.windows[w]; ok {
		return v, nil
	}
	v, err := a.s.Velocity(ctx, a.t, a.party, w, a.at)
	if err != nil {
		return Window{}, err
	}
	if m := a.exclude; m != nil {
		v.OutCount--
		v.OutCents -= max(m.usdCents(), 0)
		if a.newDest && v.Destinations > 0 {
			v.Destinations--
		}
		// A party on both sides (a user moving between their own vaults) was tallied
		// as receiving it too.
		for _, ids := range partyIDs(m.Destination) {
			if slices.Equal(ids, a.party) {
				v.InCount--
				v.InCents -= max(m.usdCents(), 0)
			}
		}
	}
	if a.windows == nil {
		a.windows = map[time.Duration]Window{}
	}
	a.windows[w] = v
	return v, nil
}

func (a *aggregates) CountOut(ctx context.Context, w time.Duration) (int64, error) {
	v, err := a.window(ctx, w)
	return max(v.OutCount, 0), err
}
func (a *aggregates) CountIn(ctx context.Context, w time.Duration) (int64, error) {
	v, err := a.window(ctx, w)
	return max(v.InCount, 0), err
}
func (a *aggregates) SumOutUSD(ctx context.Context, w time.Duration) (float64, error) {
	v, err := a.window(ctx, w)
	return float64(max(v.OutCents, 0)) / 100, err
}
func (a *aggregates) SumInUSD(ctx context.Context, w time.Duration) (float64, error) {
	v, err := a.window(ctx, w)
	return float64(max(v.InCents, 0)) / 100, err
}
func (a *aggregates) DistinctDestinations(ctx context.Context, w time.Duration) (int64, error) {
	v, err := a.window(ctx, w)
	return int64(v.Destinations), err
}

func (m Movement) usdCents() int64 {
	if m.ValueUSD == "" {
		return -1
	}
	return cents(m.ValueUSD)
}

// ruleParty converts a stored party for the rules, with its sanctioned flag.
func ruleParty(p Party, sanctioned bool) rules.Party {
	rp := rules.Party{Type: p.Type, VaultID: p.VaultID, Chain: p.Chain, Address: p.AddressKey, UserID: p.UserID,
		Jurisdictions: p.Jurisdictions, RiskTier: p.RiskTier, Sanctioned: sanctioned}
	return rp
}

func ruleInput(m Movement, srcSanctioned, dstSanctioned bool) rules.Input {
	return rules.Input{
		Movement: rules.Movement{ID: m.ID, Kind: rules.Kind(m.Kind), Asset: m.Asset, Chain: m.Chain, Amount: m.Amount, ValueUSD: m.ValueUSD,
			OccurredAt: timeOf(m.OccurredAt), TxHash: m.TxHash},
		Source: ruleParty(m.Source, srcSanctioned), Destination: ruleParty(m.Destination, dstSanctioned),
	}
}

// sanctioned screens a party's address (vaults are ours: never on a list).
func (s *Service) sanctioned(ctx context.Context, p Party) (bool, string, error) {
	if p.Type != "address" {
		return false, "", nil
	}
	hit, err := s.screenAddress(ctx, Address{Chain: p.Chain, Bare: p.Address, Key: p.AddressKey})
	if err != nil {
		return false, "", err
	}
	return len(hit.Matches) > 0, hit.Version, nil
}

// Decision is a recorded pre-signing decision.
type Decision struct {
	ID          string `json:"id"`
	Outcome     string `json:"outcome"`
	MovementID  string `json:"movementId"` // the proposed movement's id
	CreatedAt   string `json:"createdAt"`
	ListVersion string `json:"sanctionsListVersion,omitempty"`
	rules.Decision
	LinkedMovements []string `json:"linkedMovements,omitempty"`
	RecordTruncated bool     `json:"recordTruncated,omitempty"`
}

type decisionItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	ID       string `dynamodbav:"decisionId"`
	Outcome  string `dynamodbav:"outcome"`
	Created  string `dynamodbav:"createdAt"`
	Body     string `dynamodbav:"body"` // the Decision as JSON (inputs, aggregates, versions)
}

func (decisionItem) EntityType() string { return "decision" }

// CheckInput is POST /v1/movements/check: a proposed movement (id optional, occurredAt
// defaults to now).
type CheckInput = Input

// Check evaluates the tenant's enabled rules on a proposed movement and records the
// decision with everything needed to replay and explain it.
func (s *Service) Check(ctx context.Context, t store.TenantID, by audit.Actor, in CheckInput) (Decision, error) {
	now := s.now()
	if in.ID == "" {
		in.ID = "proposal-" + strings.ToLower(store.NewID())
	}
	// A pre-signing decision is about now: velocity windows end at the check, whatever
	// time the proposal names.
	in.OccurredAt = store.FormatTime(now)
	c, err := Check(in, now)
	if err != nil {
		return Decision{}, err
	}
	r := newResolver(s, t)
	var src, dst Party
	var srcHit, dstHit bool
	var listVersion string
	var tr *tenantRules
	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Add(4)
	go func() { defer wg.Done(); src, errs[0] = r.party(ctx, c.src) }()
	go func() { defer wg.Done(); dst, errs[1] = r.party(ctx, c.dst) }()
	go func() {
		defer wg.Done()
		var v1, v2 string
		if srcHit, v1, errs[2] = s.sanctioned(ctx, c.src); errs[2] == nil {
			dstHit, v2, errs[2] = s.sanctioned(ctx, c.dst)
		}
		listVersion = max(v1, v2)
	}()
	go func() { defer wg.Done(); tr, errs[3] = s.tenantRules(ctx, t) }()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if f, ok := failure.As(errs[0]); ok {
			return Decision{}, f
		}
		if f, ok := failure.As(errs[1]); ok {
			return Decision{}, f
		}
		return Decision{}, err
	}
	m := Movement{ID: c.in.ID, Kind: c.in.Kind, Source: src, Destination: dst, Asset: c.in.Asset, Chain: c.in.Chain, Amount: c.in.Amount,
		ValueUSD: c.in.ValueUSD, OccurredAt: store.FormatTime(c.occurredAt), TxHash: c.in.TxHash}
	env, err := s.env()
	if err != nil {
		return Decision{}, err
	}
	agg := &aggregates{s: s, t: t, party: initiator(m), at: c.occurredAt}
	d, err := env.Evaluate(ctx, tr.rules, ruleInput(m, srcHit, dstHit), rules.Data{Aggregates: agg, Lists: tr})
	if err != nil {
		return Decision{}, err
	}
	out := Decision{ID: "dec_" + strings.ToLower(store.NewID()), Outcome: string(d.Outcome), MovementID: m.ID, CreatedAt: store.FormatTime(now),
		ListVersion: listVersion, Decision: d}
	body, err := encodeBody(out)
	if err != nil {
		return Decision{}, err
	}
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "movement.decided", Actor: by, Subject: audit.Subject{Type: "decision", ID: out.ID},
		Reason: out.Outcome, Details: map[string]string{"hits": fmt.Sprint(len(d.Hits)), "rules": fmt.Sprint(len(d.Rules)), "errors": fmt.Sprint(len(d.Errors))}},
		func(tx *store.Tx) {
			tx.Create(store.DecisionKey(t, out.ID), decisionItem{TenantID: string(t), ID: out.ID, Outcome: out.Outcome, Created: out.CreatedAt, Body: body})
		})
	if err != nil {
		return Decision{}, err
	}
	return out, nil
}

var errDecisionNotFound = failure.Missing("decision_not_found", "no such decision")

// GetDecision answers a recorded decision with the movements logged with it.
func (s *Service) GetDecision(ctx context.Context, t store.TenantID, id string) (Decision, error) {
	if !decisionIDPatt.MatchString(id) {
		return Decision{}, errDecisionNotFound
	}
	page, err := s.Store.Query(ctx, store.QueryInput{PK: store.DecisionKey(t, id).PK, Tenant: t, Limit: store.MaxLimit})
	if err != nil {
		return Decision{}, err
	}
	var out *Decision
	var linked []string
	for _, raw := range page.Items {
		var probe struct {
			store.Meta
			TenantID string `dynamodbav:"tenantId"`
		}
		if err := store.Unmarshal(raw, &probe); err != nil || probe.TenantID != string(t) {
			continue
		}
		if probe.SK == "DECISION" {
			var it decisionItem
			if err := store.Unmarshal(raw, &it); err != nil {
				return Decision{}, err
			}
			var d Decision
			if err := decodeBody(it.Body, &d); err != nil {
				return Decision{}, err
			}
			out = &d
		} else if probe.SK == "MOVEMENT" {
			var li decisionLinkItem
			if err := store.Unmarshal(raw, &li); err == nil {
				linked = append(linked, li.MovementID)
			}
		}
	}
	if out == nil {
		return Decision{}, errDecisionNotFound
	}
	out.LinkedMovements = linked
	return *out, nil
}

// DecisionValidity is how long after a decision a movement may cite it.
const DecisionValidity = 24 * time.Hour

// checkDecision: a movement may cite only a recent decision of its tenant about the same
// movement (kind, asset, chain, amount, source and destination).
func (s *Service) checkDecision(ctx context.Context, t store.TenantID, id string, m Movement, now time.Time) error {
	var it decisionItem
	if err := s.Store.Get(ctx, store.DecisionKey(t, id), &it); err != nil || it.TenantID != string(t) {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return invalid("unknown_decision", "decisionId %s is not a decision of yours", id)
		}
		return err
	}
	var d Decision
	if err := decodeBody(it.Body, &d); err != nil {
		return err
	}
	if now.Sub(timeOf(d.CreatedAt)) > DecisionValidity {
		return failure.Conflicting("decision_expired", "decision %s is more than %s old: check the movement again", id, DecisionValidity)
	}
	in := d.Input
	same := string(in.Movement.Kind) == m.Kind && in.Movement.Asset == m.Asset && in.Movement.Chain == m.Chain &&
		sameAmount(in.Movement.Amount, m.Amount) && sameParty(in.Source, m.Source) && sameParty(in.Destination, m.Destination)
	if !same {
		return failure.Conflicting("decision_mismatch", "decision %s was about another movement (kind, asset, chain, amount, source or destination differ)", id)
	}
	return nil
}

func sameParty(p rules.Party, q Party) bool {
	return p.Type == q.Type && p.VaultID == q.VaultID && p.Chain == q.Chain && p.Address == q.AddressKey
}

// sameAmount compares exact decimals ("10" and "10.00" are the same amount).
func sameAmount(a, b string) bool {
	norm := func(s string) string {
		if strings.Contains(s, ".") {
			s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		}
		return s
	}
	return norm(a) == norm(b)
}

// Evaluation is what the rules said of a logged movement at ingestion.
type Evaluation struct {
	MovementID string   `json:"movementId"`
	Outcome    string   `json:"outcome"`
	AlertIDs   []string `json:"alertIds,omitempty"`
	ReviewIDs  []string `json:"reviewIds,omitempty"`
	rules.Decision
	RecordTruncated bool `json:"recordTruncated,omitempty"`
}

type evaluationItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Outcome  string `dynamodbav:"outcome"`
	Hits     int    `dynamodbav:"hits"`
	Body     string `dynamodbav:"body"`
	At       string `dynamodbav:"at"`
}

func (evaluationItem) EntityType() string { return "movement_evaluation" }

func evaluationKey(t store.TenantID, movementID string) store.Key {
	return store.Key{PK: store.MovementPK(t, movementID), SK: "EVAL"}
}

// Process runs the tenant's rules and the platform's detectors on a logged movement (the
// movement.logged consumer). Rule hits become alerts for the users involved and a
// movement.flagged event; signals open platform reviews. It is idempotent: a redelivered
// movement finds its evaluation stored and only completes what is missing.
func (s *Service) Process(ctx context.Context, t store.TenantID, movementID string) (Evaluation, error) {
	var it movementItem
	if err := s.Store.Get(ctx, store.MovementKey(t, movementID), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Evaluation{}, errMovementNotFound
		}
		return Evaluation{}, err
	}
	m := it.Movement
	var ev Evaluation
	var stored evaluationItem
	err := s.Store.Get(ctx, evaluationKey(t, m.ID), &stored)
	switch {
	case err == nil:
		if err := decodeBody(stored.Body, &ev); err != nil {
			return Evaluation{}, err
		}
	case errors.Is(err, store.ErrNotFound):
		if ev, err = s.evaluate(ctx, t, m); err != nil {
			return Evaluation{}, err
		}
	default:
		return Evaluation{}, err
	}
	// Alerts: one per (user, rule), evidence per movement (shared/alerts).
	if s.Alerts != nil && len(ev.Hits) > 0 {
		for _, u := range involvedUsers(m) {
			for _, h := range ev.Hits {
				res, err := s.Alerts.Raise(ctx, alerts.Finding{Tenant: t, UserID: u, ListSource: "RULES", EntityID: h.RuleID,
					EntityHash: shortHash(h.RuleID, fmt.Sprint(h.Version)), SubjectHash: shortHash("movement", m.ID),
					Kind: alerts.KindRule, Outcome: ruleOutcome(string(h.Action)), Score: severityScore(string(h.Severity)),
					ListVersion: fmt.Sprintf("RULEV%d@%s", h.Version, shortHash(h.RuleID)[:12]), ScreeningID: m.ID,
					Reasons: []string{"rule_hit", "action_" + string(h.Action), "severity_" + string(h.Severity)}, FoundAt: timeOf(m.LoggedAt)})
				if err != nil {
					return ev, err
				}
				ev.AlertIDs = appendOnce(ev.AlertIDs, res.AlertID)
			}
		}
	}
	reviews, err := s.detect(ctx, t, m)
	ev.ReviewIDs = reviews
	return ev, err
}

// evaluate runs the rules at ingestion and stores the evaluation with its event.
func (s *Service) evaluate(ctx context.Context, t store.TenantID, m Movement) (Evaluation, error) {
	tr, err := s.tenantRules(ctx, t)
	if err != nil {
		return Evaluation{}, err
	}
	env, err := s.env()
	if err != nil {
		return Evaluation{}, err
	}
	srcHit, _, err := s.sanctioned(ctx, m.Source)
	if err != nil {
		return Evaluation{}, err
	}
	dstHit, _, err := s.sanctioned(ctx, m.Destination)
	if err != nil {
		return Evaluation{}, err
	}
	at := timeOf(m.OccurredAt)
	newDest := false
	var d dstItem
	if err := s.Store.Get(ctx, store.Key{PK: store.DestinationPK(t, initiator(m)...), SK: destHash(m.Destination)}, &d); err == nil {
		newDest = d.FirstSeenAt == m.OccurredAt
	}
	agg := &aggregates{s: s, t: t, party: initiator(m), at: at, exclude: &m, newDest: newDest}
	dec, err := env.Evaluate(ctx, tr.rules, ruleInput(m, srcHit, dstHit), rules.Data{Aggregates: agg, Lists: tr})
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{MovementID: m.ID, Outcome: string(dec.Outcome), Decision: dec}
	body, err := encodeBody(ev)
	if err != nil {
		return Evaluation{}, err
	}
	now := s.now()
	tx := s.Store.Tx()
	tx.Create(evaluationKey(t, m.ID), evaluationItem{TenantID: string(t), Outcome: ev.Outcome, Hits: len(dec.Hits), Body: body, At: store.FormatTime(now)})
	if len(dec.Hits) > 0 {
		hits := make([]map[string]any, 0, len(dec.Hits))
		for _, h := range dec.Hits {
			hits = append(hits, map[string]any{"ruleId": h.RuleID, "version": h.Version, "action": string(h.Action), "severity": string(h.Severity)})
		}
		data := map[string]any{"movementId": m.ID, "outcome": ev.Outcome, "hits": hits, "occurredAt": m.OccurredAt}
		if users := involvedUsers(m); len(users) > 0 {
			data["userIds"] = users
		}
		e, err := events.New(EventFlagged, string(t), data, now)
		if err != nil {
			return Evaluation{}, err
		}
		events.Stage(tx, e)
	}
	if err := tx.Exec(ctx); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			var stored evaluationItem
			if gerr := s.Store.Get(ctx, evaluationKey(t, m.ID), &stored); gerr == nil {
				var prev Evaluation
				if decodeBody(stored.Body, &prev) == nil {
					return prev, nil
				}
			}
		}
		return Evaluation{}, err
	}
	return ev, nil
}

type dstItem struct {
	store.Meta
	FirstSeenAt string `dynamodbav:"firstSeenAt"`
}

// GetEvaluation answers what the rules said of a logged movement (404 until processed).
func (s *Service) GetEvaluation(ctx context.Context, t store.TenantID, movementID string) (Evaluation, error) {
	if !idPattern.MatchString(movementID) {
		return Evaluation{}, errMovementNotFound
	}
	var it evaluationItem
	if err := s.Store.Get(ctx, evaluationKey(t, movementID), &it); err != nil || it.TenantID != string(t) {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return Evaluation{}, failure.Missing("evaluation_not_found", "the movement has not been evaluated yet")
		}
		return Evaluation{}, err
	}
	var ev Evaluation
	return ev, decodeBody(it.Body, &ev)
}

func ruleOutcome(action string) string {
	if action == "block" {
		return alerts.OutcomeMatch
	}
	return alerts.OutcomePotentialMatch
}

func severityScore(sev string) float64 {
	switch sev {
	case "critical":
		return 1
	case "high":
		return 0.75
	case "medium":
		return 0.5
	}
	return 0.25
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// trimmed drops what a too-large record can lose: the per-hit copies of aggregates and
// list answers, and the list answers themselves (the aggregates and versions stay).
func trimmed(d rules.Decision) rules.Decision {
	hits := make([]rules.Hit, len(d.Hits))
	for i, h := range d.Hits {
		h.Aggregates, h.ListChecks = nil, nil
		hits[i] = h
	}
	d.Hits, d.ListChecks = hits, nil
	return d
}
