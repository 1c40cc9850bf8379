package trades

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/store"
)

// Timers are a sweep, not one schedule per trade: every open trade keeps one due item
// (its next duty) on TradeDueBuckets platform partitions, moved in the same transaction
// as the trade, and the trades-timer function reads the items due every minute. A
// schedule per trade would be created and deleted outside the trade's transaction (a
// crash between the two leaves a trade without its timer, or a timer without its
// trade); the sweep cannot drift from the trades, costs one Query per partition per
// minute, and fires at most a minute late. Firing twice, or late after the trade moved,
// is harmless: the state machine refuses the action (invalid_transition, too_early).

// SweepResult counts what a sweep did.
type SweepResult struct {
	Due       int `json:"due"`       // due items read
	Fired     int `json:"fired"`     // timer transitions taken (expire, confirm_timeout, default verdicts)
	Escalated int `json:"escalated"` // disputes escalated for a missed SLA
	Skipped   int `json:"skipped"`   // nothing to do now (a person's duty, or already moved)
	Failed    int `json:"failed"`
}

// Sweep fires the timers due at now.
func (s *Service) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	upto := fmtTime(now) + "#~"
	for b := 0; b < store.TradeDueBuckets; b++ {
		var due []dueItem
		err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.TradeDuePK(b), SKTo: upto, Limit: store.MaxLimit}, func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var d dueItem
				if err := store.Unmarshal(raw, &d); err != nil {
					return false, err
				}
				due = append(due, d)
			}
			return len(due) < 5000, nil
		})
		if err != nil {
			return res, err
		}
		for _, d := range due {
			res.Due++
			did, err := s.fire(ctx, store.TenantID(d.TenantID), d.TradeID)
			switch {
			case err != nil:
				res.Failed++
				s.Log.ErrorContext(ctx, "trade timer failed", "tenant", d.TenantID, "tradeId", d.TradeID, "error", err.Error())
			case did == "fired":
				res.Fired++
			case did == "escalated":
				res.Escalated++
			default:
				res.Skipped++
			}
		}
	}
	return res, nil
}

var system = escrow.Actor{Role: escrow.System, ID: "timer"}

// fire takes what the trade's overdue duties call for: expire, confirm_timeout, a
// default verdict (with Policy.DefaultLoss), or the escalation of a dispute whose SLA ran
// out.
func (s *Service) fire(ctx context.Context, t store.TenantID, id string) (string, error) {
	it, err := s.get(ctx, t, id)
	if err != nil {
		if errors.Is(err, errTradeNotFound) {
			return "", nil
		}
		return "", err
	}
	now := s.now()
	m := it.machine()
	sysAudit := audit.Actor{Type: "system", ID: "trade-timer"}
	for _, d := range escrow.Duties(m, s.Policy) {
		if d.Due.After(now) {
			continue
		}
		if d.Action != "" {
			_, err := s.transition(ctx, t, sysAudit, id, d.Action, func(Trade) (escrow.Actor, error) { return system, nil }, nil)
			return "fired", ignoreRefusal(err)
		}
	}
	if m.State == escrow.Disputed && m.Dispute != nil {
		if loser, ok := m.Dispute.DefaultLoser(now, s.Policy); ok && s.Policy.DefaultLoss {
			a := escrow.VerdictRelease
			if loser == escrow.Buyer {
				a = escrow.VerdictRefund
			}
			ctx := withVerdictReason(ctx, "default: the "+string(loser)+" did not answer the evidence request by its deadline")
			_, err := s.transition(ctx, t, sysAudit, id, a, func(Trade) (escrow.Actor, error) { return system, nil }, nil)
			if f, ok := failure.As(err); ok && f.Code == "approval_required" {
				_, err = s.caseChange(ctx, t, id, sysAudit, "verdict_proposed", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
					nm, err := escrow.Propose(m, a, system, "default loss of the "+string(loser), now, s.Policy)
					return nm, map[string]any{"proposedAction": string(a)}, err
				})
			}
			return "fired", ignoreRefusal(err)
		}
		if _, due := m.Dispute.EscalationDue(now, s.Policy); due {
			_, err := s.caseChange(ctx, t, id, sysAudit, "dispute_escalated", func(m escrow.Trade, now time.Time) (escrow.Trade, map[string]any, error) {
				d, err := disputeOf(m)
				if err != nil {
					return m, nil, err
				}
				nd, err := d.Escalate(now, s.Policy)
				if err != nil {
					return m, nil, err
				}
				m.Dispute = &nd
				return m, map[string]any{"reason": nd.EscalationReason}, nil
			})
			return "escalated", ignoreRefusal(err)
		}
	}
	return "", nil
}

// ignoreRefusal: a timer that meets a trade that moved on, or a deadline moved by a
// hold, has nothing to do.
func ignoreRefusal(err error) error {
	if f, ok := failure.As(err); ok && f.Kind != failure.Internal {
		return nil
	}
	return err
}

// Stuck is an open trade whose duty is overdue beyond the grace: funds held longer than
// its state allows.
type Stuck struct {
	TenantID string `json:"tenantId"`
	TradeID  string `json:"tradeId"`
	State    string `json:"state"`
	Owner    string `json:"owner"`
	What     string `json:"what"`
	Due      string `json:"due"`
	Overdue  string `json:"overdue"`
	Escrow   string `json:"escrowHeld"`
	Asset    string `json:"asset"`
}

// StuckTrades lists the open trades whose next duty is overdue by more than the
// policy's grace (the no-stuck-trades check; a timer duty there means the sweep is not
// running).
func (s *Service) StuckTrades(ctx context.Context, now time.Time) ([]Stuck, error) {
	grace := s.Policy.Grace
	if grace <= 0 {
		grace = escrow.DefaultPolicy().Grace
	}
	upto := fmtTime(now.Add(-grace)) + "#~"
	var out []Stuck
	for b := 0; b < store.TradeDueBuckets; b++ {
		err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.TradeDuePK(b), SKTo: upto, Limit: store.MaxLimit}, func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var d dueItem
				if err := store.Unmarshal(raw, &d); err != nil {
					return false, err
				}
				it, err := s.get(ctx, store.TenantID(d.TenantID), d.TradeID)
				if err != nil {
					return false, err
				}
				duty, over := escrow.Overdue(it.machine(), now, s.Policy)
				if !over {
					continue
				}
				out = append(out, Stuck{TenantID: d.TenantID, TradeID: d.TradeID, State: it.State, Owner: string(duty.Owner), What: duty.What,
					Due: fmtTime(duty.Due), Overdue: now.Sub(duty.Due).Truncate(time.Second).String(), Escrow: it.Amount, Asset: it.Asset})
			}
			return len(out) < 1000, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// HoldUser holds every open trade of a user who became restricted with the platform
// (the user.status_changed consumer): staff decide them. Idempotent.
func (s *Service) HoldUser(ctx context.Context, t store.TenantID, userID string) (int, error) {
	ids, err := s.openTradesOf(ctx, t, userID)
	if err != nil {
		return 0, err
	}
	held := 0
	sysAudit := audit.Actor{Type: "system", ID: "restriction"}
	for _, id := range ids {
		_, err := s.transition(ctx, t, sysAudit, id, escrow.Hold, func(Trade) (escrow.Actor, error) {
			return escrow.Actor{Role: escrow.System, ID: "restriction"}, nil
		}, nil)
		if err == nil {
			held++
			continue
		}
		if ignoreRefusal(err) != nil {
			return held, fmt.Errorf("trades: hold %s: %w", id, err)
		}
	}
	return held, nil
}

// openTradesOf lists a user's trades that are not final (their pointers in the user's
// partition, written with the trade and removed when it closes: one Query).
func (s *Service) openTradesOf(ctx context.Context, t store.TenantID, userID string) ([]string, error) {
	var ids []string
	err := s.Store.QueryAll(ctx, store.QueryInput{PK: store.UserPK(t, userID), SKPrefix: "OPENTRADE#", Tenant: t, Limit: store.MaxLimit},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var it openTradeItem
				if err := store.Unmarshal(raw, &it); err != nil {
					return false, err
				}
				ids = append(ids, it.TradeID)
			}
			return true, nil
		})
	return ids, err
}

// Escrows lists a tenant's trades as the ledger verifier checks them (GSI1, all pages).
func (s *Service) Escrows(ctx context.Context, t store.TenantID) ([]ledger.TradeEscrow, error) {
	var out []ledger.TradeEscrow
	err := s.Store.QueryAll(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.TenantTradesPK(t), Tenant: t, Limit: store.MaxLimit},
		func(items []map[string]types.AttributeValue) (bool, error) {
			for _, raw := range items {
				var it tradeItem
				if err := store.Unmarshal(raw, &it); err != nil {
					return false, err
				}
				amt, err := ledger.ParseAmount(it.Amount)
				if err != nil {
					return false, err
				}
				out = append(out, ledger.TradeEscrow{ID: it.ID, Seller: it.Seller, Asset: it.Asset, Amount: amt, Open: !escrow.State(it.State).Final()})
			}
			return true, nil
		})
	return out, err
}
