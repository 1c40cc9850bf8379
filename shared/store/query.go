package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// QueryInput selects items of one partition of the table or of a GSI, in sort-key order.
type QueryInput struct {
	Index string // "" for the table, IndexGSI1 or IndexGSI2
	PK    string // the partition: a key builder's result, never client input
	// Sort-key condition: at most one of SKPrefix or a range. SKFrom and SKTo are
	// inclusive; either may be set alone.
	SKPrefix string
	SKFrom   string
	SKTo     string
	// Tenant, when set, must own PK (its "T#<tenant>" partitions): a guard that a query
	// built from the caller's tenant cannot have been pointed elsewhere.
	Tenant     TenantID
	Limit      int    // clamped to 1..MaxLimit; 0 means DefaultLimit
	Cursor     string // Page.NextCursor of the previous page, "" for the first
	Descending bool
	// Filter, when set, keeps only the items it holds for (a FilterExpression: applied
	// after Limit, so a page may hold fewer items, none even, and still have a next one).
	Filter Cond
}

// Page is one page of a query. NextCursor is "" on the last page (a non-empty cursor may
// still lead to an empty page when the previous one ended exactly at the last item).
type Page struct {
	Items      []map[string]types.AttributeValue
	NextCursor string
}

// Items decodes a page's items into T (a struct with dynamodbav tags).
func Items[T any](p Page) ([]T, error) {
	out := make([]T, len(p.Items))
	for i, it := range p.Items {
		if err := Unmarshal(it, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q QueryInput) attrs() (pk, sk string, err error) {
	switch q.Index {
	case "":
		return AttrPK, AttrSK, nil
	case IndexGSI1:
		return AttrGSI1PK, AttrGSI1SK, nil
	case IndexGSI2:
		return AttrGSI2PK, AttrGSI2SK, nil
	}
	return "", "", fmt.Errorf("store: unknown index %q", q.Index)
}

// keyAttrs are the attributes of a LastEvaluatedKey on the queried index.
func (q QueryInput) keyAttrs() []string {
	switch q.Index {
	case IndexGSI1:
		return []string{AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK}
	case IndexGSI2:
		return []string{AttrPK, AttrSK, AttrGSI2PK, AttrGSI2SK}
	}
	return []string{AttrPK, AttrSK}
}

func clampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Query reads one page. Cursors are opaque, signed, and bound to the query (index,
// partition, sort-key condition, direction): one issued for another partition, another
// tenant or another query is refused with ErrBadCursor.
func (s *Store) Query(ctx context.Context, q QueryInput) (Page, error) {
	in, err := s.queryInput(q)
	if err != nil {
		return Page{}, err
	}
	if q.Cursor != "" {
		start, err := s.decodeCursor(q, q.Cursor)
		if err != nil {
			return Page{}, err
		}
		in.ExclusiveStartKey = start
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return Page{}, fmt.Errorf("store: query %s %s: %w", indexName(q.Index), q.PK, err)
	}
	page := Page{Items: res.Items}
	if len(res.LastEvaluatedKey) > 0 {
		if page.NextCursor, err = s.encodeCursor(q, res.LastEvaluatedKey); err != nil {
			return Page{}, err
		}
	}
	return page, nil
}

// QueryAll reads q page after page for the service's own use and hands each page's items
// to fn, until the last page or until fn answers false. It follows DynamoDB's
// LastEvaluatedKey inside the process, so no cursor is issued or signed and it works
// without a cursor secret: a domain operation that must see a whole partition does not
// depend on the key that signs clients' cursors. q.Limit is the page size; q.Cursor must
// be empty.
func (s *Store) QueryAll(ctx context.Context, q QueryInput, fn func(items []map[string]types.AttributeValue) (more bool, err error)) error {
	if q.Cursor != "" {
		return fmt.Errorf("store: QueryAll starts at the beginning: a cursor is for Query")
	}
	in, err := s.queryInput(q)
	if err != nil {
		return err
	}
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("store: query %s %s: %w", indexName(q.Index), q.PK, err)
		}
		more, err := fn(res.Items)
		if err != nil || !more || len(res.LastEvaluatedKey) == 0 {
			return err
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// queryInput checks q and builds its first page's request (without a start key).
func (s *Store) queryInput(q QueryInput) (*dynamodb.QueryInput, error) {
	pkAttr, skAttr, err := q.attrs()
	if err != nil {
		return nil, err
	}
	if q.PK == "" {
		return nil, fmt.Errorf("%w: query without a partition", ErrInvalidKey)
	}
	if q.Tenant != "" {
		if !ValidID(string(q.Tenant)) {
			return nil, fmt.Errorf("%w: tenant %q", ErrInvalidKey, q.Tenant)
		}
		own := tenantPK(q.Tenant)
		if q.PK != own && !strings.HasPrefix(q.PK, own+"#") {
			return nil, fmt.Errorf("%w: partition %q is not tenant %q's", ErrInvalidKey, q.PK, q.Tenant)
		}
	}
	names := map[string]string{"#_pk": pkAttr}
	values := map[string]types.AttributeValue{":_pk": &types.AttributeValueMemberS{Value: q.PK}}
	cond := "#_pk = :_pk"
	switch {
	case q.SKPrefix != "" && (q.SKFrom != "" || q.SKTo != ""):
		return nil, fmt.Errorf("store: query with both a sort-key prefix and a range")
	case q.SKPrefix != "":
		names["#_sk"] = skAttr
		values[":_skp"] = &types.AttributeValueMemberS{Value: q.SKPrefix}
		cond += " AND begins_with(#_sk, :_skp)"
	case q.SKFrom != "" && q.SKTo != "":
		names["#_sk"] = skAttr
		values[":_skf"] = &types.AttributeValueMemberS{Value: q.SKFrom}
		values[":_skt"] = &types.AttributeValueMemberS{Value: q.SKTo}
		cond += " AND #_sk BETWEEN :_skf AND :_skt"
	case q.SKFrom != "":
		names["#_sk"] = skAttr
		values[":_skf"] = &types.AttributeValueMemberS{Value: q.SKFrom}
		cond += " AND #_sk >= :_skf"
	case q.SKTo != "":
		names["#_sk"] = skAttr
		values[":_skt"] = &types.AttributeValueMemberS{Value: q.SKTo}
		cond += " AND #_sk <= :_skt"
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    &cond,
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		Limit:                     aws.Int32(int32(clampLimit(q.Limit))),
		ScanIndexForward:          aws.Bool(!q.Descending),
	}
	if q.Index != "" {
		in.IndexName = &q.Index
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.Filter.Expr != "" {
		expr, n, v, err := q.Filter.build(names, values)
		if err != nil {
			return nil, err
		}
		in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = &expr, n, v
	}
	return in, nil
}

// filterBinding renders the filter for the cursor's binding (names and values sorted), so
// a cursor of a filtered listing cannot be used on the same partition with another filter.
func (q QueryInput) filterBinding() string {
	if q.Filter.Expr == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(q.Filter.Expr)
	for _, k := range sortedKeys(q.Filter.Names) {
		fmt.Fprintf(&b, "\x00%s=%s", k, q.Filter.Names[k])
	}
	for _, k := range sortedKeys(q.Filter.Values) {
		fmt.Fprintf(&b, "\x00%s=%v", k, q.Filter.Values[k])
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func indexName(ix string) string {
	if ix == "" {
		return "table"
	}
	return ix
}

// A cursor is base64url(JSON of the last key's string attributes) "." base64url(HMAC).
// The MAC covers the query's binding as well, so the payload alone cannot be replayed
// against another query; the decoded key must also lie in the queried partition.
type cursorBody struct {
	V int               `json:"v"`
	K map[string]string `json:"k"`
}

func (s *Store) binding(q QueryInput) []byte {
	var b bytes.Buffer
	for _, part := range []string{"v1", indexName(q.Index), q.PK, q.SKPrefix, q.SKFrom, q.SKTo, fmt.Sprint(q.Descending), q.filterBinding()} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	return b.Bytes()
}

func (s *Store) mac(q QueryInput, payload []byte) ([]byte, error) {
	key, err := s.cursorKeyOrErr()
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write(s.binding(q))
	h.Write(payload)
	return h.Sum(nil), nil
}

func (s *Store) encodeCursor(q QueryInput, lek map[string]types.AttributeValue) (string, error) {
	body := cursorBody{V: 1, K: map[string]string{}}
	for name, av := range lek {
		sv, ok := av.(*types.AttributeValueMemberS)
		if !ok {
			return "", fmt.Errorf("store: non-string key attribute %q in LastEvaluatedKey", name)
		}
		body.K[name] = sv.Value
	}
	payload, err := json.Marshal(body) // map keys are sorted: deterministic
	if err != nil {
		return "", fmt.Errorf("store: encode cursor: %w", err)
	}
	sum, err := s.mac(q, payload)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(payload) + "." + enc.EncodeToString(sum), nil
}

func (s *Store) decodeCursor(q QueryInput, cursor string) (map[string]types.AttributeValue, error) {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrBadCursor, why) }
	// Checked first: without a key every cursor would look forged, and the client would be
	// told its cursor is bad when the function is miswired.
	if _, err := s.cursorKeyOrErr(); err != nil {
		return nil, err
	}
	if len(cursor) > 4096 {
		return nil, bad("too long")
	}
	p, m, ok := strings.Cut(cursor, ".")
	if !ok {
		return nil, bad("malformed")
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p)
	sum, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return nil, bad("malformed")
	}
	mac, err := s.mac(q, payload)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal(sum, mac) {
		return nil, bad("not issued for this query")
	}
	var body cursorBody
	if err := json.Unmarshal(payload, &body); err != nil || body.V != 1 {
		return nil, bad("malformed")
	}
	want := q.keyAttrs()
	if len(body.K) != len(want) {
		return nil, bad("wrong key shape")
	}
	got := make([]string, 0, len(body.K))
	for k := range body.K {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(want)
	for i := range want {
		if got[i] != want[i] {
			return nil, bad("wrong key shape")
		}
	}
	pkAttr, _, _ := q.attrs()
	if body.K[pkAttr] != q.PK {
		return nil, bad("other partition")
	}
	start := make(map[string]types.AttributeValue, len(body.K))
	for k, v := range body.K {
		start[k] = &types.AttributeValueMemberS{Value: v}
	}
	return start, nil
}
