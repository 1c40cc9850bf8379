package webhooks

import (
	"testing"
	"time"
)

func TestScheduleIsSvixs(t *testing.T) {
	want := []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	got := Schedule()
	if MaxAttempts != 8 || len(got) != len(want) {
		t.Fatalf("MaxAttempts %d, schedule %v", MaxAttempts, got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("schedule %v, want %v", got, want)
		}
	}
	got[1] = time.Hour
	if Schedule()[1] != 5*time.Second {
		t.Fatal("a caller changed the schedule")
	}
}

func TestNextDelay(t *testing.T) {
	fixed := func(r float64) func() float64 { return func() float64 { return r } }
	tests := []struct {
		name    string
		attempt int
		rnd     func() float64
		want    time.Duration
		wantOK  bool
	}{
		{"the first attempt is immediate", 0, fixed(0.99), 0, true},
		{"after the first failure, 5 s at the middle of the jitter", 1, fixed(0.5), 5 * time.Second, true},
		{"after the first failure, 10% less at the bottom", 1, fixed(0), 4500 * time.Millisecond, true},
		{"after the second failure, 5 min", 2, fixed(0.5), 5 * time.Minute, true},
		{"after the third, 30 min", 3, fixed(0.5), 30 * time.Minute, true},
		{"after the fourth, 2 h", 4, fixed(0.5), 2 * time.Hour, true},
		{"after the fifth, 5 h", 5, fixed(0.5), 5 * time.Hour, true},
		{"after the sixth, 10 h", 6, fixed(0.5), 10 * time.Hour, true},
		{"after the seventh, 10 h and 10% more at the top", 7, fixed(1), 11 * time.Hour, true},
		{"after the eighth, none is left", 8, fixed(0.5), 0, false},
		{"far beyond, none is left", 100, fixed(0.5), 0, false},
		{"a negative count is refused", -1, fixed(0.5), 0, false},
		{"a random source out of range is clamped", 1, fixed(7), 5500 * time.Millisecond, true},
		{"a negative random value is clamped", 1, fixed(-3), 4500 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NextDelay(tt.attempt, tt.rnd)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("NextDelay(%d) = %s, %v; want %s, %v", tt.attempt, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNextDelayStaysWithinTenPercentWithTheDefaultSource(t *testing.T) {
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		base := Schedule()[attempt]
		lo, hi := time.Duration(float64(base)*0.9), time.Duration(float64(base)*1.1)
		seen := map[time.Duration]bool{}
		for range 200 {
			d, ok := NextDelay(attempt, nil)
			if !ok || d < lo || d > hi {
				t.Fatalf("attempt %d: %s, %v; want within [%s, %s]", attempt, d, ok, lo, hi)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("attempt %d: only %d distinct delays", attempt, len(seen))
		}
	}
}

func TestNextDelayDoesNotDrawForTheImmediateAttempt(t *testing.T) {
	if d, ok := NextDelay(0, func() float64 { panic("drawn") }); d != 0 || !ok {
		t.Fatalf("%s, %v", d, ok)
	}
}
