// Command webhook-dispatch reads client-facing domain events from the fan-out queue (an
// EventBridge rule fills it) and creates one delivery per matching endpoint of the
// event's tenant, queueing its first attempt.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := delivery.FromPlatform(ctx, d)
		if err != nil {
			return nil, err
		}
		return (&dispatcher{svc: svc, log: d.Log}).Handle, nil
	})
}
