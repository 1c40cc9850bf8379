// Command staff-reviews serves the staff review queue: list and read reviews with their
// evidence, decide (analysts and approvers), approve with four eyes (approvers), and the
// users report across tenants.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		// An upheld appeal screens the account at once: the engine is needed here too.
		svc, err := onboarding.FromPlatform(ctx, d, onboarding.NeedScreener)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	}, platform.WithCursors())
}
