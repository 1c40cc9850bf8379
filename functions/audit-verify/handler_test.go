package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/events"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestTheScheduledRunFindsTheTamperedChain(t *testing.T) {
	ctx := context.Background()
	d := pt.Deps(t)
	staff := audit.Actor{Type: "staff", ID: "s"}
	good, _, err := d.Tenants.CreateTenant(ctx, staff, "Good Tenant", "")
	if err != nil {
		t.Fatal(err)
	}
	bad, _, err := d.Tenants.CreateTenant(ctx, staff, "Bad Tenant", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audit.SealPending(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	es, _, err := d.Audit.List(ctx, store.TenantID(bad.ID), 0, 10)
	if err != nil || len(es) == 0 {
		t.Fatalf("bad tenant's trail: %v %v", es, err)
	}
	// Someone with table access rewrites history.
	k := store.AuditRecordKey(store.TenantID(bad.ID), es[0].ID)
	_, err = dynamodb.NewFromConfig(emulator.TestConfig(t)).UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(d.Config.TableName),
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}},
		UpdateExpression:          aws.String("SET #a = :a"),
		ExpressionAttributeNames:  map[string]string{"#a": "action"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "nothing.happened"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var metrics bytes.Buffer
	v := &verifier{audit: d.Audit, log: d.Log, out: &metrics}
	sum, err := v.Handle(ctx, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Chains != 2 || len(sum.Broken) != 1 || sum.Broken[0] != bad.ID {
		t.Fatalf("summary = %+v, want only %s broken (good: %s)", sum, bad.ID, good.ID)
	}
	if !strings.Contains(metrics.String(), `"ChainsBroken":1`) {
		t.Fatalf("metric line = %s", metrics.String())
	}
}

func TestAnAnchorRunPublishesTheDigestOfEveryChainHead(t *testing.T) {
	ctx := context.Background()
	d := pt.Deps(t)
	if _, _, err := d.Tenants.CreateTenant(ctx, audit.Actor{Type: "staff", ID: "s"}, "Anchored Tenant", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Audit.SealPending(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	heads, err := d.Audit.Heads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bus := &fakeBus{}
	v := &verifier{audit: d.Audit, events: events.NewPublisher(bus, "test-bus"), log: d.Log, out: &bytes.Buffer{}}
	sum, err := v.Handle(ctx, json.RawMessage(`{"mode":"anchor"}`))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Anchor == "" || sum.Anchor != audit.AnchorDigest(heads) || sum.Chains != len(heads) {
		t.Fatalf("summary = %+v, want the digest of %d heads", sum, len(heads))
	}
	if len(bus.entries) != 1 || aws.ToString(bus.entries[0].DetailType) != "audit.anchor" {
		t.Fatalf("published %d events, want one audit.anchor", len(bus.entries))
	}
	var env struct {
		Data Anchor `json:"data"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(bus.entries[0].Detail)), &env); err != nil {
		t.Fatal(err)
	}
	if env.Data.Digest != sum.Anchor || env.Data.Chains != len(heads) || len(env.Data.Heads) != len(heads) {
		t.Fatalf("anchor event = %+v", env.Data)
	}
}

func TestTheNightlyRunReportsATenantWhoseRecordsWereNeverSealed(t *testing.T) {
	ctx := context.Background()
	d := pt.Deps(t)
	// Records written an hour ago that no sealer ever took: the tenant has no chain head.
	old := audit.New(d.DB, d.Config.TableName, audit.WithClock(func() time.Time { return time.Now().Add(-time.Hour) }))
	if _, err := old.Append(ctx, "t-orphan", audit.Record{Action: "screening.performed", Actor: audit.System, Subject: audit.Subject{Type: "screening", ID: "s1"}}); err != nil {
		t.Fatal(err)
	}
	v := &verifier{audit: d.Audit, log: d.Log, out: &bytes.Buffer{}}
	sum, err := v.Handle(ctx, json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Broken) != 1 || sum.Broken[0] != "t-orphan" {
		t.Fatalf("summary = %+v, want t-orphan broken", sum)
	}
}

type fakeBus struct {
	entries []ebtypes.PutEventsRequestEntry
}

func (b *fakeBus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	b.entries = append(b.entries, in.Entries...)
	return &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}, nil
}
