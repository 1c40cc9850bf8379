package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type bus struct {
	got  []string
	down bool
}

func (b *bus) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if b.down {
		return nil, fmt.Errorf("bus down (test)")
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		b.got = append(b.got, aws.ToString(e.DetailType))
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("x")})
	}
	return out, nil
}

func TestAStreamBatchOfOutboxItemsIsPublishedAndAFailureIsReported(t *testing.T) {
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	b := &bus{}
	p := &publisher{outbox: ev.NewOutbox(db, table, ev.NewPublisher(b, "bus")), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	st := store.New(db, table)
	e1, _ := ev.New("apikey.created", "t1", map[string]string{"tenantId": "t1", "keyId": "k"}, time.Now())
	tx := st.Tx()
	ev.Stage(tx, e1)
	if err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	rec := streamRecord(t, db, table, store.OutboxKey(e1.ID), "501")
	batch := json.RawMessage(`{"Records":[` + rec + `]}`)

	b.down = true
	res, err := p.Handle(ctx, batch)
	if err != nil || len(res.BatchItemFailures) != 1 || res.BatchItemFailures[0].ItemIdentifier != "501" {
		t.Fatalf("with the bus down: %+v %v", res, err)
	}
	b.down = false
	res, err = p.Handle(ctx, batch)
	if err != nil || len(res.BatchItemFailures) != 0 || res.Published != 1 || strings.Join(b.got, ",") != "apikey.created" {
		t.Fatalf("retried: %+v %v, bus got %v", res, err, b.got)
	}
	// Published and marked: the sweep has nothing left.
	if res, err := p.Handle(ctx, json.RawMessage(`{"sweep":{"olderThanSeconds":0}}`)); err != nil || res.Published != 0 {
		t.Fatalf("sweep: %+v %v", res, err)
	}
}

// streamRecord is what Lambda delivers for the insert of the item under k.
func streamRecord(t *testing.T, db *dynamodb.Client, table string, k store.Key, seq string) string {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: k.PK}, "SK": &types.AttributeValueMemberS{Value: k.SK}}})
	if err != nil || out.Item == nil {
		t.Fatalf("get %v: %v", k, err)
	}
	img, _ := json.Marshal(ddbJSON(out.Item))
	return fmt.Sprintf(`{"eventID":"e%s","eventName":"INSERT","eventSource":"aws:dynamodb","dynamodb":{"NewImage":%s,"SequenceNumber":%q,"StreamViewType":"NEW_IMAGE"}}`, seq, img, seq)
}

func ddbJSON(m map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[k] = map[string]any{"S": v.Value}
		case *types.AttributeValueMemberN:
			out[k] = map[string]any{"N": v.Value}
		case *types.AttributeValueMemberB:
			out[k] = map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
		case *types.AttributeValueMemberM:
			out[k] = map[string]any{"M": ddbJSON(v.Value)}
		}
	}
	return out
}
