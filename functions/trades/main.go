// Command trades serves the P2P escrow to clients: the ledger (deposits, withdrawals,
// balances, statements), trades and their parties' actions (paid, release, cancel,
// disputes, evidence answers, proofs of life), and the trade chat with receipts.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/trades"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := trades.FromPlatformWithUsers(ctx, d, onboarding.NeedVendors)
		if err != nil {
			return nil, err
		}
		chat, err := newChat(ctx, d, svc)
		if err != nil {
			return nil, err
		}
		svc.Receipts = chat.chat
		return newServer(d, svc, chat, idempotency.New(d.Store)).Handle, nil
	}, platform.WithCursors())
}
