package audit

import (
	"context"
	"fmt"
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
	Edited     ProblemKind = "edited"      // content no longer matches its hash
	Deleted    ProblemKind = "deleted"     // a sequence number is missing
	Reordered  ProblemKind = "reordered"   // an entry sits under another entry's key
	BrokenLink ProblemKind = "broken_link" // prevHash is not the previous entry's hash
	HeadAhead  ProblemKind = "head_ahead"  // the head names entries that are gone
	HeadBehind ProblemKind = "head_behind" // entries exist past the head, or the head hash differs
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
	HeadSeq  uint64    `json:"headSeq"`
	HeadHash string    `json:"headHash"`
	Intact   bool      `json:"intact"`
	Problems []Problem `json:"problems,omitempty"`
	Checked  time.Time `json:"checkedAt"`
}

// maxProblems bounds a report: a chain rewritten wholesale would list every entry.
const maxProblems = 100

// Verify walks the tenant's chain from the first entry and reports every entry that was
// edited, deleted or reordered, and whether the head agrees with the last entry.
func (l *Log) Verify(ctx context.Context, tenant store.TenantID) (Report, error) {
	rep := Report{Tenant: string(tenant), Checked: l.now().UTC()}
	head, err := l.Head(ctx, tenant)
	if err != nil {
		return rep, err
	}
	rep.HeadSeq, rep.HeadHash = head.Seq, head.Hash
	add := func(p Problem) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, p)
		}
	}
	expect := uint64(1)
	prevHash := GenesisHash(string(tenant))
	var lastHash string
	err = l.scan(ctx, tenant, 0, func(sk string, e Entry) bool {
		rep.Entries++
		if sk != store.AuditEntrySK(e.Seq) {
			add(Problem{Seq: e.Seq, Kind: Reordered, Detail: fmt.Sprintf("entry %d is stored under %s", e.Seq, sk)})
		}
		if e.Seq > expect {
			add(Problem{Seq: expect, Kind: Deleted, Detail: fmt.Sprintf("entries %d to %d are missing", expect, e.Seq-1)})
		} else if e.Seq < expect {
			add(Problem{Seq: e.Seq, Kind: Reordered, Detail: fmt.Sprintf("entry %d appears after entry %d", e.Seq, expect-1)})
		}
		if ComputeHash(e) != e.Hash {
			add(Problem{Seq: e.Seq, Kind: Edited, Detail: "content does not match the entry's hash"})
		}
		if e.PrevHash != prevHash {
			add(Problem{Seq: e.Seq, Kind: BrokenLink, Detail: "previous-hash link does not match the entry before it"})
		}
		prevHash, lastHash = e.Hash, e.Hash
		if e.Seq >= expect {
			expect = e.Seq + 1
		}
		return true
	})
	if err != nil {
		return rep, err
	}
	last := expect - 1
	switch {
	case head.Seq > last:
		add(Problem{Seq: last + 1, Kind: HeadAhead, Detail: fmt.Sprintf("head is at %d but the last entry is %d: entries were deleted", head.Seq, last)})
	case head.Seq < last:
		add(Problem{Seq: head.Seq + 1, Kind: HeadBehind, Detail: fmt.Sprintf("entries exist past the head (%d > %d)", last, head.Seq)})
	case last > 0 && head.Hash != lastHash:
		add(Problem{Seq: last, Kind: HeadBehind, Detail: "head hash differs from the last entry's hash"})
	}
	rep.Intact = len(rep.Problems) == 0
	return rep, nil
}

// List returns up to limit entries after sequence number after, oldest first, and the
// sequence to pass as after for the next page (0 when done).
func (l *Log) List(ctx context.Context, tenant store.TenantID, after uint64, limit int) ([]Entry, uint64, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []Entry
	var more bool
	err := l.scan(ctx, tenant, after, func(_ string, e Entry) bool {
		if len(out) == limit {
			more = true
			return false
		}
		out = append(out, e)
		return true
	})
	if err != nil {
		return nil, 0, err
	}
	if more && len(out) > 0 {
		return out, out[len(out)-1].Seq, nil
	}
	return out, 0, nil
}

// Chains lists the tenants that have an audit chain (for the scheduled verifier).
func (l *Log) Chains(ctx context.Context) ([]store.TenantID, error) {
	var out []store.TenantID
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
				out = append(out, store.TenantID(h.TenantID))
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}

// scan visits the tenant's entries in sort-key order starting after sequence after; fn
// returns false to stop.
func (l *Log) scan(ctx context.Context, tenant store.TenantID, after uint64, fn func(sk string, e Entry) bool) error {
	pk := store.AuditPK(tenant)
	cond := "PK = :pk AND SK BETWEEN :from AND :to"
	vals := map[string]types.AttributeValue{
		":pk":   &types.AttributeValueMemberS{Value: pk},
		":from": &types.AttributeValueMemberS{Value: store.AuditEntrySK(after + 1)},
		":to":   &types.AttributeValueMemberS{Value: "E#~"},
	}
	var start map[string]types.AttributeValue
	for {
		res, err := l.db.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String(l.table), KeyConditionExpression: aws.String(cond),
			ExpressionAttributeValues: vals, ExclusiveStartKey: start, ConsistentRead: aws.Bool(true),
			Limit: aws.Int32(500),
		})
		if err != nil {
			return fmt.Errorf("audit: read chain: %w", err)
		}
		for _, it := range res.Items {
			var item entryItem
			if err := attributevalue.UnmarshalMap(it, &item); err != nil {
				return fmt.Errorf("audit: decode entry: %w", err)
			}
			if !fn(item.SK, item.entry()) {
				return nil
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		start = res.LastEvaluatedKey
	}
}

func (it entryItem) entry() Entry {
	t, _ := time.Parse(time.RFC3339Nano, it.Time)
	return Entry{
		Tenant: it.TenantID, Seq: it.Seq, Time: t, Action: it.Action, Actor: it.Actor, Subject: it.Subject,
		Reason: it.Reason, Details: it.Details, PrevHash: it.PrevHash, Hash: it.Hash,
	}
}
