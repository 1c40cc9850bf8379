package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	ev "github.com/chainfi/chainguard/shared/events"
)

type publisher struct {
	outbox *ev.Outbox
	log    *slog.Logger
}

// input is either a batch of the table's stream or the sweep schedule's payload.
type input struct {
	Records []events.DynamoDBEventRecord `json:"Records"`
	Sweep   *struct {
		OlderThanSeconds int `json:"olderThanSeconds"`
		Limit            int `json:"limit"`
	} `json:"sweep"`
}

// Result answers the stream (the records to retry) and says what was published.
type Result struct {
	BatchItemFailures []events.DynamoDBBatchItemFailure `json:"batchItemFailures"`
	Published         int                               `json:"published"`
}

// Handle publishes a stream batch's outbox events, or sweeps the outbox.
func (p *publisher) Handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		return Result{}, fmt.Errorf("event-publisher: unreadable event: %w", err)
	}
	res := Result{BatchItemFailures: []events.DynamoDBBatchItemFailure{}}
	if in.Sweep != nil {
		limit := in.Sweep.Limit
		if limit <= 0 {
			limit = 1000
		}
		n, err := p.outbox.Sweep(ctx, time.Duration(in.Sweep.OlderThanSeconds)*time.Second, limit)
		res.Published = n
		if n > 0 {
			p.log.Warn("sweep published events the stream path had not", "events", n)
		}
		return res, err
	}
	var pending []ev.Pending
	seq := map[string]string{} // event id -> stream sequence number
	for _, r := range in.Records {
		if r.EventName != "INSERT" || r.Change.NewImage == nil {
			continue
		}
		item, err := ev.StreamImage(r.Change.NewImage)
		if err != nil {
			p.log.Error("stream record not readable", "eventId", r.EventID, "error", err.Error())
			continue
		}
		pe, ok := ev.PendingFromItem(item)
		if !ok {
			p.log.Error("outbox item not readable; the sweep will not publish it either", "sequenceNumber", r.Change.SequenceNumber)
			continue
		}
		pending = append(pending, pe)
		seq[pe.Envelope.ID] = r.Change.SequenceNumber
	}
	failed, err := p.outbox.Publish(ctx, pending)
	if err != nil {
		p.log.Error("events not published; the batch will be retried", "failed", len(failed), "error", err.Error())
	}
	for _, id := range failed {
		res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq[id]})
	}
	res.Published = len(pending) - len(failed)
	return res, nil
}
