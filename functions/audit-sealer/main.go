// Command audit-sealer is the only writer of the audit chains. It reads the audit records
// that domain functions commit with their changes from the table's stream and seals them
// into their tenants' hash chains, block by block; a scheduled sweep seals whatever the
// stream path left behind (a batch sent to the dead-letter queue, a stream outage).
package main

import (
	"context"
	"os"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	platform.Start(func(_ context.Context, d *platform.Deps) (any, error) {
		s := &sealer{audit: d.Audit, log: d.Log, out: os.Stdout}
		return s.Handle, nil
	})
}
