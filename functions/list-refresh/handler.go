package main

import (
	"context"
	"encoding/json"

	"github.com/chainfi/chainguard/shared/lists"
)

// refresher is the one domain operation of the function.
type refresher interface {
	Refresh(ctx context.Context) (lists.RefreshResult, error)
}

// newHandler serves the scheduler's event (its content is irrelevant: every run refreshes
// everything). An error makes the scheduler retry, then dead-letter the run.
func newHandler(r refresher) func(ctx context.Context, _ json.RawMessage) (lists.RefreshResult, error) {
	return func(ctx context.Context, _ json.RawMessage) (lists.RefreshResult, error) {
		return r.Refresh(ctx)
	}
}
