// Command auditbench measures audited writes of one tenant against the local emulator, the
// way domain functions make them (a domain item and its audit record in one transaction),
// at several concurrencies, and compares the current design (a record under its own key,
// sealed into the chain afterwards) with the previous one (every write moves the tenant's
// one chain head: read the head, then a transaction conditioned on its version, retried
// on conflict). It then measures the sealer: records sealed per second, alone and with
// concurrent sealers, and their conflicts.
//
//	go run ./infra/auditbench [-n 400] [-c 1,8,32] [-sealers 4]
//
// It starts its own emulator (or uses AWS_ENDPOINT_URL). Figures depend on the emulator
// (one Python process) far more than on our code: they compare designs on one machine,
// they do not predict AWS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/store"
)

func main() {
	n := flag.Int("n", 400, "audited writes per concurrency level and design")
	levels := flag.String("c", "1,8,32", "concurrency levels")
	sealers := flag.Int("sealers", 4, "concurrent sealers in the contended sealing run")
	flag.Parse()
	if err := run(*n, *levels, *sealers); err != nil {
		fmt.Fprintln(os.Stderr, "auditbench:", err)
		os.Exit(1)
	}
}

type screening struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Outcome  string `dynamodbav:"outcome"`
	Query    string `dynamodbav:"queryEnc"` // stands in for the encrypted query of a screening
}

func (screening) EntityType() string { return "screening" }

func run(n int, levelList string, sealers int) error {
	ctx := context.Background()
	srv, err := emulator.Start(ctx, nil)
	if err != nil {
		return err
	}
	defer srv.Stop()
	cfg, err := srv.Config(ctx)
	if err != nil {
		return err
	}
	tpl, err := stack.LoadRepoTemplate()
	if err != nil {
		return err
	}
	spec, err := tpl.Table("Table")
	if err != nil {
		return err
	}
	db := dynamodb.NewFromConfig(cfg)
	var levels []int
	for _, f := range strings.Split(levelList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return fmt.Errorf("bad concurrency %q", f)
		}
		levels = append(levels, c)
	}

	fmt.Printf("audited writes of one tenant, %d per run; emulator %s; load %s\n\n", n, srv.Endpoint, loadAvg())
	fmt.Printf("%-22s %5s %9s %9s %9s %12s %12s %7s\n", "design", "conc", "writes/s", "p50 ms", "p99 ms", "conflicts/1k", "retries/1k", "errors")
	var sealTable string
	for _, c := range levels {
		for _, design := range []string{"head per tenant (old)", "record + sealer (new)"} {
			table := fmt.Sprintf("bench-%d-%d", c, rand.Uint32())
			if err := stack.CreateTable(ctx, db, spec, table); err != nil {
				return err
			}
			var w writer
			if strings.HasPrefix(design, "head") {
				w = &headChain{st: store.New(db, table)}
			} else {
				w = &sealed{log: audit.New(db, table), st: store.New(db, table)}
				sealTable = table
			}
			r := measure(ctx, w, n, c)
			fmt.Printf("%-22s %5d %9.0f %9.1f %9.1f %12.1f %12.1f %7d\n", design, c, r.perSec, r.p50, r.p99,
				per1k(r.conflicts, n), per1k(r.retries, n), r.errors)
		}
	}

	// Sealing: the records of the last run, first by one sealer; then a fresh backlog
	// sealed by several at once (as concurrent stream shards or overlapping sweeps would).
	fmt.Printf("\nsealing (records of one tenant)\n%-26s %9s %9s %7s %10s\n", "run", "records", "rec/s", "blocks", "conflicts")
	l := audit.New(db, sealTable)
	start := time.Now()
	st, err := l.SealPending(ctx, 0, 1<<30)
	if err != nil {
		return err
	}
	fmt.Printf("%-26s %9d %9.0f %7d %10d\n", "1 sealer", st.Sealed, float64(st.Sealed)/time.Since(start).Seconds(), st.Blocks, st.Conflicts)
	w := &sealed{log: l, st: store.New(db, sealTable)}
	measure(ctx, w, n, 8)
	start = time.Now()
	var wg sync.WaitGroup
	all := make([]audit.SealStats, sealers)
	errs := make([]error, sealers)
	for i := range sealers {
		wg.Add(1)
		go func() { defer wg.Done(); all[i], errs[i] = l.SealPending(ctx, 0, 1<<30) }()
	}
	wg.Wait()
	var tot audit.SealStats
	for i := range all {
		if errs[i] != nil {
			return errs[i]
		}
		tot.Sealed += all[i].Sealed
		tot.Blocks += all[i].Blocks
		tot.Conflicts += all[i].Conflicts
		tot.Skipped += all[i].Skipped
	}
	fmt.Printf("%-26s %9d %9.0f %7d %10d (skipped %d)\n", fmt.Sprintf("%d sealers at once", sealers), tot.Sealed,
		float64(tot.Sealed)/time.Since(start).Seconds(), tot.Blocks, tot.Conflicts, tot.Skipped)
	rep, err := l.Verify(ctx, "t-bench")
	if err != nil {
		return err
	}
	fmt.Printf("\nchain after the runs: %d records in %d blocks, intact %v, unsealed %d\n", rep.Entries, rep.Blocks, rep.Intact, rep.Unsealed)
	if !rep.Intact {
		return fmt.Errorf("chain not intact: %+v", rep.Problems)
	}
	return nil
}

func per1k(x int64, n int) float64 { return float64(x) * 1000 / float64(n) }

// writer makes one audited write; it reports the conflicts it met and the retries it made.
type writer interface {
	write(ctx context.Context, i int) (conflicts, retries int, err error)
}

type result struct {
	perSec, p50, p99           float64
	conflicts, retries, errors int64
}

func measure(ctx context.Context, w writer, n, c int) result {
	var next atomic.Int64
	var conflicts, retries, errs atomic.Int64
	lat := make([]time.Duration, n)
	start := time.Now()
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				cf, rt, err := w.write(ctx, i)
				lat[i] = time.Since(t0)
				conflicts.Add(int64(cf))
				retries.Add(int64(rt))
				if err != nil {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return result{perSec: float64(n) / took.Seconds(), p50: ms(lat[n/2]), p99: ms(lat[n*99/100]),
		conflicts: conflicts.Load(), retries: retries.Load(), errors: errs.Load()}
}

func item(i int) screening {
	return screening{TenantID: "t-bench", Outcome: "clear", Query: strings.Repeat("x", 300) + strconv.Itoa(i)}
}

func rec(i int) audit.Record {
	return audit.Record{Action: "screening.created", Actor: audit.Actor{Type: "client", ID: "key-1"},
		Subject: audit.Subject{Type: "screening", ID: "s-" + strconv.Itoa(i)}, Details: map[string]string{"outcome": "clear"}}
}

// sealed is the current design: audit.Commit, no shared item, nothing to retry.
type sealed struct {
	log *audit.Log
	st  *store.Store
}

func (s *sealed) write(ctx context.Context, i int) (int, int, error) {
	id := store.NewID()
	_, err := s.log.Commit(ctx, "t-bench", rec(i), func(tx *store.Tx) {
		tx.Create(store.ScreeningKey("t-bench", id), item(i))
	})
	return 0, 0, err
}

// headChain is the previous design's write path, kept here as the baseline: read the
// chain head, then one transaction that moves it on a version condition and creates the
// entry with the domain item, retried with backoff while the head moved (up to 50 times).
type headChain struct{ st *store.Store }

type head struct {
	store.Meta
	Seq  uint64 `dynamodbav:"seq"`
	Hash string `dynamodbav:"hash"`
}

func (head) EntityType() string { return "bench_head" }

type entry struct {
	store.Meta
	Seq  uint64 `dynamodbav:"seq"`
	Prev string `dynamodbav:"prevHash"`
	Hash string `dynamodbav:"hash"`
}

func (entry) EntityType() string { return "bench_entry" }

func (h *headChain) write(ctx context.Context, i int) (conflicts, retries int, err error) {
	hk := store.Key{PK: "T#t-bench#CHAIN", SK: "HEAD"}
	for attempt := 0; attempt < 50; attempt++ {
		if attempt > 0 {
			retries++
			ceiling := time.Duration(min(1<<min(attempt, 7), 100)) * time.Millisecond
			time.Sleep(time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond)
		}
		var cur head
		exists := true
		if err := h.st.Get(ctx, hk, &cur); errors.Is(err, store.ErrNotFound) {
			exists = false
		} else if err != nil {
			return conflicts, retries, err
		}
		next := head{Seq: cur.Seq + 1, Hash: fmt.Sprintf("%x", rand.Uint64())}
		tx := h.st.Tx()
		tx.Create(store.ScreeningKey("t-bench", store.NewID()), item(i))
		tx.Create(store.Key{PK: "T#t-bench#CHAIN", SK: fmt.Sprintf("E#%020d", next.Seq)}, entry{Seq: next.Seq, Prev: cur.Hash, Hash: next.Hash})
		if exists {
			tx.Update(hk, cur.Version, next)
		} else {
			tx.Create(hk, next)
		}
		err := tx.Exec(ctx)
		if err == nil {
			return conflicts, retries, nil
		}
		var te *store.TxError
		if !errors.As(err, &te) {
			return conflicts, retries, err
		}
		conflicts++
	}
	return conflicts, retries, errors.New("head contended 50 times")
}

func loadAvg() string {
	out, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(out))[:3], " ")
}
