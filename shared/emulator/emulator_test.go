package emulator_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/emulator"
)

// The tests run against what Start runs: the launcher, or the stock moto with
// CHAINGUARD_EMULATOR=stock (where TestConcurrentTransactions is expected to fail).
func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

// counting is an HTTP client that counts the emulator's 5xx answers.
type counting struct {
	next   aws.HTTPClient
	server atomic.Int64
}

func (c *counting) Do(r *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(r)
	if err == nil && resp.StatusCode >= 500 {
		c.server.Add(1)
	}
	return resp, err
}

// client is a DynamoDB client without retries (every answer is seen once) that counts
// 5xx answers.
func client(t *testing.T) (*dynamodb.Client, *counting) {
	t.Helper()
	cfg := emulator.TestConfig(t)
	hc := &counting{next: awshttp.NewBuildableClient()}
	cfg.HTTPClient = hc
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	return dynamodb.NewFromConfig(cfg), hc
}

var tableSeq atomic.Int64

// newTable creates a table shaped like ours (PK/SK, GSI1 and GSI2 with string keys) and
// deletes it at the end of the test.
func newTable(t *testing.T, db *dynamodb.Client, stream *types.StreamSpecification) string {
	t.Helper()
	name := fmt.Sprintf("emulator-test-%d-%d", time.Now().UnixNano(), tableSeq.Add(1))
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(h, r string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(h), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(r), KeyType: types.KeyTypeRange},
		}
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("PK"), s("SK"), s("GSI1PK"), s("GSI1SK"), s("GSI2PK"), s("GSI2SK")},
		KeySchema:            key("PK", "SK"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("GSI1"), KeySchema: key("GSI1PK", "GSI1SK"), Projection: all},
			{IndexName: aws.String("GSI2"), KeySchema: key("GSI2PK", "GSI2SK"), Projection: all},
		},
		StreamSpecification: stream,
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

func keyOf(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk)}
}

// outcome of one transaction a worker sent.
type outcome struct {
	counter   int
	amount    int
	puts      []string // SKs of the items it created
	committed bool
}

// TestConcurrentTransactions sends transactions shaped like ours (a conditional put, a
// versioned update, a create) from 16 goroutines, some cancelled by a failing condition
// on purpose and some by a lost optimistic race, with plain puts and queries in between.
// Every acknowledged write must be there at the end, nothing of a cancelled transaction,
// each counter must have counted exactly its committed transactions, and no request may
// fail with a 5xx. Stock moto fails this: it deep-copies the table per transaction (its
// iteration breaks under concurrent writes, HTTP 500) and restores that copy on
// cancellation, erasing writes acknowledged meanwhile.
func TestConcurrentTransactions(t *testing.T) {
	db, hc := client(t)
	ctx := context.Background()
	table := newTable(t, db, nil)
	const workers, rounds, counters = 16, 10, 4
	for c := range counters {
		put(t, db, table, map[string]types.AttributeValue{"PK": str("ACC#" + strconv.Itoa(c)), "SK": str("COUNTER"), "version": num(0), "total": num(0)})
	}
	// Some history, as a table in use has: stock moto copies all of it per transaction.
	history := make([]map[string]types.AttributeValue, 300)
	for i := range history {
		history[i] = map[string]types.AttributeValue{"PK": str("HIST#" + strconv.Itoa(i%20)), "SK": str(fmt.Sprintf("MOV#%04d", i)), "GSI1PK": str("T#hist"), "GSI1SK": str(fmt.Sprintf("%04d", i)), "pad": str(fmt.Sprintf("%0200d", i))}
	}
	batchPut(t, db, table, history)

	var (
		mu       sync.Mutex
		outcomes []outcome
		puts     []string
		failures []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, err)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				o, err := transact(ctx, db, table, w, r, (w+r)%counters, r%4 == 3)
				if err != nil {
					fail(err)
					continue
				}
				sk := fmt.Sprintf("PUT#%02d#%03d", w, r)
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
					"PK": str("PLAIN"), "SK": str(sk), "GSI1PK": str("T#plain"), "GSI1SK": str(sk),
				}}); err != nil {
					fail(fmt.Errorf("put %s: %w", sk, err))
				}
				if err := queries(ctx, db, table, w); err != nil {
					fail(err)
				}
				mu.Lock()
				outcomes = append(outcomes, o)
				puts = append(puts, sk)
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	if n := hc.server.Load(); n > 0 {
		t.Errorf("%d requests answered 5xx", n)
	}
	for i, err := range failures {
		if i == 5 {
			t.Errorf("... and %d more failed requests", len(failures)-5)
			break
		}
		t.Errorf("request failed: %v", err)
	}

	stored := map[string]bool{}
	for _, pk := range []string{"PLAIN", "MOV#0", "MOV#1", "MOV#2", "MOV#3"} {
		for _, sk := range partition(t, db, table, pk) {
			stored[pk+" "+sk] = true
		}
	}
	var lost, leaked, committed int
	want := make([]struct{ version, total int }, counters)
	for _, o := range outcomes {
		if o.committed {
			committed++
			want[o.counter].version++
			want[o.counter].total += o.amount
		}
		for _, sk := range o.puts {
			switch ok := stored["MOV#"+strconv.Itoa(o.counter)+" "+sk]; {
			case o.committed && !ok:
				lost++
			case !o.committed && ok:
				leaked++
			}
		}
	}
	for _, sk := range puts {
		if !stored["PLAIN "+sk] {
			lost++
		}
	}
	if lost > 0 || leaked > 0 {
		t.Errorf("%d acknowledged writes lost, %d writes of cancelled transactions present", lost, leaked)
	}
	for c := range counters {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf("ACC#"+strconv.Itoa(c), "COUNTER"), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		got := struct{ version, total int }{atoiAttr(out.Item["version"]), atoiAttr(out.Item["total"])}
		if got != want[c] {
			t.Errorf("counter %d: version %d, total %d; want %d, %d (its committed transactions)", c, got.version, got.total, want[c].version, want[c].total)
		}
	}
	if committed == 0 || committed == len(outcomes) {
		t.Errorf("%d of %d transactions committed: the test needs both outcomes", committed, len(outcomes))
	}
	t.Logf("%d transactions (%d committed), %d plain puts, %d queries", len(outcomes), committed, len(puts), 2*len(puts))
}

// transact reads a counter and sends one transaction: create MOV item, versioned update of
// the counter, create a second item; cancelled on purpose when doomed.
func transact(ctx context.Context, db *dynamodb.Client, table string, w, r, counter int, doomed bool) (outcome, error) {
	acc := "ACC#" + strconv.Itoa(counter)
	cur, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyOf(acc, "COUNTER"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return outcome{}, fmt.Errorf("get counter: %w", err)
	}
	version := atoiAttr(cur.Item["version"])
	o := outcome{counter: counter, amount: 1 + w + r, puts: []string{fmt.Sprintf("TX#%02d#%03d#a", w, r), fmt.Sprintf("TX#%02d#%03d#b", w, r)}}
	mov := "MOV#" + strconv.Itoa(counter)
	items := []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"PK": str(mov), "SK": str(o.puts[0]), "GSI1PK": str("T#" + acc), "GSI1SK": str(o.puts[0]),
		}, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Update: &types.Update{TableName: aws.String(table), Key: keyOf(acc, "COUNTER"),
			UpdateExpression:          aws.String("SET version = version + :one, #t = #t + :amt"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeNames:  map[string]string{"#t": "total"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":amt": num(o.amount), ":v": num(version)},
		}},
		{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"PK": str(mov), "SK": str(o.puts[1]), "GSI2PK": str("W#" + strconv.Itoa(w)), "GSI2SK": str(o.puts[1]),
		}}},
	}
	if doomed {
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(table), Key: keyOf("NOBODY", "NOTHING"), ConditionExpression: aws.String("attribute_exists(PK)"),
		}})
	}
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var cancelled *types.TransactionCanceledException
	switch {
	case err == nil:
		o.committed = true
	case errors.As(err, &cancelled):
	default:
		return outcome{}, fmt.Errorf("transaction: %w", err)
	}
	return o, nil
}

// queries reads a base partition and a GSI partition, as screenings and lists do.
func queries(ctx context.Context, db *dynamodb.Client, table string, w int) error {
	if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("MOV#" + strconv.Itoa(w%4)), ":s": str("TX#")},
	}); err != nil {
		return fmt.Errorf("query partition: %w", err)
	}
	if _, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("T#plain")},
		Limit:                     aws.Int32(20), ScanIndexForward: aws.Bool(false),
	}); err != nil {
		return fmt.Errorf("query GSI1: %w", err)
	}
	return nil
}

func put(t *testing.T, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("put: %v", err)
	}
}

// batchPut writes items with BatchWriteItem, 25 at a time.
func batchPut(t *testing.T, db *dynamodb.Client, table string, items []map[string]types.AttributeValue) {
	t.Helper()
	for len(items) > 0 {
		n := min(25, len(items))
		reqs := make([]types.WriteRequest, n)
		for i, item := range items[:n] {
			reqs[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
		}
		out, err := db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
		if err != nil {
			t.Fatalf("batch write: %v", err)
		}
		if len(out.UnprocessedItems) > 0 {
			t.Fatalf("batch write left %d unprocessed", len(out.UnprocessedItems[table]))
		}
		items = items[n:]
	}
}

// partition is the SKs of a base-table partition, read page by page.
func partition(t *testing.T, db *dynamodb.Client, table, pk string) []string {
	t.Helper()
	var sks []string
	var start map[string]types.AttributeValue
	for {
		out, err := db.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("PK = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": str(pk)},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			t.Fatalf("query %s: %v", pk, err)
		}
		for _, item := range out.Items {
			sks = append(sks, item["SK"].(*types.AttributeValueMemberS).Value)
		}
		if start = out.LastEvaluatedKey; start == nil {
			return sks
		}
	}
}

func atoiAttr(v types.AttributeValue) int {
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil {
		return -1
	}
	return i
}
