package delivery

import (
	"context"
	"sync"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// calls counts AWS operations by "Service.Operation", through an SDK middleware.
type calls struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) middleware(st *middleware.Stack) error {
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("countCalls", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		c.mu.Lock()
		c.n[awsmiddleware.GetServiceID(ctx)+"."+awsmiddleware.GetOperationName(ctx)]++
		c.mu.Unlock()
		return next.HandleFinalize(ctx, in)
	}), middleware.After)
}

func (c *calls) reset() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.n
	c.n = map[string]int{}
	return out
}

// TestAWSCallsPerDelivery reports what a delivery costs in DynamoDB calls: dispatching one
// event to one endpoint, then its successful first attempt (the queue is in memory here:
// each attempt also costs SQS one SendMessage from dispatch, batched by ten).
func TestAWSCallsPerDelivery(t *testing.T) {
	ctx := context.Background()
	c := &calls{n: map[string]int{}}
	f := setup(t, func(cfg *Config) {
		db := dynamodb.NewFromConfig(emulator.TestConfig(t), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.middleware) })
		cfg.Store = store.New(db, cfg.Store.Table(), store.WithCursorSecret(make([]byte, 32)))
		cfg.Audit = audit.New(db, cfg.Store.Table())
	})
	r := newReceiver(t, 200)
	f.endpoint(t, "t-c", r.URL, "*")
	f.endpoint(t, "t-c", r.URL, "*") // the warm endpoint's secret is decrypted once per process: send once first
	if _, err := f.svc.Dispatch(ctx, event(t, "t-c", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	c.reset()
	if _, err := f.svc.Dispatch(ctx, event(t, "t-c", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	dispatch := c.reset()
	f.drain(t)
	attempt := c.reset()
	t.Logf("dispatch of one event to two endpoints: %v; their two first attempts: %v", dispatch, attempt)
	if dispatch["DynamoDB.Query"] != 1 || dispatch["DynamoDB.PutItem"] != 2 || total(dispatch) != 3 {
		t.Errorf("dispatch: %v, want one query of the endpoints and one create per delivery", dispatch)
	}
	// Per attempt: read the delivery, claim it, read the endpoint, record the attempt.
	if attempt["DynamoDB.GetItem"] != 4 || attempt["DynamoDB.PutItem"] != 4 || total(attempt) != 8 {
		t.Errorf("attempts: %v, want 4 calls each", attempt)
	}
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
