package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// printTable writes one row per size and mode.
func printTable(out io.Writer, results []result) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "items\temulator\tload\tRSS loaded\ttx done\ttx p50\ttx p99\tRSS after tx\tpartition p50\tpartition p99\tGSI p50\tGSI p99\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
			r.size, r.mode, r.load.Round(100*time.Millisecond), mb(r.rssLoad),
			count(r.tx), ms(r.tx.p50), ms(r.tx.p99), mb(r.rssTx),
			ms(r.part.p50), ms(r.part.p99), ms(r.gsi.p50), ms(r.gsi.p99))
	}
	tw.Flush()
	for _, r := range results {
		for _, p := range []struct {
			name string
			l    latencies
		}{{"transactions", r.tx}, {"partition queries", r.part}, {"GSI queries", r.gsi}} {
			if p.l.stopped != "" || p.l.errs > 0 {
				fmt.Fprintf(out, "%s, %d items, %s: %d of %d done", r.mode, r.size, p.name, p.l.done, p.l.wanted)
				if p.l.stopped != "" {
					fmt.Fprintf(out, ", stopped by the %s", p.l.stopped)
				}
				if p.l.errs > 0 {
					fmt.Fprintf(out, ", %d errors (first: %s)", p.l.errs, p.l.firstErr)
				}
				fmt.Fprintln(out)
			}
		}
		if r.cancelled > 0 {
			fmt.Fprintf(out, "%s, %d items: %d transactions cancelled (counted in the latencies)\n", r.mode, r.size, r.cancelled)
		}
	}
}

func count(l latencies) string {
	if l.done == l.wanted {
		return fmt.Sprint(l.done)
	}
	return fmt.Sprintf("%d/%d", l.done, l.wanted)
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
