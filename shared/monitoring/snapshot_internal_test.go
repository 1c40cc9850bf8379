package monitoring

import (
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// TestASnapshotOfAnotherPreparationIsNotUsed: a delta run does not screen
// queries prepared by another release's PrepareName (stale tokens), nor a
// snapshot too old or of another tenant.
func TestASnapshotOfAnotherPreparationIsNotUsed(t *testing.T) {
	now := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	it := snapshotItem{TenantID: "t1", RunID: "r", Batches: 1, PlannedAt: store.FormatTime(now.Add(-24 * time.Hour)), PrepareVersion: screening.PrepareVersion}
	if !it.usable("t1", now) {
		t.Fatalf("a day-old snapshot of this version is not used: %+v", it)
	}
	for name, mutate := range map[string]func(*snapshotItem){
		"another preparation":          func(i *snapshotItem) { i.PrepareVersion = screening.PrepareVersion - 1 },
		"no version (before versions)": func(i *snapshotItem) { i.PrepareVersion = 0 },
		"another tenant":               func(i *snapshotItem) { i.TenantID = "t2" },
		"too old":                      func(i *snapshotItem) { i.PlannedAt = store.FormatTime(now.Add(-snapshotMaxAge - time.Hour)) },
	} {
		c := it
		mutate(&c)
		if c.usable("t1", now) {
			t.Errorf("%s: used", name)
		}
	}
}
