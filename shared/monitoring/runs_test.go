package monitoring

import (
	"testing"
	"time"
)

func TestARunIsNamedAfterItsTrigger(t *testing.T) {
	now := time.Date(2026, 12, 2, 2, 7, 0, 0, time.UTC)
	a := runID(Trigger{Tenant: "t1", Kind: TriggerSchedule, At: "2026-12-02T02:00:00Z"}, now)
	if a != runID(Trigger{Tenant: "t1", Kind: TriggerSchedule, At: "2026-12-02T02:00:00Z"}, now.Add(time.Hour)) {
		t.Fatal("a redelivered occurrence is another run")
	}
	if a == runID(Trigger{Tenant: "t1", Kind: TriggerSchedule, At: "2026-12-03T02:00:00Z"}, now) ||
		a == runID(Trigger{Tenant: "t2", Kind: TriggerSchedule, At: "2026-12-02T02:00:00Z"}, now) {
		t.Fatal("another occurrence or tenant is the same run")
	}
	// A scheduled time the scheduler did not fill in must not make every run one run.
	lit := Trigger{Tenant: "t1", Kind: TriggerSchedule, At: "<aws.scheduler.scheduled-time>"}
	if runID(lit, now) == runID(lit, now.Add(24*time.Hour)) || runID(lit, now) != runID(lit, now.Add(30*time.Minute)) {
		t.Fatal("an unfilled scheduled time")
	}
	v := Trigger{Tenant: "t1", Kind: TriggerListVersion, ListVersion: "000002-ab"}
	if runID(v, now) != runID(v, now.Add(48*time.Hour)) {
		t.Fatal("a list version's run depends on the time")
	}
	if runID(Trigger{Tenant: "t1", Kind: TriggerManual}, now) == runID(Trigger{Tenant: "t1", Kind: TriggerManual}, now) {
		t.Fatal("two manual runs are one")
	}
}
