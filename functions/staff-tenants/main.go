// Command staff-tenants serves the staff routes that manage tenants and their API keys
// and read and verify their audit trails.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	// The tenant and key lists are paged with signed cursors.
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		return newServer(d).Handle, nil
	}, platform.WithCursors())
}
