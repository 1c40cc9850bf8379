// Command movements serves the movement log: users' vault and wallet mappings, logging
// movements one by one or in batches (idempotent by the client's id), corrections,
// reading and listing them, their rule evaluation, and asynchronous exports to S3.
package main

import (
	"context"

	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, x, err := movements.FromPlatform(ctx, d, movements.NeedLists|movements.NeedExports)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc, x).Handle, nil
	}, platform.WithCursors())
}
