package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

type fixture struct {
	s   *sealer
	db  *dynamodb.Client
	tbl string
	log *audit.Log
}

func setup(t *testing.T) fixture {
	t.Helper()
	d := pt.Deps(t)
	return fixture{s: &sealer{audit: d.Audit, log: d.Log, out: &bytes.Buffer{}}, db: d.DB, tbl: d.Config.TableName, log: d.Audit}
}

func (f fixture) record(t *testing.T, tenant store.TenantID, i int) audit.Entry {
	t.Helper()
	e, err := f.log.Append(context.Background(), tenant, audit.Record{
		Action: "screening.created", Actor: audit.Actor{Type: "client", ID: "k1"},
		Subject: audit.Subject{Type: "screening", ID: fmt.Sprintf("s-%d", i)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// streamRecord is what Lambda delivers for an insert: the committed item as its new image.
func (f fixture) streamRecord(t *testing.T, k store.Key, seq int, eventName string) string {
	t.Helper()
	out, err := f.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(f.tbl), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}}})
	if err != nil || out.Item == nil {
		t.Fatalf("get %v: %v", k, err)
	}
	img, _ := json.Marshal(ddbJSON(out.Item))
	return fmt.Sprintf(`{"eventID":"e%d","eventName":%q,"eventSource":"aws:dynamodb","awsRegion":"us-east-1","dynamodb":{"NewImage":%s,"SequenceNumber":"%d","StreamViewType":"NEW_IMAGE"}}`, seq, eventName, img, seq)
}

func batch(recs ...string) json.RawMessage {
	return json.RawMessage(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

func TestAStreamBatchSealsItsAuditRecordsAndIgnoresTheRest(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	a1, a2, b1 := f.record(t, "t-a", 1), f.record(t, "t-a", 2), f.record(t, "t-b", 1)
	ev := batch(
		f.streamRecord(t, store.AuditRecordKey("t-a", a1.ID), 101, "INSERT"),
		f.streamRecord(t, store.AuditRecordKey("t-b", b1.ID), 102, "INSERT"),
		f.streamRecord(t, store.AuditRecordKey("t-a", a2.ID), 103, "INSERT"),
		f.streamRecord(t, store.AuditRecordKey("t-a", a1.ID), 104, "MODIFY"), // not an insert
	)
	res, err := f.s.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BatchItemFailures) != 0 || res.Sealed != 3 || res.Blocks != 2 {
		t.Fatalf("result = %+v", res)
	}
	for tenant, n := range map[store.TenantID]uint64{"t-a": 2, "t-b": 1} {
		rep, err := f.log.Verify(ctx, tenant)
		if err != nil || !rep.Intact || rep.Entries != n || rep.Unsealed != 0 {
			t.Fatalf("%s: %+v %v", tenant, rep, err)
		}
	}
	again, err := f.s.Handle(ctx, ev)
	if err != nil || again.Sealed != 0 || again.Skipped != 3 {
		t.Fatalf("a redelivered batch: %+v %v", again, err)
	}
}

func TestATenantThatCannotBeSealedIsReportedForRetry(t *testing.T) {
	f := setup(t)
	a := f.record(t, "t-a", 1)
	ev := batch(f.streamRecord(t, store.AuditRecordKey("t-a", a.ID), 201, "INSERT"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the table cannot be reached
	res, err := f.s.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "201" {
		t.Fatalf("result = %+v, want record 201 reported", res)
	}
}

func TestTheSweepSealsWhatTheStreamMissed(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	f.record(t, "t-s", 1)
	f.record(t, "t-s", 2)
	res, err := f.s.Handle(ctx, json.RawMessage(`{"sweep":{"olderThanSeconds":0}}`))
	if err != nil || res.Sealed != 2 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
	if !strings.Contains(f.s.out.(*bytes.Buffer).String(), `"RecordsSwept":2`) {
		t.Fatalf("metric line = %s", f.s.out)
	}
	rep, err := f.log.Verify(ctx, "t-s")
	if err != nil || !rep.Intact || rep.Entries != 2 {
		t.Fatalf("report = %+v %v", rep, err)
	}
}

// ddbJSON renders an item as DynamoDB JSON, the form of a stream image.
func ddbJSON(m map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = ddbValue(v)
	}
	return out
}

func ddbValue(v types.AttributeValue) any {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": true}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = ddbValue(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": ddbJSON(v.Value)}
	}
	panic(fmt.Sprintf("unhandled %T", v))
}

func TestOneTenantThatCannotBeSealedDoesNotHoldBackTheOthers(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	first := f.record(t, "t-x", 0)
	if _, err := f.log.Seal(ctx, []audit.Entry{first}); err != nil {
		t.Fatal(err)
	}
	x, a := f.record(t, "t-x", 1), f.record(t, "t-a", 1)
	ev := batch(
		f.streamRecord(t, store.AuditRecordKey("t-x", x.ID), 301, "INSERT"),
		f.streamRecord(t, store.AuditRecordKey("t-a", a.ID), 302, "INSERT"),
	)
	// t-x's chain head cannot be read as one: its records cannot be sealed.
	k := store.AuditHeadKey("t-x")
	_, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.tbl),
		Key:                       map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}},
		UpdateExpression:          aws.String("SET entity = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": &types.AttributeValueMemberS{Value: "widget"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.s.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "301" || res.Sealed != 1 {
		t.Fatalf("result = %+v, want only t-x's record reported and t-a's sealed", res)
	}
	rep, err := f.log.Verify(ctx, "t-a")
	if err != nil || !rep.Intact || rep.Entries != 1 {
		t.Fatalf("t-a: %+v %v", rep, err)
	}
}
