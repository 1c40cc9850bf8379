// Command kyc-decision decides onboarding from the identity vendors' accepted events: it
// reads the applicant's review from the vendor, keeps the normalised identity (encrypted),
// runs the initial screening in-process and moves the account, one queue message at a time.
// A verification that is a trade's proof of life goes to the trade instead (matched to the
// identity registered at onboarding).
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/trades"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := onboarding.FromPlatform(ctx, d, onboarding.NeedVendors|onboarding.NeedScreener)
		if err != nil {
			return nil, err
		}
		proofs, err := trades.FromPlatform(ctx, d, svc)
		if err != nil {
			return nil, err
		}
		svc.Proofs = proofs
		return (&decider{svc: svc, log: d.Log}).Handle, nil
	})
}
