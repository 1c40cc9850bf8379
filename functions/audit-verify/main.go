// Command audit-verify runs on a schedule: it verifies every tenant's audit hash chain,
// publishes the verified head of each chain (an anchor kept outside the table) and raises
// an event and a metric for any chain that was tampered with.
package main

import (
	"context"
	"os"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		v := &verifier{audit: d.Audit, events: d.Events, log: d.Log, out: os.Stdout}
		return v.Handle, nil
	})
}
