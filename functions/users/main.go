// Command users serves the client onboarding API: users (create, read, list), consent,
// KYC start with the identity vendor, appeals, company members, the tenant's KYC policy
// and the users report.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := onboarding.FromPlatform(ctx, d, onboarding.NeedVendors)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	}, platform.WithCursors())
}
