// Command audit-verify runs on a schedule: it verifies every tenant's audit hash chain,
// publishes the verified head of each chain (an anchor kept outside the table) and raises
// an event and a metric for any chain that was tampered with.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/chainfi/chainguard/shared/platform"
)

func main() {
	deps, err := platform.Load(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	v := &verifier{audit: deps.Audit, events: deps.Events, log: deps.Log, out: os.Stdout}
	lambda.Start(v.Handle)
}
