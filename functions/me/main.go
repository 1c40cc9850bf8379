// Command me serves GET /v1/me: the tenant behind the caller's API key.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		return newServer(d).Handle, nil
	})
}
