package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/monitoring"
)

type planner interface {
	Plan(ctx context.Context, t monitoring.Trigger) (monitoring.Run, error)
	PlanListVersion(ctx context.Context, v lists.VersionEvent) ([]monitoring.Run, error)
}

// Result is what an invocation planned (the runs' ids and sizes), for the logs.
type Result struct {
	Runs []monitoring.Run `json:"runs"`
}

// newHandler tells the two callers apart: an EventBridge event (detail-type) is a list
// version; anything else is a schedule's input. An error makes the caller retry: the
// scheduler (then its DLQ), or EventBridge (then the rule's DLQ); planning is idempotent.
func newHandler(p planner, log *slog.Logger) func(ctx context.Context, raw json.RawMessage) (Result, error) {
	return func(ctx context.Context, raw json.RawMessage) (Result, error) {
		var probe struct {
			DetailType string `json:"detail-type"`
		}
		if err := json.Unmarshal(raw, &probe); err != nil {
			return Result{}, fmt.Errorf("monitoring-plan: not JSON: %w", err)
		}
		if probe.DetailType != "" {
			env, err := events.FromEventBridge(raw)
			if err != nil {
				return Result{}, err
			}
			if env.Type != lists.EventVersionPublished {
				log.Warn("event ignored", "type", env.Type)
				return Result{}, nil
			}
			var v lists.VersionEvent
			if err := json.Unmarshal(env.Data, &v); err != nil {
				return Result{}, fmt.Errorf("monitoring-plan: %s data: %w", env.Type, err)
			}
			runs, err := p.PlanListVersion(ctx, v)
			log.Info("list version planned", "version", v.Version, "runs", len(runs), "error", err)
			return Result{Runs: runs}, err
		}
		var t monitoring.Trigger
		if err := json.Unmarshal(raw, &t); err != nil {
			return Result{}, fmt.Errorf("monitoring-plan: trigger: %w", err)
		}
		if t.Kind != monitoring.TriggerSchedule {
			return Result{}, fmt.Errorf("monitoring-plan: trigger %q is not a schedule's", t.Kind)
		}
		r, err := p.Plan(ctx, t)
		if err != nil {
			return Result{}, err
		}
		log.Info("run planned", "tenant", t.Tenant, "run", r.ID, "users", r.Planned, "batches", r.Batches, "status", r.Status)
		return Result{Runs: []monitoring.Run{r}}, nil
	}
}
