// Command screening serves POST /v1/screenings and GET /v1/screenings/{screeningId}:
// clients screen a person, organisation, vessel, aircraft or crypto address against the
// current sanctions list version, which is loaded from S3 once per cold start and
// swapped in memory when a newer one is published.
package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, deps *platform.Deps) (any, error) {
		var env config.Env
		bucket := env.Required("LISTS_BUCKET")
		reload := env.Int("LIST_RELOAD_SECONDS", int(lists.DefaultReloadInterval/time.Second))
		maxAge := env.Int(lists.EnvMaxListAgeHours, int(lists.DefaultMaxListAge/time.Hour))
		if err := env.Err(); err != nil {
			return nil, err
		}
		if deps.Config.KeyID == "" {
			return nil, fmt.Errorf("%s is required: screening queries are stored encrypted", config.EnvKeyID)
		}
		enc, err := envelope.New(kms.NewFromConfig(deps.AWS), deps.Config.KeyID)
		if err != nil {
			return nil, err
		}
		loader := lists.NewLoader(deps.Store, lists.NewS3Client(deps.AWS), bucket,
			lists.WithReloadInterval(time.Duration(reload)*time.Second), lists.WithLoaderLog(deps.Log))
		// Load the index during the init phase; without a published version the function
		// still starts and answers 503 lists_not_ready until one appears.
		if _, err := loader.Current(ctx); err != nil {
			deps.Log.Warn("no list version loaded at cold start", "error", err)
		}
		screener := lists.NewScreener(deps.Store, deps.Audit, enc, loader, lists.WithMaxListAge(time.Duration(maxAge)*time.Hour))
		return newServer(deps, screener, idempotency.New(deps.Store)).Handle, nil
	})
}
