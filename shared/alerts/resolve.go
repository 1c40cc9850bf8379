package alerts

import (
	"context"
	"errors"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/store"
)

// Resolve closes an open alert of the tenant as false_positive or confirmed, with a
// comment (1 to MaxCommentLen characters, no control characters). The alert, the pair's
// memory (which holds back later findings on the same hashes), the audit record and
// alert.updated are one transaction; then, when given, adds the caller's writes to it
// (an idempotency record). Bad input is 400 before anything is read; another tenant's
// alert is 404 alert_not_found, a resolved one 409 alert_already_resolved.
func (s *Service) Resolve(ctx context.Context, by audit.Actor, t store.TenantID, alertID string, in ResolutionInput, then ...func(tx *store.Tx, a Alert)) (Alert, error) {
	if err := in.validate(); err != nil {
		return Alert{}, err
	}
	cur, err := s.get(ctx, t, alertID)
	if err != nil {
		return Alert{}, err
	}
	// The ciphertext is bound to the alert, so it serves every retry.
	enc, err := envelope.EncryptString(ctx, s.Enc, commentContext(cur), in.Comment)
	if err != nil {
		return Alert{}, err
	}
	var out Alert
	err = retry(ctx, func() error {
		var err error
		if cur.Version == 0 {
			if cur, err = s.get(ctx, t, alertID); err != nil {
				return err
			}
		}
		out, err = s.resolve(ctx, by, cur, in, enc, then)
		cur = alertItem{} // a retry reads again
		return err
	})
	return out, err
}

func (s *Service) resolve(ctx context.Context, by audit.Actor, cur alertItem, in ResolutionInput, enc string, then []func(*store.Tx, Alert)) (Alert, error) {
	if cur.Status != StatusOpen {
		return Alert{}, errAlreadyResolved
	}
	var mem pairItem
	memErr := s.Store.Get(ctx, cur.pairKey(), &mem)
	if memErr != nil && !errors.Is(memErr, store.ErrNotFound) {
		return Alert{}, memErr
	}
	now := s.now()
	at := store.FormatTime(now)
	next := cur
	next.Status, next.Resolution, next.CommentEnc, next.ResolvedBy, next.ResolvedAt = StatusResolved, in.Status, enc, actorRef(by), at
	next.UpdatedAt = at

	tx := s.Store.Tx()
	tx.Update(cur.key(), cur.Version, next)
	nextMem := pairItem{TenantID: cur.TenantID, UserID: cur.UserID, ListSource: cur.ListSource, EntityID: cur.EntityID}
	if memErr == nil {
		nextMem = mem
	}
	if nextMem.OpenAlertID == "" || nextMem.OpenAlertID == cur.ID {
		// The memory remembers the hashes the alert was resolved on: its newest evidence's.
		nextMem.OpenAlertID, nextMem.LastAlertID, nextMem.LastResolution = "", cur.ID, in.Status
		nextMem.EntityHash, nextMem.SubjectHash = cur.EntityHash, cur.SubjectHash
		nextMem.UpdatedAt = at
		if memErr == nil {
			tx.Update(cur.pairKey(), mem.Version, nextMem)
		} else {
			tx.Create(cur.pairKey(), nextMem)
		}
	}
	rec := audit.Record{Action: "alert.resolved", Actor: by, Subject: audit.Subject{Type: "alert", ID: cur.ID}, Reason: in.Status,
		Details: map[string]string{"userId": cur.UserID, "listSource": cur.ListSource, "entityId": cur.EntityID,
			"kind": cur.Kind, "outcome": cur.Outcome, "resolution": in.Status, "listVersion": cur.ListVersion}}
	if err := s.stageRecord(tx, next, rec, EventUpdated, "resolved", now); err != nil {
		return Alert{}, err
	}
	next.Version = cur.Version + 1
	plain := next
	plain.CommentEnc = "" // the comment is at hand: no decryption
	view, err := s.view(ctx, plain)
	if err != nil {
		return Alert{}, err
	}
	view.Resolution.Comment = in.Comment
	for _, fn := range then {
		fn(tx, view)
	}
	if err := tx.Exec(ctx); err != nil {
		return Alert{}, err
	}
	s.Log.InfoContext(ctx, "alert resolved", "tenant", cur.TenantID, "alertId", cur.ID, "resolution", in.Status, "by", actorRef(by))
	return view, nil
}

// Get reads one of the tenant's alerts; another tenant's id is alert_not_found.
func (s *Service) Get(ctx context.Context, t store.TenantID, alertID string) (Alert, error) {
	a, err := s.get(ctx, t, alertID)
	if err != nil {
		return Alert{}, err
	}
	return s.view(ctx, a)
}

func (s *Service) get(ctx context.Context, t store.TenantID, alertID string) (alertItem, error) {
	if !alertIDPattern.MatchString(alertID) || !store.ValidID(string(t)) {
		return alertItem{}, errNotFound
	}
	var a alertItem
	err := s.Store.Get(ctx, store.AlertKey(t, alertID), &a)
	if errors.Is(err, store.ErrNotFound) {
		return alertItem{}, errNotFound
	}
	if err != nil {
		return alertItem{}, err
	}
	if a.TenantID != string(t) {
		return alertItem{}, errNotFound
	}
	return a, nil
}
