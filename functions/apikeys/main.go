// Command apikeys lets a tenant rotate its own API keys: list, issue, revoke.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	// The tenant's key list is paged with signed cursors.
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		return newServer(d).Handle, nil
	}, platform.WithCursors())
}
