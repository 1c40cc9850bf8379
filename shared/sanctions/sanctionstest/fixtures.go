// Package sanctionstest locates the shared public fixture folder (OFAC, UN,
// crypto address files, screening benchmark) for tests, benchmarks and the
// screenbench program. The fixtures are never copied into the repository.
package sanctionstest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chainfi/chainguard/shared/sanctions"
)

// EnvFixtures names the environment variable that overrides the fixture
// folder; by default it is ../shared/fixtures relative to the repository
// root (the folder holding go.mod).
const EnvFixtures = "CHAINGUARD_FIXTURES"

// ErrNoFixtures is returned when the fixture folder cannot be found.
var ErrNoFixtures = errors.New("fixture folder not found")

// Dir returns the fixture folder.
func Dir() (string, error) {
	if d := os.Getenv(EnvFixtures); d != "" {
		if _, err := os.Stat(filepath.Join(d, "sanctions")); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvFixtures, d, ErrNoFixtures)
		}
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locate fixtures: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "fixtures")
			if _, err := os.Stat(filepath.Join(d, "sanctions")); err != nil {
				return "", fmt.Errorf("%s (set %s): %w", d, EnvFixtures, ErrNoFixtures)
			}
			return filepath.Clean(d), nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s (set %s): %w", wd, EnvFixtures, ErrNoFixtures)
		}
	}
}

// Require returns the fixture folder or skips the test with a clear message.
func Require(tb testing.TB) string {
	tb.Helper()
	d, err := Dir()
	if err != nil {
		tb.Skipf("public list fixtures unavailable: %v", err)
	}
	return d
}

// Lists are the parsed fixture lists.
type Lists struct {
	OFAC2021, OFAC2024, UN, Crypto *sanctions.List
}

// Load parses the fixture lists.
func Load(dir string) (*Lists, error) {
	var l Lists
	var err error
	if l.OFAC2021, err = sanctions.ParseOFACDir(os.DirFS(filepath.Join(dir, "sanctions", "ofac-2021-07"))); err != nil {
		return nil, err
	}
	if l.OFAC2024, err = sanctions.ParseOFACDir(os.DirFS(filepath.Join(dir, "sanctions", "ofac-2024-05-03"))); err != nil {
		return nil, err
	}
	if l.UN, err = sanctions.ParseUNDir(os.DirFS(filepath.Join(dir, "sanctions", "un"))); err != nil {
		return nil, err
	}
	if l.Crypto, err = sanctions.ParseCryptoAddressDir(os.DirFS(filepath.Join(dir, "sanctions", "crypto-addresses"))); err != nil {
		return nil, err
	}
	return &l, nil
}

// Must loads the fixture lists or skips the test.
func Must(tb testing.TB) *Lists {
	tb.Helper()
	l, err := Load(Require(tb))
	if err != nil {
		tb.Fatalf("parse fixtures: %v", err)
	}
	return l
}
