package audit

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/shared/store"
)

// DynamoDB is the part of the DynamoDB client the trail uses: the store's operations and
// BatchGetItem, with which the verifier and the listing read records by the hundred.
type DynamoDB interface {
	store.DynamoDB
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Log writes records and reads the tenants' chains in the single table.
type Log struct {
	db    DynamoDB
	st    *store.Store
	table string
	now   func() time.Time
	grace time.Duration
}

// Option configures a Log.
type Option func(*Log)

// WithClock sets the time source (tests).
func WithClock(now func() time.Time) Option { return func(l *Log) { l.now = now } }

// WithSealGrace sets how long a record may wait for the sealer before Verify reports it.
func WithSealGrace(d time.Duration) Option { return func(l *Log) { l.grace = d } }

// DefaultSealGrace: the sealer runs on the table's stream within seconds, and a sweep
// every few minutes catches what the stream path missed; a record older than this and
// still unsealed means sealing is failing.
const DefaultSealGrace = 30 * time.Minute

// New is a Log over table.
func New(db DynamoDB, table string, opts ...Option) *Log {
	l := &Log{db: db, st: store.New(db, table), table: table, now: time.Now, grace: DefaultSealGrace}
	for _, o := range opts {
		o(l)
	}
	return l
}

// EntityRecord is the entity type of audit records (the stream filter of the sealer
// selects on it).
const EntityRecord = "audit_record"

type recordItem struct {
	store.Meta
	TenantID string            `dynamodbav:"tenantId"`
	ID       string            `dynamodbav:"id"`
	Time     string            `dynamodbav:"time"`
	Action   string            `dynamodbav:"action"`
	Actor    Actor             `dynamodbav:"actor"`
	Subject  Subject           `dynamodbav:"subject"`
	Reason   string            `dynamodbav:"reason,omitempty"`
	Details  map[string]string `dynamodbav:"details,omitempty"`
	Hash     string            `dynamodbav:"hash"`
	// Set by the sealer.
	Seq       uint64 `dynamodbav:"seq,omitempty"`
	Block     uint64 `dynamodbav:"block,omitempty"`
	BlockHash string `dynamodbav:"blockHash,omitempty"`
	SealedAt  string `dynamodbav:"sealedAt,omitempty"`
}

func (recordItem) EntityType() string { return EntityRecord }

// Indexes puts the record on its subject's history (GSI2) and, until it is sealed, on the
// sealer's pending list (GSI1, sparse).
func (it recordItem) Indexes() store.Indexes {
	t := store.TenantID(it.TenantID)
	at, _ := time.Parse(time.RFC3339Nano, it.Time)
	ix := store.Indexes{GSI2: store.Key{
		PK: store.AuditSubjectPK(t, it.Subject.Type, it.Subject.ID),
		SK: store.TimeSK(at, it.ID), // fixed-width time: the history sorts within a second too
	}}
	if it.Seq == 0 {
		ix.GSI1 = store.Key{PK: store.AuditPendingPK(pendingBucket(it.ID)), SK: store.AuditPendingSK(at, t, it.ID)}
	}
	return ix
}

func pendingBucket(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % store.AuditPendingBuckets)
}

func (it recordItem) entry() Entry {
	t, _ := time.Parse(time.RFC3339Nano, it.Time)
	e := Entry{
		Tenant: it.TenantID, Seq: it.Seq, ID: it.ID, Time: t, Action: it.Action, Actor: it.Actor,
		Subject: it.Subject, Reason: it.Reason, Details: it.Details, Hash: it.Hash,
		Block: it.Block, BlockHash: it.BlockHash,
	}
	if s, err := time.Parse(time.RFC3339Nano, it.SealedAt); err == nil && it.SealedAt != "" {
		e.SealedAt = &s
	}
	return e
}

func itemOf(e Entry) recordItem {
	return recordItem{
		TenantID: e.Tenant, ID: e.ID, Time: e.Time.UTC().Format(time.RFC3339Nano), Action: e.Action,
		Actor: e.Actor, Subject: e.Subject, Reason: e.Reason, Details: e.Details, Hash: e.Hash,
	}
}

// Append records r on its own (an audited read, a security event).
func (l *Log) Append(ctx context.Context, tenant store.TenantID, r Record) (Entry, error) {
	return l.Commit(ctx, tenant, r, nil)
}

// Commit records r and applies the caller's writes in the same transaction: either the
// change and its audit record are both stored, or neither is. changes adds items to tx
// (at most 99); it must only add items, not read or decide. An error of one of the
// caller's items (a failed condition) is returned as the store's *TxError.
//
// The record is written under a key of its own, so concurrent audited writes of a tenant
// never conflict; its place in the chain (Entry.Seq) is assigned when the sealer seals it.
func (l *Log) Commit(ctx context.Context, tenant store.TenantID, r Record, changes func(tx *store.Tx)) (Entry, error) {
	e, err := l.newEntry(tenant, r)
	if err != nil {
		return Entry{}, err
	}
	if changes == nil {
		// A record on its own: one conditional PutItem costs half a one-item transaction.
		if err := l.st.Create(ctx, store.AuditRecordKey(tenant, e.ID), itemOf(e)); err != nil {
			if errors.Is(err, store.ErrAlreadyExists) && l.stored(ctx, tenant, e) {
				return e, nil // the SDK retried a write whose answer was lost: it is ours
			}
			return Entry{}, fmt.Errorf("audit: record %s not written: %w", e.ID, err)
		}
		return e, nil
	}
	tx := l.st.Tx()
	changes(tx)
	tx.Create(store.AuditRecordKey(tenant, e.ID), itemOf(e))
	if err := tx.Exec(ctx); err != nil {
		var te *store.TxError
		if errors.As(err, &te) && te.Key == store.AuditRecordKey(tenant, e.ID) {
			// A fresh ULID cannot collide. Either the SDK retried a transaction whose answer
			// was lost (then the record, and with it the whole transaction, is stored), or the
			// backend is failing, not the caller.
			if l.stored(ctx, tenant, e) {
				return e, nil
			}
			return Entry{}, fmt.Errorf("audit: record %s not written: %w", e.ID, err)
		}
		return Entry{}, err
	}
	return e, nil
}

// stored reports whether the record e, fresh from newEntry, is in the table as written:
// a conditional create answered "already exists" can only mean that an SDK retry of our
// own write found the first attempt's item (its answer was lost on the way back), since a
// ULID is not reused. The record's hash covers id, time and content, so another item
// cannot pass for it.
func (l *Log) stored(ctx context.Context, tenant store.TenantID, e Entry) bool {
	var it recordItem
	if err := l.st.Get(ctx, store.AuditRecordKey(tenant, e.ID), &it); err != nil {
		return false
	}
	return it.Hash == e.Hash && it.TenantID == e.Tenant && it.ID == e.ID
}

// Stage adds r to a transaction the caller builds and executes (for changes that need
// more than one record, or whose transaction another package runs): the record is stored
// if and only if the transaction commits.
func (l *Log) Stage(tx *store.Tx, tenant store.TenantID, r Record) (Entry, error) {
	e, err := l.newEntry(tenant, r)
	if err != nil {
		return Entry{}, err
	}
	tx.Create(store.AuditRecordKey(tenant, e.ID), itemOf(e))
	return e, nil
}

func (l *Log) newEntry(tenant store.TenantID, r Record) (Entry, error) {
	if err := r.validate(); err != nil {
		return Entry{}, err
	}
	if !store.ValidID(string(tenant)) {
		return Entry{}, fmt.Errorf("audit: invalid tenant %q", tenant)
	}
	if len(r.Details) == 0 {
		r.Details = nil // nil and empty must hash alike: the store drops empty maps
	}
	e := Entry{
		Tenant: string(tenant), ID: store.NewID(), Time: l.now().UTC(), Action: r.Action, Actor: r.Actor,
		Subject: r.Subject, Reason: r.Reason, Details: r.Details,
	}
	// The stored time has RFC 3339 precision: hash what will be read back.
	e.Time, _ = time.Parse(time.RFC3339Nano, e.Time.Format(time.RFC3339Nano))
	e.Hash = RecordHash(e)
	return e, nil
}
