package sumsub

import (
	"os"
	"path/filepath"
	"testing"
)

// envFixtures overrides the shared fixture folder, as in shared/sanctions/sanctionstest.
const envFixtures = "CHAINGUARD_FIXTURES"

// fixture returns the bytes of a Sumsub fixture from
// $CHAINGUARD_FIXTURES/vendors/sumsub, by default ../shared/fixtures relative to the
// module root, or skips the test when the folder is not there.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	dir := os.Getenv(envFixtures)
	if dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				dir = filepath.Join(d, "..", "shared", "fixtures")
				break
			}
			if filepath.Dir(d) == d {
				t.Skipf("vendor fixtures unavailable: no go.mod above %s (set %s)", wd, envFixtures)
			}
		}
	}
	path := filepath.Join(dir, "vendors", "sumsub", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("vendor fixtures unavailable (set %s): %v", envFixtures, err)
	}
	return data
}
