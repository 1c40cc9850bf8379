package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

// recorder is a bus that records what it gets, and can refuse events.
type recorder struct {
	mu     sync.Mutex
	got    []string // event ids
	refuse map[string]bool
}

func (r *recorder) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		env, _ := Decode([]byte(aws.ToString(e.Detail)))
		if r.refuse[env.ID] {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("test")})
			continue
		}
		r.got = append(r.got, env.ID)
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("x")})
	}
	return out, nil
}

type thing struct {
	store.Meta
	Name string `dynamodbav:"name"`
}

func (thing) EntityType() string { return "thing" }

func outboxSetup(t *testing.T) (*store.Store, *dynamodb.Client, string, *recorder, *Outbox) {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	r := &recorder{refuse: map[string]bool{}}
	pub := NewPublisher(r, "bus")
	pub.backoff = time.Millisecond
	return store.New(db, table), db, table, r, NewOutbox(db, table, pub)
}

func TestAnEventIsStagedIfAndOnlyIfItsChangeCommits(t *testing.T) {
	ctx := context.Background()
	st, _, _, r, ob := outboxSetup(t)
	k := store.Key{PK: "T#t1#THING#1", SK: "THING"}
	ok, _ := New("thing.created", "t1", map[string]string{"id": "1"}, time.Now())
	if err := st.Tx().Create(k, thing{Name: "a"}).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	lost, _ := New("thing.created", "t1", map[string]string{"id": "1"}, time.Now())
	tx := st.Tx().Create(k, thing{Name: "again"}) // fails: the thing exists
	Stage(tx, lost)
	if err := tx.Exec(ctx); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("err = %v", err)
	}
	tx = st.Tx().Create(store.Key{PK: "T#t1#THING#2", SK: "THING"}, thing{Name: "b"})
	Stage(tx, ok)
	if err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := ob.Sweep(ctx, 0, 100)
	if err != nil || n != 1 || len(r.got) != 1 || r.got[0] != ok.ID {
		t.Fatalf("published %d (%v): %v, want only the committed change's event", n, err, r.got)
	}
	if n, err := ob.Sweep(ctx, 0, 100); err != nil || n != 0 {
		t.Fatalf("a second sweep published %d again (%v)", n, err)
	}
}

func TestAnEventTheBusRefusedStaysInTheOutboxAndIsPublishedLater(t *testing.T) {
	ctx := context.Background()
	st, _, _, r, ob := outboxSetup(t)
	a, _ := New("thing.created", "t1", map[string]string{"id": "a"}, time.Now())
	b, _ := New("thing.created", "t1", map[string]string{"id": "b"}, time.Now())
	tx := st.Tx()
	Stage(tx, a)
	Stage(tx, b)
	if err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	r.refuse[b.ID] = true
	if _, err := ob.Sweep(ctx, 0, 100); err == nil {
		t.Fatal("a refused event went unreported")
	}
	r.refuse = map[string]bool{}
	if n, err := ob.Sweep(ctx, 0, 100); err != nil || n != 1 {
		t.Fatalf("the retry published %d (%v)", n, err)
	}
	if len(r.got) != 2 || r.got[1] != b.ID {
		t.Fatalf("published %v", r.got)
	}
}

func TestOnlyOutboxItemsAreTakenForEvents(t *testing.T) {
	ctx := context.Background()
	_, db, table, _, _ := outboxSetup(t)
	st := store.New(db, table)
	ev, _ := New("thing.created", "t1", map[string]string{"id": "1"}, time.Now())
	tx := st.Tx()
	Stage(tx, ev)
	if err := tx.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	k := store.OutboxKey(ev.ID)
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]dynamodbtypes.AttributeValue{
		"PK": &dynamodbtypes.AttributeValueMemberS{Value: k.PK}, "SK": &dynamodbtypes.AttributeValueMemberS{Value: k.SK}}})
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := PendingFromItem(out.Item); !ok || p.Envelope.ID != ev.ID {
		t.Fatalf("the outbox item: %+v %v", p, ok)
	}
	out.Item["entity"] = &dynamodbtypes.AttributeValueMemberS{Value: "thing"}
	if _, ok := PendingFromItem(out.Item); ok {
		t.Fatal("another entity was taken for an event")
	}
	out.Item["entity"] = &dynamodbtypes.AttributeValueMemberS{Value: EntityOutbox}
	out.Item["PK"] = &dynamodbtypes.AttributeValueMemberS{Value: "OUTBOX#SOMEONE_ELSE"}
	if _, ok := PendingFromItem(out.Item); ok {
		t.Fatal("an item under another event's key was taken")
	}
}
