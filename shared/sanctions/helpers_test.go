package sanctions

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// fixtureDir finds the shared public fixtures (CHAINGUARD_FIXTURES or
// ../shared/fixtures next to the repository root) or skips. The
// sanctionstest package does the same but imports this package.
func fixtureDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("CHAINGUARD_FIXTURES"); d != "" {
		return d
	}
	wd, _ := os.Getwd()
	for dir := wd; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "fixtures")
			if _, err := os.Stat(filepath.Join(d, "sanctions")); err != nil {
				t.Skipf("public list fixtures not found at %s (set CHAINGUARD_FIXTURES)", d)
			}
			return d
		}
	}
	t.Skip("no go.mod found; set CHAINGUARD_FIXTURES")
	return ""
}
