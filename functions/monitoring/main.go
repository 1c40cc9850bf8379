// Command monitoring serves the client API of ongoing monitoring: the tenant's
// configuration (which keeps its EventBridge Scheduler schedule in step), its runs, and
// a run started on request.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/monitoring"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := monitoring.FromPlatform(ctx, d, monitoring.NeedSchedules|monitoring.NeedQueue)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	}, platform.WithCursors())
}
