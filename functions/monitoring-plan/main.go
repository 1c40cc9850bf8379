// Command monitoring-plan starts monitoring runs: invoked by each tenant's EventBridge
// Scheduler schedule (a full re-screen on the tenant's cadence), and by the bus rule on
// lists.version.published (a re-screen of every monitoring tenant against the new
// version's added and changed entries). It queues the users in batches for
// monitoring-screen.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/monitoring"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := monitoring.FromPlatform(ctx, d, monitoring.NeedQueue)
		if err != nil {
			return nil, err
		}
		return newHandler(svc, d.Log), nil
	}, platform.WithCursors()) // it pages the users
}
