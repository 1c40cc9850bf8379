// Command staff-tenants serves the staff routes that manage tenants and their API keys
// and read and verify their audit trails.
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
	lambda.Start(newServer(deps).Handle)
}
