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
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/emulator"
	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
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

// The catalogue is the contract with clients: every client-facing event the platform
// publishes today must match its schema, as it is really published.
func TestEveryClientEventThePlatformPublishesMatchesTheCatalogue(t *testing.T) {
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	db := dynamodb.NewFromConfig(cfg)
	table := stack.TestTable(t, cfg)
	bus := &recordingBus{}
	svc := tenants.NewService(store.New(db, table), audit.New(db, table), slog.New(slog.NewTextHandler(io.Discard, nil)))
	staff := audit.Actor{Type: "staff", ID: "s"}
	tn, _, err := svc.CreateTenant(ctx, staff, "Gamma Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	key, err := svc.IssueKey(ctx, staff, tn.ID, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RevokeKey(ctx, staff, tn.ID, key.ID, tenants.RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Suspend(ctx, staff, tn.ID, "non_payment"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resume(ctx, staff, tn.ID, "payment_received"); err != nil {
		t.Fatal(err)
	}
	// Published from the outbox, as the event-publisher function does.
	if _, err := ev.NewOutbox(db, table, ev.NewPublisher(bus, "bus")).Sweep(ctx, 0, 100); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range bus.entries {
		env, err := ev.Decode([]byte(aws.ToString(e.Detail)))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := webhooks.Lookup(env.Type); !ok {
			continue // not client-facing (tenant.created goes to staff)
		}
		seen[env.Type] = true
		if err := webhooks.ValidateData(env.Type, env.Data); err != nil {
			t.Errorf("%s as published: %v (%s)", env.Type, err, env.Data)
		}
	}
	for _, want := range []string{"apikey.created", "apikey.revoked", "tenant.suspended", "tenant.resumed"} {
		if !seen[want] {
			t.Errorf("%s was not published", want)
		}
	}
}

type recordingBus struct {
	entries []ebtypes.PutEventsRequestEntry
}

func (b *recordingBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.entries = append(b.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}
