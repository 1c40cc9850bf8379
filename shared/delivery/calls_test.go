package delivery

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// TestAWSCallsPerDelivery reports what a delivery costs in DynamoDB calls: dispatching one
// event to one endpoint, then its successful first attempt (the queue is in memory here:
// each attempt also costs SQS one SendMessage from dispatch, batched by ten).
func TestAWSCallsPerDelivery(t *testing.T) {
	ctx := context.Background()
	c := &emulator.Calls{}
	f := setup(t, func(cfg *Config) {
		db := dynamodb.NewFromConfig(emulator.TestConfig(t), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.Middleware) })
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
	c.Reset()
	if _, err := f.svc.Dispatch(ctx, event(t, "t-c", "apikey.created", f.clock.now())); err != nil {
		t.Fatal(err)
	}
	dispatch := c.Reset()
	f.drain(t)
	attempt := c.Reset()
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
