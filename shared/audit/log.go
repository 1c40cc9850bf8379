package audit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/store"
)

// DynamoDB is the part of the DynamoDB client the trail uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// ErrContention means the chain head kept moving under us for every attempt.
var ErrContention = errors.New("audit: chain head contended; append not written")

// Log appends to and reads the tenants' chains in the single table.
type Log struct {
	db          DynamoDB
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
	l := &Log{db: db, table: table, now: time.Now, maxAttempts: 50}
	for _, o := range opts {
		o(l)
	}
	return l
}

const (
	entityEntry = "audit_entry"
	entityHead  = "audit_head"
)

type entryItem struct {
	PK       string            `dynamodbav:"PK"`
	SK       string            `dynamodbav:"SK"`
	Entity   string            `dynamodbav:"entity"`
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
	GSI2PK   string            `dynamodbav:"GSI2PK"`
	GSI2SK   string            `dynamodbav:"GSI2SK"`
}

type headItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Entity    string `dynamodbav:"entity"`
	TenantID  string `dynamodbav:"tenantId"`
	Seq       uint64 `dynamodbav:"seq"`
	Hash      string `dynamodbav:"hash"`
	UpdatedAt string `dynamodbav:"updatedAt"`
	GSI1PK    string `dynamodbav:"GSI1PK"`
	GSI1SK    string `dynamodbav:"GSI1SK"`
}

// Head is the end of a chain.
type Head struct {
	Seq  uint64
	Hash string
}

// Append adds r to the tenant's chain and returns the entry written.
func (l *Log) Append(ctx context.Context, tenant store.TenantID, r Record) (Entry, error) {
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
		err = l.write(ctx, tenant, head, e)
		if err == nil {
			return e, nil
		}
		if !retryable(err) {
			return Entry{}, err
		}
	}
	return Entry{}, ErrContention
}

// Head reads the end of a tenant's chain (strongly consistent). An empty chain has
// sequence 0 and the genesis hash.
func (l *Log) Head(ctx context.Context, tenant store.TenantID) (Head, error) {
	k := store.AuditHeadKey(tenant)
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.table), Key: keyAV(k), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Head{}, fmt.Errorf("audit: read head: %w", err)
	}
	if out.Item == nil {
		return Head{Seq: 0, Hash: GenesisHash(string(tenant))}, nil
	}
	var h headItem
	if err := attributevalue.UnmarshalMap(out.Item, &h); err != nil {
		return Head{}, fmt.Errorf("audit: decode head: %w", err)
	}
	return Head{Seq: h.Seq, Hash: h.Hash}, nil
}

func (l *Log) write(ctx context.Context, tenant store.TenantID, prev Head, e Entry) error {
	hk := store.AuditHeadKey(tenant)
	head, err := attributevalue.MarshalMap(headItem{
		PK: hk.PK, SK: hk.SK, Entity: entityHead, TenantID: string(tenant), Seq: e.Seq, Hash: e.Hash,
		UpdatedAt: e.Time.Format(time.RFC3339Nano), GSI1PK: store.AuditTenantsPK, GSI1SK: string(tenant),
	})
	if err != nil {
		return fmt.Errorf("audit: encode head: %w", err)
	}
	ek := store.AuditEntryKey(tenant, e.Seq)
	entry, err := attributevalue.MarshalMap(entryItem{
		PK: ek.PK, SK: ek.SK, Entity: entityEntry, TenantID: e.Tenant, Seq: e.Seq,
		Time: e.Time.Format(time.RFC3339Nano), Action: e.Action, Actor: e.Actor, Subject: e.Subject,
		Reason: e.Reason, Details: e.Details, PrevHash: e.PrevHash, Hash: e.Hash,
		GSI2PK: store.AuditSubjectPK(tenant, e.Subject.Type, e.Subject.ID),
		GSI2SK: e.Time.Format(time.RFC3339Nano) + "#" + ek.SK,
	})
	if err != nil {
		return fmt.Errorf("audit: encode entry: %w", err)
	}
	headPut := &types.Put{TableName: aws.String(l.table), Item: head}
	if prev.Seq == 0 {
		headPut.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		headPut.ConditionExpression = aws.String("#seq = :prev")
		headPut.ExpressionAttributeNames = map[string]string{"#seq": "seq"}
		headPut.ExpressionAttributeValues = map[string]types.AttributeValue{
			":prev": &types.AttributeValueMemberN{Value: strconv.FormatUint(prev.Seq, 10)},
		}
	}
	_, err = l.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: headPut},
		{Put: &types.Put{TableName: aws.String(l.table), Item: entry, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	if err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// retryable: another writer moved the head (condition failed) or DynamoDB saw two
// transactions on the same items at once.
func retryable(err error) bool {
	var tc *types.TransactionCanceledException
	if errors.As(err, &tc) {
		for _, r := range tc.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed", "TransactionConflict":
				return true
			}
		}
		return false
	}
	var tip *types.TransactionInProgressException
	return errors.As(err, &tip)
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

func keyAV(k store.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		store.AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		store.AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}
