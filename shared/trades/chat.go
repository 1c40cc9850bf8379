package trades

import (
	"context"

	"github.com/chainfi/chainguard/shared/escrow"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tradechat"
)

// View answers what the trade chat needs of a trade (tradechat.Trades): the parties,
// the state, whether a dispute is open now (a trade held from disputed still is) and
// its mediator.
func (s *Service) View(ctx context.Context, t store.TenantID, id string) (tradechat.TradeView, error) {
	it, err := s.get(ctx, t, id)
	if err != nil {
		return tradechat.TradeView{}, err
	}
	v := tradechat.TradeView{ID: it.ID, Seller: it.Seller, Buyer: it.Buyer, State: it.State, Final: escrow.State(it.State).Final()}
	v.Disputed = it.State == string(escrow.Disputed) || (it.State == string(escrow.OnHold) && it.HeldFrom == string(escrow.Disputed))
	if v.Disputed && it.Dispute != nil {
		v.Mediator = it.Dispute.Mediator
	}
	return v, nil
}
