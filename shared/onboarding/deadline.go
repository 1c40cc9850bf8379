package onboarding

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

// DeadlineStats is what a deadline run did.
type DeadlineStats struct {
	Due       int
	Suspended int
	Cleared   int // due entries of users no longer waiting for KYC
}

// SuspendOverdue suspends the users whose KYC deadline has passed without a decision
// (pending_kyc or kyc_retry -> suspended) and takes every passed entry off the list. It
// reads the deadline lists of the last two days (the job runs every few minutes; a run
// missed for longer is caught up by the older partition's entries up to lookback days).
func (s *Service) SuspendOverdue(ctx context.Context, lookback int) (DeadlineStats, error) {
	now := s.now()
	var st DeadlineStats
	if lookback < 2 {
		lookback = 2
	}
	for d := lookback - 1; d >= 0; d-- {
		day := now.AddDate(0, 0, -d)
		err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.KYCDuePK(day), SKTo: store.FormatTime(now) + "#~"},
			func(items []map[string]types.AttributeValue) (bool, error) {
				for _, it := range items {
					var due dueItem
					if err := store.Unmarshal(it, &due); err != nil {
						return false, err
					}
					st.Due++
					suspended, err := s.suspendOne(ctx, due)
					if err != nil {
						return false, err
					}
					if suspended {
						st.Suspended++
					} else {
						st.Cleared++
					}
				}
				return true, nil
			})
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

func (s *Service) suspendOne(ctx context.Context, due dueItem) (bool, error) {
	t := store.TenantID(due.TenantID)
	deadline, _ := store.ParseTime(due.Deadline)
	key := dueKey(t, due.UserID, deadline)
	suspended := false
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, due.UserID)
		if errors.Is(err, errUserNotFound) {
			return s.Store.Delete(ctx, key, due.Version)
		}
		if err != nil {
			return err
		}
		if (u.Status != lifecycle.StatusPendingKYC && u.Status != lifecycle.StatusKYCRetry) || u.KYCDeadline != due.Deadline {
			tx := s.Store.Tx()
			tx.Remove(key)
			return tx.Exec(ctx)
		}
		_, err = s.apply(ctx, u, change{Trigger: lifecycle.DeadlineMissed, By: audit.System,
			Details: map[string]string{"deadline": due.Deadline},
			Extra:   func(tx *store.Tx, _ userItem) { tx.Remove(key) }})
		suspended = err == nil
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return suspended, err
}
