package metamap

import (
	"os"
	"path/filepath"
	"testing"
)

// envFixtures overrides the shared fixture folder, as in shared/sanctions/sanctionstest.
const envFixtures = "CHAINGUARD_FIXTURES"

// fixtureDir returns $CHAINGUARD_FIXTURES/vendors/metamap, by default under
// ../shared/fixtures relative to the module root, or skips the test when it is not there.
func fixtureDir(t *testing.T) string {
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
	dir = filepath.Join(dir, "vendors", "metamap")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("vendor fixtures unavailable (set %s): %v", envFixtures, err)
	}
	return dir
}

// fixtures returns the verification fixtures by file name.
func fixtures(t *testing.T) map[string][]byte {
	t.Helper()
	dir := fixtureDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "verification-*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no verification-*.json in %s: %v", dir, err)
	}
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = data
	}
	return out
}
