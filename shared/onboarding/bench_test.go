package onboarding

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// TestAWSCallsPerAcceptedWebhook: accepting a vendor webhook costs one conditional
// PutItem (the dedup record) and one SQS SendMessage (counted by the queue here); a
// duplicate costs the failed PutItem and one GetItem, and nothing is queued.
func TestAWSCallsPerAcceptedWebhook(t *testing.T) {
	f := setup(t)
	c := &emulator.Calls{}
	db := dynamodb.NewFromConfig(emulator.TestConfig(t), func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, c.Middleware) })
	f.svc.Store = store.New(db, f.table)
	ev := VendorEvent{Vendor: VendorSumsub, Type: "applicantReviewed", ApplicantID: "a1", At: f.clock.now(), Decisive: true, Key: "calls-1"}
	if _, err := f.svc.Receive(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	first := c.Reset()
	if _, err := f.svc.Receive(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	dup := c.Reset()
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
