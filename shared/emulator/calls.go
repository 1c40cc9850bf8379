package emulator

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Calls counts AWS operations by "Service.Operation" through an SDK middleware, for the
// tests that measure what a request costs. Add Middleware to a client's APIOptions.
type Calls struct {
	mu sync.Mutex
	n  map[string]int
}

// Middleware counts every operation of the client it is added to, once: the calls our
// code makes. An attempt the SDK repeats on its own (a throttle, or an answer the emulator
// garbled under load: "response did not match expected checksum") is the same call.
func (c *Calls) Middleware(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		c.mu.Lock()
		if c.n == nil {
			c.n = map[string]int{}
		}
		c.n[awsmiddleware.GetServiceID(ctx)+"."+awsmiddleware.GetOperationName(ctx)]++
		c.mu.Unlock()
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

// Reset answers the counts so far and starts again from zero.
func (c *Calls) Reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	if out == nil {
		out = map[string]int{}
	}
	c.n = map[string]int{}
	return out
}
