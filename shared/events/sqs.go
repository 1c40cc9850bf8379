package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSAPI is the part of the SQS client the sender uses.
type SQSAPI interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// SendJSON sends v as one message. For a FIFO queue give groupID and dedupID; for a
// standard queue leave them empty.
func SendJSON(ctx context.Context, client SQSAPI, queueURL string, v any, groupID, dedupID string) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("events: encode message: %w", err)
	}
	in := &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))}
	if groupID != "" {
		in.MessageGroupId = aws.String(groupID)
	}
	if dedupID != "" {
		in.MessageDeduplicationId = aws.String(dedupID)
	}
	if _, err := client.SendMessage(ctx, in); err != nil {
		return fmt.Errorf("events: send message: %w", err)
	}
	return nil
}

// Consume runs handle on each record of an SQS batch and reports the records that failed,
// so that only they are retried and, after maxReceiveCount, moved to the dead-letter queue
// (the function's event source needs FunctionResponseTypes: [ReportBatchItemFailures]).
// handle must be idempotent: SQS delivers at least once.
func Consume(ctx context.Context, log *slog.Logger, batch events.SQSEvent, handle func(context.Context, events.SQSMessage) error) events.SQSEventResponse {
	var resp events.SQSEventResponse
	for _, rec := range batch.Records {
		if err := ctx.Err(); err != nil {
			// Out of time: leave the rest for the next delivery.
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		if err := handle(ctx, rec); err != nil {
			log.Warn("message failed", "messageId", rec.MessageId, "receiveCount", rec.Attributes["ApproximateReceiveCount"], "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
		}
	}
	return resp
}

// FromEventBridge reads the envelope out of an EventBridge event delivered to a function
// or through an SQS target (whose body is the whole EventBridge event).
func FromEventBridge(raw []byte) (Envelope, error) {
	var ev struct {
		DetailType string          `json:"detail-type"`
		Detail     json.RawMessage `json:"detail"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return Envelope{}, fmt.Errorf("events: decode EventBridge event: %w", err)
	}
	if len(ev.Detail) == 0 {
		return Envelope{}, fmt.Errorf("events: EventBridge event has no detail")
	}
	return Decode(ev.Detail)
}
