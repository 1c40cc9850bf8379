package main

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/monitoring"
)

type fakePlanner struct {
	triggers []monitoring.Trigger
	versions []lists.VersionEvent
}

func (f *fakePlanner) Plan(_ context.Context, t monitoring.Trigger) (monitoring.Run, error) {
	f.triggers = append(f.triggers, t)
	return monitoring.Run{ID: "R1"}, nil
}

func (f *fakePlanner) PlanListVersion(_ context.Context, v lists.VersionEvent) ([]monitoring.Run, error) {
	f.versions = append(f.versions, v)
	return nil, nil
}

// The two sample events are what the scheduler and the bus rule send.
func TestTheScheduleAndTheListVersionEventReachTheirPlans(t *testing.T) {
	f := &fakePlanner{}
	h := newHandler(f, slog.New(slog.DiscardHandler))
	for _, name := range []string{"../../events/monitoring-plan.json", "../../events/monitoring-plan-list-version.json"} {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h(context.Background(), raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if len(f.triggers) != 1 || f.triggers[0].Tenant != "t-demo" || f.triggers[0].Kind != monitoring.TriggerSchedule || f.triggers[0].At == "" {
		t.Fatalf("schedule: %+v", f.triggers)
	}
	if len(f.versions) != 1 || f.versions[0].Version != "000002-0123456789ab" || f.versions[0].DeltaKey == "" || f.versions[0].EntitiesKey == "" {
		t.Fatalf("list version: %+v", f.versions)
	}
	// Anything else is refused, so that a misrouted invocation is seen.
	if _, err := h(context.Background(), []byte(`{"tenantId":"t","trigger":"manual"}`)); err == nil {
		t.Fatal("a manual trigger through the planner's entry was accepted")
	}
	if _, err := h(context.Background(), []byte(`not json`)); err == nil {
		t.Fatal("garbage accepted")
	}
}
