package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
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
	// Someone with table access rewrites history.
	k := store.AuditEntryKey(store.TenantID(bad.ID), 1)
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
