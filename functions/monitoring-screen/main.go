// Command monitoring-screen is the monitoring worker: it re-screens the users of each
// queued batch against the current list version (or a new version's added and changed
// entries) and raises the client's alerts. It never changes a user's platform status.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/monitoring"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := monitoring.FromPlatform(ctx, d, monitoring.NeedScreening)
		if err != nil {
			return nil, err
		}
		return (&worker{svc: svc, log: d.Log}).Handle, nil
	})
}
