package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// MaxTxItems is DynamoDB's limit on the items of one transaction.
const MaxTxItems = 100

// Tx collects writes that succeed or fail together (TransactWriteItems). Build it with
// Store.Tx, add items, then Exec. Nothing is written if any condition fails. A Tx is not
// safe for concurrent use.
type Tx struct {
	s     *Store
	items []types.TransactWriteItem
	ops   []txOp
	token string
	err   error
}

type txOp struct {
	op  string
	key Key
}

// Tx starts an empty transaction.
func (s *Store) Tx() *Tx { return &Tx{s: s} }

// Len is the number of items added so far.
func (t *Tx) Len() int { return len(t.items) }

// Token makes the transaction idempotent for 10 minutes: a retry with the same token and
// the same items succeeds without writing twice (ClientRequestToken, at most 36 chars).
func (t *Tx) Token(token string) *Tx {
	t.token = token
	return t
}

func (t *Tx) add(op string, key Key, it types.TransactWriteItem, err error) *Tx {
	if t.err != nil {
		return t
	}
	if err != nil {
		t.err = fmt.Errorf("store: tx item %d (%s): %w", len(t.items), op, err)
		return t
	}
	t.items = append(t.items, it)
	t.ops = append(t.ops, txOp{op: op, key: key})
	return t
}

// Fail makes the transaction fail with err instead of executing (for an item a helper
// could not build); the first error wins.
func (t *Tx) Fail(err error) *Tx {
	if t.err == nil && err != nil {
		t.err = err
	}
	return t
}

// Create adds a new item with version 1 (ErrAlreadyExists if the key is taken).
func (t *Tx) Create(key Key, item Entity) *Tx {
	m, err := encode(key, item, 1)
	return t.add("create", key, types.TransactWriteItem{Put: &types.Put{
		TableName:                &t.s.table,
		Item:                     m,
		ConditionExpression:      aws.String("attribute_not_exists(#_pk)"),
		ExpressionAttributeNames: map[string]string{"#_pk": AttrPK},
	}}, err)
}

// Put adds an unconditional write (see Store.Put).
func (t *Tx) Put(key Key, item Entity) *Tx { return t.PutIf(key, item, Cond{}) }

// PutIf adds a write conditioned on cond (ErrConditionFailed).
func (t *Tx) PutIf(key Key, item Entity, cond Cond) *Tx {
	m, err := encode(key, item, -1)
	p := &types.Put{TableName: &t.s.table, Item: m}
	if err == nil && cond.Expr != "" {
		var expr string
		expr, p.ExpressionAttributeNames, p.ExpressionAttributeValues, err = cond.build(nil, nil)
		p.ConditionExpression = &expr
		p.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return t.add("put", key, types.TransactWriteItem{Put: p}, err)
}

// Update adds a replacement of an item at expectedVersion (ErrConflict, ErrNotFound).
func (t *Tx) Update(key Key, expectedVersion int64, item Entity) *Tx {
	m, err := encode(key, item, expectedVersion+1)
	return t.add("update", key, types.TransactWriteItem{Put: &types.Put{
		TableName:                           &t.s.table,
		Item:                                m,
		ConditionExpression:                 aws.String(versionCond),
		ExpressionAttributeNames:            map[string]string{"#_v": AttrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":_expected": number(expectedVersion)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, err)
}

// Patch adds partial changes to an item at expectedVersion (ErrConflict, ErrNotFound).
func (t *Tx) Patch(key Key, expectedVersion int64, ch Changes) *Tx {
	in, err := t.s.patchInput(key, expectedVersion, ch)
	if err != nil {
		return t.add("patch", key, types.TransactWriteItem{}, err)
	}
	return t.add("patch", key, types.TransactWriteItem{Update: &types.Update{
		TableName:                           in.TableName,
		Key:                                 in.Key,
		UpdateExpression:                    in.UpdateExpression,
		ConditionExpression:                 in.ConditionExpression,
		ExpressionAttributeNames:            in.ExpressionAttributeNames,
		ExpressionAttributeValues:           in.ExpressionAttributeValues,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, nil)
}

// Increment adds counters to an existing item (DynamoDB ADD: concurrent increments all
// count) without touching its version: for tallies many writers move at once, such as a
// run's progress. An absent item is ErrNotFound.
func (t *Tx) Increment(key Key, counters map[string]int64) *Tx {
	names := map[string]string{"#_pk": AttrPK}
	values := map[string]types.AttributeValue{}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(counters)) {
		n := fmt.Sprintf("#c%d", len(parts))
		v := fmt.Sprintf(":c%d", len(parts))
		names[n], values[v] = name, number(counters[name])
		parts = append(parts, n+" "+v)
	}
	var err error
	if len(parts) == 0 {
		err = errors.New("no counters")
	}
	if err == nil {
		err = key.Validate()
	}
	return t.add("increment", key, types.TransactWriteItem{Update: &types.Update{
		TableName:                           &t.s.table,
		Key:                                 key.av(),
		UpdateExpression:                    aws.String("ADD " + strings.Join(parts, ", ")),
		ConditionExpression:                 aws.String("attribute_exists(#_pk)"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, err)
}

// Delete adds the removal of an item at expectedVersion (ErrConflict, ErrNotFound).
func (t *Tx) Delete(key Key, expectedVersion int64) *Tx {
	return t.add("delete", key, types.TransactWriteItem{Delete: &types.Delete{
		TableName:                           &t.s.table,
		Key:                                 key.av(),
		ConditionExpression:                 aws.String(versionCond),
		ExpressionAttributeNames:            map[string]string{"#_v": AttrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":_expected": number(expectedVersion)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, key.Validate())
}

// Remove adds the unconditional removal of an item (absent or not): for index entries
// whose owner is the item being changed, such as a deadline's place on a job's list.
func (t *Tx) Remove(key Key) *Tx {
	return t.add("remove", key, types.TransactWriteItem{Delete: &types.Delete{TableName: &t.s.table, Key: key.av()}}, key.Validate())
}

// CheckVersion adds a condition that an item not written by this transaction is still at
// version (ErrConflict, ErrNotFound).
func (t *Tx) CheckVersion(key Key, version int64) *Tx {
	return t.add("checkVersion", key, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                           &t.s.table,
		Key:                                 key.av(),
		ConditionExpression:                 aws.String(versionCond),
		ExpressionAttributeNames:            map[string]string{"#_v": AttrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":_expected": number(version)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, key.Validate())
}

// Check adds a caller-supplied condition on an item not written by this transaction
// (ErrConditionFailed).
func (t *Tx) Check(key Key, cond Cond) *Tx {
	err := key.Validate()
	if err == nil && cond.Expr == "" {
		err = errors.New("empty condition")
	}
	c := &types.ConditionCheck{
		TableName:                           &t.s.table,
		Key:                                 key.av(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	if err == nil {
		var expr string
		expr, c.ExpressionAttributeNames, c.ExpressionAttributeValues, err = cond.build(nil, nil)
		c.ConditionExpression = &expr
	}
	return t.add("check", key, types.TransactWriteItem{ConditionCheck: c}, err)
}

// Exec runs the transaction. A cancelled transaction returns a *TxError whose Index is
// the first failing item and which matches ErrAlreadyExists, ErrConflict, ErrNotFound or
// ErrConditionFailed with errors.Is. An empty transaction is a no-op.
func (t *Tx) Exec(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	switch n := len(t.items); {
	case n == 0:
		return nil
	case n > MaxTxItems:
		return fmt.Errorf("store: transaction of %d items exceeds %d", n, MaxTxItems)
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: t.items}
	if t.token != "" {
		in.ClientRequestToken = &t.token
	}
	_, err := t.s.db.TransactWriteItems(ctx, in)
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return fmt.Errorf("store: transaction: %w", err)
	}
	return t.cancelled(ctx, tce)
}

func (t *Tx) cancelled(ctx context.Context, tce *types.TransactionCanceledException) error {
	txErr := &TxError{Index: -1, cause: tce}
	for i, r := range tce.CancellationReasons {
		code := aws.ToString(r.Code)
		if code == "" || code == "None" || i >= len(t.ops) {
			continue
		}
		f := TxFailure{Index: i, Op: t.ops[i].op, Key: t.ops[i].key, Code: code}
		f.Err = t.mapReason(ctx, f, r.Item)
		txErr.Failures = append(txErr.Failures, f)
	}
	if len(txErr.Failures) == 0 {
		// No per-item reason (should not happen): report the cause as is.
		return fmt.Errorf("store: transaction cancelled: %w", tce)
	}
	first := txErr.Failures[0]
	txErr.Index, txErr.Op, txErr.Key, txErr.Err = first.Index, first.Op, first.Key, first.Err
	return txErr
}

func (t *Tx) mapReason(ctx context.Context, f TxFailure, old map[string]types.AttributeValue) error {
	switch f.Code {
	case "ConditionalCheckFailed":
	case "TransactionConflict":
		return ErrConflict
	default:
		return nil
	}
	switch f.Op {
	case "create":
		return ErrAlreadyExists
	case "increment":
		return ErrNotFound // its only condition is that the item exists
	case "update", "patch", "delete", "checkVersion":
		cur, err := t.s.classify(ctx, f.Key, old)
		switch {
		case err != nil:
			return ErrConflict // cannot tell; a conflict asks the caller to re-read
		case cur == nil:
			return ErrNotFound
		}
		return ErrConflict
	}
	return ErrConditionFailed
}
