// Command kyc-decision decides onboarding from the identity vendors' accepted events: it
// reads the applicant's review from the vendor, keeps the normalised identity (encrypted),
// runs the initial screening in-process and moves the account, one queue message at a time.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := onboarding.FromPlatform(ctx, d, onboarding.NeedVendors|onboarding.NeedScreener)
		if err != nil {
			return nil, err
		}
		return (&decider{svc: svc, log: d.Log}).Handle, nil
	})
}
