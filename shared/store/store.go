package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB is the subset of *dynamodb.Client the store uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// Entity is a typed item. Its EntityType is written to the `entity` attribute of every
// item, and checked when an item is read into it.
type Entity interface {
	EntityType() string
}

// Indexed is implemented by entities that appear on the secondary indexes. The keys are
// computed from the entity's state at each write, so a status change moves the item
// between GSI partitions by itself. A zero Key leaves the item off that index.
type Indexed interface {
	Indexes() Indexes
}

// Indexes are the GSI keys of an item.
type Indexes struct {
	GSI1 Key
	GSI2 Key
}

// Meta is embedded in entity structs to read back the attributes the store maintains.
// The store overwrites them on every write, so setting them has no effect.
type Meta struct {
	PK      string `dynamodbav:"PK,omitempty" json:"-"`
	SK      string `dynamodbav:"SK,omitempty" json:"-"`
	Entity  string `dynamodbav:"entity,omitempty" json:"-"`
	Version int64  `dynamodbav:"version,omitempty" json:"-"`
}

// Cond is a caller-supplied condition expression. Names and Values are merged with the
// store's own placeholders, which all start with "#_" and ":_": do not use that prefix.
type Cond struct {
	Expr   string
	Names  map[string]string
	Values map[string]any
}

// Changes is a partial update applied by Patch: attributes to set and to remove. The
// store's own attributes (keys, entity, version) cannot be changed; GSI key attributes can.
type Changes struct {
	Set    map[string]any
	Remove []string
}

// Store is the single-table data access layer. It is safe for concurrent use.
type Store struct {
	db        DynamoDB
	table     string
	cursorKey []byte
}

// Option configures a Store.
type Option func(*Store)

// MinCursorSecretLen is the shortest cursor secret the store signs with: 256 bits, the
// size of the HMAC-SHA-256 output, so guessing the key is no easier than forging a MAC.
const MinCursorSecretLen = 32

// ErrNoCursorSecret: the store was built without a usable cursor secret (WithCursorSecret)
// and was asked to sign or verify a pagination cursor. It is a wiring error of the
// function (HTTP 500), never the client's.
var ErrNoCursorSecret = errors.New("store: no cursor secret configured (WithCursorSecret, at least 32 bytes)")

// WithCursorSecret sets the HMAC key that signs pagination cursors. Give every instance
// of a deployment the same secret (cursors outlive the Lambda instance that issued
// them); deployed functions read it from Secrets Manager at cold start (platform.Load).
// A store without one (or with one shorter than MinCursorSecretLen) refuses to issue or
// accept cursors with ErrNoCursorSecret: a key anyone could derive would let a client
// forge a cursor, so there is no fallback.
func WithCursorSecret(secret []byte) Option {
	return func(s *Store) { s.cursorKey = append([]byte(nil), secret...) }
}

// New returns a store over the table.
func New(db DynamoDB, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table}
	for _, o := range opts {
		o(s)
	}
	return s
}

// cursorKeyOrErr is the key that signs cursors, or ErrNoCursorSecret.
func (s *Store) cursorKeyOrErr() ([]byte, error) {
	if len(s.cursorKey) < MinCursorSecretLen {
		return nil, ErrNoCursorSecret
	}
	return s.cursorKey, nil
}

// Table is the table's name.
func (s *Store) Table() string { return s.table }

// Validate checks that the key can be written: both parts present, no NUL, within
// DynamoDB's size limits.
func (k Key) Validate() error {
	switch {
	case k.PK == "" || k.SK == "":
		return fmt.Errorf("%w: empty PK or SK in %q/%q", ErrInvalidKey, k.PK, k.SK)
	case len(k.PK) > 2048 || len(k.SK) > 1024:
		return fmt.Errorf("%w: key too long", ErrInvalidKey)
	case strings.ContainsRune(k.PK, 0) || strings.ContainsRune(k.SK, 0):
		return fmt.Errorf("%w: NUL in key", ErrInvalidKey)
	}
	return nil
}

// CheckIDs returns ErrInvalidKey unless every id can be one key segment (see ValidID).
// Handlers call it on ids from requests before building keys: the key builders panic on
// an invalid segment, because reaching them with one is a programming error.
func CheckIDs(ids ...string) error {
	for _, id := range ids {
		if !ValidID(id) {
			return fmt.Errorf("%w: id %q", ErrInvalidKey, id)
		}
	}
	return nil
}

func (k Key) av() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// Get reads the item under key into out (a pointer to a struct with dynamodbav tags)
// with a strongly consistent read. If out is an Entity, the stored entity type must match.
func (s *Store) Get(ctx context.Context, key Key, out any) error {
	if err := key.Validate(); err != nil {
		return err
	}
	item, err := s.getItem(ctx, key)
	if err != nil {
		return fmt.Errorf("store: get %s/%s: %w", key.PK, key.SK, err)
	}
	if item == nil {
		return fmt.Errorf("store: get %s/%s: %w", key.PK, key.SK, ErrNotFound)
	}
	return decode(item, out, key)
}

func (s *Store) getItem(ctx context.Context, key Key) (map[string]types.AttributeValue, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &s.table,
		Key:            key.av(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, err
	}
	return res.Item, nil
}

func decode(item map[string]types.AttributeValue, out any, key Key) error {
	if e, ok := out.(Entity); ok {
		var got string
		if v, ok := item[AttrType].(*types.AttributeValueMemberS); ok {
			got = v.Value
		}
		if got != e.EntityType() {
			return fmt.Errorf("store: %s/%s holds %q, not %q: %w", key.PK, key.SK, got, e.EntityType(), ErrWrongEntity)
		}
	}
	if err := attributevalue.UnmarshalMap(item, out); err != nil {
		return fmt.Errorf("store: decode %s/%s: %w", key.PK, key.SK, err)
	}
	return nil
}

// Marshal is the item the store writes for entity under key (with its indexes, entity
// type and version 1): for bulk writes (BatchWriteItem) of items without optimistic
// locking.
func Marshal(key Key, item Entity) (map[string]types.AttributeValue, error) {
	return encode(key, item, 1)
}

// Unmarshal decodes one raw item (from a Page or a ConditionError) into out.
func Unmarshal(item map[string]types.AttributeValue, out any) error {
	key := Key{}
	if v, ok := item[AttrPK].(*types.AttributeValueMemberS); ok {
		key.PK = v.Value
	}
	if v, ok := item[AttrSK].(*types.AttributeValueMemberS); ok {
		key.SK = v.Value
	}
	return decode(item, out, key)
}

// encode marshals an entity and stamps the store's attributes on it. version < 0 leaves
// the version attribute as the entity has it.
func encode(key Key, item Entity, version int64) (map[string]types.AttributeValue, error) {
	if err := key.Validate(); err != nil {
		return nil, err
	}
	if item == nil || item.EntityType() == "" {
		return nil, fmt.Errorf("store: %s/%s: item without an entity type", key.PK, key.SK)
	}
	m, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, fmt.Errorf("store: encode %s/%s: %w", key.PK, key.SK, err)
	}
	m[AttrPK] = &types.AttributeValueMemberS{Value: key.PK}
	m[AttrSK] = &types.AttributeValueMemberS{Value: key.SK}
	m[AttrType] = &types.AttributeValueMemberS{Value: item.EntityType()}
	if version >= 0 {
		m[AttrVersion] = &types.AttributeValueMemberN{Value: fmt.Sprint(version)}
	}
	delete(m, AttrGSI1PK)
	delete(m, AttrGSI1SK)
	delete(m, AttrGSI2PK)
	delete(m, AttrGSI2SK)
	if ix, ok := item.(Indexed); ok {
		idx := ix.Indexes()
		if err := setIndex(m, idx.GSI1, AttrGSI1PK, AttrGSI1SK); err != nil {
			return nil, err
		}
		if err := setIndex(m, idx.GSI2, AttrGSI2PK, AttrGSI2SK); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func setIndex(m map[string]types.AttributeValue, k Key, pkAttr, skAttr string) error {
	if k == (Key{}) {
		return nil
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("store: %s: %w", pkAttr, err)
	}
	m[pkAttr] = &types.AttributeValueMemberS{Value: k.PK}
	m[skAttr] = &types.AttributeValueMemberS{Value: k.SK}
	return nil
}

// Create writes a new item with version 1; ErrAlreadyExists if the key is taken.
func (s *Store) Create(ctx context.Context, key Key, item Entity) error {
	m, err := encode(key, item, 1)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                &s.table,
		Item:                     m,
		ConditionExpression:      aws.String("attribute_not_exists(#_pk)"),
		ExpressionAttributeNames: map[string]string{"#_pk": AttrPK},
	})
	if isConditionFailed(err) {
		return &ConditionError{Op: "create", Key: key, Current: conditionItem(err), Err: ErrAlreadyExists}
	}
	if err != nil {
		return fmt.Errorf("store: create %s/%s: %w", key.PK, key.SK, err)
	}
	return nil
}

// Put writes the item unconditionally (create or replace). It is for records without
// optimistic locking (deduplication, counters); it leaves `version` as the item has it.
func (s *Store) Put(ctx context.Context, key Key, item Entity) error {
	return s.PutIf(ctx, key, item, Cond{})
}

// PutIf writes the item if cond holds (an empty Expr means always). On failure it
// returns a *ConditionError (ErrConditionFailed) carrying the current item.
func (s *Store) PutIf(ctx context.Context, key Key, item Entity, cond Cond) error {
	m, err := encode(key, item, -1)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: m}
	if cond.Expr != "" {
		expr, names, values, err := cond.build(nil, nil)
		if err != nil {
			return err
		}
		in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = &expr, names, values
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	_, err = s.db.PutItem(ctx, in)
	if isConditionFailed(err) {
		return &ConditionError{Op: "put", Key: key, Current: conditionItem(err), Err: ErrConditionFailed}
	}
	if err != nil {
		return fmt.Errorf("store: put %s/%s: %w", key.PK, key.SK, err)
	}
	return nil
}

// Update replaces the item if its stored version is expectedVersion, and returns the new
// version (expectedVersion+1). ErrConflict if the version differs, ErrNotFound if there is
// no item.
func (s *Store) Update(ctx context.Context, key Key, expectedVersion int64, item Entity) (int64, error) {
	m, err := encode(key, item, expectedVersion+1)
	if err != nil {
		return 0, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &s.table,
		Item:                                m,
		ConditionExpression:                 aws.String(versionCond),
		ExpressionAttributeNames:            map[string]string{"#_v": AttrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":_expected": number(expectedVersion)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return 0, s.versionedError(ctx, "update", key, err)
	}
	return expectedVersion + 1, nil
}

// Patch applies partial changes if the stored version is expectedVersion, increments the
// version and returns the new one. Errors as for Update.
func (s *Store) Patch(ctx context.Context, key Key, expectedVersion int64, ch Changes) (int64, error) {
	in, err := s.patchInput(key, expectedVersion, ch)
	if err != nil {
		return 0, err
	}
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	if _, err := s.db.UpdateItem(ctx, in); err != nil {
		return 0, s.versionedError(ctx, "patch", key, err)
	}
	return expectedVersion + 1, nil
}

const versionCond = "#_v = :_expected"

func (s *Store) patchInput(key Key, expectedVersion int64, ch Changes) (*dynamodb.UpdateItemInput, error) {
	if err := key.Validate(); err != nil {
		return nil, err
	}
	names := map[string]string{"#_v": AttrVersion}
	values := map[string]types.AttributeValue{":_expected": number(expectedVersion), ":_one": number(1)}
	sets := []string{"#_v = #_v + :_one"}
	i := 0
	for name, v := range ch.Set {
		if reserved(name) {
			return nil, fmt.Errorf("store: patch %s/%s: attribute %q is maintained by the store", key.PK, key.SK, name)
		}
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("store: patch %s/%s: %s: %w", key.PK, key.SK, name, err)
		}
		n, p := fmt.Sprintf("#_s%d", i), fmt.Sprintf(":_s%d", i)
		names[n], values[p] = name, av
		sets = append(sets, n+" = "+p)
		i++
	}
	expr := "SET " + strings.Join(sets, ", ")
	var removes []string
	for j, name := range ch.Remove {
		if reserved(name) {
			return nil, fmt.Errorf("store: patch %s/%s: attribute %q is maintained by the store", key.PK, key.SK, name)
		}
		n := fmt.Sprintf("#_r%d", j)
		names[n] = name
		removes = append(removes, n)
	}
	if len(removes) > 0 {
		expr += " REMOVE " + strings.Join(removes, ", ")
	}
	return &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key.av(),
		UpdateExpression:          &expr,
		ConditionExpression:       aws.String(versionCond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}, nil
}

func reserved(name string) bool {
	switch name {
	case AttrPK, AttrSK, AttrType, AttrVersion, "":
		return true
	}
	return false
}

// Delete removes the item if its stored version is expectedVersion. Errors as for Update.
func (s *Store) Delete(ctx context.Context, key Key, expectedVersion int64) error {
	if err := key.Validate(); err != nil {
		return err
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                           &s.table,
		Key:                                 key.av(),
		ConditionExpression:                 aws.String(versionCond),
		ExpressionAttributeNames:            map[string]string{"#_v": AttrVersion},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":_expected": number(expectedVersion)},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err != nil {
		return s.versionedError(ctx, "delete", key, err)
	}
	return nil
}

// DeleteIf removes the item if cond holds (an empty Expr means always; deleting a missing
// item is then not an error). On failure it returns a *ConditionError (ErrConditionFailed).
func (s *Store) DeleteIf(ctx context.Context, key Key, cond Cond) error {
	if err := key.Validate(); err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{TableName: &s.table, Key: key.av()}
	if cond.Expr != "" {
		expr, names, values, err := cond.build(nil, nil)
		if err != nil {
			return err
		}
		in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = &expr, names, values
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	_, err := s.db.DeleteItem(ctx, in)
	if isConditionFailed(err) {
		return &ConditionError{Op: "delete", Key: key, Current: conditionItem(err), Err: ErrConditionFailed}
	}
	if err != nil {
		return fmt.Errorf("store: delete %s/%s: %w", key.PK, key.SK, err)
	}
	return nil
}

// versionedError classifies a failed version condition: the item returned with the
// failure (ReturnValuesOnConditionCheckFailure=ALL_OLD) means a conflict, none means the
// item is missing. Emulators that ignore ALL_OLD are covered by a consistent read.
func (s *Store) versionedError(ctx context.Context, op string, key Key, err error) error {
	if !isConditionFailed(err) {
		return fmt.Errorf("store: %s %s/%s: %w", op, key.PK, key.SK, err)
	}
	cur, cerr := s.classify(ctx, key, conditionItem(err))
	if cerr != nil {
		return fmt.Errorf("store: %s %s/%s: condition failed, then: %w", op, key.PK, key.SK, cerr)
	}
	if cur == nil {
		return &ConditionError{Op: op, Key: key, Err: ErrNotFound}
	}
	return &ConditionError{Op: op, Key: key, Current: cur, Err: ErrConflict}
}

func (s *Store) classify(ctx context.Context, key Key, old map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if old != nil {
		return old, nil
	}
	return s.getItem(ctx, key)
}

func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func conditionItem(err error) map[string]types.AttributeValue {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && len(ccf.Item) > 0 {
		return ccf.Item
	}
	return nil
}

func number(n int64) types.AttributeValue { return &types.AttributeValueMemberN{Value: fmt.Sprint(n)} }

// build merges the condition's placeholders into names and values (either may be nil).
func (c Cond) build(names map[string]string, values map[string]types.AttributeValue) (string, map[string]string, map[string]types.AttributeValue, error) {
	for n, v := range c.Names {
		if strings.HasPrefix(n, "#_") {
			return "", nil, nil, fmt.Errorf("store: condition name %q uses the store's prefix", n)
		}
		if names == nil {
			names = map[string]string{}
		}
		names[n] = v
	}
	for p, v := range c.Values {
		if strings.HasPrefix(p, ":_") {
			return "", nil, nil, fmt.Errorf("store: condition value %q uses the store's prefix", p)
		}
		av, err := attributevalue.Marshal(v)
		if err != nil {
			return "", nil, nil, fmt.Errorf("store: condition value %s: %w", p, err)
		}
		if values == nil {
			values = map[string]types.AttributeValue{}
		}
		values[p] = av
	}
	return c.Expr, names, values, nil
}
