package alerts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/store"
)

// Raise records a finding: it opens an alert, adds evidence to the pair's open alert,
// or does nothing (a redelivery, or a pair resolved on the same hashes), by the rules of
// the package doc. It is idempotent and safe to call concurrently for one pair: the
// pair's memory is written on a version condition, and a loser reads again and decides
// again. A finding that is not well formed is a failure.Invalid (invalid_finding).
func (s *Service) Raise(ctx context.Context, f Finding) (Result, error) {
	f, err := f.validate(s.now())
	if err != nil {
		return Result{}, err
	}
	var res Result
	err = retry(ctx, func() error {
		var err error
		res, err = s.raise(ctx, f)
		return err
	})
	return res, err
}

func (s *Service) raise(ctx context.Context, f Finding) (Result, error) {
	pk := store.AlertPairKey(f.Tenant, f.UserID, f.ListSource, f.EntityID)
	var mem pairItem
	err := s.Store.Get(ctx, pk, &mem)
	if errors.Is(err, store.ErrNotFound) {
		return s.open(ctx, f, nil)
	}
	if err != nil {
		return Result{}, err
	}
	if mem.OpenAlertID == "" {
		if mem.EntityHash == f.EntityHash && mem.SubjectHash == f.SubjectHash {
			return Result{Action: Suppressed, AlertID: mem.LastAlertID}, nil
		}
		return s.open(ctx, f, &mem)
	}
	if f.ScreeningID == mem.LastScreeningID ||
		(f.ListVersion == mem.LastListVersion && f.EntityHash == mem.EntityHash && f.SubjectHash == mem.SubjectHash) {
		return Result{Action: Unchanged, AlertID: mem.OpenAlertID}, nil
	}
	var cur alertItem
	if err := s.Store.Get(ctx, store.AlertKey(f.Tenant, mem.OpenAlertID), &cur); err != nil {
		return Result{}, err
	}
	return s.append(ctx, f, mem, cur)
}

// open creates a new alert for the pair; prev is the pair's memory when an earlier alert
// was resolved.
func (s *Service) open(ctx context.Context, f Finding, prev *pairItem) (Result, error) {
	now := s.now()
	at := store.FormatTime(f.FoundAt)
	ev := evidenceOf(f)
	a := alertItem{
		TenantID: string(f.Tenant), ID: newAlertID(), UserID: f.UserID, Status: StatusOpen, Kind: f.Kind, Outcome: f.Outcome,
		ListSource: f.ListSource, EntityID: f.EntityID, EntityHash: f.EntityHash, SubjectHash: f.SubjectHash, Score: f.Score,
		ListVersion: f.ListVersion, FirstSeenAt: at, LastSeenAt: at, Evidence: []Evidence{ev}, EvidenceCount: 1,
		UpdatedAt: store.FormatTime(now),
	}
	mem := pairItem{TenantID: a.TenantID, UserID: a.UserID, ListSource: a.ListSource, EntityID: a.EntityID}
	if prev != nil {
		a.PreviousAlertID, a.PreviousResolution = prev.LastAlertID, prev.LastResolution
		mem = *prev
		mem.LastResolution = ""
	}
	mem.OpenAlertID, mem.LastAlertID = a.ID, a.ID
	remember(&mem, f, now)

	tx := s.Store.Tx()
	tx.Create(a.key(), a)
	if prev == nil {
		tx.Create(a.pairKey(), mem)
	} else {
		tx.Update(a.pairKey(), prev.Version, mem)
	}
	if err := s.stage(tx, a, ev, "alert.created", EventCreated, "", now); err != nil {
		return Result{}, err
	}
	if err := tx.Exec(ctx); err != nil {
		return Result{}, err
	}
	a.Version = 1
	v, err := s.view(ctx, a)
	if err != nil {
		return Result{}, err
	}
	s.Log.InfoContext(ctx, "alert opened", "tenant", a.TenantID, "alertId", a.ID, "userId", a.UserID,
		"listSource", a.ListSource, "entityId", a.EntityID, "kind", a.Kind, "outcome", a.Outcome, "previousAlertId", a.PreviousAlertID)
	return Result{Action: Created, AlertID: a.ID, Alert: &v}, nil
}

// append adds a finding to the pair's open alert. Evidence older than the alert's newest
// is kept but does not move the alert's state (findings arrive out of order).
func (s *Service) append(ctx context.Context, f Finding, mem pairItem, cur alertItem) (Result, error) {
	if cur.Status != StatusOpen {
		// The memory and the alert are written together, so this is a resolution that
		// the memory missed: read again.
		return Result{}, store.ErrConflict
	}
	for _, e := range cur.Evidence {
		if e.ScreeningID == f.ScreeningID ||
			(e.ListVersion == f.ListVersion && e.EntityHash == f.EntityHash && e.SubjectHash == f.SubjectHash) {
			return Result{Action: Unchanged, AlertID: cur.ID}, nil
		}
	}
	now := s.now()
	ev := evidenceOf(f)
	next := cur
	next.Evidence = append(slices.Clone(cur.Evidence), ev)
	slices.SortStableFunc(next.Evidence, func(a, b Evidence) int { return strings.Compare(a.At, b.At) })
	if n := len(next.Evidence); n > MaxEvidence {
		next.Evidence = next.Evidence[n-MaxEvidence:]
	}
	next.EvidenceCount++
	next.UpdatedAt = store.FormatTime(now)
	change := ""
	if at := store.FormatTime(f.FoundAt); at >= cur.LastSeenAt {
		next.LastSeenAt, next.Score, next.ListVersion = at, f.Score, f.ListVersion
		next.EntityHash, next.SubjectHash = f.EntityHash, f.SubjectHash
		switch {
		case rank(f.Outcome) > rank(cur.Outcome):
			next.Outcome, change = f.Outcome, "outcome_raised"
		case f.EntityHash != cur.EntityHash:
			change = "entry_changed"
		case f.SubjectHash != cur.SubjectHash:
			change = "subject_changed"
		}
		remember(&mem, f, now)
	} else {
		mem.UpdatedAt = store.FormatTime(now)
	}

	tx := s.Store.Tx()
	tx.Update(cur.key(), cur.Version, next)
	tx.Update(cur.pairKey(), mem.Version, mem)
	action, evType, res := "alert.evidence_added", "", Appended
	if change != "" {
		action, evType, res = "alert.updated", EventUpdated, Updated
	}
	if err := s.stage(tx, next, ev, action, evType, change, now); err != nil {
		return Result{}, err
	}
	if err := tx.Exec(ctx); err != nil {
		return Result{}, err
	}
	next.Version = cur.Version + 1
	v, err := s.view(ctx, next)
	if err != nil {
		return Result{}, err
	}
	if change != "" {
		s.Log.InfoContext(ctx, "alert updated", "tenant", next.TenantID, "alertId", next.ID, "change", change, "outcome", next.Outcome)
	}
	return Result{Action: res, AlertID: next.ID, Alert: &v}, nil
}

// stage adds the audit record and, when evType is set, the event to tx.
func (s *Service) stage(tx *store.Tx, a alertItem, ev Evidence, action, evType, change string, now time.Time) error {
	rec := audit.Record{Action: action, Actor: s.Actor, Subject: audit.Subject{Type: "alert", ID: a.ID}, Details: auditDetails(a, ev)}
	if change != "" {
		rec.Reason = change
	}
	return s.stageRecord(tx, a, rec, evType, change, now)
}

func (s *Service) stageRecord(tx *store.Tx, a alertItem, rec audit.Record, evType, change string, now time.Time) error {
	if _, err := s.Audit.Stage(tx, store.TenantID(a.TenantID), rec); err != nil {
		return err
	}
	if evType == "" {
		return nil
	}
	e, err := events.New(evType, a.TenantID, dataOf(a, change, store.FormatTime(now)), now)
	if err != nil {
		return err
	}
	events.Stage(tx, e)
	return nil
}

func evidenceOf(f Finding) Evidence {
	reasons := f.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return Evidence{
		ListVersion: f.ListVersion, ScreeningID: f.ScreeningID, RunID: f.RunID, Outcome: f.Outcome, Score: f.Score,
		Reasons: reasons, At: store.FormatTime(f.FoundAt), EntityHash: f.EntityHash, SubjectHash: f.SubjectHash,
	}
}

// remember moves the pair's memory to the newest evidence.
func remember(mem *pairItem, f Finding, now time.Time) {
	mem.EntityHash, mem.SubjectHash = f.EntityHash, f.SubjectHash
	mem.LastScreeningID, mem.LastListVersion = f.ScreeningID, f.ListVersion
	mem.UpdatedAt = store.FormatTime(now)
}

func newAlertID() string { return "alt_" + strings.ToLower(store.NewID()) }

// retry runs fn again while it loses a race for the pair (a version conflict, or the
// pair's memory created by another Raise): it reads again and decides again.
func retry(ctx context.Context, fn func() error) error {
	return store.RetryConflicts(ctx, conflictRetry, fn)
}

// conflictRetry: 10 attempts, 5ms more wait each time plus up to 5ms.
var conflictRetry = store.RetryPolicy{Attempts: 10, AlreadyExists: true, Backoff: store.Backoff{Base: 5 * time.Millisecond, Linear: true, Jitter: 5 * time.Millisecond}}
