// Command webhook-deliver makes webhook attempts: one per message of the delivery queue,
// retried on the schedule, and runs replay jobs.
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
		return (&deliverer{svc: svc, log: d.Log}).Handle, nil
	})
}
