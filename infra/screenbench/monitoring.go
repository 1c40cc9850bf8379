package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// monitoringBench measures what ongoing monitoring costs in CPU: a full re-screen of n
// synthetic users against every list, and delta re-screens against a version's added
// and changed entries (screening.BuildDelta), on one core. Users are made of the
// benchmark's non-listed people's first and last names, recombined, with birth dates and
// nationalities: people a client monitors, almost none of them listed.
func monitoringBench(all *screening.Index, lists *allLists, b *benchData, n int) error {
	users := syntheticUsers(b, n)
	fmt.Printf("\n== Monitoring re-screens, one core (GOMAXPROCS=1), %d synthetic users, sanctions and PEP\n", n)
	// A full run prepares each user's query (and keeps it in its snapshot); a delta run
	// screens the prepared queries against the version's added and changed entries.
	prepared := make([]screening.Prepared, len(users))
	full := screenUsers(all, users, prepared)
	fmt.Printf("full run:   %8.1f s   %9.0f users/s   %6.1f µs/user   %d flagged at review\n",
		full.d.Seconds(), float64(n)/full.d.Seconds(), float64(full.d.Microseconds())/float64(n), full.flagged)
	fmt.Printf("            1,000,000 users: %.0f s of one core\n", full.d.Seconds()*1e6/float64(n))

	// Deltas: OFAC's publication of 2024-05-03 against that of 2021-07, whole (three
	// years of changes at once) and a day's worth of it.
	changed := changedEntries(lists.OFAC2021, lists.OFAC2024)
	for _, size := range []int{50, len(changed)} {
		if size > len(changed) {
			continue
		}
		d := &sanctions.List{Source: sanctions.SourceOFAC, Entities: changed[:size]}
		t0 := time.Now()
		dix, err := screening.BuildDelta(all, d)
		if err != nil {
			return err
		}
		build := time.Since(t0)
		r := screenPrepared(dix, prepared)
		fmt.Printf("delta run:  %8.1f s   %9.0f users/s   %6.1f µs/user   %d flagged   (%d added or changed entries, index built in %v): %.1f%% of the full run\n",
			r.d.Seconds(), float64(n)/r.d.Seconds(), float64(r.d.Microseconds())/float64(n), r.flagged, size,
			build.Round(time.Millisecond), 100*(r.d+build).Seconds()/full.d.Seconds())
	}
	return nil
}

type screenRun struct {
	d       time.Duration
	flagged int
}

func screenUsers(ix *screening.Index, users []screening.Query, prepared []screening.Prepared) screenRun {
	opts := screening.DefaultOptions()
	var r screenRun
	t0 := time.Now()
	for i, q := range users {
		prepared[i] = screening.Prepare(q)
		res := ix.ScreenPrepared(prepared[i], opts)
		if len(res.Matches) > 0 {
			r.flagged++
		}
	}
	r.d = time.Since(t0)
	return r
}

func screenPrepared(ix *screening.Index, prepared []screening.Prepared) screenRun {
	opts := screening.DefaultOptions()
	var r screenRun
	t0 := time.Now()
	for _, p := range prepared {
		if res := ix.ScreenPrepared(p, opts); len(res.Matches) > 0 {
			r.flagged++
		}
	}
	r.d = time.Since(t0)
	return r
}

func syntheticUsers(b *benchData, n int) []screening.Query {
	var first, last []string
	for _, p := range b.negatives {
		f := strings.Fields(p.Name)
		if len(f) < 2 {
			continue
		}
		first, last = append(first, f[0]), append(last, f[len(f)-1])
	}
	rng := rand.New(rand.NewPCG(7, 11))
	ctys := []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "SE", "PL", "BR", "IN", "SG", "JP", "KR", "AE", "NG", "ZA", "MX", "TR", "ID"}
	out := make([]screening.Query, n)
	for i := range out {
		out[i] = screening.Query{
			Name: first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))], Type: sanctions.TypePerson,
			DOB:         fmt.Sprintf("%04d-%02d-%02d", 1940+rng.IntN(65), 1+rng.IntN(12), 1+rng.IntN(28)),
			Nationality: ctys[rng.IntN(len(ctys))],
		}
	}
	return out
}

// changedEntries are the entries of cur that old does not have, or has with other
// content: what a list version's delta holds.
func changedEntries(old, cur *sanctions.List) []sanctions.Entity {
	was := map[string]string{}
	for i := range old.Entities {
		was[old.Entities[i].ID] = old.Entities[i].ContentHash()
	}
	var out []sanctions.Entity
	for i := range cur.Entities {
		if h, ok := was[cur.Entities[i].ID]; !ok || h != cur.Entities[i].ContentHash() {
			out = append(out, cur.Entities[i])
		}
	}
	return out
}
