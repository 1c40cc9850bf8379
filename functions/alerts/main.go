// Command alerts serves the tenant's alerts: GET /v1/alerts (filtered, paginated),
// GET /v1/alerts/{alertId} and POST /v1/alerts/{alertId}/resolution.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		if d.Config.KeyID == "" {
			return nil, fmt.Errorf("%s is required: resolution comments are stored encrypted", config.EnvKeyID)
		}
		enc, err := envelope.New(kms.NewFromConfig(d.AWS), d.Config.KeyID)
		if err != nil {
			return nil, err
		}
		svc := alerts.New(alerts.Config{Store: d.Store, Audit: d.Audit, Enc: enc, Log: d.Log})
		return newServer(d, svc, idempotency.New(d.Store)).Handle, nil
	}, platform.WithCursors())
}
