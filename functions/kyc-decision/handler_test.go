package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/onboarding"
)

type processorFunc func(context.Context, onboarding.VendorEvent) error

func (f processorFunc) Process(ctx context.Context, ev onboarding.VendorEvent) error {
	return f(ctx, ev)
}

func TestOnlyTheMessagesThatFailComeBack(t *testing.T) {
	h := &decider{log: slog.New(slog.DiscardHandler), svc: processorFunc(func(_ context.Context, ev onboarding.VendorEvent) error {
		if ev.ApplicantID == "down" {
			return errors.New("vendor unavailable")
		}
		return nil
	})}
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "ok", Body: `{"vendor":"sumsub","type":"applicantReviewed","applicantId":"a1","at":"2026-12-01T10:00:00Z","key":"k1"}`},
		{MessageId: "vendor-down", Body: `{"vendor":"sumsub","type":"applicantReviewed","applicantId":"down","at":"2026-12-01T10:00:00Z","key":"k2"}`},
		{MessageId: "not-json", Body: `{"vendor":`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	slices.Sort(failed)
	if !slices.Equal(failed, []string{"not-json", "vendor-down"}) {
		t.Fatalf("failures %v", failed)
	}
}
