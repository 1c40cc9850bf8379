// Command list-refresh runs on a schedule: it downloads the configured sanctions list
// sources, and publishes a new list version (index in S3, metadata, delta and audit entry
// in the table, lists.version.published event) only when their content changed.
package main

import (
	"context"
	"os"
	"time"

	"github.com/chainfi/chainguard/shared/config"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(_ context.Context, deps *platform.Deps) (any, error) {
		var env config.Env
		bucket := env.Required("LISTS_BUCKET")
		maxMB := env.Int("LIST_MAX_FILE_MB", lists.DefaultMaxBytes>>20)
		pepDays := env.Int(lists.EnvPEPWindowDays, 365)
		if err := env.Err(); err != nil {
			return nil, err
		}
		sources, err := lists.SourceURLsFromEnv().Sources()
		if err != nil {
			return nil, err
		}
		pub := &lists.Publisher{
			Store: deps.Store, DB: deps.DB, Audit: deps.Audit, Events: deps.Events,
			S3: lists.NewS3Client(deps.AWS), Bucket: bucket, KMSKeyID: deps.Config.KeyID,
			Fetcher: &lists.Fetcher{MaxBytes: int64(maxMB) << 20}, Sources: sources, Log: deps.Log,
			PEPWindow: time.Duration(pepDays) * 24 * time.Hour,
		}
		return newHandler(pub, os.Stdout, time.Now), nil
	})
}
