package lists

import (
	"slices"
	"testing"
	"time"
)

func TestAnswersNameStaleAndNeverLoadedSources(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	ages, stale := ages([]SourceStatus{
		{Source: "OFAC-SDN", Kind: "sanctions", LastGoodAt: "2026-12-02T06:00:00.000Z"},
		{Source: "UN-SC", Kind: "sanctions", LastGoodAt: "2026-11-30T12:00:00.000Z"},
		{Source: "PEP-US", Kind: "pep"}, // configured, never fetched and parsed well
	}, now, DefaultMaxListAge)
	if !slices.Equal(stale, []string{"UN-SC", "PEP-US"}) || len(ages) != 3 {
		t.Fatalf("stale %v, ages %+v", stale, ages)
	}
	if ages[0].AgeHours != 6 || ages[0].Stale || ages[1].AgeHours != 48 || !ages[1].Stale || !ages[2].Stale || ages[2].RefreshedAt != "" {
		t.Fatalf("ages %+v", ages)
	}
}
