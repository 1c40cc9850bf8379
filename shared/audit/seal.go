package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// MaxBlockRecords is how many records one block seals: a transaction holds at most 100
// items, and a block's transaction also writes the block and moves the head.
const MaxBlockRecords = store.MaxTxItems - 2

// ErrContention means other sealers kept moving the chain head for every attempt.
var ErrContention = errors.New("audit: chain head contended; block not sealed")

const maxSealAttempts = 25

type headItem struct {
	store.Meta
	TenantID  string `dynamodbav:"tenantId"`
	LastSeq   uint64 `dynamodbav:"lastSeq"`
	Block     uint64 `dynamodbav:"block"` // first sequence number of the last block
	Hash      string `dynamodbav:"hash"`  // the last block's hash
	UpdatedAt string `dynamodbav:"updatedAt"`
}

func (headItem) EntityType() string { return "audit_head" }

// Indexes lists the chain for the verifier (GSI1).
func (h headItem) Indexes() store.Indexes {
	return store.Indexes{GSI1: store.Key{PK: store.AuditTenantsPK, SK: h.TenantID}}
}

type blockItem struct {
	store.Meta
	TenantID string   `dynamodbav:"tenantId"`
	FirstSeq uint64   `dynamodbav:"firstSeq"`
	SealedAt string   `dynamodbav:"sealedAt"`
	Records  []Sealed `dynamodbav:"records"`
	PrevHash string   `dynamodbav:"prevHash"`
	Hash     string   `dynamodbav:"hash"`
}

func (blockItem) EntityType() string { return "audit_block" }

func (b blockItem) block() Block {
	t, _ := time.Parse(time.RFC3339Nano, b.SealedAt)
	return Block{Tenant: b.TenantID, FirstSeq: b.FirstSeq, SealedAt: t, Records: b.Records, PrevHash: b.PrevHash, Hash: b.Hash}
}

// Head is the end of a chain. An empty chain has LastSeq 0 and the genesis hash.
type Head struct {
	LastSeq   uint64
	Block     uint64
	Hash      string
	UpdatedAt time.Time
	version   int64
}

// Head reads the end of a tenant's chain (strongly consistent).
func (l *Log) Head(ctx context.Context, tenant store.TenantID) (Head, error) {
	var h headItem
	err := l.st.Get(ctx, store.AuditHeadKey(tenant), &h)
	if errors.Is(err, store.ErrNotFound) {
		return Head{Hash: GenesisHash(string(tenant))}, nil
	}
	if err != nil {
		return Head{}, fmt.Errorf("audit: read head: %w", err)
	}
	at, _ := time.Parse(time.RFC3339Nano, h.UpdatedAt)
	return Head{LastSeq: h.LastSeq, Block: h.Block, Hash: h.Hash, UpdatedAt: at, version: h.Version}, nil
}

// SealStats says what a Seal call did.
type SealStats struct {
	Sealed    int // records given a sequence number by this call
	Skipped   int // records already sealed (a redelivery, or another sealer was first)
	Blocks    int // blocks written
	Conflicts int // transactions cancelled because another sealer moved the head first
	// FalseSeals counts records that carried a seal no block vouches for (someone set
	// their seq before the sealer did): they are sealed over it, so none goes missing.
	FalseSeals int
	// Unreadable counts items on the pending index that cannot be read as records (a sweep
	// leaves them; the verifier reports them).
	Unreadable int
}

func (s *SealStats) add(o SealStats) {
	s.Sealed += o.Sealed
	s.Skipped += o.Skipped
	s.Blocks += o.Blocks
	s.Conflicts += o.Conflicts
	s.FalseSeals += o.FalseSeals
	s.Unreadable += o.Unreadable
}

// Seal appends records to their tenants' chains, in blocks of at most MaxBlockRecords.
// It is idempotent: a record already sealed is skipped, so redelivered stream batches and
// overlapping sweeps are harmless. Records are sealed in time order within a call (ties
// by id). Entries come from the table's stream (EntryFromItem of the new image) or from
// the pending index (SealPending); their content is sealed as given.
func (l *Log) Seal(ctx context.Context, entries []Entry) (SealStats, error) {
	byTenant := map[string][]Entry{}
	seen := map[string]bool{} // tenant/id: one transaction may not write an item twice
	var order []string
	for _, e := range entries {
		if k := e.Tenant + "/" + e.ID; seen[k] {
			continue
		} else {
			seen[k] = true
		}
		if _, ok := byTenant[e.Tenant]; !ok {
			order = append(order, e.Tenant)
		}
		byTenant[e.Tenant] = append(byTenant[e.Tenant], e)
	}
	var total SealStats
	var errs []error
	var failed []store.TenantID
	for _, t := range order {
		es := byTenant[t]
		slices.SortFunc(es, func(a, b Entry) int {
			if c := a.Time.Compare(b.Time); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		for len(es) > 0 {
			n := min(len(es), MaxBlockRecords)
			st, err := l.sealBlock(ctx, store.TenantID(t), es[:n])
			total.add(st)
			if err != nil {
				errs = append(errs, fmt.Errorf("audit: seal %s: %w", t, err))
				failed = append(failed, store.TenantID(t))
				break // the next records must not be sealed before these
			}
			es = es[n:]
		}
	}
	if len(errs) > 0 {
		return total, &SealError{Tenants: failed, Err: errors.Join(errs...)}
	}
	return total, nil
}

// SealError says which tenants' records could not be sealed (the others were).
type SealError struct {
	Tenants []store.TenantID
	Err     error
}

func (e *SealError) Error() string { return e.Err.Error() }
func (e *SealError) Unwrap() error { return e.Err }

// sealBlock seals es (one tenant, at most MaxBlockRecords, in order) as one block.
func (l *Log) sealBlock(ctx context.Context, tenant store.TenantID, es []Entry) (SealStats, error) {
	var st SealStats
	falseSeq := map[string]uint64{} // record id -> the seq it carries without a block's word for it
	for attempt := 0; attempt < maxSealAttempts; attempt++ {
		if len(es) == 0 {
			return st, nil
		}
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return st, err
			}
		}
		head, err := l.Head(ctx, tenant)
		if err != nil {
			return st, err
		}
		b := Block{Tenant: string(tenant), FirstSeq: head.LastSeq + 1, SealedAt: l.now().UTC(), PrevHash: head.Hash}
		b.SealedAt, _ = time.Parse(time.RFC3339Nano, b.SealedAt.Format(time.RFC3339Nano))
		for _, e := range es {
			b.Records = append(b.Records, Sealed{ID: e.ID, Hash: e.Hash})
		}
		b.Hash = BlockHash(b)
		sealedAt := b.SealedAt.Format(time.RFC3339Nano)

		tx := l.st.Tx()
		for i, e := range es {
			it := itemOf(e)
			it.Seq, it.Block, it.BlockHash, it.SealedAt = b.FirstSeq+uint64(i), b.FirstSeq, b.Hash, sealedAt
			it.Version = 2
			// Written from the entry (the committed image when it comes from the stream), on
			// the condition that nobody sealed it first, or over a seal we proved false.
			cond := store.Cond{Expr: "attribute_not_exists(#seq)", Names: map[string]string{"#seq": "seq"}}
			if seq, ok := falseSeq[e.ID]; ok {
				cond = store.Cond{Expr: "#seq = :seq", Names: map[string]string{"#seq": "seq"}, Values: map[string]any{":seq": seq}}
			}
			tx.PutIf(store.AuditRecordKey(tenant, e.ID), it, cond)
		}
		tx.Create(store.AuditBlockKey(tenant, b.FirstSeq), blockItem{
			TenantID: b.Tenant, FirstSeq: b.FirstSeq, SealedAt: sealedAt, Records: b.Records, PrevHash: b.PrevHash, Hash: b.Hash,
		})
		h := headItem{TenantID: string(tenant), LastSeq: b.LastSeq(), Block: b.FirstSeq, Hash: b.Hash, UpdatedAt: sealedAt}
		if head.LastSeq == 0 {
			tx.Create(store.AuditHeadKey(tenant), h)
		} else {
			tx.Update(store.AuditHeadKey(tenant), head.version, h)
		}
		err = tx.Exec(ctx)
		if err == nil {
			st.Sealed += len(es)
			st.Blocks++
			return st, nil
		}
		var te *store.TxError
		if !errors.As(err, &te) {
			return st, err
		}
		sealed := map[int]bool{}
		chainMoved := false
		for _, f := range te.Failures {
			switch {
			case f.Index < len(es) && errors.Is(f.Err, store.ErrConditionFailed):
				// The record carries a seq. Skip it only if a block vouches for it: a seq
				// set by anyone but the sealer must not make a record vanish.
				e := es[f.Index]
				ok, seq, err := l.provenSealed(ctx, tenant, e)
				switch {
				case err != nil:
					return st, err
				case ok:
					sealed[f.Index] = true
				default:
					if _, seen := falseSeq[e.ID]; !seen {
						st.FalseSeals++
					}
					falseSeq[e.ID] = seq
				}
			case f.Index < len(es):
				chainMoved = true // a transaction conflict on a record: retry
			default:
				chainMoved = true // block or head: another sealer was first
			}
		}
		if len(sealed) > 0 {
			st.Skipped += len(sealed)
			rest := make([]Entry, 0, len(es)-len(sealed))
			for i, e := range es {
				if !sealed[i] {
					rest = append(rest, e)
				}
			}
			es = rest
		}
		if chainMoved {
			st.Conflicts++
		}
	}
	return st, ErrContention
}

// provenSealed reports whether e is sealed: its item carries a seq and the block it names
// lists e's id at that position (whether its content still matches is the verifier's
// business). Otherwise seq is the value the item carries, for the condition that seals
// over it.
func (l *Log) provenSealed(ctx context.Context, tenant store.TenantID, e Entry) (bool, uint64, error) {
	var it recordItem
	if err := l.st.Get(ctx, store.AuditRecordKey(tenant, e.ID), &it); err != nil {
		return false, 0, err // gone since the failed condition: the caller retries later
	}
	if it.Seq == 0 || it.Block == 0 || it.Seq < it.Block {
		return false, it.Seq, nil
	}
	var b blockItem
	if err := l.st.Get(ctx, store.AuditBlockKey(tenant, it.Block), &b); errors.Is(err, store.ErrNotFound) {
		return false, it.Seq, nil
	} else if err != nil {
		return false, 0, err
	}
	i := it.Seq - b.FirstSeq
	if i >= uint64(len(b.Records)) || b.Records[i].ID != e.ID {
		return false, it.Seq, nil
	}
	return true, it.Seq, nil
}

// SealPending seals records that have waited at least olderThan, found on the pending
// index: at most about limit per call (0: DefaultSweepLimit), the oldest of each bucket,
// and none of the tenants in skip (tenants a sweep already failed to seal, so that one
// stuck chain cannot starve the others). It is the sweep that backs up the stream path: a
// record whose stream batch failed for good is sealed here. The index is eventually
// consistent, so a record sealed a moment ago may be seen again: Seal skips it.
func (l *Log) SealPending(ctx context.Context, olderThan time.Duration, limit int, skip ...store.TenantID) (SealStats, error) {
	if limit <= 0 {
		limit = DefaultSweepLimit
	}
	// Records spread evenly over the buckets (a hash of their id), so the oldest
	// limit/buckets of each bucket are about the oldest limit overall, and a backlog never
	// has to be held in memory at once.
	perBucket := (limit + store.AuditPendingBuckets - 1) / store.AuditPendingBuckets
	rd, err := l.readPending(ctx, store.FormatTime(l.now().Add(-olderThan))+"~", "", perBucket)
	if err != nil {
		return SealStats{}, err
	}
	es := slices.DeleteFunc(rd.entries, func(e Entry) bool { return slices.Contains(skip, store.TenantID(e.Tenant)) })
	slices.SortFunc(es, func(a, b Entry) int { return a.Time.Compare(b.Time) })
	if len(es) > limit {
		es = es[:limit]
	}
	st, err := l.Seal(ctx, es)
	st.Unreadable = len(rd.malformed)
	return st, err
}

// Backlog counts, per tenant, records that have waited longer than olderThan for the
// sealer (at least: each bucket is read up to a small bound). A tenant whose records were
// never sealed has no chain head, so the verifier finds it here.
func (l *Log) Backlog(ctx context.Context, olderThan time.Duration) (map[store.TenantID]int, error) {
	rd, err := l.readPending(ctx, store.FormatTime(l.now().Add(-olderThan))+"~", "", 16)
	if err != nil {
		return nil, err
	}
	out := map[store.TenantID]int{}
	for _, e := range rd.entries {
		out[store.TenantID(e.Tenant)]++
	}
	return out, nil
}

// DefaultSweepLimit bounds one sweep, so that it ends well within a function's timeout; the
// next sweep takes the rest.
const DefaultSweepLimit = 5000

// pendingReaders bounds the bucket queries in flight at once.
const pendingReaders = 8

// pendingRead is what the pending index holds: readable records (a record carrying a seq
// there was given it by someone other than the sealer, which removes it from the index
// in the write that seals it) and the keys of items that cannot be read as records.
type pendingRead struct {
	entries   []Entry
	malformed []string
}

// readPending reads the pending index: in every bucket, the records older than cut (a
// GSI1SK bound), at most perBucket of them (0: all), and only tenant's when tenant is set.
// Buckets are read concurrently: a sweep of 64 mostly empty partitions should cost a few
// round trips, not 64.
func (l *Log) readPending(ctx context.Context, cut string, tenant store.TenantID, perBucket int) (pendingRead, error) {
	var (
		mu   sync.Mutex
		out  pendingRead
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, pendingReaders)
	)
	for b := range store.AuditPendingBuckets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rd, err := l.readBucket(ctx, b, cut, tenant, perBucket)
			mu.Lock()
			defer mu.Unlock()
			out.entries = append(out.entries, rd.entries...)
			out.malformed = append(out.malformed, rd.malformed...)
			if err != nil {
				errs = append(errs, err)
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (l *Log) readBucket(ctx context.Context, b int, cut string, tenant store.TenantID, max int) (pendingRead, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(l.table), IndexName: aws.String(store.IndexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK < :cut"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":  &types.AttributeValueMemberS{Value: store.AuditPendingPK(b)},
			":cut": &types.AttributeValueMemberS{Value: cut},
		},
	}
	if tenant != "" {
		in.FilterExpression = aws.String("tenantId = :t")
		in.ExpressionAttributeValues[":t"] = &types.AttributeValueMemberS{Value: string(tenant)}
	}
	if max > 0 {
		in.Limit = aws.Int32(int32(min(max, 1000)))
	}
	var out pendingRead
	for {
		res, err := l.db.Query(ctx, in)
		if err != nil {
			return out, fmt.Errorf("audit: read pending records: %w", err)
		}
		for _, it := range res.Items {
			if e, ok := EntryFromItem(it); ok {
				out.entries = append(out.entries, e)
			} else {
				out.malformed = append(out.malformed, itemPK(it))
			}
		}
		// A bucket is read oldest first: its first max records are all that a sweep of
		// max records could need from it.
		if len(res.LastEvaluatedKey) == 0 || (max > 0 && len(out.entries)+len(out.malformed) >= max) {
			return out, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

func itemPK(it map[string]types.AttributeValue) string {
	if v, ok := it[store.AttrPK].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return "(no PK)"
}

// EntryFromItem reads an audit record from a raw item (a stream image, an index item).
// ok is false when the item is not an audit record.
func EntryFromItem(item map[string]types.AttributeValue) (Entry, bool) {
	if v, ok := item[store.AttrType].(*types.AttributeValueMemberS); !ok || v.Value != EntityRecord {
		return Entry{}, false
	}
	var it recordItem
	if err := store.Unmarshal(item, &it); err != nil || !store.ValidID(it.TenantID) || !store.ValidID(it.ID) ||
		!store.ValidID(it.Subject.Type) || !store.ValidID(it.Subject.ID) || it.Action == "" || it.Actor.Type == "" || it.Actor.ID == "" {
		return Entry{}, false
	}
	if _, err := time.Parse(time.RFC3339Nano, it.Time); err != nil {
		return Entry{}, false
	}
	if it.PK != store.AuditRecordKey(store.TenantID(it.TenantID), it.ID).PK {
		return Entry{}, false // not where a record of this tenant and id lives
	}
	return it.entry(), true
}

// backoff waits before retrying a seal that lost its race for the head, or a read of
// records the table left unprocessed.
func backoff(ctx context.Context, attempt int) error { return sealBackoff.Wait(ctx, attempt) }

// sealBackoff is 1ms plus a random while below 1ms<<attempt, at most 100ms (full jitter).
var sealBackoff = store.Backoff{Base: time.Millisecond, Max: 100 * time.Millisecond, Full: true, Min: time.Millisecond}
