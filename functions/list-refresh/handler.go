package main

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/metrics"
	"github.com/chainfi/chainguard/shared/store"
)

// refresher is the one domain operation of the function.
type refresher interface {
	Refresh(ctx context.Context) (lists.RefreshResult, error)
}

// neverRefreshedHours is the age reported for a source that has never been good.
const neverRefreshedHours = 1e6

// metricsNamespace holds the list metrics the staleness alarm watches.
const metricsNamespace = "ChainGuard/Lists"

// newHandler serves the scheduler's event (its content is irrelevant: every run refreshes
// everything). An error makes the scheduler retry, then dead-letter the run.
//
// Every run that gets as far as the sources writes two metrics: SourcesFailed (sources
// that could not be fetched or parsed this time: their last good data stays in service)
// and OldestSourceAgeHours (the age of the stalest source's data), which the
// lists-stale alarm compares with the configured maximum age. A run that writes nothing
// counts against that alarm too.
func newHandler(r refresher, out io.Writer, now func() time.Time) func(ctx context.Context, _ json.RawMessage) (lists.RefreshResult, error) {
	return func(ctx context.Context, _ json.RawMessage) (lists.RefreshResult, error) {
		res, err := r.Refresh(ctx)
		if len(res.Sources) > 0 {
			at := now()
			oldest := 0.0
			for _, s := range res.Sources {
				if t, perr := store.ParseTime(s.LastGoodAt); perr == nil {
					oldest = max(oldest, at.Sub(t).Hours())
				} else {
					oldest = max(oldest, neverRefreshedHours) // configured, never good: stale
				}
			}
			metrics.EMF(out, metricsNamespace, map[string]float64{
				"OldestSourceAgeHours": oldest, "SourcesFailed": float64(len(res.Failed)),
			}, at)
		}
		return res, err
	}
}
