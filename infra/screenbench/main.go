// Command screenbench measures the screening engine on the public fixtures:
// index build time, serialized size, load time, heap after load, per-query
// latency on one core for exact, misspelt and non-matching names, and
// screening quality (recall on UN-listed people and generated variants,
// share of synthetic non-listed people flagged, per threshold).
//
//	go run ./infra/screenbench [-fixtures DIR] [-queries N]
//
// It needs no AWS and no network. The fixture folder is found as the
// tests find it (CHAINGUARD_FIXTURES, default ../shared/fixtures).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
)

func main() {
	dir := flag.String("fixtures", "", "fixture folder (default: $CHAINGUARD_FIXTURES or ../shared/fixtures)")
	nq := flag.Int("queries", 2000, "queries per latency class")
	verbose := flag.Bool("v", false, "print missed positives and flagged negatives")
	monitor := flag.Int("monitor-users", 0, "also measure monitoring re-screens of this many synthetic users (full and delta runs)")
	explain := flag.String("explain", "", "only print the best matches of this name, with their token pairs")
	near := flag.Float64("near", 0, "with -v, print tuning-half non-listed queries flagged at this lower threshold too")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	if *dir == "" {
		d, err := sanctionstest.Dir()
		if err != nil {
			fmt.Fprintf(os.Stderr, "screenbench: %v\n", err)
			os.Exit(1)
		}
		*dir = d
	}
	if *explain != "" {
		if err := runExplain(*dir, *explain); err != nil {
			fmt.Fprintf(os.Stderr, "screenbench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*dir, *nq, *verbose, *near, *monitor); err != nil {
		fmt.Fprintf(os.Stderr, "screenbench: %v\n", err)
		os.Exit(1)
	}
}
