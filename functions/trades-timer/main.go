// Command trades-timer runs every minute: it fires the trades' timers that are due
// (payment windows, confirm deadlines, dispute SLAs and default verdicts), reports the
// stuck-trade check as a metric (an alarm watches it), and once a day verifies every
// tenant's ledger against its trades (the invariants of the P2P escrow).
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"time"

	"github.com/chainfi/chainguard/shared/metrics"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
	"github.com/chainfi/chainguard/shared/trades"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := trades.FromPlatformWithUsers(ctx, d, 0)
		if err != nil {
			return nil, err
		}
		return (&timer{svc: svc, tenants: d.Tenants, log: d.Log}).Handle, nil
	}, platform.WithCursors())
}

type timer struct {
	svc     *trades.Service
	tenants *tenants.Service
	log     *slog.Logger
}

// Input is the schedule's payload: {"job":"sweep"} (every minute) or {"job":"verify"}
// (daily).
type Input struct {
	Job string `json:"job"`
}

// Output is what a run did.
type Output struct {
	Sweep    *trades.SweepResult `json:"sweep,omitempty"`
	Stuck    int                 `json:"stuck"`
	Verified int                 `json:"tenantsVerified,omitempty"`
	Problems int                 `json:"ledgerProblems"`
}

// Handle runs the job the schedule's input names (the sweep when it names none).
func (h *timer) Handle(ctx context.Context, raw json.RawMessage) (Output, error) {
	var out Output
	now := time.Now().UTC()
	job := "sweep"
	var in Input
	if len(raw) > 0 && json.Unmarshal(raw, &in) == nil && in.Job != "" {
		job = in.Job
	}
	if job == "verify" {
		return h.verify(ctx)
	}
	res, err := h.svc.Sweep(ctx, now)
	if err != nil {
		return out, err
	}
	out.Sweep = &res
	stuck, err := h.svc.StuckTrades(ctx, now)
	if err != nil {
		return out, err
	}
	out.Stuck = len(stuck)
	for _, s := range stuck {
		h.log.WarnContext(ctx, "trade overdue", "tenant", s.TenantID, "tradeId", s.TradeID, "state", s.State, "owner", s.Owner, "overdue", s.Overdue)
	}
	metrics.EMF(os.Stdout, "ChainGuard/Trades", map[string]float64{"TimersFired": float64(res.Fired), "DisputesEscalated": float64(res.Escalated),
		"TimerFailures": float64(res.Failed), "StuckTrades": float64(len(stuck))}, now)
	return out, nil
}

// verify checks every tenant's ledger against its trades.
func (h *timer) verify(ctx context.Context) (Output, error) {
	var out Output
	var ts []string
	for cursor := ""; ; {
		page, next, err := h.tenants.List(ctx, 200, cursor)
		if err != nil {
			return out, err
		}
		for _, t := range page {
			ts = append(ts, t.ID)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for _, t := range ts {
		escrows, err := h.svc.Escrows(ctx, store.TenantID(t))
		if err != nil {
			return out, err
		}
		rep, err := h.svc.Ledger.Verify(ctx, store.TenantID(t), escrows)
		if err != nil {
			return out, err
		}
		out.Verified++
		out.Problems += len(rep.Problems)
		for _, p := range rep.Problems {
			// Subjects are internal ids (account, transaction, trade, asset) and
			// details are amounts: no personal data, and what the operator needs
			// to find the damage.
			h.log.ErrorContext(ctx, "ledger invariant broken", "tenant", t, "code", p.Code, "subject", p.Subject, "detail", p.Detail)
		}
	}
	metrics.EMF(os.Stdout, "ChainGuard/Trades", map[string]float64{"LedgerProblems": float64(out.Problems)}, time.Now())
	return out, nil
}
