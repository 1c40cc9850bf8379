package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestOnlyTheMessagesThatFailAreReported(t *testing.T) {
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	svc := delivery.New(delivery.Config{Store: store.New(dynamodb.NewFromConfig(cfg), table)})
	h := &deliverer{svc: svc, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	batch := events.SQSEvent{Records: []events.SQSMessage{
		// A delivery that does not exist (any more): nothing to do, not a failure.
		{MessageId: "gone", Body: `{"kind":"attempt","tenant":"t1","delivery":"dlv_gone","attempt":1}`},
		// Unreadable: reported, so that SQS moves it to the dead-letter queue in the end.
		{MessageId: "garbled", Body: `{"kind":`},
		{MessageId: "foreign", Body: `{"kind":"attempt","tenant":"t#1","delivery":"x","attempt":1}`},
	}}
	resp, err := h.Handle(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		got[f.ItemIdentifier] = true
	}
	if len(got) != 2 || !got["garbled"] || !got["foreign"] {
		t.Fatalf("failures = %v", got)
	}
}
