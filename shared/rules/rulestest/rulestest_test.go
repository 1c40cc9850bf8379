package rulestest

import "testing"

func TestEachSetHasFiftyRules(t *testing.T) {
	if n := len(Busy([4]string{"10m", "1h", "24h", "168h"}, "168h")); n != 50 {
		t.Errorf("Busy: %d rules", n)
	}
	if n := len(Quiet("my-blocklist", "high-risk-countries")); n != 50 {
		t.Errorf("Quiet: %d rules", n)
	}
}
