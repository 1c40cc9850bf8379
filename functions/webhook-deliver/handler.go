package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/delivery"
)

type deliverer struct {
	svc *delivery.Service
	log *slog.Logger
}

// Handle processes the batch's messages concurrently (an attempt may wait 10 s on a slow
// receiver; its neighbours need not) and reports the ones that failed, so that only they
// come back.
func (h *deliverer) Handle(ctx context.Context, batch events.SQSEvent) (events.SQSEventResponse, error) {
	var (
		mu   sync.Mutex
		resp = events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		wg   sync.WaitGroup
	)
	for _, m := range batch.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.svc.Process(ctx, []byte(m.Body)); err != nil {
				h.log.Warn("webhook message failed", "messageId", m.MessageId, "receiveCount", m.Attributes["ApproximateReceiveCount"], "error", err.Error())
				mu.Lock()
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return resp, nil
}
