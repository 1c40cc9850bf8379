package platform

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// Start is a function's main: it loads the dependencies (with opts, see Load), lets wire
// build the handler from them, and hands it to lambda.Start. A wiring error is printed
// and the process exits, so a miswired function fails at cold start instead of on a
// request.
func Start(wire func(ctx context.Context, d *Deps) (any, error), opts ...Option) {
	ctx := context.Background()
	d, err := Load(ctx, opts...)
	var handler any
	if err == nil {
		handler, err = wire(ctx, d)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lambda.Start(handler)
}
