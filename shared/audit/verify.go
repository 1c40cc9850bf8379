package audit

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// ProblemKind says how a chain was tampered with.
type ProblemKind string

// What Verify can find.
const (
	Edited     ProblemKind = "edited"      // a record or a block no longer matches its hash
	Deleted    ProblemKind = "deleted"     // a sealed record or a block is missing
	Reordered  ProblemKind = "reordered"   // a record carries another position or id, or blocks overlap
	BrokenLink ProblemKind = "broken_link" // a block's previous hash is not the previous block's hash
	HeadAhead  ProblemKind = "head_ahead"  // the head names records that are gone
	HeadBehind ProblemKind = "head_behind" // blocks exist past the head, or the head hash differs
	Unsealed   ProblemKind = "unsealed"    // records waited longer than the grace period for the sealer
)

// Problem is one finding.
type Problem struct {
	Seq    uint64      `json:"seq"`
	Kind   ProblemKind `json:"kind"`
	Detail string      `json:"detail"`
}

// Report is the outcome of verifying one chain.
type Report struct {
	Tenant   string    `json:"tenantId"`
	Entries  uint64    `json:"entries"`
	Blocks   uint64    `json:"blocks"`
	HeadSeq  uint64    `json:"headSeq"`
	HeadHash string    `json:"headHash"`
	Unsealed int       `json:"unsealed"` // records still waiting for the sealer (any age)
	Intact   bool      `json:"intact"`
	Problems []Problem `json:"problems,omitempty"`
	Checked  time.Time `json:"checkedAt"`
}

// maxProblems bounds a report: a chain rewritten wholesale would list every record.
const maxProblems = 100

// Verify walks the tenant's chain from the first block and reports every record that was
// edited, deleted or reordered, whether the head agrees with the last block, and records
// left unsealed longer than the grace period.
func (l *Log) Verify(ctx context.Context, tenant store.TenantID) (Report, error) {
	rep := Report{Tenant: string(tenant), Checked: l.now().UTC()}
	head, err := l.Head(ctx, tenant)
	if err != nil {
		return rep, err
	}
	rep.HeadSeq, rep.HeadHash = head.LastSeq, head.Hash
	add := func(p Problem) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	expect := uint64(1)
	prevHash := GenesisHash(string(tenant))
	var last *Block
	err = l.blocks(ctx, tenant, 0, func(sk string, b Block) (bool, error) {
		rep.Blocks++
		if sk != store.AuditBlockSK(b.FirstSeq) || b.Tenant != string(tenant) {
			add(Problem{Seq: b.FirstSeq, Kind: Reordered, Detail: fmt.Sprintf("block %d is stored under %s", b.FirstSeq, sk)})
		}
		switch {
		case len(b.Records) == 0:
			add(Problem{Seq: b.FirstSeq, Kind: Edited, Detail: "block holds no records"})
		case b.FirstSeq > expect:
			add(Problem{Seq: expect, Kind: Deleted, Detail: fmt.Sprintf("records %d to %d are missing (a block was deleted)", expect, b.FirstSeq-1)})
		case b.FirstSeq < expect:
			add(Problem{Seq: b.FirstSeq, Kind: Reordered, Detail: fmt.Sprintf("block %d overlaps the records before it", b.FirstSeq)})
		}
		if BlockHash(b) != b.Hash {
			add(Problem{Seq: b.FirstSeq, Kind: Edited, Detail: fmt.Sprintf("block %d does not match its hash", b.FirstSeq)})
		}
		if b.PrevHash != prevHash {
			add(Problem{Seq: b.FirstSeq, Kind: BrokenLink, Detail: fmt.Sprintf("block %d does not link to the block before it", b.FirstSeq)})
		}
		if err := l.checkRecords(ctx, tenant, b, add); err != nil {
			return false, err
		}
		rep.Entries += uint64(len(b.Records))
		prevHash = b.Hash
		if len(b.Records) > 0 {
			expect = max(expect, b.LastSeq()+1)
		}
		bc := b
		last = &bc
		return true, nil
	})
	if err != nil {
		return rep, err
	}
	lastSeq := expect - 1
	switch {
	case head.LastSeq > lastSeq:
		add(Problem{Seq: lastSeq + 1, Kind: HeadAhead, Detail: fmt.Sprintf("head is at %d but the last sealed record is %d: blocks were deleted", head.LastSeq, lastSeq)})
	case head.LastSeq < lastSeq:
		add(Problem{Seq: head.LastSeq + 1, Kind: HeadBehind, Detail: fmt.Sprintf("blocks exist past the head (%d > %d)", lastSeq, head.LastSeq)})
	case last != nil && (head.Hash != last.Hash || head.Block != last.FirstSeq):
		add(Problem{Seq: lastSeq, Kind: HeadBehind, Detail: "head hash differs from the last block's hash"})
	}
	pending, err := l.pending(ctx, tenant)
	if err != nil {
		return rep, err
	}
	rep.Unsealed = len(pending.entries)
	cut := l.now().Add(-l.grace)
	for _, e := range pending.entries {
		switch {
		case e.Seq != 0:
			// The sealer removes a record from the pending index in the write that seals it.
			add(Problem{Seq: e.Seq, Kind: Edited, Detail: fmt.Sprintf("record %s carries sequence %d but was never sealed", e.ID, e.Seq)})
		case e.Time.Before(cut):
			add(Problem{Kind: Unsealed, Detail: fmt.Sprintf("record %s (%s) waits since %s for the sealer", e.ID, e.Action, store.FormatTime(e.Time))})
		}
	}
	for _, pk := range pending.malformed {
		add(Problem{Kind: Edited, Detail: fmt.Sprintf("item %s on the pending index is not a readable audit record", pk)})
	}
	rep.Intact = len(rep.Problems) == 0
	return rep, nil
}

// checkRecords compares each sealed record of b with what the block says of it.
func (l *Log) checkRecords(ctx context.Context, tenant store.TenantID, b Block, add func(Problem)) error {
	ids := make([]string, 0, len(b.Records))
	for _, r := range b.Records {
		if store.ValidID(r.ID) {
			ids = append(ids, r.ID)
		}
	}
	got, err := l.records(ctx, tenant, ids)
	if err != nil {
		return err
	}
	for i, r := range b.Records {
		seq := b.FirstSeq + uint64(i)
		it, ok := got[r.ID]
		switch {
		case !ok:
			add(Problem{Seq: seq, Kind: Deleted, Detail: fmt.Sprintf("record %s is missing", r.ID)})
			continue
		case it.ID != r.ID || it.TenantID != string(tenant):
			add(Problem{Seq: seq, Kind: Reordered, Detail: fmt.Sprintf("the item of record %s holds record %s of %s", r.ID, it.ID, it.TenantID)})
			continue
		}
		e := it.entry()
		if RecordHash(e) != r.Hash || it.Hash != r.Hash {
			add(Problem{Seq: seq, Kind: Edited, Detail: fmt.Sprintf("record %s does not match the hash it was sealed with", r.ID)})
		}
		if it.Seq != seq || it.Block != b.FirstSeq {
			add(Problem{Seq: seq, Kind: Reordered, Detail: fmt.Sprintf("record %s says it is %d, the chain says %d", r.ID, it.Seq, seq)})
		}
	}
	return nil
}

// records reads records by id (strongly consistent), BatchGetItem by the hundred.
func (l *Log) records(ctx context.Context, tenant store.TenantID, ids []string) (map[string]recordItem, error) {
	out := make(map[string]recordItem, len(ids))
	for chunk := range slices.Chunk(ids, 100) {
		keys := make([]map[string]types.AttributeValue, 0, len(chunk))
		idOf := make(map[string]string, len(chunk)) // partition key -> the id asked for
		for _, id := range chunk {
			k := store.AuditRecordKey(tenant, id)
			idOf[k.PK] = id
			keys = append(keys, map[string]types.AttributeValue{
				store.AttrPK: &types.AttributeValueMemberS{Value: k.PK}, store.AttrSK: &types.AttributeValueMemberS{Value: k.SK},
			})
		}
		req := map[string]types.KeysAndAttributes{l.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if attempt > 10 {
					return nil, fmt.Errorf("audit: read records: unprocessed keys after %d attempts", attempt)
				}
				if err := backoff(ctx, attempt); err != nil {
					return nil, err
				}
			}
			res, err := l.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("audit: read records: %w", err)
			}
			for _, raw := range res.Responses[l.table] {
				var it recordItem
				if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
					return nil, fmt.Errorf("audit: decode record: %w", err)
				}
				// Keyed by where it was found, so a record moved under another id shows.
				out[idOf[it.PK]] = it
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

// pendingReportBound bounds the waiting records Verify reads per bucket: enough to report,
// never a whole backlog in memory.
const pendingReportBound = 100

// pending lists the tenant's records still waiting for the sealer (at most
// pendingReportBound per bucket).
func (l *Log) pending(ctx context.Context, tenant store.TenantID) (pendingRead, error) {
	return l.readPending(ctx, "~", tenant, pendingReportBound)
}

// List returns up to limit sealed entries after sequence number after, oldest first, and
// the sequence to pass as after for the next page (0 when done). Records not yet sealed
// are not listed: they have no place in the chain yet.
func (l *Log) List(ctx context.Context, tenant store.TenantID, after uint64, limit int) ([]Entry, uint64, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	from, err := l.blockHolding(ctx, tenant, after+1)
	if err != nil {
		return nil, 0, err
	}
	type slot struct {
		seq   uint64
		id    string
		block Block
	}
	var want []slot
	more := false
	err = l.blocks(ctx, tenant, from, func(_ string, b Block) (bool, error) {
		for i, r := range b.Records {
			seq := b.FirstSeq + uint64(i)
			if seq <= after || !store.ValidID(r.ID) {
				continue
			}
			if len(want) == limit {
				more = true
				return false, nil
			}
			want = append(want, slot{seq: seq, id: r.ID, block: b})
		}
		return true, nil
	})
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(want))
	for i, w := range want {
		ids[i] = w.id
	}
	got, err := l.records(ctx, tenant, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Entry, 0, len(want))
	for _, w := range want {
		it, ok := got[w.id]
		if !ok {
			// Deleted: the verifier reports it; the listing still shows the chain's slot.
			out = append(out, Entry{Tenant: string(tenant), Seq: w.seq, ID: w.id, Action: "(missing)", Block: w.block.FirstSeq, BlockHash: w.block.Hash})
			continue
		}
		out = append(out, it.entry())
	}
	if more && len(out) > 0 {
		return out, out[len(out)-1].Seq, nil
	}
	return out, 0, nil
}

// blockHolding is the first sequence number of the block that holds seq (0 when none
// does: start from the first block).
func (l *Log) blockHolding(ctx context.Context, tenant store.TenantID, seq uint64) (uint64, error) {
	res, err := l.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(l.table), KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: store.AuditChainPK(tenant)},
			":from": &types.AttributeValueMemberS{Value: store.AuditBlockSK(0)},
			":to":   &types.AttributeValueMemberS{Value: store.AuditBlockSK(seq)},
		},
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(1), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("firstSeq"),
	})
	if err != nil {
		return 0, fmt.Errorf("audit: find block: %w", err)
	}
	if len(res.Items) == 0 {
		return 0, nil
	}
	var b struct {
		FirstSeq uint64 `dynamodbav:"firstSeq"`
	}
	if err := attributevalue.UnmarshalMap(res.Items[0], &b); err != nil {
		return 0, fmt.Errorf("audit: decode block: %w", err)
	}
	return b.FirstSeq, nil
}

// blocks visits the tenant's blocks in sort-key order from the one starting at from; fn
// returns false to stop.
func (l *Log) blocks(ctx context.Context, tenant store.TenantID, from uint64, fn func(sk string, b Block) (bool, error)) error {
	vals := map[string]types.AttributeValue{
		":pk":   &types.AttributeValueMemberS{Value: store.AuditChainPK(tenant)},
		":from": &types.AttributeValueMemberS{Value: store.AuditBlockSK(from)},
		":to":   &types.AttributeValueMemberS{Value: "B#~"},
	}
	var start map[string]types.AttributeValue
	for {
		res, err := l.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(l.table), KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
			ExpressionAttributeValues: vals, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
			Limit: aws.Int32(50),
		})
		if err != nil {
			return fmt.Errorf("audit: read chain: %w", err)
		}
		for _, it := range res.Items {
			var bi blockItem
			if err := attributevalue.UnmarshalMap(it, &bi); err != nil {
				return fmt.Errorf("audit: decode block: %w", err)
			}
			ok, err := fn(bi.SK, bi.block())
			if err != nil || !ok {
				return err
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		start = res.LastEvaluatedKey
	}
}

// ChainHead is one chain's end, as anchored outside the table.
type ChainHead struct {
	Tenant    string    `json:"tenantId"`
	LastSeq   uint64    `json:"lastSeq"`
	Hash      string    `json:"hash"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Heads lists every chain's head, in tenant order (for anchoring and for the verifier).
func (l *Log) Heads(ctx context.Context) ([]ChainHead, error) {
	byTenant := map[string]ChainHead{}
	var start map[string]types.AttributeValue
	for {
		res, err := l.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(l.table), IndexName: aws.String(store.IndexGSI1),
			KeyConditionExpression:    aws.String("GSI1PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: store.AuditTenantsPK}},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("audit: list chains: %w", err)
		}
		for _, it := range res.Items {
			var h headItem
			if err := attributevalue.UnmarshalMap(it, &h); err == nil && h.TenantID != "" {
				at, _ := time.Parse(time.RFC3339Nano, h.UpdatedAt)
				byTenant[h.TenantID] = ChainHead{Tenant: h.TenantID, LastSeq: h.LastSeq, Hash: h.Hash, UpdatedAt: at}
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			break
		}
		start = res.LastEvaluatedKey
	}
	out := make([]ChainHead, 0, len(byTenant))
	for _, t := range slices.Sorted(maps.Keys(byTenant)) {
		out = append(out, byTenant[t])
	}
	return out, nil
}

// Chains lists the tenants that have an audit chain (for the scheduled verifier).
func (l *Log) Chains(ctx context.Context) ([]store.TenantID, error) {
	hs, err := l.Heads(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.TenantID, len(hs))
	for i, h := range hs {
		out[i] = store.TenantID(h.Tenant)
	}
	return out, nil
}

// AnchorDigest combines chain heads into one digest: the SHA-256 of the heads in tenant
// order. Published outside the table, it fixes every chain's end at that moment; a chain
// rewritten later no longer reproduces it.
func AnchorDigest(heads []ChainHead) string {
	type h struct {
		T string `json:"t"`
		S uint64 `json:"s"`
		H string `json:"h"`
	}
	in := make([]h, len(heads))
	for i, x := range heads {
		in[i] = h{x.Tenant, x.LastSeq, x.Hash}
	}
	slices.SortFunc(in, func(a, b h) int {
		if a.T < b.T {
			return -1
		}
		if a.T > b.T {
			return 1
		}
		return 0
	})
	return sum(struct {
		V     int `json:"v"`
		Heads []h `json:"heads"`
	}{hashVersion, in})
}
