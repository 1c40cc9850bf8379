package onboarding

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

// ReviewKindSignal is a platform review of an account after onboarding, opened by a risk
// signal (a movement to a sanctioned address, a wallet on a sanctions list, funds passing
// through, fan-out): staff decide; nothing is restricted automatically.
const ReviewKindSignal = "platform_signal"

// MaxSignals is how many signals one review keeps (the newest); SignalCount counts all.
const MaxSignals = 50

// Signal is one piece of evidence for a signal review: codes, references and amounts,
// never personal data.
type Signal struct {
	Key        string            `json:"key" dynamodbav:"key"`   // deterministic: a redelivery adds nothing
	Kind       string            `json:"kind" dynamodbav:"kind"` // sanctioned_address, wallet_sanctioned, pass_through, fan_out
	Strong     bool              `json:"strong" dynamodbav:"strong"`
	MovementID string            `json:"movementId,omitempty" dynamodbav:"movementId,omitempty"`
	Details    map[string]string `json:"details,omitempty" dynamodbav:"details,omitempty"`
	At         string            `json:"at" dynamodbav:"at"`
}

var signalKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,160}$`)

// signalPointer is the user's open signal review: new signals go to it.
type signalPointer struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	ReviewID string `dynamodbav:"reviewId"`
}

func (signalPointer) EntityType() string { return "signal_review_pointer" }

func signalPointerKey(t store.TenantID, userID string) store.Key {
	return store.Key{PK: store.UserPK(t, userID), SK: "SIGNALREVIEW"}
}

// OpenSignalReview adds a signal to the user's open platform review, or opens one. It
// answers the review's id. It is idempotent (a signal's Key is recorded once) and safe
// to call concurrently for one user (the pointer item is versioned).
func (s *Service) OpenSignalReview(ctx context.Context, t store.TenantID, userID string, sig Signal) (string, error) {
	if !signalKeyPattern.MatchString(sig.Key) || !reasonPattern.MatchString(sig.Kind) {
		return "", failure.InvalidInput("invalid_signal", "a signal needs a key and a kind code")
	}
	if sig.At == "" {
		sig.At = store.FormatTime(s.now())
	}
	var id string
	err := retry(ctx, func() error {
		var err error
		id, err = s.addSignal(ctx, t, userID, sig)
		return err
	})
	return id, err
}

func (s *Service) addSignal(ctx context.Context, t store.TenantID, userID string, sig Signal) (string, error) {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return "", err
	}
	var ptr signalPointer
	err = s.Store.Get(ctx, signalPointerKey(t, userID), &ptr)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	reason := "signal_" + sig.Kind
	if errors.Is(err, store.ErrNotFound) {
		r := s.newReview(t, u, ReviewKindSignal, reason, AMLSummary{}, nil)
		r.Strong = sig.Strong
		r.Signals, r.SignalCount = []Signal{sig}, 1
		r.Flags = append(r.Flags, sig.Kind)
		_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "review.opened", Actor: audit.System, Subject: audit.Subject{Type: "review", ID: r.ID},
			Reason: reason, Details: map[string]string{"userId": userID, "kind": ReviewKindSignal}}, func(tx *store.Tx) {
			s.stageReview(tx, r)
			tx.Create(signalPointerKey(t, userID), signalPointer{TenantID: string(t), ReviewID: r.ID})
		})
		if err != nil {
			if errors.Is(err, store.ErrAlreadyExists) {
				return "", store.ErrConflict // another signal opened it first: add to it
			}
			return "", err
		}
		s.Log.InfoContext(ctx, "signal review opened", "tenant", string(t), "reviewId", r.ID, "userId", userID, "signal", sig.Kind)
		return r.ID, nil
	}
	var r reviewItem
	if err := s.Store.Get(ctx, store.ReviewKey(t, ptr.ReviewID), &r); err != nil {
		return "", err
	}
	if slices.ContainsFunc(r.Signals, func(x Signal) bool { return x.Key == sig.Key }) {
		return r.ID, nil
	}
	next := r
	next.Signals = append(slices.Clone(r.Signals), sig)
	if n := len(next.Signals); n > MaxSignals {
		next.Signals = next.Signals[n-MaxSignals:]
	}
	next.SignalCount++
	next.Strong = r.Strong || sig.Strong
	if !slices.Contains(next.Flags, sig.Kind) {
		next.Flags = append(slices.Clone(r.Flags), sig.Kind)
	}
	_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "review.signal_added", Actor: audit.System, Subject: audit.Subject{Type: "review", ID: r.ID},
		Reason: reason, Details: map[string]string{"userId": userID}}, func(tx *store.Tx) {
		tx.Update(store.ReviewKey(t, r.ID), r.Version, next)
		tx.CheckVersion(signalPointerKey(t, userID), ptr.Version)
	})
	if err != nil {
		return "", err
	}
	return r.ID, nil
}

// signalEffect closes a signal review. A clear changes nothing on the account; a
// restriction restricts an active account (one already restricted stays so). A signal
// review does not reject: closing an account is not a movement's consequence.
func (s *Service) signalEffect(ctx context.Context, by Reviewer, r reviewItem, p Proposal, step string) (ReviewDetail, error) {
	t := store.TenantID(r.TenantID)
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, r.UserID)
		if err != nil {
			return err
		}
		next := r
		next.Status, next.Proposal, next.Decision = ReviewClosed, nil, &p
		next.Steps = append(slices.Clone(r.Steps), ReviewStep{Action: step, By: by.ID, At: store.FormatTime(s.now()), Note: p.Outcome + ":" + p.ReasonCode})
		closeReview := func(tx *store.Tx, _ userItem) {
			tx.Update(store.ReviewKey(t, r.ID), r.Version, next)
			tx.Remove(signalPointerKey(t, r.UserID))
		}
		details := map[string]string{"reviewId": r.ID, "decision": p.Outcome, "reasonCode": p.ReasonCode, "proposedBy": p.ProposedBy, "approvedBy": p.ApprovedBy}
		if p.Outcome == DecisionRestrict && u.Status == lifecycle.StatusActive {
			tx := s.Store.Tx()
			if _, err := s.stage(tx, u, change{Trigger: lifecycle.ReviewRestricted, By: by.actor(), Details: details, Extra: closeReview}); err != nil {
				return err
			}
			return tx.Exec(ctx)
		}
		_, err = s.Audit.Commit(ctx, t, audit.Record{Action: "review.closed", Actor: by.actor(), Subject: audit.Subject{Type: "review", ID: r.ID},
			Reason: p.ReasonCode, Details: details}, func(tx *store.Tx) { closeReview(tx, u) })
		return err
	})
	if err != nil {
		return ReviewDetail{}, conflictAsReview(refusal(err))
	}
	return s.GetReview(ctx, by, r.ID)
}

func validSignalOutcome(r reviewItem, outcome string) error {
	if r.Kind == ReviewKindSignal && outcome == DecisionReject {
		return failure.InvalidInput("invalid_outcome", "a platform signal review is cleared or restricts the account; %s", strings.TrimSpace("rejecting is an onboarding decision"))
	}
	return nil
}
