package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// The rule that feeds the fan-out queue must route exactly the catalogue's types, except
// webhook.test, which the test route sends to one endpoint itself.
func TestTheClientEventsRuleRoutesExactlyTheCatalogue(t *testing.T) {
	tpl, err := stack.LoadRepoTemplate()
	if err != nil {
		t.Fatal(err)
	}
	props := tpl.Resources["ClientEventsRule"].Properties
	pattern, _ := props["EventPattern"].(map[string]any)
	var routed []string
	for _, v := range pattern["detail-type"].([]any) {
		routed = append(routed, v.(string))
	}
	var want []string
	for _, e := range webhooks.Catalogue() {
		if e.Name != "webhook.test" {
			want = append(want, e.Name)
		}
	}
	slices.Sort(routed)
	if !slices.Equal(routed, want) {
		t.Fatalf("the rule routes %v, the catalogue has %v", routed, want)
	}
	if src := pattern["source"].([]any); len(src) != 1 || src[0] != "chainguard" {
		t.Fatalf("source = %v", src)
	}
}

func TestAMessageThatIsNotAnEventIsDroppedAndAFailingOneIsReported(t *testing.T) {
	// A service over a table that does not exist: every dispatch that reaches storage fails.
	db := dynamodb.NewFromConfig(emulator.TestConfig(t))
	h := &dispatcher{svc: delivery.New(delivery.Config{Store: store.New(db, "no-such-table")}), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	raw, err := os.ReadFile("../../events/webhook-dispatch.json")
	if err != nil {
		t.Fatal(err)
	}
	var batch events.SQSEvent
	if err := json.Unmarshal(raw, &batch); err != nil {
		t.Fatal(err)
	}
	good := batch.Records[0]
	bad := good
	bad.MessageId, bad.Body = "not-an-event", "hello"
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{bad, good}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != good.MessageId {
		t.Fatalf("failures = %+v, want only the event that could not be dispatched", resp.BatchItemFailures)
	}
}
