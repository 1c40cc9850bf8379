package delivery

import (
	"context"
	"testing"
)

// BenchmarkDelivery is one worker's throughput: each iteration dispatches one event to one
// endpoint and makes its first attempt to a local receiver that answers 200, through the
// real SDK to the emulator (the queue is in memory). deliveries/s is one worker's rate; in
// AWS each concurrent invocation of webhook-deliver is one such worker.
func BenchmarkDelivery(b *testing.B) {
	ctx := context.Background()
	f := setup(b)
	r := newReceiver(b, 200)
	f.endpoint(b, "t-bench", r.URL, "*")
	for b.Loop() {
		if _, err := f.svc.Dispatch(ctx, event(b, "t-bench", "apikey.created", f.clock.now())); err != nil {
			b.Fatal(err)
		}
		if f.drain(b) != 1 {
			b.Fatal("no attempt queued")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	if r.count() != b.N {
		b.Fatalf("receiver got %d of %d", r.count(), b.N)
	}
}
