package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/emulator"
)

// latencies summarises one timed phase.
type latencies struct {
	done, wanted int
	p50, p99     time.Duration
	errs         int
	firstErr     string
	stopped      string // why the phase ended early, if it did
}

type result struct {
	size      int
	mode      emulator.Mode
	load      time.Duration
	rssLoad   int64 // kB
	rssTx     int64 // kB
	tx        latencies
	cancelled int
	part, gsi latencies
}

func run(o options) error {
	fmt.Printf("emulatorbench: sizes %v, modes %v; load %s\n", o.sizes, o.modes, loadAvg())
	var results []result
	for _, size := range o.sizes {
		for _, mode := range o.modes {
			r, err := measure(o, size, mode)
			if err != nil {
				return fmt.Errorf("%s, %d items: %w", mode, size, err)
			}
			results = append(results, r)
			fmt.Printf("  %-8s %7d items: load %v, tx %d/%d p50 %v, partition query p50 %v, GSI query p50 %v, RSS %s -> %s (load %s)\n",
				mode, size, r.load.Round(time.Millisecond), r.tx.done, r.tx.wanted, r.tx.p50, r.part.p50, r.gsi.p50, mb(r.rssLoad), mb(r.rssTx), loadAvg())
		}
	}
	fmt.Println()
	printTable(os.Stdout, results)
	fmt.Printf("\nload at the end: %s\n", loadAvg())
	return nil
}

func measure(o options, size int, mode emulator.Mode) (result, error) {
	r := result{size: size, mode: mode}
	ctx := context.Background()
	var logTo io.Writer
	if o.logDir != "" {
		f, err := os.Create(filepath.Join(o.logDir, fmt.Sprintf("%s-%d.log", mode, size)))
		if err != nil {
			return r, err
		}
		defer f.Close()
		logTo = f
	}
	srv, err := emulator.Launch(ctx, mode, logTo)
	if err != nil {
		return r, err
	}
	defer srv.Stop()
	cfg, err := srv.Config(ctx)
	if err != nil {
		return r, err
	}
	cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	db := dynamodb.NewFromConfig(cfg)
	table := "bench"
	if err := createTable(ctx, db, table); err != nil {
		return r, err
	}

	start := time.Now()
	if err := load(ctx, db, table, size, o.loadConc); err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	r.load = time.Since(start)
	if r.rssLoad, err = rss(srv.PID()); err != nil {
		return r, err
	}

	w := newWorkload(size)
	wanted := o.tx
	if mode == emulator.Stock {
		wanted = o.stockTx
	}
	r.tx = timed(wanted, o.budget, o.timeout, func(ctx context.Context) error {
		err := w.transact(ctx, db, table)
		var cancelled *types.TransactionCanceledException
		if errors.As(err, &cancelled) {
			r.cancelled++
			return nil
		}
		return err
	})
	if r.rssTx, err = rss(srv.PID()); err != nil {
		return r, err
	}
	r.part = timed(o.queries, o.budget, o.timeout, func(ctx context.Context) error { return w.queryPartition(ctx, db, table) })
	r.gsi = timed(o.queries, o.budget, o.timeout, func(ctx context.Context) error { return w.queryGSI(ctx, db, table) })
	return r, nil
}

// timed runs op up to n times, one at a time, until the budget is spent.
func timed(n int, budget, timeout time.Duration, op func(context.Context) error) latencies {
	l := latencies{wanted: n}
	var ds []time.Duration
	deadline := time.Now().Add(budget)
	for range n {
		if time.Now().After(deadline) {
			l.stopped = "budget"
			break
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		start := time.Now()
		err := op(ctx)
		d := time.Since(start)
		cancel()
		if err != nil {
			l.errs++
			if l.firstErr == "" {
				l.firstErr = err.Error()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				l.stopped = "timeout"
				break
			}
			continue
		}
		ds = append(ds, d)
	}
	l.done = len(ds)
	if len(ds) > 0 {
		slices.Sort(ds)
		l.p50 = ds[len(ds)*50/100]
		l.p99 = ds[(len(ds)*99+99)/100-1]
	}
	return l
}

func createTable(ctx context.Context, db *dynamodb.Client, name string) error {
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(h, r string) []types.KeySchemaElement {
		return []types.KeySchemaElement{{AttributeName: aws.String(h), KeyType: types.KeyTypeHash}, {AttributeName: aws.String(r), KeyType: types.KeyTypeRange}}
	}
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{s("PK"), s("SK"), s("GSI1PK"), s("GSI1SK"), s("GSI2PK"), s("GSI2SK")},
		KeySchema:            key("PK", "SK"),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("GSI1"), KeySchema: key("GSI1PK", "GSI1SK"), Projection: all},
			{IndexName: aws.String("GSI2"), KeySchema: key("GSI2PK", "GSI2SK"), Projection: all},
		},
	})
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	return nil
}

// load writes size items with BatchWriteItem: a profile per user (a sixth of the items)
// and movements spread over the users, days and addresses.
func load(ctx context.Context, db *dynamodb.Client, table string, size, conc int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	users := size / 6
	batches := make(chan []types.WriteRequest)
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for reqs := range batches {
				for len(reqs) > 0 {
					out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
					if err != nil {
						cancel(err)
						return
					}
					reqs = out.UnprocessedItems[table]
				}
			}
		})
	}
	batch := make([]types.WriteRequest, 0, 25)
produce:
	for i := range size {
		var item map[string]types.AttributeValue
		if i < users {
			item = profile(i)
		} else {
			item = movement(i-users, users, size)
		}
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		if len(batch) == 25 || i == size-1 {
			select {
			case batches <- batch:
			case <-ctx.Done():
				break produce
			}
			batch = make([]types.WriteRequest, 0, 25)
		}
	}
	close(batches)
	wg.Wait()
	return context.Cause(ctx)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

func userPK(u int) string { return fmt.Sprintf("T#1#USER#%06d", u) }

func profile(u int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"PK": s(userPK(u)), "SK": s("PROFILE"), "entity": s("user"), "version": n(0),
		"GSI1PK": s("T#1#USERS"), "GSI1SK": s(fmt.Sprintf("2025-01-01T%06d", u)),
		"name": s(fmt.Sprintf("User %06d", u)), "jurisdiction": s("FR"), "kyc": s("verified"),
		"GSI2PK": s("T#1#JUR#FR"), "GSI2SK": s(userPK(u)),
	}
}

// movement is an item of about 300 bytes, shaped like our movements.
func movement(j, users, size int) map[string]types.AttributeValue {
	day := j % 30
	return map[string]types.AttributeValue{
		"PK": s(userPK(j % users)), "SK": s(fmt.Sprintf("MOV#%09d", j)), "entity": s("movement"), "version": n(1),
		"GSI1PK": s(fmt.Sprintf("T#1#DAY#2025-01-%02d", day+1)), "GSI1SK": s(fmt.Sprintf("2025-01-%02dT%09d", day+1, j)),
		"GSI2PK": s(fmt.Sprintf("ADDR#%06d", j%max(1, size/10))), "GSI2SK": s(fmt.Sprintf("MOV#%09d", j)),
		"amount": n(j * 7 % 100000), "asset": s("USDC"), "direction": s("in"),
		"txHash":  s(fmt.Sprintf("0x%064x", j*2654435761)),
		"address": s(fmt.Sprintf("0x%040x", j*40503)),
		"risk":    n(j % 100),
	}
}

// workload is the sequence of requests the timed phases send, deterministic per size.
type workload struct {
	users    int
	rng      *rand.Rand
	versions map[int]int
	seq      int
}

func newWorkload(size int) *workload {
	return &workload{users: size / 6, rng: rand.New(rand.NewPCG(1, uint64(size))), versions: map[int]int{}}
}

// transact is a screening as we write it: the screening (conditional put), the user's
// profile (versioned update), and an audit record (create).
func (w *workload) transact(ctx context.Context, db *dynamodb.Client, table string) error {
	u := w.rng.IntN(w.users)
	w.seq++
	pk := userPK(u)
	v := w.versions[u]
	item := movement(1_000_000_000+w.seq, w.users, w.users*6)
	item["PK"], item["SK"] = s(pk), s(fmt.Sprintf("SCR#%09d", w.seq))
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: item, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Update: &types.Update{TableName: aws.String(table),
			Key:                       map[string]types.AttributeValue{"PK": s(pk), "SK": s("PROFILE")},
			UpdateExpression:          aws.String("SET version = version + :one, lastScreening = :s"),
			ConditionExpression:       aws.String("version = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1), ":v": n(v), ":s": s(fmt.Sprintf("SCR#%09d", w.seq))},
		}},
		{Put: &types.Put{TableName: aws.String(table), ConditionExpression: aws.String("attribute_not_exists(PK)"), Item: map[string]types.AttributeValue{
			"PK": s(fmt.Sprintf("AUDIT#%06d", u)), "SK": s(fmt.Sprintf("REC#%09d", w.seq)), "entity": s("audit"),
			"action": s("screening.created"), "actor": s("key-1"), "subject": s(pk),
		}}},
	}})
	if err == nil {
		w.versions[u] = v + 1
	}
	return err
}

// queryPartition reads one user's partition (profile and movements).
func (w *workload) queryPartition(ctx context.Context, db *dynamodb.Client, table string) error {
	_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table),
		KeyConditionExpression:    aws.String("PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(userPK(w.rng.IntN(w.users)))},
	})
	return err
}

// queryGSI reads the latest 50 movements of a day, a thirtieth of the movements.
func (w *workload) queryGSI(ctx context.Context, db *dynamodb.Client, table string) error {
	_, err := db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("GSI1"),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprintf("T#1#DAY#2025-01-%02d", w.rng.IntN(30)+1))},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(50),
	})
	return err
}

// rss is a process's resident set size in kB, from /proc.
func rss(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("emulator memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("emulator memory: no VmRSS in /proc/%d/status", pid)
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }
