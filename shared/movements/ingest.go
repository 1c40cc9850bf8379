package movements

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Event types.
const (
	EventLogged  = "movement.logged"
	EventFlagged = "movement.flagged"
)

// Result is the answer for one movement of a POST /v1/movements.
type Result struct {
	ID       string    `json:"id"`
	Status   string    `json:"status"` // logged, replayed or error
	Movement *Movement `json:"movement,omitempty"`
	Error    *ItemErr  `json:"error,omitempty"`
	err      error
}

// ItemErr is one movement's refusal in a batch.
type ItemErr struct {
	Status  int    `json:"status"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Statuses of a Result.
const (
	StatusLogged   = "logged"
	StatusReplayed = "replayed"
	StatusError    = "error"
)

// movementItem is a stored movement. Items are only ever created: there is no update or
// delete path in the code, and a correction is a new record.
type movementItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Movement
	BodyHash   string `dynamodbav:"bodyHash"`
	USDCents   int64  `dynamodbav:"usdCents"` // -1: no valueUsd
	ContextEnc string `dynamodbav:"contextEnc,omitempty"`
}

func (movementItem) EntityType() string { return "movement" }

func (m movementItem) Indexes() store.Indexes {
	at := timeOf(m.OccurredAt)
	return store.Indexes{GSI1: store.Key{PK: store.MovementsByDayPK(store.TenantID(m.TenantID), at), SK: store.TimeSK(at, m.ID)}}
}

// refItem is a party's copy of a movement (without the encrypted context), so that a
// listing by user, vault or address is one Query.
type refItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Movement
	USDCents int64 `dynamodbav:"usdCents"`
}

func (refItem) EntityType() string { return "movement_ref" }

type correctionItem struct {
	store.Meta
	TenantID     string `dynamodbav:"tenantId"`
	CorrectionID string `dynamodbav:"correctionId"`
	At           string `dynamodbav:"at"`
}

func (correctionItem) EntityType() string { return "movement_correction" }

type decisionLinkItem struct {
	store.Meta
	TenantID   string `dynamodbav:"tenantId"`
	MovementID string `dynamodbav:"movementId"`
	At         string `dynamodbav:"at"`
}

func (decisionLinkItem) EntityType() string { return "decision_movement" }

// LogMovements records movements: each on its own, in order of the answer. A batch is at most
// MaxBatch movements; an item's refusal does not stop the others.
func (s *Service) LogMovements(ctx context.Context, t store.TenantID, by audit.Actor, ins []Input) []Result {
	out := make([]Result, len(ins))
	r := newResolver(s, t)
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(s.Workers, len(ins)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i] = s.logOne(ctx, t, r, ins[i], nil)
			}
		}()
	}
	for i := range ins {
		work <- i
	}
	close(work)
	wg.Wait()
	return out
}

// Correct records in as a correction of the movement id: a new record that points at
// the one it corrects (which is never changed).
func (s *Service) Correct(ctx context.Context, t store.TenantID, by audit.Actor, id string, in Input) (Result, error) {
	if !idPattern.MatchString(id) {
		return Result{}, errMovementNotFound
	}
	var orig movementItem
	if err := s.Store.Get(ctx, store.MovementKey(t, id), &orig); err != nil || orig.TenantID != string(t) {
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return Result{}, errMovementNotFound
		}
		return Result{}, err
	}
	if in.ID == id {
		return Result{}, invalid("invalid_id", "a correction is a new record: give it its own id")
	}
	res := s.logOne(ctx, t, newResolver(s, t), in, &orig.Movement)
	return res, res.err
}

var errMovementNotFound = failure.Missing("movement_not_found", "no such movement")

// itemErr is a movement's refusal as a batch answer shows it.
func itemErr(err error) *ItemErr {
	if f, ok := failure.As(err); ok {
		status := map[failure.Kind]int{failure.Invalid: 400, failure.NotFound: 404, failure.Conflict: 409, failure.Unprocessable: 422}[f.Kind]
		if status != 0 {
			return &ItemErr{Status: status, Code: f.Code, Message: f.Message}
		}
	}
	return &ItemErr{Status: 500, Code: "internal_error", Message: "the movement was not logged; retry it"}
}

func (s *Service) logOne(ctx context.Context, t store.TenantID, r *resolver, in Input, corrects *Movement) Result {
	res := Result{ID: in.ID, Status: StatusError}
	now := s.now()
	c, err := Check(in, now)
	if err != nil {
		res.Error, res.err = itemErr(err), err
		return res
	}
	if corrects != nil {
		c.bodyHash = hashInput(c.in, corrects.ID)
	}
	var stored Movement
	var replayed bool
	err = retry(ctx, func() error {
		var err error
		stored, replayed, err = s.write(ctx, t, r, c, corrects, now)
		return err
	})
	if err != nil {
		if _, ok := failure.As(err); !ok {
			s.Log.ErrorContext(ctx, "movement not logged", "tenant", string(t), "movementId", in.ID, "error", err.Error())
		}
		res.Error, res.err = itemErr(err), err
		return res
	}
	res.Status, res.Movement = StatusLogged, &stored
	if replayed {
		res.Status = StatusReplayed
	}
	return res
}

// write stores one checked movement: the record, a copy per party, the velocity tallies,
// the decision and correction pointers and the movement.logged event, in one transaction.
// A movement id already stored answers the stored record when the body is the same, and
// 409 movement_id_conflict when it is not.
func (s *Service) write(ctx context.Context, t store.TenantID, r *resolver, c checked, orig *Movement, now time.Time) (Movement, bool, error) {
	corrects := ""
	if orig != nil {
		corrects = orig.ID
	}
	src, err := r.party(ctx, c.src)
	if err != nil {
		return Movement{}, false, err
	}
	dst, err := r.party(ctx, c.dst)
	if err != nil {
		return Movement{}, false, err
	}
	in := c.in
	m := Movement{ID: in.ID, Kind: in.Kind, Source: src, Destination: dst, Asset: in.Asset, Chain: in.Chain, Amount: in.Amount,
		ValueUSD: in.ValueUSD, OccurredAt: store.FormatTime(c.occurredAt), LoggedAt: store.FormatTime(now), TxHash: in.TxHash,
		DecisionID: in.DecisionID, Corrects: corrects}
	item := movementItem{TenantID: string(t), Movement: m, BodyHash: c.bodyHash, USDCents: c.usdCents}
	if in.InitiatedBy != nil || len(in.ApprovalPath) > 0 {
		if item.ContextEnc, err = s.seal(ctx, t, in.ID, PurposeContext, movementContext{InitiatedBy: in.InitiatedBy, ApprovalPath: in.ApprovalPath}); err != nil {
			return Movement{}, false, err
		}
	}
	if in.DecisionID != "" {
		if err := s.checkDecision(ctx, t, in.DecisionID, m, now); err != nil {
			return Movement{}, false, err
		}
	}
	tx := s.Store.Tx()
	tx.Create(store.MovementKey(t, m.ID), item)
	ref := refItem{TenantID: string(t), Movement: m, USDCents: c.usdCents}
	for _, pk := range refPartitions(t, m) {
		tx.Create(store.MovementRefKey(pk, c.occurredAt, m.ID), ref)
	}
	stageTallies(tx, t, m, c.usdCents, now, orig)
	if corrects != "" {
		tx.Create(store.MovementCorrectionKey(t, corrects), correctionItem{TenantID: string(t), CorrectionID: m.ID, At: m.LoggedAt})
	}
	if in.DecisionID != "" {
		tx.Create(store.DecisionMovementKey(t, in.DecisionID), decisionLinkItem{TenantID: string(t), MovementID: m.ID, At: m.LoggedAt})
	}
	ev, err := events.New(EventLogged, string(t), loggedData(m), now)
	if err != nil {
		return Movement{}, false, err
	}
	events.Stage(tx, ev)
	err = tx.Exec(ctx)
	if err == nil {
		return m, false, nil
	}
	var te *store.TxError
	if errors.As(err, &te) && errors.Is(err, store.ErrAlreadyExists) {
		switch {
		case te.Key == store.MovementKey(t, m.ID):
			return s.replay(ctx, t, c)
		case corrects != "" && te.Key == store.MovementCorrectionKey(t, corrects):
			var ci correctionItem
			if gerr := s.Store.Get(ctx, te.Key, &ci); gerr == nil && ci.CorrectionID == m.ID {
				return s.replay(ctx, t, c)
			} else if gerr == nil {
				return Movement{}, false, failure.Conflicting("already_corrected", "movement %s was already corrected by %s: correct that record instead", corrects, ci.CorrectionID)
			}
		case in.DecisionID != "" && te.Key == store.DecisionMovementKey(t, in.DecisionID):
			var li decisionLinkItem
			if gerr := s.Store.Get(ctx, te.Key, &li); gerr == nil && li.MovementID == m.ID {
				return s.replay(ctx, t, c)
			} else if gerr == nil {
				return Movement{}, false, failure.Conflicting("decision_already_used", "decision %s was already used by movement %s: a decision covers one movement", in.DecisionID, li.MovementID)
			}
		}
	}
	return Movement{}, false, err
}

func (s *Service) replay(ctx context.Context, t store.TenantID, c checked) (Movement, bool, error) {
	var cur movementItem
	if err := s.Store.Get(ctx, store.MovementKey(t, c.in.ID), &cur); err != nil {
		return Movement{}, false, err
	}
	if cur.BodyHash != c.bodyHash || cur.TenantID != string(t) {
		return Movement{}, false, failure.Conflicting("movement_id_conflict", "a movement with this id was logged with another body; movements are immutable: log a correction")
	}
	return cur.Movement, true, nil
}

type movementContext struct {
	InitiatedBy  *Initiator `json:"initiatedBy,omitempty"`
	ApprovalPath []Approval `json:"approvalPath,omitempty"`
}

// refPartitions are the partitions a movement is listed under: each side's user, vault
// or address (a party once, even when both sides share it).
func refPartitions(t store.TenantID, m Movement) []string {
	var out []string
	seen := map[string]bool{}
	add := func(pk string) {
		if !seen[pk] {
			seen[pk] = true
			out = append(out, pk)
		}
	}
	for _, p := range []Party{m.Source, m.Destination} {
		if p.UserID != "" {
			add(store.UserMovementsPK(t, p.UserID))
		}
		if p.Type == "vault" {
			add(store.VaultMovementsPK(t, p.VaultID))
		} else {
			add(store.AddressMovementsPK(t, p.Chain, p.AddressKey))
		}
	}
	return out
}

// loggedData is movement.logged's data: references, amounts and addresses (pseudonymous
// chain data the client's own rules engine needs), never the initiator or approvers.
func loggedData(m Movement) map[string]any {
	side := func(p Party) map[string]any {
		d := map[string]any{"type": p.Type}
		if p.VaultID != "" {
			d["vaultId"] = p.VaultID
		}
		if p.Address != "" {
			d["chain"], d["address"] = p.Chain, p.Address
		}
		if p.UserID != "" {
			d["userId"] = p.UserID
		}
		if len(p.Jurisdictions) > 0 {
			d["jurisdictions"] = p.Jurisdictions
		}
		return d
	}
	d := map[string]any{"movementId": m.ID, "kind": m.Kind, "asset": m.Asset, "chain": m.Chain, "amount": m.Amount,
		"occurredAt": m.OccurredAt, "source": side(m.Source), "destination": side(m.Destination)}
	if m.ValueUSD != "" {
		d["valueUsd"] = m.ValueUSD
	}
	if m.TxHash != "" {
		d["txHash"] = m.TxHash
	}
	if m.Corrects != "" {
		d["corrects"] = m.Corrects
	}
	if m.DecisionID != "" {
		d["decisionId"] = m.DecisionID
	}
	return d
}

// resolver enriches parties with the users the mappings name, caching per batch.
type resolver struct {
	s     *Service
	t     store.TenantID
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

func newResolver(s *Service, t store.TenantID) *resolver {
	return &resolver{s: s, t: t, calls: map[string]*call{}}
}

// once runs fn once per key within the batch (concurrent callers wait for the first).
func (r *resolver) once(key string, fn func() (any, error)) (any, error) {
	r.mu.Lock()
	if c, ok := r.calls[key]; ok {
		r.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &call{done: make(chan struct{})}
	r.calls[key] = c
	r.mu.Unlock()
	c.val, c.err = fn()
	close(c.done)
	return c.val, c.err
}

// party fills in the user (the mapping's; the client's claim when unmapped, if the user
// exists), its jurisdiction and risk tier.
func (r *resolver) party(ctx context.Context, p Party) (Party, error) {
	var ownerKey store.Key
	if p.Type == "address" {
		ownerKey = store.AddressOwnerKey(r.t, p.Chain, p.AddressKey)
	} else {
		ownerKey = store.VaultOwnerKey(r.t, p.VaultID)
	}
	v, err := r.once("owner|"+ownerKey.PK, func() (any, error) { return r.s.owner(ctx, ownerKey) })
	if err != nil {
		return p, err
	}
	if mapped := v.(string); mapped != "" {
		p.UserID, p.UserFrom = mapped, "mapping"
	} else if p.UserID != "" {
		p.UserFrom = "client"
	}
	if p.UserID == "" {
		return p, nil
	}
	uv, err := r.once("user|"+p.UserID, func() (any, error) {
		u, err := r.s.Users.GetUser(ctx, r.t, p.UserID)
		if err != nil {
			return nil, err
		}
		return userFacts{jurisdiction: u.Jurisdiction, riskTier: u.RiskTier}, nil
	})
	if err != nil {
		if f, ok := failure.As(err); ok && f.Kind == failure.NotFound {
			return p, invalid("unknown_user", "userId %s is not a user of yours", p.UserID)
		}
		return p, err
	}
	f := uv.(userFacts)
	if f.jurisdiction != "" {
		p.Jurisdictions = []string{f.jurisdiction}
	}
	p.RiskTier = f.riskTier
	return p, nil
}

type userFacts struct{ jurisdiction, riskTier string }

// Err is the refusal of this movement (nil when it was logged or replayed).
func (r Result) Err() error { return r.err }
