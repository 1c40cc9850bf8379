package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/onboarding"
)

type processor interface {
	Process(ctx context.Context, ev onboarding.VendorEvent) error
}

type decider struct {
	svc processor
	log *slog.Logger
}

// Handle decides the batch's events concurrently and reports the ones that failed, so
// only they come back (and, after the queue's maxReceiveCount, go to its DLQ). A message
// that is not an event is reported too: it ends in the DLQ, where it can be read.
func (h *decider) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var (
		mu   sync.Mutex
		resp = events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		wg   sync.WaitGroup
	)
	for _, m := range batch.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ev onboarding.VendorEvent
			err := json.Unmarshal([]byte(m.Body), &ev)
			if err == nil {
				err = h.svc.Process(ctx, ev)
			}
			if err != nil {
				h.log.Warn("vendor event not decided", "messageId", m.MessageId, "vendor", ev.Vendor, "type", ev.Type,
					"receiveCount", m.Attributes["ApproximateReceiveCount"], "error", err.Error())
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}
