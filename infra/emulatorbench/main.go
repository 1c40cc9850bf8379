// Command emulatorbench measures the local DynamoDB emulator as our code uses it, with
// the stock moto_server and with our launcher (infra/moto), at several table sizes, in
// one run: TransactWriteItems latency (3 items as ours: a conditional put, a versioned
// update, a create), a partition Query and a GSI Query latency, and the emulator's
// resident memory after loading and after the transactions.
//
//	go run ./infra/emulatorbench [-sizes 1000,10000,100000] [-tx 1000] [-queries 200]
//	                             [-stock-tx 1000] [-budget 90s] [-modes stock,launcher]
//
// Each size and mode gets a fresh emulator, so memory is that of one table. Stock moto
// copies the whole table per transaction; its transactions stop at -stock-tx or when
// -budget is spent, whichever comes first, and the table says how many ran. It ignores
// AWS_ENDPOINT_URL: it must start both emulators itself.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/emulator"
)

type options struct {
	sizes    []int
	modes    []emulator.Mode
	tx       int
	stockTx  int
	queries  int
	budget   time.Duration
	timeout  time.Duration
	logDir   string
	loadConc int
}

func main() {
	var o options
	sizes := flag.String("sizes", "1000,10000,100000", "table sizes, items")
	modes := flag.String("modes", "stock,launcher", "emulators to measure, in order")
	flag.IntVar(&o.tx, "tx", 1000, "transactions per size with the launcher")
	flag.IntVar(&o.stockTx, "stock-tx", 1000, "transactions per size with stock moto, at most")
	flag.IntVar(&o.queries, "queries", 200, "queries of each kind per size")
	flag.DurationVar(&o.budget, "budget", 90*time.Second, "time allowed for each timed phase (transactions, queries) per size and mode")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "timeout of one request")
	flag.StringVar(&o.logDir, "logs", "", "folder for the emulators' output (default: discarded)")
	flag.IntVar(&o.loadConc, "load-concurrency", 2, "concurrent BatchWriteItem calls while loading")
	flag.Parse()
	var err error
	if o.sizes, err = parseSizes(*sizes); err != nil {
		fail(err)
	}
	for _, m := range strings.Split(*modes, ",") {
		switch mode := emulator.Mode(strings.TrimSpace(m)); mode {
		case emulator.Stock, emulator.Launcher:
			o.modes = append(o.modes, mode)
		default:
			fail(fmt.Errorf("-modes: unknown %q (stock, launcher)", m))
		}
	}
	if err := run(o); err != nil {
		fail(err)
	}
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 60 {
			return nil, fmt.Errorf("-sizes: %q is not a size of at least 60 items", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "emulatorbench: %v\n", err)
	os.Exit(1)
}
