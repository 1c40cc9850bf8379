package onboarding

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

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

// TestAWSCallsPerAcceptedWebhook: accepting a vendor webhook costs one conditional
// PutItem (the dedup record) and one SQS SendMessage (counted by the queue here); a
// duplicate costs the failed PutItem and one GetItem, and nothing is queued.
func TestAWSCallsPerAcceptedWebhook(t *testing.T) {
	f := setup(t)
	c := &calls{n: map[string]int{}}
	db := dynamodb.NewFromConfig(emulator.TestConfig(t), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.middleware) })
	f.svc.Store = store.New(db, f.table)
	ev := VendorEvent{Vendor: VendorSumsub, Type: "applicantReviewed", ApplicantID: "a1", At: f.clock.now(), Decisive: true, Key: "calls-1"}
	if _, err := f.svc.Receive(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	first := c.reset()
	if _, err := f.svc.Receive(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	dup := c.reset()
	t.Logf("accepted: %v + %d SendMessage; duplicate: %v", first, len(f.queue.evs), dup)
	if first["DynamoDB.PutItem"] != 1 || len(first) != 1 || len(f.queue.evs) != 1 {
		t.Errorf("accepted webhook: %v, %d queued", first, len(f.queue.evs))
	}
	if dup["DynamoDB.PutItem"] != 1 || dup["DynamoDB.GetItem"] != 1 || len(f.queue.evs) != 1 {
		t.Errorf("duplicate: %v", dup)
	}
}

// BenchmarkReceive is the service's part of acknowledging a webhook, through the real SDK
// to the emulator: the dedup record's conditional PutItem (the queue is in memory).
func BenchmarkReceive(b *testing.B) {
	f := setup(b)
	ctx := context.Background()
	var lat []time.Duration
	i := 0
	for b.Loop() {
		i++
		ev := VendorEvent{Vendor: VendorSumsub, Type: "applicantPending", ApplicantID: "a1", At: f.clock.now(), Key: fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)}
		t0 := time.Now()
		if _, err := f.svc.Receive(ctx, ev); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
