package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/monitoring"
)

type screenerFunc func(context.Context, monitoring.Batch) (monitoring.BatchResult, error)

func (f screenerFunc) ScreenBatch(ctx context.Context, b monitoring.Batch) (monitoring.BatchResult, error) {
	return f(ctx, b)
}

func TestOnlyTheBatchesThatFailComeBack(t *testing.T) {
	sample, err := os.ReadFile("../../events/monitoring-screen.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(sample, &ev); err != nil || len(ev.Records) != 1 {
		t.Fatalf("sample: %v", err)
	}
	ok := ev.Records[0]
	down := ok
	down.MessageId, down.Body = "down", `{"tenantId":"t-demo","runId":"R1","batch":1,"userIds":["usr_x"]}`
	garbage := ok
	garbage.MessageId, garbage.Body = "garbage", `{"tenantId":`
	var seen []monitoring.Batch
	w := &worker{log: slog.New(slog.DiscardHandler), svc: screenerFunc(func(_ context.Context, b monitoring.Batch) (monitoring.BatchResult, error) {
		seen = append(seen, b)
		if b.No == 1 {
			return monitoring.BatchResult{}, errors.New("lists not loaded")
		}
		return monitoring.BatchResult{Screened: len(b.UserIDs), Counted: true}, nil
	})}
	resp, err := w.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{ok, down, garbage}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if len(failed) != 2 || failed[0] != "down" || failed[1] != "garbage" || len(seen) != 2 || seen[0].Tenant != "t-demo" || len(seen[0].UserIDs) != 1 {
		t.Fatalf("failures %v, seen %+v", failed, seen)
	}
}
