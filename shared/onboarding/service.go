package onboarding

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/store"
)

// Screener is the in-process screening engine (a *lists.Screener).
type Screener interface {
	ScreenThen(ctx context.Context, by audit.Actor, tenant store.TenantID, req lists.Request, then func(tx *store.Tx, sc lists.Screening)) (lists.Screening, error)
}

// Queue takes accepted vendor events for the decision worker (an SQS queue).
type Queue interface {
	Enqueue(ctx context.Context, ev VendorEvent) error
}

// Config wires a Service. Vendors, Screener and Queue are needed only by the operations
// that use them (the client API does not screen; the worker does not enqueue).
type Config struct {
	Store         *store.Store
	Audit         *audit.Log
	Enc           envelope.Encrypter
	Jurisdictions *jurisdictions.Set
	Vendors       map[string]Vendor
	// Proofs takes proof-of-life results (nil: vendor events are all KYC). LivenessFlow
	// is the MetaMap flow of a proof of life (DefaultLivenessFlow when empty).
	Proofs       ProofsSink
	LivenessFlow string
	Screener     Screener
	Queue        Queue
	Log          *slog.Logger
	Now          func() time.Time
	// MatchThreshold is the score at or above which a match is strong: clearing it needs
	// four eyes (the screening engine's match threshold).
	MatchThreshold float64
}

// Service is onboarding: users, consent, KYC with the identity vendors, the initial
// screening, the decision, reviews with four eyes, deadlines and appeals.
type Service struct {
	Config
}

// New returns a Service.
func New(c Config) *Service {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.MatchThreshold == 0 {
		c.MatchThreshold = 0.92
	}
	return &Service{Config: c}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Errors of the client API.
var (
	errUserNotFound    = failure.Missing("user_not_found", "no such user")
	errConsentRequired = failure.Conflicting("consent_required", "the user has not consented to KYC and AML screening")
)

// getUser reads a user of the tenant (strongly consistent). Another tenant's id is not found.
func (s *Service) getUser(ctx context.Context, t store.TenantID, id string) (userItem, error) {
	if !store.ValidID(id) || len(id) > 64 {
		return userItem{}, errUserNotFound
	}
	var u userItem
	if err := s.Store.Get(ctx, store.UserKey(t, id), &u); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return userItem{}, errUserNotFound
		}
		return userItem{}, err
	}
	if u.TenantID != string(t) {
		return userItem{}, errUserNotFound
	}
	return u, nil
}

// change is one audited change of a user: a new status (when Trigger is set) and/or new
// fields, with extra writes in the same transaction.
type change struct {
	Trigger lifecycle.Trigger // "" for a change of fields only
	By      audit.Actor
	Action  string            // audit action when no transition (default user.updated)
	Details map[string]string // audit details (codes and references only)
	// Mutate sets the new fields on a copy of the user before the lifecycle decides
	// (so the facts it sees are the new ones).
	Mutate func(u *userItem)
	// Extra adds writes to the transaction.
	Extra func(tx *store.Tx, next userItem)
	// MembersActive is the company fact (computed by the caller when it matters).
	MembersActive bool
}

// apply decides and commits one change of u: the user item (conditioned on the version
// read), the history entry, the audit record and, on a new status, the user.status_changed
// event, all in one transaction. It returns the stored user. A version conflict is
// store.ErrConflict: the caller reads again and decides again.
func (s *Service) apply(ctx context.Context, u userItem, c change) (userItem, error) {
	tx := s.Store.Tx()
	next, err := s.stage(tx, u, c)
	if err != nil {
		return userItem{}, err
	}
	if err := tx.Exec(ctx); err != nil {
		return userItem{}, err
	}
	return next, nil
}

// stage decides one change of u and adds its writes to tx (see apply).
func (s *Service) stage(tx *store.Tx, u userItem, c change) (userItem, error) {
	now := s.now()
	at := store.FormatTime(now)
	next := u
	next.History = append([]StatusChange(nil), u.History...)
	if c.Mutate != nil {
		c.Mutate(&next)
	}
	next.UpdatedAt = at
	rec := audit.Record{Action: c.Action, Actor: c.By, Subject: audit.Subject{Type: "user", ID: u.ID}, Details: map[string]string{}}
	if rec.Action == "" {
		rec.Action = "user.updated"
	}
	for k, v := range c.Details {
		rec.Details[k] = v
	}
	var ev *events.Envelope
	if c.Trigger != "" {
		tr, err := lifecycle.Decide(u.Status, c.Trigger, next.facts(c.MembersActive))
		if err != nil {
			return userItem{}, err
		}
		next.Status, next.StatusReason = tr.To, tr.Reason
		next.History = append(next.History, StatusChange{From: tr.From, To: tr.To, Reason: tr.Reason, At: at, By: c.By.Type + ":" + c.By.ID})
		if len(next.History) > maxHistory {
			next.History = next.History[len(next.History)-maxHistory:]
		}
		switch tr.To {
		case lifecycle.StatusRejected, lifecycle.StatusRestricted, lifecycle.StatusSuspended:
			next.DecisionAt = at
		}
		rec.Action, rec.Reason = "user.status_changed", tr.Reason
		rec.Details["from"], rec.Details["to"], rec.Details["trigger"] = string(tr.From), string(tr.To), string(c.Trigger)
		rec.Details["jurisdiction"] = u.Jurisdiction
		e, err := events.New("user.status_changed", u.TenantID, statusChanged{
			UserID: u.ID, ExternalRef: u.ExternalRef, Type: u.Type, From: string(tr.From), To: string(tr.To),
			ReasonCode: tr.Reason, ChangedAt: at,
		}, now)
		if err != nil {
			return userItem{}, err
		}
		ev = &e
	}
	t := store.TenantID(u.TenantID)
	if _, err := s.Audit.Stage(tx, t, rec); err != nil {
		return userItem{}, err
	}
	tx.Update(store.UserKey(t, u.ID), u.Version, next)
	if c.Extra != nil {
		c.Extra(tx, next)
	}
	if ev != nil {
		events.Stage(tx, *ev)
	}
	next.Version = u.Version + 1
	return next, nil
}

// statusChanged is the data of user.status_changed: ids, statuses, a reason code and a
// time, never personal data (clients read details through the API).
type statusChanged struct {
	UserID      string `json:"userId"`
	ExternalRef string `json:"externalRef"`
	Type        string `json:"type"`
	From        string `json:"from"`
	To          string `json:"to"`
	ReasonCode  string `json:"reasonCode"`
	ChangedAt   string `json:"changedAt"`
}

// conflictRetry: 5 attempts, 5ms more wait each time (5, 10, 15, 20ms), no jitter.
var conflictRetry = store.RetryPolicy{Attempts: 5, Backoff: store.Backoff{Base: 5 * time.Millisecond, Linear: true}}

// retry runs fn again (up to 5 times) while it fails on a version conflict: the state it
// read changed under it, so it reads and decides again.
func retry(ctx context.Context, fn func() error) error {
	return store.RetryConflicts(ctx, conflictRetry, fn)
}

// seal encrypts v's JSON for one field of a record (envelope.EncryptJSON).
func (s *Service) seal(ctx context.Context, t store.TenantID, record, purpose string, v any) (string, error) {
	return envelope.EncryptJSON(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, v)
}

// open decrypts a field sealed by seal into v.
func (s *Service) open(ctx context.Context, t store.TenantID, record, purpose, enc string, v any) error {
	return envelope.DecryptJSON(ctx, s.Enc, envelope.Context{Tenant: string(t), Record: record, Purpose: purpose}, enc, v)
}

// refusal maps a lifecycle refusal to the client's error.
func refusal(err error) error {
	switch {
	case errors.Is(err, lifecycle.ErrConsentRequired):
		return errConsentRequired
	case errors.Is(err, lifecycle.ErrAppealNeedsKYC):
		return failure.Conflicting("appeal_needs_kyc", "an appeal needs a KYC approval newer than the decision it appeals")
	case errors.Is(err, lifecycle.ErrKYCNotApproved):
		return failure.Conflicting("kyc_not_approved", "the user's KYC is not approved")
	case errors.Is(err, lifecycle.ErrNotClean), errors.Is(err, lifecycle.ErrMembersNotActive):
		return failure.Conflicting("not_clean", "the account cannot be activated: it needs consent, an approved KYC and a clean screening")
	case errors.Is(err, lifecycle.ErrNotAllowed):
		return failure.Conflicting("invalid_transition", "the user's status does not allow this")
	}
	return err
}
