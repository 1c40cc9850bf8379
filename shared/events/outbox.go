package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// The outbox makes events as durable as the changes they report. Stage writes the event
// as an item in the same DynamoDB transaction as the change, so it exists if and only if
// the change was committed; the event-publisher function reads new outbox items from the
// table's stream and publishes them to the bus, and a sweep publishes what the stream
// path missed (a batch given up to the DLQ). An event may be published more than once
// (a retried batch): consumers de-duplicate on its id, which never changes.

// EntityOutbox is the entity type of outbox items (the publisher's stream filter).
const EntityOutbox = "outbox_event"

// OutboxRetention is how long a published event's item stays, for inspection; the
// table's TTL removes it then.
const OutboxRetention = 7 * 24 * time.Hour

type outboxItem struct {
	store.Meta
	ID          string `dynamodbav:"id"`
	Type        string `dynamodbav:"type"`
	TenantID    string `dynamodbav:"tenantId,omitempty"`
	Time        string `dynamodbav:"time"`
	Envelope    string `dynamodbav:"envelope"` // the envelope's JSON, published as is
	PublishedAt string `dynamodbav:"publishedAt,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
}

func (outboxItem) EntityType() string { return EntityOutbox }

// Indexes keeps an unpublished event on the sweep's pending index (GSI1).
func (it outboxItem) Indexes() store.Indexes {
	if it.PublishedAt != "" {
		return store.Indexes{}
	}
	h := fnv.New32a()
	h.Write([]byte(it.ID))
	return store.Indexes{GSI1: store.Key{PK: store.OutboxPendingPK(int(h.Sum32() % store.OutboxBuckets)), SK: it.Time + "#" + it.ID}}
}

// Stage adds ev to a transaction: it is published if and only if the transaction commits.
// An event that cannot be encoded fails the transaction.
func Stage(tx *store.Tx, ev Envelope) {
	raw, err := encodeEnvelope(ev)
	if err != nil {
		tx.Fail(err)
		return
	}
	tx.Create(store.OutboxKey(ev.ID), outboxItem{
		ID: ev.ID, Type: ev.Type, TenantID: ev.TenantID, Time: store.FormatTime(ev.Time), Envelope: string(raw),
		ExpiresAt: ev.Time.Add(OutboxRetention).Unix(),
	})
}

// Outbox publishes staged events and marks them published.
type Outbox struct {
	db    store.DynamoDB
	st    *store.Store
	table string
	pub   *Publisher
	now   func() time.Time
}

// NewOutbox publishes the outbox of table to pub.
func NewOutbox(db store.DynamoDB, table string, pub *Publisher) *Outbox {
	return &Outbox{db: db, st: store.New(db, table), table: table, pub: pub, now: time.Now}
}

// Pending is an outbox item read from the stream or the pending index.
type Pending struct {
	Envelope Envelope
	key      store.Key
}

// PendingFromItem reads an outbox item (a stream image, an index item); ok is false for
// other items.
func PendingFromItem(item map[string]types.AttributeValue) (Pending, bool) {
	if v, ok := item[store.AttrType].(*types.AttributeValueMemberS); !ok || v.Value != EntityOutbox {
		return Pending{}, false
	}
	var it outboxItem
	if err := store.Unmarshal(item, &it); err != nil || !store.ValidID(it.ID) || it.PK != store.OutboxKey(it.ID).PK {
		return Pending{}, false
	}
	ev, err := Decode([]byte(it.Envelope))
	if err != nil || ev.ID != it.ID {
		return Pending{}, false
	}
	return Pending{Envelope: ev, key: store.OutboxKey(it.ID)}, true
}

// Publish sends the events and marks each published (which takes it off the pending
// index). It returns the ids it could not publish or mark, for a retry.
func (o *Outbox) Publish(ctx context.Context, ps []Pending) ([]string, error) {
	evs := make([]Envelope, len(ps))
	for i, p := range ps {
		evs[i] = p.Envelope
	}
	failed := map[string]bool{}
	var errs []error
	if err := o.pub.Publish(ctx, evs...); err != nil {
		var pe *PublishError
		if !errors.As(err, &pe) {
			return ids(ps), err
		}
		for _, f := range pe.Failed {
			failed[f.ID] = true
		}
		errs = append(errs, err)
	}
	now := store.FormatTime(o.now())
	for _, p := range ps {
		if failed[p.Envelope.ID] {
			continue
		}
		_, err := o.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(o.table),
			Key: map[string]types.AttributeValue{
				store.AttrPK: &types.AttributeValueMemberS{Value: p.key.PK}, store.AttrSK: &types.AttributeValueMemberS{Value: p.key.SK},
			},
			UpdateExpression:          aws.String("SET publishedAt = :now REMOVE GSI1PK, GSI1SK"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberS{Value: now}},
		})
		if err != nil {
			// Published but not marked: the sweep publishes it again (a duplicate consumers
			// absorb), which is better than a lost event.
			failed[p.Envelope.ID] = true
			errs = append(errs, fmt.Errorf("events: mark %s published: %w", p.Envelope.ID, err))
		}
	}
	var out []string
	for _, p := range ps {
		if failed[p.Envelope.ID] {
			out = append(out, p.Envelope.ID)
		}
	}
	return out, errors.Join(errs...)
}

// Sweep publishes events that waited at least olderThan (every one when olderThan is 0),
// oldest first, at most limit.
func (o *Outbox) Sweep(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	cut := "~"
	if olderThan > 0 {
		cut = store.FormatTime(o.now().Add(-olderThan)) + "~"
	}
	var ps []Pending
	for b := range store.OutboxBuckets {
		in := &dynamodb.QueryInput{
			TableName: aws.String(o.table), IndexName: aws.String(store.IndexGSI1),
			KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK < :cut"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": &types.AttributeValueMemberS{Value: store.OutboxPendingPK(b)}, ":cut": &types.AttributeValueMemberS{Value: cut},
			},
			Limit: aws.Int32(int32(min(limit, 1000))),
		}
		res, err := o.db.Query(ctx, in)
		if err != nil {
			return 0, fmt.Errorf("events: read the outbox: %w", err)
		}
		for _, it := range res.Items {
			if p, ok := PendingFromItem(it); ok {
				ps = append(ps, p)
			}
		}
	}
	slices.SortFunc(ps, func(a, b Pending) int { return a.Envelope.Time.Compare(b.Envelope.Time) })
	if len(ps) > limit {
		ps = ps[:limit]
	}
	failed, err := o.Publish(ctx, ps)
	return len(ps) - len(failed), err
}

func ids(ps []Pending) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Envelope.ID
	}
	return out
}

// encodeEnvelope is the envelope as published (the EventBridge detail).
func encodeEnvelope(ev Envelope) ([]byte, error) {
	if ev.ID == "" || ev.Type == "" || ev.Version != EnvelopeVersion {
		return nil, fmt.Errorf("events: incomplete envelope (%q, %q)", ev.ID, ev.Type)
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("events: encode %s: %w", ev.ID, err)
	}
	if len(raw) > maxEntryBytes {
		return nil, fmt.Errorf("events: event %s is %d bytes, over EventBridge's limit", ev.ID, len(raw))
	}
	return raw, nil
}
