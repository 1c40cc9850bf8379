// Command movement-rules serves the client's restriction rules (CEL expressions checked
// at creation, versioned, backtested over logged movements) and the client's own address
// and country lists the rules read.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, _, err := movements.FromPlatform(ctx, d, movements.NeedLists)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	})
}
