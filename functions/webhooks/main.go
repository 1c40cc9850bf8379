// Command webhooks serves the client webhook API: endpoints (create, list, read, change,
// delete, rotate the secret, send a test, replay), the event catalogue, and deliveries
// with their attempts (list, read, retry).
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	// Deliveries are paged with signed cursors.
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := delivery.FromPlatform(ctx, d)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	}, platform.WithCursors())
}
