package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func newLog(t *testing.T) (*Log, *dynamodb.Client, string) {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	// The log writes through the isolated client (concurrent writers: see its doc); the
	// raw client is for tampering with the table from outside.
	return New(emulator.NewIsolatedDynamoDB(cfg), table), db, table
}

func rec(i int) Record {
	return Record{
		Action: "apikey.created", Actor: Actor{Type: "staff", ID: "s-1"},
		Subject: Subject{Type: "apikey", ID: fmt.Sprintf("k-%d", i)}, Reason: "rotation",
		Details: map[string]string{"label": fmt.Sprint(i)},
	}
}

func appendN(t *testing.T, l *Log, tenant store.TenantID, n int) []Entry {
	t.Helper()
	var out []Entry
	for i := 0; i < n; i++ {
		e, err := l.Append(context.Background(), tenant, rec(i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func verify(t *testing.T, l *Log, tenant store.TenantID) Report {
	t.Helper()
	r, err := l.Verify(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hasProblem(r Report, kind ProblemKind, seq uint64) bool {
	for _, p := range r.Problems {
		if p.Kind == kind && p.Seq == seq {
			return true
		}
	}
	return false
}

func TestAppendedEntriesFormAnIntactChain(t *testing.T) {
	l, _, _ := newLog(t)
	es := appendN(t, l, "t-a", 3)
	if es[0].Seq != 1 || es[0].PrevHash != GenesisHash("t-a") || es[1].PrevHash != es[0].Hash || es[2].PrevHash != es[1].Hash {
		t.Fatalf("entries are not linked: %+v", es)
	}
	r := verify(t, l, "t-a")
	if !r.Intact || r.Entries != 3 || r.HeadSeq != 3 || r.HeadHash != es[2].Hash {
		t.Fatalf("report = %+v", r)
	}
}

func TestAnEmptyChainIsIntact(t *testing.T) {
	l, _, _ := newLog(t)
	if r := verify(t, l, "t-none"); !r.Intact || r.Entries != 0 {
		t.Fatalf("report = %+v", r)
	}
}

func TestConcurrentWritersCannotForkTheChain(t *testing.T) {
	l, _, _ := newLog(t)
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := l.Append(context.Background(), "t-c", rec(w*100+i)); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r := verify(t, l, "t-c")
	if !r.Intact || r.Entries != writers*each || r.HeadSeq != writers*each {
		t.Fatalf("after concurrent appends: %+v", r)
	}
}

func TestVerifierFindsTampering(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID)
		kind   ProblemKind
		seq    uint64
	}{
		{"an edited reason is reported as edited", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID) {
			k := store.AuditEntryKey(tenant, 2)
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: keyAV(k),
				UpdateExpression:          aws.String("SET reason = :r"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":r": &types.AttributeValueMemberS{Value: "nothing to see"}}})
			if err != nil {
				t.Fatal(err)
			}
		}, Edited, 2},
		{"a deleted middle entry is reported as deleted", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID) {
			del(t, db, table, store.AuditEntryKey(tenant, 3))
		}, Deleted, 3},
		{"a deleted last entry leaves the head ahead", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID) {
			del(t, db, table, store.AuditEntryKey(tenant, 5))
		}, HeadAhead, 5},
		{"swapped entries are reported as reordered", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID) {
			a, b := get(t, db, table, store.AuditEntryKey(tenant, 2)), get(t, db, table, store.AuditEntryKey(tenant, 3))
			a["SK"], b["SK"] = b["SK"], a["SK"]
			put(t, db, table, a)
			put(t, db, table, b)
		}, Reordered, 2},
		{"a rewritten entry with a fresh hash breaks the next link", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID) {
			item := get(t, db, table, store.AuditEntryKey(tenant, 2))
			var ei entryItem
			if err := attributevalue.UnmarshalMap(item, &ei); err != nil {
				t.Fatal(err)
			}
			e := ei.entry()
			e.Reason = "forged"
			ei.Reason, ei.Hash = "forged", ComputeHash(e)
			av, _ := attributevalue.MarshalMap(ei)
			put(t, db, table, av)
		}, BrokenLink, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, db, table := newLog(t)
			tenant := store.TenantID("t-tamper")
			appendN(t, l, tenant, 5)
			c.tamper(t, db, table, tenant)
			r := verify(t, l, tenant)
			if r.Intact || !hasProblem(r, c.kind, c.seq) {
				t.Fatalf("want %s at %d, report %+v", c.kind, c.seq, r)
			}
		})
	}
}

func TestAChainCopiedToAnotherTenantDoesNotVerify(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	appendN(t, l, "t-src", 2)
	for seq := uint64(1); seq <= 2; seq++ {
		item := get(t, db, table, store.AuditEntryKey("t-src", seq))
		item["PK"] = &types.AttributeValueMemberS{Value: store.AuditPK("t-dst")}
		put(t, db, table, item)
	}
	head := get(t, db, table, store.AuditHeadKey("t-src"))
	head["PK"] = &types.AttributeValueMemberS{Value: store.AuditPK("t-dst")}
	put(t, db, table, head)
	r, err := l.Verify(ctx, "t-dst")
	if err != nil {
		t.Fatal(err)
	}
	if r.Intact {
		t.Fatal("a chain moved to another tenant verified as intact")
	}
}

func TestListPagesThroughOneTenantOnly(t *testing.T) {
	l, _, _ := newLog(t)
	appendN(t, l, "t-1", 5)
	appendN(t, l, "t-2", 2)
	page, next, err := l.List(context.Background(), "t-1", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 3 || next != 3 {
		t.Fatalf("first page: %d entries, next %d", len(page), next)
	}
	rest, next, err := l.List(context.Background(), "t-1", next, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 || next != 0 || rest[0].Seq != 4 {
		t.Fatalf("second page: %+v next %d", rest, next)
	}
	for _, e := range append(page, rest...) {
		if e.Tenant != "t-1" {
			t.Fatalf("entry of %s listed for t-1", e.Tenant)
		}
	}
	chains, err := l.Chains(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != 2 {
		t.Fatalf("chains = %v, want t-1 and t-2", chains)
	}
}

func TestRecordsWithoutActorOrSubjectAreRefused(t *testing.T) {
	l, _, _ := newLog(t)
	if _, err := l.Append(context.Background(), "t", Record{Action: "x"}); err == nil {
		t.Fatal("incomplete record appended")
	}
	if r := verify(t, l, "t"); r.Entries != 0 {
		t.Fatalf("a refused record left %d entries", r.Entries)
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := Entry{Tenant: "t", Seq: 1, Time: time.Unix(0, 0), Action: "a", Actor: Actor{"staff", "1"},
		Subject: Subject{"user", "u"}, Reason: "r", Details: map[string]string{"k": "v"}, PrevHash: "p"}
	h := ComputeHash(base)
	mutations := []func(e *Entry){
		func(e *Entry) { e.Tenant = "u" }, func(e *Entry) { e.Seq = 2 }, func(e *Entry) { e.Time = time.Unix(1, 0) },
		func(e *Entry) { e.Action = "b" }, func(e *Entry) { e.Actor.ID = "2" }, func(e *Entry) { e.Subject.ID = "v" },
		func(e *Entry) { e.Reason = "s" }, func(e *Entry) { e.Details = map[string]string{"k": "w"} }, func(e *Entry) { e.PrevHash = "q" },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		if ComputeHash(e) == h {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
}

func get(t *testing.T, db *dynamodb.Client, table string, k store.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyAV(k)})
	if err != nil || out.Item == nil {
		t.Fatalf("get %v: %v", k, err)
	}
	return out.Item
}

func put(t *testing.T, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func del(t *testing.T, db *dynamodb.Client, table string, k store.Key) {
	t.Helper()
	if _, err := db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: keyAV(k)}); err != nil {
		t.Fatal(err)
	}
}

func keyAV(k store.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		store.AttrPK: &types.AttributeValueMemberS{Value: k.PK},
		store.AttrSK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

type widget struct {
	store.Meta
	Name string `dynamodbav:"name"`
}

func (widget) EntityType() string { return "widget" }

func TestCommitStoresTheChangeAndItsEntryTogetherOrNeither(t *testing.T) {
	ctx := context.Background()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	l, st := New(db, table), store.New(db, table)
	k := store.Key{PK: "T#t-w#W#1", SK: "W"}
	r := Record{Action: "widget.created", Actor: System, Subject: Subject{"widget", "1"}}

	if _, err := l.Commit(ctx, "t-w", r, func(tx *store.Tx) { tx.Create(k, widget{Name: "a"}) }); err != nil {
		t.Fatal(err)
	}
	// The same create again fails on the caller's item: no second entry may appear.
	_, err := l.Commit(ctx, "t-w", r, func(tx *store.Tx) { tx.Create(k, widget{Name: "b"}) })
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("err = %v, want ErrAlreadyExists", err)
	}
	var w widget
	if err := st.Get(ctx, k, &w); err != nil || w.Name != "a" {
		t.Fatalf("widget = %+v, %v", w, err)
	}
	rep := verify(t, l, "t-w")
	if !rep.Intact || rep.Entries != 1 {
		t.Fatalf("a failed change left an audit entry: %+v", rep)
	}
}
