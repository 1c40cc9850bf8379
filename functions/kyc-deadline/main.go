// Command kyc-deadline is the scheduled job that suspends accounts whose KYC was not
// completed by its deadline.
package main

import (
	"context"
	"log/slog"

	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := onboarding.FromPlatform(ctx, d, 0)
		if err != nil {
			return nil, err
		}
		return (&job{svc: svc, log: d.Log}).Handle, nil
	})
}

type job struct {
	svc *onboarding.Service
	log *slog.Logger
}

// Handle runs once per schedule tick (the event's content does not matter).
func (j *job) Handle(ctx context.Context, _ any) (onboarding.DeadlineStats, error) {
	st, err := j.svc.SuspendOverdue(ctx, 3)
	j.log.Info("kyc deadlines", "due", st.Due, "suspended", st.Suspended, "cleared", st.Cleared)
	return st, err
}
