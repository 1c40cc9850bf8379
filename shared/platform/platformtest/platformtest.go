// Package platformtest builds a function's dependencies against the emulator for
// integration tests: a fresh table shaped like template.yaml's, wired by platform.Load
// from the same environment variables the template sets. It lives apart from platform so
// that function binaries never link test code.
package platformtest

import (
	"context"
	"testing"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/platform"
)

// Deps returns dependencies over a fresh table. Call emulator.RunTests from TestMain.
func Deps(t *testing.T) *platform.Deps {
	t.Helper()
	cfg := emulator.TestConfig(t)
	t.Setenv("TABLE_NAME", stack.TestTable(t, cfg))
	t.Setenv("EVENT_BUS_NAME", "")
	t.Setenv("LOG_LEVEL", "ERROR")
	d, err := platform.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}
