package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// row is one item of the query fixture; an empty GSI attribute is absent.
type row struct {
	pk, sk, g1pk, g1sk, g2pk, g2sk string
	amount                         int
}

func (r row) item() map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{"PK": str(r.pk), "SK": str(r.sk), "amount": num(r.amount)}
	for name, v := range map[string]string{"GSI1PK": r.g1pk, "GSI1SK": r.g1sk, "GSI2PK": r.g2pk, "GSI2SK": r.g2sk} {
		if v != "" {
			m[name] = str(v)
		}
	}
	return m
}

// model is what the table holds, by "PK SK"; the expected answers are computed from it.
type model map[string]row

func (m model) put(r row)            { m[r.pk+" "+r.sk] = r }
func (m model) remove(pk, sk string) { delete(m, pk+" "+sk) }

// selection is rows in query order, with the filters that select them.
func (m model) selection(keep func(row) bool, less func(a, b row) int) []string {
	var rows []row
	for _, r := range m {
		if keep(r) {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, less)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.pk + " " + r.sk
	}
	return out
}

func byTableKey(a, b row) int { return strings.Compare(a.sk, b.sk) }

// bySortKeyThenTableKey is moto's order in a GSI partition: the index sort key, then the
// table's keys (DynamoDB leaves the order of equal index keys unspecified).
func bySortKeyThenTableKey(sortKey func(row) string) func(a, b row) int {
	return func(a, b row) int {
		if c := strings.Compare(sortKey(a), sortKey(b)); c != 0 {
			return c
		}
		if c := strings.Compare(a.pk, b.pk); c != 0 {
			return c
		}
		return strings.Compare(a.sk, b.sk)
	}
}

func backwards(s []string) []string { slices.Reverse(s); return s }

func queryFixture() model {
	m := model{}
	for i := range 40 {
		r := row{pk: "ACC#a", sk: fmt.Sprintf("MOV#%03d", i), amount: i % 10}
		switch i % 3 {
		case 0:
			r.g1pk = "ST#open"
		case 1:
			r.g1pk = "ST#closed"
		}
		r.g1sk = fmt.Sprintf("2025-01-%02d", i/4+1) // four items per day: ties on the index
		if i%2 == 0 {
			r.g2pk, r.g2sk = "U#1", fmt.Sprintf("T%02d", i%13)
		}
		m.put(r)
	}
	for _, sk := range []string{"PROFILE", "USER#1", "USER#2", "ALERT#1"} {
		m.put(row{pk: "ACC#a", sk: sk, g1pk: "ST#open", g1sk: "2025-01-05"})
	}
	for i := range 10 {
		m.put(row{pk: "ACC#b", sk: fmt.Sprintf("MOV#%03d", i), g1pk: "ST#open", g1sk: "2025-01-02", amount: 9})
	}
	return m
}

type queryCase struct {
	name string
	in   dynamodb.QueryInput
	want func(m model) []string
}

func vals(kv ...string) map[string]types.AttributeValue {
	out := map[string]types.AttributeValue{}
	for i := 0; i < len(kv); i += 2 {
		if n, err := strconv.Atoi(kv[i+1]); err == nil {
			out[kv[i]] = num(n)
		} else {
			out[kv[i]] = str(kv[i+1])
		}
	}
	return out
}

func queryCases() []queryCase {
	inA := func(r row) bool { return r.pk == "ACC#a" }
	g1 := func(r row) string { return r.g1sk }
	g2 := func(r row) string { return r.g2sk }
	onGSI1 := func(pk string) func(row) bool {
		return func(r row) bool { return r.g1pk == pk && r.g1sk != "" }
	}
	return []queryCase{
		{
			name: "a partition reads in sort key order, seven items a page",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p"), ExpressionAttributeValues: vals(":p", "ACC#a"),
				Limit: aws.Int32(7)},
			want: func(m model) []string { return m.selection(inA, byTableKey) },
		},
		{
			name: "ScanIndexForward false reads a partition backwards",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p"), ExpressionAttributeValues: vals(":p", "ACC#a"),
				Limit: aws.Int32(5), ScanIndexForward: aws.Bool(false)},
			want: func(m model) []string { return backwards(m.selection(inA, byTableKey)) },
		},
		{
			name: "begins_with selects the movements of the partition only",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p AND begins_with(SK, :s)"), ExpressionAttributeValues: vals(":p", "ACC#a", ":s", "MOV#"),
				Limit: aws.Int32(6)},
			want: func(m model) []string {
				return m.selection(func(r row) bool { return inA(r) && strings.HasPrefix(r.sk, "MOV#") }, byTableKey)
			},
		},
		{
			name: "BETWEEN bounds both ends, read backwards",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p AND SK BETWEEN :a AND :b"), ExpressionAttributeValues: vals(":p", "ACC#a", ":a", "MOV#010", ":b", "MOV#025"),
				Limit: aws.Int32(4), ScanIndexForward: aws.Bool(false)},
			want: func(m model) []string {
				return backwards(m.selection(func(r row) bool { return inA(r) && r.sk >= "MOV#010" && r.sk <= "MOV#025" }, byTableKey))
			},
		},
		{
			name: "a key condition past every item answers nothing",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p AND SK > :s"), ExpressionAttributeValues: vals(":p", "ACC#a", ":s", "ZZZ"),
				Limit: aws.Int32(3)},
			want: func(model) []string { return nil },
		},
		{
			name: "a filter applies after the limit, and the pages still add up",
			in: dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p AND begins_with(SK, :s)"), FilterExpression: aws.String("amount >= :x"),
				ExpressionAttributeValues: vals(":p", "ACC#a", ":s", "MOV#", ":x", "7"), Limit: aws.Int32(5)},
			want: func(m model) []string {
				return m.selection(func(r row) bool { return inA(r) && strings.HasPrefix(r.sk, "MOV#") && r.amount >= 7 }, byTableKey)
			},
		},
		{
			name: "an unknown partition answers nothing",
			in:   dynamodb.QueryInput{KeyConditionExpression: aws.String("PK = :p"), ExpressionAttributeValues: vals(":p", "ACC#none")},
			want: func(model) []string { return nil },
		},
		{
			name: "a GSI partition reads by its sort key, equal keys by table key, across partitions",
			in: dynamodb.QueryInput{IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :p"), ExpressionAttributeValues: vals(":p", "ST#open"),
				Limit: aws.Int32(3)},
			want: func(m model) []string { return m.selection(onGSI1("ST#open"), bySortKeyThenTableKey(g1)) },
		},
		{
			name: "a GSI range condition read backwards",
			in: dynamodb.QueryInput{IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :p AND GSI1SK > :d"), ExpressionAttributeValues: vals(":p", "ST#closed", ":d", "2025-01-03"),
				Limit: aws.Int32(4), ScanIndexForward: aws.Bool(false)},
			want: func(m model) []string {
				return backwards(m.selection(func(r row) bool { return onGSI1("ST#closed")(r) && r.g1sk > "2025-01-03" }, bySortKeyThenTableKey(g1)))
			},
		},
		{
			name: "an item moved to another GSI partition is found there",
			in:   dynamodb.QueryInput{IndexName: aws.String("GSI1"), KeyConditionExpression: aws.String("GSI1PK = :p AND GSI1SK = :d"), ExpressionAttributeValues: vals(":p", "ST#closed", ":d", "2025-02-01")},
			want: func(m model) []string {
				return m.selection(func(r row) bool { return onGSI1("ST#closed")(r) && r.g1sk == "2025-02-01" }, bySortKeyThenTableKey(g1))
			},
		},
		{
			name: "begins_with on a second index, with a filter",
			in: dynamodb.QueryInput{IndexName: aws.String("GSI2"), KeyConditionExpression: aws.String("GSI2PK = :p AND begins_with(GSI2SK, :t)"), FilterExpression: aws.String("amount < :x"),
				ExpressionAttributeValues: vals(":p", "U#1", ":t", "T0", ":x", "6"), Limit: aws.Int32(5)},
			want: func(m model) []string {
				return m.selection(func(r row) bool { return r.g2pk == "U#1" && strings.HasPrefix(r.g2sk, "T0") && r.amount < 6 }, bySortKeyThenTableKey(g2))
			},
		},
	}
}

// changes moves items between GSI partitions, removes GSI attributes, deletes, and runs
// a cancelled and a committed transaction, on the table and on the model alike.
func changes(t *testing.T, db *dynamodb.Client, table string, m model) {
	t.Helper()
	ctx := context.Background()
	update := func(sk, expr string, values map[string]types.AttributeValue, apply func(*row)) {
		t.Helper()
		if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: keyOf("ACC#a", sk),
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: values}); err != nil {
			t.Fatalf("update %s: %v", sk, err)
		}
		r := m["ACC#a "+sk]
		apply(&r)
		m.put(r)
	}
	update("MOV#003", "SET GSI1PK = :p, GSI1SK = :d", vals(":p", "ST#closed", ":d", "2025-02-01"), func(r *row) { r.g1pk, r.g1sk = "ST#closed", "2025-02-01" })
	update("MOV#004", "SET GSI1SK = :d", vals(":d", "2024-12-31"), func(r *row) { r.g1sk = "2024-12-31" })
	update("MOV#006", "REMOVE GSI1PK", nil, func(r *row) { r.g1pk = "" })
	update("MOV#009", "REMOVE GSI1SK", nil, func(r *row) { r.g1sk = "" })
	update("MOV#020", "REMOVE GSI2PK, GSI2SK", nil, func(r *row) { r.g2pk, r.g2sk = "", "" })
	for _, sk := range []string{"MOV#012", "USER#1"} {
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: keyOf("ACC#a", sk)}); err != nil {
			t.Fatal(err)
		}
		m.remove("ACC#a", sk)
	}

	cancelled := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: row{pk: "ACC#a", sk: "MOV#500", g1pk: "ST#open", g1sk: "2025-01-01"}.item()}},
		{Update: &types.Update{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#015"), UpdateExpression: aws.String("SET GSI1PK = :p"), ExpressionAttributeValues: vals(":p", "ST#moved")}},
		{Delete: &types.Delete{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#018")}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#001"), ConditionExpression: aws.String("amount = :n"), ExpressionAttributeValues: vals(":n", "99")}},
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: cancelled}); err == nil {
		t.Fatal("the transaction with a failing condition committed")
	}
	committed := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: row{pk: "ACC#a", sk: "MOV#501", g1pk: "ST#open", g1sk: "2025-01-01", amount: 8}.item()}},
		{Update: &types.Update{TableName: aws.String(table), Key: keyOf("ACC#a", "MOV#021"), UpdateExpression: aws.String("SET GSI1PK = :p"), ExpressionAttributeValues: vals(":p", "ST#closed")}},
	}
	if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: committed}); err != nil {
		t.Fatalf("transaction: %v", err)
	}
	m.put(row{pk: "ACC#a", sk: "MOV#501", g1pk: "ST#open", g1sk: "2025-01-01", amount: 8})
	r := m["ACC#a MOV#021"]
	r.g1pk = "ST#closed"
	m.put(r)
}

// pages runs a query to its end and returns the items' keys; every page must respect
// the limit.
func pages(t *testing.T, db *dynamodb.Client, table string, in dynamodb.QueryInput) []string {
	t.Helper()
	in.TableName = aws.String(table)
	var keys []string
	for n := 0; ; n++ {
		out, err := db.Query(context.Background(), &in)
		for try := 1; err != nil && try < 3 && lostConnection(err); try++ {
			// The answer was lost on the way (a connection closed while the body
			// was read, seen once in CI): a query can be asked again; the client
			// retries nothing else, so every answer the emulator gave is still seen.
			out, err = db.Query(context.Background(), &in)
		}
		if err != nil {
			t.Fatalf("query: %v", err)
		}
		if in.Limit != nil && len(out.Items) > int(*in.Limit) {
			t.Errorf("page %d has %d items, limit %d", n, len(out.Items), *in.Limit)
		}
		for _, item := range out.Items {
			keys = append(keys, item["PK"].(*types.AttributeValueMemberS).Value+" "+item["SK"].(*types.AttributeValueMemberS).Value)
		}
		if out.LastEvaluatedKey == nil {
			return keys
		}
		if n > 100 {
			t.Fatal("more than 100 pages")
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// TestQueries checks base-table and GSI queries, paged, against a model of the table,
// before and after changes that move items between index partitions, drop index
// attributes, delete items and cancel a transaction.
func TestQueries(t *testing.T) {
	db, _ := client(t)
	table := newTable(t, db, nil)
	m := queryFixture()
	items := make([]map[string]types.AttributeValue, 0, len(m))
	for _, r := range m {
		items = append(items, r.item())
	}
	batchPut(t, db, table, items)

	check := func(t *testing.T) {
		for _, c := range queryCases() {
			t.Run(c.name, func(t *testing.T) {
				got, want := pages(t, db, table, c.in), c.want(m)
				if !slices.Equal(got, want) {
					t.Errorf("got  %v\nwant %v", got, want)
				}
			})
		}
	}
	t.Run("before changes", check)
	changes(t, db, table, m)
	t.Run("after changes", check)
}

// lostConnection says whether err is a connection lost before the whole answer was read.
func lostConnection(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}
