package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
)

// Full-size list entity counts, for the projection (fixtures README).
const (
	fullEUEntities = 6200
	fullUKEntities = 6300
)

func run(dir string, nq int, verbose bool, near float64, monitorUsers int) error {
	fmt.Printf("screenbench: fixtures %s, GOMAXPROCS=%d, %s\n\n", dir, runtime.GOMAXPROCS(0), runtime.Version())

	t0 := time.Now()
	lists, err := loadAllLists(dir)
	if err != nil {
		return err
	}
	parse := time.Since(t0)
	fmt.Printf("parse lists: %v (PEPs current as of %s for US, %s for AU)\n\n", parse.Round(time.Millisecond),
		pepUSAsOf.Format("2006-01-02"), pepAUAsOf.Format("2006-01-02"))

	base, err := measureIndex("OFAC 2021-07 CSV set + UN 2026-02-27 + crypto address files", lists.OFAC2021, lists.UN, lists.Crypto)
	if err != nil {
		return err
	}
	withEU, err := measureIndex("", lists.OFAC2021, lists.UN, lists.Crypto, lists.EU)
	if err != nil {
		return err
	}
	withUK, err := measureIndex("", lists.OFAC2021, lists.UN, lists.Crypto, lists.UK)
	if err != nil {
		return err
	}
	all, err := measureIndex(fmt.Sprintf("all lists: the above + EU sample (%d) + UK sample (%d) + current PEPs US (%d), AU (%d)",
		len(lists.EU.Entities), len(lists.UK.Entities), len(lists.PEPUS.Entities), len(lists.PEPAU.Entities)), lists.screened()...)
	if err != nil {
		return err
	}
	project(base, withEU, withUK, all, len(lists.EU.Entities), len(lists.UK.Entities))

	bench, err := loadBench(filepath.Join(dir, "screening-bench"))
	if err != nil {
		return err
	}
	if monitorUsers > 0 {
		// Monitoring alone: the latency and quality report run without the flag.
		return monitoringBench(all.ix, lists, bench, monitorUsers)
	}
	latency(all.ix, lists, bench, nq)
	quality(all.ix, lists, bench, verbose, near)
	return nil
}

// measured is an index with its serialized size, load time and heap.
type measured struct {
	ix     *screening.Index
	bytes  int
	load   time.Duration
	heapMB float64
}

// measureIndex builds, serializes and reloads an index; with a title it
// prints the figures.
func measureIndex(title string, lists ...*sanctions.List) (*measured, error) {
	t0 := time.Now()
	full, err := screening.Build(lists...)
	if err != nil {
		return nil, err
	}
	build := time.Since(t0)
	var buf bytes.Buffer
	if _, err := full.WriteTo(&buf); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	full = nil
	m := &measured{bytes: len(raw), heapMB: loadedHeapMB(raw)}
	loads := make([]time.Duration, 5)
	for i := range loads {
		m.ix = nil
		runtime.GC()
		t0 = time.Now()
		m.ix, err = screening.LoadBytes(raw)
		loads[i] = time.Since(t0)
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(loads, func(i, j int) bool { return loads[i] < loads[j] })
	m.load = loads[2]
	if title == "" {
		return m, nil
	}
	st := m.ix.Stats()
	fmt.Printf("== Index (%s)\n", title)
	fmt.Printf("build index:        %v\n", build.Round(time.Millisecond))
	fmt.Printf("entities %d, names %d, vocabulary %d, postings %d, trigrams %d, addresses %d, deletion keys %d\n",
		st.Entities, st.Names, st.Vocabulary, st.Postings, st.Trigrams, st.Addresses, st.DeleteKeys)
	fmt.Printf("serialized size:    %.2f MB\n", float64(len(raw))/1e6)
	fmt.Printf("load (median of 5): %v (min %v, max %v)\n", loads[2].Round(100*time.Microsecond), loads[0].Round(100*time.Microsecond), loads[4].Round(100*time.Microsecond))
	fmt.Printf("heap held by a loaded index: %.1f MB (live heap after GC, serialized bytes released)\n\n", m.heapMB)
	return m, nil
}

// project estimates, on paper, the index with the full EU and UK lists:
// serialized bytes per entity are taken from the samples, and load time
// and heap are scaled with serialized size (both are linear in it).
func project(base, withEU, withUK, all *measured, nEU, nUK int) {
	perEU := float64(withEU.bytes-base.bytes) / float64(nEU)
	perUK := float64(withUK.bytes-base.bytes) / float64(nUK)
	size := float64(all.bytes) + perEU*float64(fullEUEntities-nEU) + perUK*float64(fullUKEntities-nUK)
	f := size / float64(all.bytes)
	fmt.Println("== Projection to the full EU (~6,200 entities) and UK (~6,300) lists, on paper")
	fmt.Printf("serialized bytes per entity: EU %.0f, UK %.0f (samples), OFAC+UN %.0f\n", perEU, perUK,
		float64(base.bytes)/float64(base.ix.Stats().Entities))
	fmt.Printf("projected: serialized %.1f MB, load ~%v, heap ~%.0f MB (x%.2f of the measured all-lists index)\n",
		size/1e6, time.Duration(float64(all.load)*f).Round(100*time.Microsecond), all.heapMB*f, f)
	fmt.Println("(latency depends on candidates per query, which is bounded, and grows only with the log of the vocabulary)")
	fmt.Println()
}

// loadedHeapMB is the live heap a loaded index holds: heap after GC with
// the index loaded minus heap after GC before loading.
func loadedHeapMB(raw []byte) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	buf := append([]byte(nil), raw...) // as if just read from S3
	ix, err := screening.LoadBytes(buf)
	buf = nil
	if err != nil {
		return -1
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(ix)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / 1e6
}

// latency measures per-query latency on one core for three classes.
func latency(ix *screening.Index, lists *allLists, b *benchData, nq int) {
	rng := rand.New(rand.NewPCG(1, 2))
	var ents []*sanctions.Entity
	for _, l := range lists.screened() {
		for i := range l.Entities {
			ents = append(ents, &l.Entities[i])
		}
	}
	exact := make([]screening.Query, nq)
	typo := make([]screening.Query, nq)
	for i := range exact {
		e := ents[rng.IntN(len(ents))]
		exact[i] = screening.Query{Name: e.PrimaryName()}
		typo[i] = screening.Query{Name: typoN(rng, e.PrimaryName(), 1+rng.IntN(2))}
	}
	var none []screening.Query
	for _, p := range b.negatives {
		none = append(none, screening.Query{Name: p.Name, DOB: p.DOB, Nationality: p.Nationality, Type: sanctions.TypePerson})
	}
	// Arabic-script names (the UN's originals and the written set), in
	// a loop to nq queries: some are screened in several readings.
	var arabic []screening.Query
	ar, _ := arabicQueries(lists.UN)
	written, err := arabicWrittenQueries(lists.OFAC2021)
	if err == nil {
		ar = append(ar, written...)
	}
	for i := 0; len(ar) > 0 && i < nq; i++ {
		arabic = append(arabic, ar[i%len(ar)].q)
	}
	fmt.Println("== Latency per name query, one core (GOMAXPROCS=1), default options, all-lists index")
	fmt.Printf("%-28s %8s %8s %8s %8s %8s\n", "class", "queries", "p50", "p90", "p99", "max")
	opt := screening.DefaultOptions()
	for _, c := range []struct {
		name string
		qs   []screening.Query
	}{{"exact listed names", exact}, {"misspelt listed names", typo}, {"non-listed (benchmark)", none}, {"Arabic script (labelled)", arabic}} {
		// warm-up
		for _, q := range c.qs[:min(200, len(c.qs))] {
			ix.Screen(q, opt)
		}
		d := make([]time.Duration, len(c.qs))
		for i, q := range c.qs {
			t0 := time.Now()
			ix.Screen(q, opt)
			d[i] = time.Since(t0)
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		pct := func(p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
		fmt.Printf("%-28s %8d %8v %8v %8v %8v\n", c.name, len(d), us(pct(0.5)), us(pct(0.9)), us(pct(0.99)), us(d[len(d)-1]))
	}
	fmt.Println()
}

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/1e3) }
