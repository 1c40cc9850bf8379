package main

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/infra/stack"
)

// pollWait is the long-polling wait: short, so that Ctrl-C stops the runner quickly.
const pollWait = 1

// startPollers starts the pollers of every queue source: SQS event sources and the relay
// queues of EventBridge rules. An SQS source gets several, as Lambda's event source
// mapping starts with five concurrent pollers: a batch that waits on a slow receiver does
// not hold back the queue (up to the function's process limit, -concurrency).
func (rn *Runner) startPollers(ctx context.Context) {
	client := sqs.NewFromConfig(rn.cfg)
	for _, qs := range rn.dep.Queues {
		if !qs.Enabled {
			rn.con.printf("%-20s %s source %s is disabled", qs.FunctionID, qs.Kind, qs.Source)
			continue
		}
		pollers := 1
		if qs.Kind == "sqs" {
			pollers = min(max(rn.opts.MaxProcs, 1), sqsPollers)
		}
		for range pollers {
			rn.wg.Add(1)
			go func() {
				defer rn.wg.Done()
				rn.poll(ctx, client, qs)
			}()
		}
	}
}

// sqsPollers is how many pollers Lambda starts on an SQS source.
const sqsPollers = 5

func (rn *Runner) poll(ctx context.Context, client *sqs.Client, qs stack.QueueSource) {
	batch := min(max(qs.BatchSize, 1), 10)
	for ctx.Err() == nil {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(qs.QueueURL),
			MaxNumberOfMessages:         int32(batch),
			WaitTimeSeconds:             pollWait,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"All"},
		})
		if err != nil {
			if ctx.Err() == nil {
				rn.con.printf("%-20s poll %s: %v", qs.FunctionID, qs.QueueURL, err)
				sleepCtx(ctx, time.Second)
			}
			continue
		}
		if len(out.Messages) == 0 {
			continue
		}
		if qs.Kind == "eventbridge" {
			rn.relayEvents(ctx, client, qs, out.Messages)
			continue
		}
		rn.consumeBatch(ctx, client, qs, out.Messages)
	}
}

// consumeBatch invokes the consumer with one SQS batch and deletes what succeeded, as the
// Lambda event source mapping does: everything on success; with ReportBatchItemFailures,
// everything but the reported items; nothing when the invocation fails or the response
// names an item that is not in the batch. What is not deleted becomes visible again after
// the queue's visibility timeout, and the queue's redrive policy moves it to its
// dead-letter queue after maxReceiveCount receives (the emulator does that, like SQS).
func (rn *Runner) consumeBatch(ctx context.Context, client *sqs.Client, qs stack.QueueSource, msgs []sqstypes.Message) {
	ev := sqsEvent(qs.QueueARN, rn.dep.Region, msgs)
	payload, err := json.Marshal(ev)
	if err != nil {
		return
	}
	res := rn.invoke(ctx, qs.FunctionID, "sqs "+queueName(qs.QueueARN)+" x"+strconv.Itoa(len(msgs)), payload)
	if res.Err != nil {
		return
	}
	failed := map[string]bool{}
	if qs.ReportBatchItemFailures {
		var err error
		if failed, err = batchItemFailures(res.Payload, msgs); err != nil {
			rn.con.printf("%-20s sqs batch treated as failed: %v", qs.FunctionID, err)
			return
		}
	}
	var entries []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range msgs {
		if failed[aws.ToString(m.MessageId)] {
			continue
		}
		entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
	}
	deleteMessages(ctx, client, qs.QueueURL, entries)
}

func deleteMessages(ctx context.Context, client *sqs.Client, url string, entries []sqstypes.DeleteMessageBatchRequestEntry) {
	if len(entries) == 0 {
		return
	}
	_, _ = client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(url), Entries: entries})
}

// batchItemFailures reads a partial batch response. An empty or null response means
// every record succeeded; an identifier that is empty or not in the batch fails the
// whole batch, as Lambda does.
func batchItemFailures(payload []byte, msgs []sqstypes.Message) (map[string]bool, error) {
	failed := map[string]bool{}
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" || trimmed == "{}" {
		return failed, nil
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, errors.New("response is not a batch item failure report")
	}
	inBatch := map[string]bool{}
	for _, m := range msgs {
		inBatch[aws.ToString(m.MessageId)] = true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == "" || !inBatch[f.ItemIdentifier] {
			return nil, errors.New("batchItemFailures names an item not in the batch: " + f.ItemIdentifier)
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, nil
}

func sqsEvent(queueARN, region string, msgs []sqstypes.Message) events.SQSEvent {
	var ev events.SQSEvent
	for _, m := range msgs {
		rec := events.SQSMessage{
			MessageId:              aws.ToString(m.MessageId),
			ReceiptHandle:          aws.ToString(m.ReceiptHandle),
			Body:                   aws.ToString(m.Body),
			Md5OfBody:              aws.ToString(m.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(m.MD5OfMessageAttributes),
			Attributes:             m.Attributes,
			MessageAttributes:      map[string]events.SQSMessageAttribute{},
			EventSourceARN:         queueARN,
			EventSource:            "aws:sqs",
			AWSRegion:              region,
		}
		for k, a := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{
				StringValue: a.StringValue, BinaryValue: a.BinaryValue, DataType: aws.ToString(a.DataType),
				StringListValues: a.StringListValues, BinaryListValues: a.BinaryListValues,
			}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

func queueName(arn string) string { return arn[strings.LastIndex(arn, ":")+1:] }

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
