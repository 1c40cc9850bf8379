package audit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// DynamoDB is the part of the DynamoDB client the trail uses.
type DynamoDB = store.DynamoDB

// ErrContention means the chain head kept moving under us for every attempt.
var ErrContention = errors.New("audit: chain head contended; append not written")

// Log appends to and reads the tenants' chains in the single table.
type Log struct {
	db          DynamoDB
	st          *store.Store
	table       string
	now         func() time.Time
	maxAttempts int
}

// Option configures a Log.
type Option func(*Log)

// WithClock sets the time source (tests).
func WithClock(now func() time.Time) Option { return func(l *Log) { l.now = now } }

// New is a Log over table.
func New(db DynamoDB, table string, opts ...Option) *Log {
	l := &Log{db: db, st: store.New(db, table), table: table, now: time.Now, maxAttempts: 50}
	for _, o := range opts {
		o(l)
	}
	return l
}

type entryItem struct {
	store.Meta
	TenantID string            `dynamodbav:"tenantId"`
	Seq      uint64            `dynamodbav:"seq"`
	Time     string            `dynamodbav:"time"`
	Action   string            `dynamodbav:"action"`
	Actor    Actor             `dynamodbav:"actor"`
	Subject  Subject           `dynamodbav:"subject"`
	Reason   string            `dynamodbav:"reason,omitempty"`
	Details  map[string]string `dynamodbav:"details,omitempty"`
	PrevHash string            `dynamodbav:"prevHash"`
	Hash     string            `dynamodbav:"hash"`
}

func (entryItem) EntityType() string { return "audit_entry" }

// Indexes puts the entry on its subject's history (GSI2).
func (it entryItem) Indexes() store.Indexes {
	t := store.TenantID(it.TenantID)
	return store.Indexes{GSI2: store.Key{
		PK: store.AuditSubjectPK(t, it.Subject.Type, it.Subject.ID),
		SK: it.Time + "#" + store.AuditEntrySK(it.Seq),
	}}
}

type headItem struct {
	store.Meta
	TenantID  string `dynamodbav:"tenantId"`
	Seq       uint64 `dynamodbav:"seq"`
	Hash      string `dynamodbav:"hash"`
	UpdatedAt string `dynamodbav:"updatedAt"`
}

func (headItem) EntityType() string { return "audit_head" }

// Indexes lists the chain for the verifier (GSI1).
func (h headItem) Indexes() store.Indexes {
	return store.Indexes{GSI1: store.Key{PK: store.AuditTenantsPK, SK: h.TenantID}}
}

// Head is the end of a chain.
type Head struct {
	Seq     uint64
	Hash    string
	version int64
}

// Append adds r to the tenant's chain and returns the entry written.
func (l *Log) Append(ctx context.Context, tenant store.TenantID, r Record) (Entry, error) {
	return l.Commit(ctx, tenant, r, nil)
}

// Commit appends r to the tenant's chain and applies the caller's writes in the same
// transaction: either the change and its audit entry are both stored, or neither is.
// changes adds items to tx (at most 98) and may be called again when the chain head moved
// under us; it must therefore only add items, not read or decide. An error of one of the
// caller's items (a failed condition) is returned as the store's *TxError.
func (l *Log) Commit(ctx context.Context, tenant store.TenantID, r Record, changes func(tx *store.Tx)) (Entry, error) {
	if err := r.validate(); err != nil {
		return Entry{}, err
	}
	if len(r.Details) == 0 {
		r.Details = nil // nil and empty must hash alike: the store drops empty maps
	}
	for attempt := 0; attempt < l.maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return Entry{}, err
			}
		}
		head, err := l.Head(ctx, tenant)
		if err != nil {
			return Entry{}, err
		}
		e := Entry{
			Tenant: string(tenant), Seq: head.Seq + 1, Time: l.now().UTC(),
			Action: r.Action, Actor: r.Actor, Subject: r.Subject, Reason: r.Reason, Details: r.Details,
			PrevHash: head.Hash,
		}
		e.Hash = ComputeHash(e)
		tx := l.st.Tx()
		if changes != nil {
			changes(tx)
		}
		first := tx.Len()
		l.stage(tx, tenant, head, e)
		err = tx.Exec(ctx)
		if err == nil {
			return e, nil
		}
		if !headMoved(err, first) {
			return Entry{}, err
		}
	}
	return Entry{}, ErrContention
}

// Head reads the end of a tenant's chain (strongly consistent). An empty chain has
// sequence 0 and the genesis hash.
func (l *Log) Head(ctx context.Context, tenant store.TenantID) (Head, error) {
	var h headItem
	err := l.st.Get(ctx, store.AuditHeadKey(tenant), &h)
	if errors.Is(err, store.ErrNotFound) {
		return Head{Seq: 0, Hash: GenesisHash(string(tenant))}, nil
	}
	if err != nil {
		return Head{}, fmt.Errorf("audit: read head: %w", err)
	}
	return Head{Seq: h.Seq, Hash: h.Hash, version: h.Version}, nil
}

// stage adds the head move and the new entry to tx: the head is created for a new chain
// and otherwise updated on the condition that its version is still the one we read.
func (l *Log) stage(tx *store.Tx, tenant store.TenantID, prev Head, e Entry) {
	ts := e.Time.Format(time.RFC3339Nano)
	h := headItem{TenantID: string(tenant), Seq: e.Seq, Hash: e.Hash, UpdatedAt: ts}
	if prev.Seq == 0 {
		tx.Create(store.AuditHeadKey(tenant), h)
	} else {
		tx.Update(store.AuditHeadKey(tenant), prev.version, h)
	}
	tx.Create(store.AuditEntryKey(tenant, e.Seq), entryItem{
		TenantID: e.Tenant, Seq: e.Seq, Time: ts, Action: e.Action, Actor: e.Actor, Subject: e.Subject,
		Reason: e.Reason, Details: e.Details, PrevHash: e.PrevHash, Hash: e.Hash,
	})
}

// headMoved: the transaction failed only on our own items (index >= first), because
// another writer moved the head or held it; then a retry on the new head succeeds.
func headMoved(err error, first int) bool {
	var te *store.TxError
	if !errors.As(err, &te) {
		return false
	}
	for _, f := range te.Failures {
		if f.Index < first {
			return false
		}
	}
	return len(te.Failures) > 0
}

func backoff(ctx context.Context, attempt int) error {
	ceiling := time.Duration(min(1<<min(attempt, 7), 100)) * time.Millisecond
	d := time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
