package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
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

// newLog is a trail over a fresh table, and the raw client to tamper with it from outside.
func newLog(t *testing.T, opts ...Option) (*Log, *dynamodb.Client, string) {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	return New(db, table, opts...), db, table
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

func seal(t *testing.T, l *Log) SealStats {
	t.Helper()
	st, err := l.SealPending(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func verify(t *testing.T, l *Log, tenant store.TenantID) Report {
	t.Helper()
	r, err := l.Verify(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func listAll(t *testing.T, l *Log, tenant store.TenantID) []Entry {
	t.Helper()
	var out []Entry
	var after uint64
	for {
		page, next, err := l.List(context.Background(), tenant, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == 0 {
			return out
		}
		after = next
	}
}

func hasProblem(r Report, kind ProblemKind, seq uint64) bool {
	for _, p := range r.Problems {
		if p.Kind == kind && p.Seq == seq {
			return true
		}
	}
	return false
}

func TestSealedRecordsFormAnIntactChainInWriteOrder(t *testing.T) {
	l, _, _ := newLog(t)
	written := appendN(t, l, "t-a", 5)
	if written[0].Seq != 0 || written[0].Hash != RecordHash(written[0]) {
		t.Fatalf("a fresh record: %+v", written[0])
	}
	if got := listAll(t, l, "t-a"); len(got) != 0 {
		t.Fatalf("unsealed records were listed: %+v", got)
	}
	st := seal(t, l)
	if st.Sealed != 5 || st.Blocks != 1 {
		t.Fatalf("seal stats = %+v", st)
	}
	r := verify(t, l, "t-a")
	if !r.Intact || r.Entries != 5 || r.HeadSeq != 5 || r.Unsealed != 0 {
		t.Fatalf("report = %+v", r)
	}
	got := listAll(t, l, "t-a")
	for i, e := range got {
		if e.Seq != uint64(i+1) || e.ID != written[i].ID || e.Hash != written[i].Hash || e.SealedAt == nil || e.BlockHash != r.HeadHash {
			t.Fatalf("entry %d = %+v, want record %s at %d", i, e, written[i].ID, i+1)
		}
	}
}

func TestAnEmptyChainIsIntact(t *testing.T) {
	l, _, _ := newLog(t)
	if r := verify(t, l, "t-none"); !r.Intact || r.Entries != 0 || r.HeadHash != GenesisHash("t-none") {
		t.Fatalf("report = %+v", r)
	}
}

func TestConcurrentWritersNeverConflictAndLoseNothing(t *testing.T) {
	l, _, _ := newLog(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]bool{}
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				e, err := l.Append(context.Background(), "t-c", rec(w*100+i))
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				ids[e.ID] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err) // no retry exists to hide a conflict: every write must succeed first time
	}
	seal(t, l)
	r := verify(t, l, "t-c")
	if !r.Intact || r.Entries != writers*each {
		t.Fatalf("after concurrent appends: %+v", r)
	}
	for _, e := range listAll(t, l, "t-c") {
		delete(ids, e.ID)
	}
	if len(ids) != 0 {
		t.Fatalf("%d acknowledged records are not in the chain", len(ids))
	}
}

func TestConcurrentSealersSealEachRecordOnceWithoutForkingTheChain(t *testing.T) {
	l, _, _ := newLog(t)
	written := appendN(t, l, "t-s", 150)
	appendN(t, l, "t-other", 20)
	var wg sync.WaitGroup
	stats := make([]SealStats, 6)
	errs := make([]error, 6)
	for i := range stats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				stats[i], errs[i] = l.SealPending(context.Background(), 0, 0)
				return
			}
			// Overlapping redeliveries of the same records, as a stream retry would send.
			stats[i], errs[i] = l.Seal(context.Background(), written[i*10:])
		}()
	}
	wg.Wait()
	sealed := 0
	for i := range stats {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		sealed += stats[i].Sealed
	}
	if sealed != 170 {
		t.Fatalf("sealed %d records in all, want each of 170 exactly once (%+v)", sealed, stats)
	}
	for _, tenant := range []store.TenantID{"t-s", "t-other"} {
		if r := verify(t, l, tenant); !r.Intact || r.Unsealed != 0 {
			t.Fatalf("%s: %+v", tenant, r)
		}
	}
	seen := map[string]bool{}
	for i, e := range listAll(t, l, "t-s") {
		if seen[e.ID] || e.Seq != uint64(i+1) {
			t.Fatalf("entry %d: %+v (seen before: %v)", i, e, seen[e.ID])
		}
		seen[e.ID] = true
	}
	if len(seen) != 150 {
		t.Fatalf("chain holds %d records, want 150", len(seen))
	}
}

func TestARedeliveredBatchSealsNothingTwice(t *testing.T) {
	l, _, _ := newLog(t)
	es := appendN(t, l, "t-r", 3)
	first, err := l.Seal(context.Background(), es)
	if err != nil || first.Sealed != 3 {
		t.Fatalf("first seal: %+v %v", first, err)
	}
	again, err := l.Seal(context.Background(), es)
	if err != nil || again.Sealed != 0 || again.Skipped != 3 || again.Blocks != 0 {
		t.Fatalf("redelivery: %+v %v", again, err)
	}
	if r := verify(t, l, "t-r"); !r.Intact || r.Entries != 3 {
		t.Fatalf("report = %+v", r)
	}
}

func TestMoreRecordsThanABlockHoldsSpanSeveralLinkedBlocks(t *testing.T) {
	l, _, _ := newLog(t)
	appendN(t, l, "t-big", MaxBlockRecords+5)
	st := seal(t, l)
	if st.Blocks != 2 {
		t.Fatalf("stats = %+v, want 2 blocks", st)
	}
	r := verify(t, l, "t-big")
	if !r.Intact || r.Blocks != 2 || r.Entries != MaxBlockRecords+5 {
		t.Fatalf("report = %+v", r)
	}
	page, next, err := l.List(context.Background(), "t-big", MaxBlockRecords-2, 4)
	if err != nil || len(page) != 4 || page[0].Seq != MaxBlockRecords-1 || next != MaxBlockRecords+2 {
		t.Fatalf("a page across the block boundary: %d entries from %d, next %d, %v", len(page), page[0].Seq, next, err)
	}
}

func TestSealingFromTheStreamImageUndoesAnEditMadeBeforeSealing(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	es := appendN(t, l, "t-img", 2)
	// Someone edits a record while it waits for the sealer.
	update(t, db, table, store.AuditRecordKey("t-img", es[1].ID), "reason", "nothing to see")
	if _, err := l.Seal(ctx, es); err != nil { // the images as committed
		t.Fatal(err)
	}
	if r := verify(t, l, "t-img"); !r.Intact {
		t.Fatalf("report = %+v", r)
	}
	if got := listAll(t, l, "t-img"); got[1].Reason != "rotation" {
		t.Fatalf("sealed record = %+v, want the committed reason", got[1])
	}
}

func TestVerifierFindsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry)
		kind   ProblemKind
		seq    uint64
	}{
		{"an edited reason is reported as edited", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			update(t, db, table, store.AuditRecordKey(tenant, es[1].ID), "reason", "nothing to see")
		}, Edited, 2},
		{"an edited record with a recomputed hash is still edited", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			e := es[1]
			e.Reason = "forged"
			update(t, db, table, store.AuditRecordKey(tenant, e.ID), "reason", "forged")
			update(t, db, table, store.AuditRecordKey(tenant, e.ID), "hash", RecordHash(e))
		}, Edited, 2},
		{"a deleted record is reported as deleted", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			del(t, db, table, store.AuditRecordKey(tenant, es[2].ID))
		}, Deleted, 3},
		{"a deleted first block is reported as deleted", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			del(t, db, table, store.AuditBlockKey(tenant, 1))
		}, Deleted, 1},
		{"a deleted last block leaves the head ahead", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			del(t, db, table, store.AuditBlockKey(tenant, 4))
		}, HeadAhead, 4},
		{"a record given another position is reordered", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			updateN(t, db, table, store.AuditRecordKey(tenant, es[1].ID), "seq", 3)
		}, Reordered, 2},
		{"records swapped in a block break the block's hash", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			k := store.AuditBlockKey(tenant, 1)
			item := get(t, db, table, k)
			var b blockItem
			if err := attributevalue.UnmarshalMap(item, &b); err != nil {
				t.Fatal(err)
			}
			b.Records[0], b.Records[1] = b.Records[1], b.Records[0]
			av, _ := attributevalue.MarshalMap(b)
			put(t, db, table, av)
		}, Edited, 1},
		{"a block rewritten with a fresh hash breaks the next link", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			k := store.AuditBlockKey(tenant, 1)
			var bi blockItem
			if err := attributevalue.UnmarshalMap(get(t, db, table, k), &bi); err != nil {
				t.Fatal(err)
			}
			b := bi.block()
			b.Records = b.Records[:2]
			bi.Records, bi.Hash = b.Records, BlockHash(b)
			av, _ := attributevalue.MarshalMap(bi)
			put(t, db, table, av)
		}, BrokenLink, 4},
		{"a record of another tenant moved in is reported", func(t *testing.T, db *dynamodb.Client, table string, tenant store.TenantID, es []Entry) {
			item := get(t, db, table, store.AuditRecordKey(tenant, es[0].ID))
			item["tenantId"] = &types.AttributeValueMemberS{Value: "t-elsewhere"}
			put(t, db, table, item)
		}, Reordered, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, db, table := newLog(t)
			tenant := store.TenantID("t-tamper")
			es := appendN(t, l, tenant, 3)
			seal(t, l)
			es = append(es, appendN(t, l, tenant, 2)...) // a second block: 4 and 5
			seal(t, l)
			if r := verify(t, l, tenant); !r.Intact || r.Blocks != 2 {
				t.Fatalf("before tampering: %+v", r)
			}
			c.tamper(t, db, table, tenant, es)
			r := verify(t, l, tenant)
			if r.Intact || !hasProblem(r, c.kind, c.seq) {
				t.Fatalf("want %s at %d, report %+v", c.kind, c.seq, r)
			}
		})
	}
}

func TestRecordsLeftUnsealedPastTheGraceAreReported(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	l, _, _ := newLog(t, WithClock(func() time.Time { return clock() }), WithSealGrace(time.Minute))
	appendN(t, l, "t-late", 2)
	if r := verify(t, l, "t-late"); !r.Intact || r.Unsealed != 2 {
		t.Fatalf("within the grace: %+v", r)
	}
	clock = func() time.Time { return now.Add(2 * time.Minute) }
	if r := verify(t, l, "t-late"); r.Intact || len(r.Problems) != 2 || r.Problems[0].Kind != Unsealed {
		t.Fatalf("past the grace: %+v", r)
	}
	// The sweep only takes records that waited long enough.
	if st, err := l.SealPending(context.Background(), 5*time.Minute, 0); err != nil || st.Sealed != 0 {
		t.Fatalf("sweep of records younger than its age: %+v %v", st, err)
	}
	seal(t, l)
	if r := verify(t, l, "t-late"); !r.Intact || r.Unsealed != 0 {
		t.Fatalf("after sealing: %+v", r)
	}
}

func TestAChainCopiedToAnotherTenantDoesNotVerify(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	es := appendN(t, l, "t-src", 2)
	seal(t, l)
	for _, e := range es {
		item := get(t, db, table, store.AuditRecordKey("t-src", e.ID))
		item["PK"] = &types.AttributeValueMemberS{Value: store.AuditRecordKey("t-dst", e.ID).PK}
		item["tenantId"] = &types.AttributeValueMemberS{Value: "t-dst"}
		put(t, db, table, item)
	}
	for _, k := range []store.Key{store.AuditBlockKey("t-src", 1), store.AuditHeadKey("t-src")} {
		item := get(t, db, table, k)
		item["PK"] = &types.AttributeValueMemberS{Value: store.AuditChainPK("t-dst")}
		item["tenantId"] = &types.AttributeValueMemberS{Value: "t-dst"}
		put(t, db, table, item)
	}
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
	seal(t, l)
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
	if beyond, next, err := l.List(context.Background(), "t-1", 1<<40, 3); err != nil || len(beyond) != 0 || next != 0 {
		t.Fatalf("after the end: %v %d %v", beyond, next, err)
	}
	chains, err := l.Chains(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != 2 {
		t.Fatalf("chains = %v, want t-1 and t-2", chains)
	}
}

func TestTheAnchorDigestChangesWithAnyChainHead(t *testing.T) {
	l, _, _ := newLog(t)
	appendN(t, l, "t-x", 1)
	appendN(t, l, "t-y", 1)
	seal(t, l)
	heads, err := l.Heads(context.Background())
	if err != nil || len(heads) != 2 {
		t.Fatalf("heads = %+v, %v", heads, err)
	}
	d := AnchorDigest(heads)
	appendN(t, l, "t-y", 1)
	seal(t, l)
	after, _ := l.Heads(context.Background())
	if AnchorDigest(after) == d {
		t.Fatal("a longer chain gives the same anchor digest")
	}
	if AnchorDigest([]ChainHead{heads[1], heads[0]}) != d {
		t.Fatal("the digest depends on the order heads are listed in")
	}
}

func TestRecordsWithoutActorOrSubjectAreRefused(t *testing.T) {
	l, _, _ := newLog(t)
	if _, err := l.Append(context.Background(), "t", Record{Action: "x"}); err == nil {
		t.Fatal("incomplete record appended")
	}
	if _, err := l.Append(context.Background(), "t#x", rec(1)); err == nil {
		t.Fatal("a record for an invalid tenant id was appended")
	}
	if r := verify(t, l, "t"); r.Entries != 0 || r.Unsealed != 0 {
		t.Fatalf("a refused record left %+v", r)
	}
}

func TestRecordHashCoversEveryField(t *testing.T) {
	base := Entry{Tenant: "t", ID: "01J", Time: time.Unix(0, 0), Action: "a", Actor: Actor{"staff", "1"},
		Subject: Subject{"user", "u"}, Reason: "r", Details: map[string]string{"k": "v"}}
	h := RecordHash(base)
	mutations := []func(e *Entry){
		func(e *Entry) { e.Tenant = "u" }, func(e *Entry) { e.ID = "01K" }, func(e *Entry) { e.Time = time.Unix(1, 0) },
		func(e *Entry) { e.Action = "b" }, func(e *Entry) { e.Actor.ID = "2" }, func(e *Entry) { e.Subject.ID = "v" },
		func(e *Entry) { e.Reason = "s" }, func(e *Entry) { e.Details = map[string]string{"k": "w"} },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		if RecordHash(e) == h {
			t.Errorf("mutation %d does not change the record hash", i)
		}
	}
}

func TestBlockHashCoversEveryField(t *testing.T) {
	base := Block{Tenant: "t", FirstSeq: 1, SealedAt: time.Unix(0, 0), Records: []Sealed{{"a", "1"}, {"b", "2"}}, PrevHash: "p"}
	h := BlockHash(base)
	mutations := []func(b *Block){
		func(b *Block) { b.Tenant = "u" }, func(b *Block) { b.FirstSeq = 2 }, func(b *Block) { b.SealedAt = time.Unix(1, 0) },
		func(b *Block) { b.Records = []Sealed{{"b", "2"}, {"a", "1"}} }, func(b *Block) { b.Records = b.Records[:1] },
		func(b *Block) { b.Records = []Sealed{{"a", "1"}, {"b", "3"}} }, func(b *Block) { b.PrevHash = "q" },
	}
	for i, m := range mutations {
		b := base
		m(&b)
		if BlockHash(b) == h {
			t.Errorf("mutation %d does not change the block hash", i)
		}
	}
}

func TestEntryFromItemTakesOnlyRecordsWhereTheyBelong(t *testing.T) {
	e := Entry{Tenant: "t-i", ID: store.NewID(), Time: time.Now().UTC(), Action: "a", Actor: System, Subject: Subject{"s", "1"}}
	e.Hash = RecordHash(e)
	good, err := attributevalue.MarshalMap(itemOf(e))
	if err != nil {
		t.Fatal(err)
	}
	k := store.AuditRecordKey("t-i", e.ID)
	good["PK"], good["SK"], good["entity"] = &types.AttributeValueMemberS{Value: k.PK}, &types.AttributeValueMemberS{Value: k.SK}, &types.AttributeValueMemberS{Value: EntityRecord}
	if got, ok := EntryFromItem(good); !ok || got.ID != e.ID || got.Hash != e.Hash {
		t.Fatalf("a record: %+v %v", got, ok)
	}
	cases := map[string]func(m map[string]types.AttributeValue){
		"another entity":       func(m map[string]types.AttributeValue) { m["entity"] = &types.AttributeValueMemberS{Value: "widget"} },
		"under another key":    func(m map[string]types.AttributeValue) { m["PK"] = &types.AttributeValueMemberS{Value: "T#t-i#X"} },
		"a tenant with a hash": func(m map[string]types.AttributeValue) { m["tenantId"] = &types.AttributeValueMemberS{Value: "t#i"} },
	}
	for name, mutate := range cases {
		m := map[string]types.AttributeValue{}
		for k, v := range good {
			m[k] = v
		}
		mutate(m)
		if _, ok := EntryFromItem(m); ok {
			t.Errorf("%s was taken for a record", name)
		}
	}
}

type widget struct {
	store.Meta
	Name string `dynamodbav:"name"`
}

func (widget) EntityType() string { return "widget" }

func TestCommitStoresTheChangeAndItsRecordTogetherOrNeither(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	st := store.New(db, table)
	k := store.Key{PK: "T#t-w#W#1", SK: "W"}
	r := Record{Action: "widget.created", Actor: System, Subject: Subject{"widget", "1"}}

	if _, err := l.Commit(ctx, "t-w", r, func(tx *store.Tx) { tx.Create(k, widget{Name: "a"}) }); err != nil {
		t.Fatal(err)
	}
	// The same create again fails on the caller's item: no second record may appear.
	_, err := l.Commit(ctx, "t-w", r, func(tx *store.Tx) { tx.Create(k, widget{Name: "b"}) })
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("err = %v, want ErrAlreadyExists", err)
	}
	var w widget
	if err := st.Get(ctx, k, &w); err != nil || w.Name != "a" {
		t.Fatalf("widget = %+v, %v", w, err)
	}
	if rep := verify(t, l, "t-w"); rep.Unsealed != 1 {
		t.Fatalf("a failed change left a record: %+v", rep)
	}
	seal(t, l)
	if rep := verify(t, l, "t-w"); !rep.Intact || rep.Entries != 1 {
		t.Fatalf("report = %+v", rep)
	}
}

// lostAnswer is a table whose writes succeed but whose first answer to each is lost, so
// that the SDK sends the same write again (what a dropped connection does to a retry).
type lostAnswer struct{ *dynamodb.Client }

func (c lostAnswer) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, err := c.Client.PutItem(ctx, in, o...); err != nil {
		return nil, err
	}
	return c.Client.PutItem(ctx, in, o...)
}

func (c lostAnswer) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if _, err := c.Client.TransactWriteItems(ctx, in, o...); err != nil {
		return nil, err
	}
	return c.Client.TransactWriteItems(ctx, in, o...)
}

func TestARetriedWriteWhoseAnswerWasLostIsNotAFailure(t *testing.T) {
	ctx := context.Background()
	_, db, table := newLog(t)
	l := New(lostAnswer{db}, table)
	if _, err := l.Append(ctx, "t-l", rec(1)); err != nil {
		t.Fatalf("append: %v", err)
	}
	k := store.Key{PK: "T#t-l#W#1", SK: "W"}
	r := Record{Action: "widget.created", Actor: System, Subject: Subject{"widget", "1"}}
	if _, err := l.Commit(ctx, "t-l", r, func(tx *store.Tx) { tx.Create(k, widget{Name: "a"}) }); err != nil {
		t.Fatalf("commit: %v", err)
	}
	seal(t, l)
	if rep := verify(t, l, "t-l"); !rep.Intact || rep.Entries != 2 {
		t.Fatalf("report = %+v", rep)
	}
	// A record that is not ours under the same key is still a failure.
	other := New(db, table)
	e, _ := other.Append(ctx, "t-l", rec(2))
	if l.stored(ctx, "t-l", Entry{Tenant: "t-l", ID: e.ID, Hash: "not-its-hash"}) {
		t.Fatal("another record was taken for ours")
	}
}

func get(t *testing.T, db *dynamodb.Client, table string, k store.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: keyAV(k), ConsistentRead: aws.Bool(true)})
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

func update(t *testing.T, db *dynamodb.Client, table string, k store.Key, attr, value string) {
	t.Helper()
	set(t, db, table, k, attr, &types.AttributeValueMemberS{Value: value})
}

func updateN(t *testing.T, db *dynamodb.Client, table string, k store.Key, attr string, n int) {
	t.Helper()
	set(t, db, table, k, attr, &types.AttributeValueMemberN{Value: fmt.Sprint(n)})
}

func set(t *testing.T, db *dynamodb.Client, table string, k store.Key, attr string, v types.AttributeValue) {
	t.Helper()
	_, err := db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: keyAV(k), UpdateExpression: aws.String("SET #a = :v"),
		ExpressionAttributeNames: map[string]string{"#a": attr}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": v},
	})
	if err != nil {
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

func TestARecordGivenASeqBeforeSealingIsSealedOverItNotLost(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	es := appendN(t, l, "t-fs", 3)
	// Someone with write access gives a waiting record a seq, as if it were sealed.
	updateN(t, db, table, store.AuditRecordKey("t-fs", es[1].ID), "seq", 2)
	updateN(t, db, table, store.AuditRecordKey("t-fs", es[1].ID), "block", 1)
	if r := verify(t, l, "t-fs"); r.Intact || !hasProblem(r, Edited, 2) {
		t.Fatalf("a record claiming a seal it does not have: %+v", r)
	}
	st, err := l.Seal(ctx, es) // the stream's images
	if err != nil || st.Sealed != 3 || st.FalseSeals != 1 {
		t.Fatalf("seal: %+v %v", st, err)
	}
	if r := verify(t, l, "t-fs"); !r.Intact || r.Entries != 3 {
		t.Fatalf("after sealing: %+v", r)
	}
	if got := listAll(t, l, "t-fs"); len(got) != 3 {
		t.Fatalf("listed %d of 3 records", len(got))
	}
	// And from the sweep, for a record the stream path missed.
	more := appendN(t, l, "t-fs", 1)
	updateN(t, db, table, store.AuditRecordKey("t-fs", more[0].ID), "seq", 1)
	if st := seal(t, l); st.Sealed != 1 || st.FalseSeals != 1 {
		t.Fatalf("sweep: %+v", st)
	}
	if r := verify(t, l, "t-fs"); !r.Intact || r.Entries != 4 {
		t.Fatalf("after the sweep: %+v", r)
	}
}

func TestARecordThatCannotBeReadIsReportedNotSealedAndDoesNotStopTheSweep(t *testing.T) {
	l, db, table := newLog(t)
	es := appendN(t, l, "t-bad", 2)
	set(t, db, table, store.AuditRecordKey("t-bad", es[0].ID), "subject", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"type": &types.AttributeValueMemberS{Value: "apikey"}, "id": &types.AttributeValueMemberS{Value: "a#b"},
	}})
	st := seal(t, l)
	if st.Sealed != 1 || st.Unreadable != 1 {
		t.Fatalf("sweep: %+v, want the readable record sealed and the other counted", st)
	}
	r := verify(t, l, "t-bad")
	if r.Intact || r.Entries != 1 {
		t.Fatalf("report = %+v", r)
	}
	found := false
	for _, p := range r.Problems {
		found = found || (p.Kind == Edited && strings.Contains(p.Detail, "not a readable audit record"))
	}
	if !found {
		t.Fatalf("the unreadable record is not reported: %+v", r.Problems)
	}
	if _, err := l.Append(context.Background(), "t-bad", Record{Action: "x", Actor: System, Subject: Subject{"apikey", "a#b"}}); err == nil {
		t.Fatal("a record whose subject cannot be a key segment was written")
	}
}

func TestTwoImagesOfOneRecordInABatchSealItOnce(t *testing.T) {
	l, _, _ := newLog(t)
	es := appendN(t, l, "t-dup", 2)
	again := es[0]
	again.Time = again.Time.Add(time.Second) // a later image of the same record
	st, err := l.Seal(context.Background(), []Entry{es[0], es[1], again})
	if err != nil || st.Sealed != 2 {
		t.Fatalf("seal: %+v %v", st, err)
	}
	if r := verify(t, l, "t-dup"); !r.Intact || r.Entries != 2 {
		t.Fatalf("report = %+v", r)
	}
}

func TestASweepThatCannotSealOneTenantSealsTheOthersAndNamesIt(t *testing.T) {
	ctx := context.Background()
	l, db, table := newLog(t)
	appendN(t, l, "t-stuck", 1)
	seal(t, l)
	appendN(t, l, "t-stuck", 2)
	appendN(t, l, "t-fine", 2)
	// The stuck tenant's head cannot be read as one.
	update(t, db, table, store.AuditHeadKey("t-stuck"), "entity", "widget")
	st, err := l.SealPending(ctx, 0, 0)
	var se *SealError
	if !errors.As(err, &se) || len(se.Tenants) != 1 || se.Tenants[0] != "t-stuck" || st.Sealed != 2 {
		t.Fatalf("sweep: %+v %v", st, err)
	}
	if st, err := l.SealPending(ctx, 0, 0, "t-stuck"); err != nil || st.Sealed != 0 {
		t.Fatalf("a sweep that skips the stuck tenant: %+v %v", st, err)
	}
	if r := verify(t, l, "t-fine"); !r.Intact || r.Entries != 2 {
		t.Fatalf("t-fine: %+v", r)
	}
}

func TestTheBacklogFindsTenantsWhoseRecordsWereNeverSealed(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	l, _, _ := newLog(t, WithClock(func() time.Time { return clock() }))
	appendN(t, l, "t-never", 3)
	appendN(t, l, "t-recent", 1)
	clock = func() time.Time { return now.Add(time.Hour) }
	appendN(t, l, "t-recent", 1)
	bl, err := l.Backlog(context.Background(), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if bl["t-never"] != 3 || bl["t-recent"] != 1 || len(bl) != 2 {
		t.Fatalf("backlog = %v", bl)
	}
	if chains, _ := l.Chains(context.Background()); len(chains) != 0 {
		t.Fatalf("chains = %v, want none: nothing was sealed", chains)
	}
}
