package tradechat

import (
	"context"
	"fmt"
	"slices"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Escrow states in which a staff decision closed the trade (a mediator's verdict, or staff
// deciding a held trade): the chat stays readable to staff for the record.
const (
	stateResolvedRelease = "resolved_release"
	stateResolvedRefund  = "resolved_refund"
)

// access is what a reader may do on one trade, once authorised.
type access struct {
	trade  TradeView
	author Author // a party's role and user id; for staff, the staff id (role set when posting)
	staff  bool
}

func (a access) actor() audit.Actor {
	if a.staff {
		return audit.Actor{Type: "staff", ID: a.author.ID}
	}
	return audit.Actor{Type: "user", ID: a.author.ID}
}

func tradeNotFound() error { return failure.Missing("trade_not_found", "no such trade") }

// StaffMayRead is the dispute rule: staff read a trade's chat and receipts while a dispute
// is open, and once a staff decision resolved the trade (resolved_release or
// resolved_refund), so that the evidence a verdict was given on can be looked at again.
// Never before a dispute, and never on a trade the parties settled themselves.
func StaffMayRead(v TradeView) bool {
	return v.Disputed || v.State == stateResolvedRelease || v.State == stateResolvedRefund
}

// view reads the trade; an id that cannot exist and a trade of another tenant are both
// "not found".
func (s *Service) view(ctx context.Context, t store.TenantID, tradeID string) (TradeView, error) {
	if store.CheckIDs(string(t), tradeID) != nil {
		return TradeView{}, tradeNotFound()
	}
	v, err := s.Trades.View(ctx, t, tradeID)
	if err != nil {
		if f, ok := failure.As(err); ok && f.Kind == failure.NotFound {
			return TradeView{}, tradeNotFound()
		}
		return TradeView{}, fmt.Errorf("tradechat: read trade %s: %w", tradeID, err)
	}
	if v.ID != tradeID {
		return TradeView{}, fmt.Errorf("tradechat: asked for trade %s, got %s", tradeID, v.ID)
	}
	return v, nil
}

func partyRole(v TradeView, r Reader) string {
	if r.Kind != ReaderParty || r.UserID == "" {
		return ""
	}
	switch r.UserID {
	case v.Buyer:
		return AuthorBuyer
	case v.Seller:
		return AuthorSeller
	}
	return ""
}

func isReviewer(r Reader) bool {
	return r.Kind == ReaderStaff && store.ValidID(r.StaffID) &&
		(slices.Contains(r.Roles, RoleAnalyst) || slices.Contains(r.Roles, RoleApprover))
}

// readAccess lets in the trade's two parties, and reviewing staff under the dispute rule.
// Anybody else is told the trade does not exist: no existence oracle.
func (s *Service) readAccess(ctx context.Context, t store.TenantID, tradeID string, r Reader) (access, error) {
	v, err := s.view(ctx, t, tradeID)
	if err != nil {
		return access{}, err
	}
	if role := partyRole(v, r); role != "" {
		return access{trade: v, author: Author{Role: role, ID: r.UserID}}, nil
	}
	if isReviewer(r) && StaffMayRead(v) {
		return access{trade: v, author: Author{ID: r.StaffID}, staff: true}, nil
	}
	return access{}, tradeNotFound()
}

// writeAccess: the parties while the trade is open; among staff only the dispute's
// mediator, while the dispute is open.
func (s *Service) writeAccess(ctx context.Context, t store.TenantID, tradeID string, r Reader) (access, error) {
	a, err := s.readAccess(ctx, t, tradeID, r)
	if err != nil {
		return access{}, err
	}
	if a.trade.Final {
		return access{}, failure.Conflicting("trade_closed", "the trade is closed: its chat can be read, not written")
	}
	if a.staff {
		if !a.trade.Disputed || a.trade.Mediator == "" || a.trade.Mediator != r.StaffID {
			return access{}, failure.Denied("not_mediator", "only the dispute's mediator may write in the chat")
		}
		a.author.Role = AuthorMediator
	}
	return a, nil
}
