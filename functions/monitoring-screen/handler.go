package main

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/monitoring"
)

type screener interface {
	ScreenBatch(ctx context.Context, b monitoring.Batch) (monitoring.BatchResult, error)
}

type worker struct {
	svc screener
	log *slog.Logger
}

// Handle screens each message's batch; the messages that failed come back alone
// (ReportBatchItemFailures), and after the queue's receive limit go to its DLQ.
// Messages are handled one after another: a batch already screens a hundred users, and
// the function's concurrency is the queue's to set.
func (w *worker) Handle(ctx context.Context, in events.SQSEvent) (events.SQSEventResponse, error) {
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, m := range in.Records {
		var b monitoring.Batch
		err := json.Unmarshal([]byte(m.Body), &b)
		var res monitoring.BatchResult
		if err == nil {
			res, err = w.svc.ScreenBatch(ctx, b)
		}
		if err != nil {
			w.log.Warn("batch not screened", "messageId", m.MessageId, "tenant", b.Tenant, "run", b.RunID, "batch", b.No,
				"receiveCount", m.Attributes["ApproximateReceiveCount"], "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		w.log.Info("batch screened", "tenant", b.Tenant, "run", b.RunID, "batch", b.No, "screened", res.Screened,
			"skipped", res.Skipped, "alerts", res.Alerts, "counted", res.Counted)
	}
	return resp, nil
}
