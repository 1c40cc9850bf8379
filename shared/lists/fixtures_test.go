package lists_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/sanctions/sanctionstest"
	"github.com/chainfi/chainguard/shared/screening"
)

// TestFullFixturesPublishAndColdStartLoad publishes the full public fixtures (OFAC
// 2021-07 CSV set, UN consolidated XML, crypto address files) from file:// URLs, then
// measures what a screening cold start costs: HEAD + GetObject + LoadBytes from moto.
// It then publishes the OFAC 2024-05-03 sdn.csv on top to measure a real delta.
func TestFullFixturesPublishAndColdStartLoad(t *testing.T) {
	dir := sanctionstest.Require(t)
	if testing.Short() {
		t.Skip("full fixtures: skipped in -short")
	}
	e := newEnv(t)
	ofac := filepath.Join(dir, "sanctions", "ofac-2021-07")
	var crypto []string
	matches, _ := filepath.Glob(filepath.Join(dir, "sanctions", "crypto-addresses", "sanctioned_addresses_*.txt"))
	for _, m := range matches {
		crypto = append(crypto, "file://"+m)
	}
	urls := lists.SourceURLs{
		OFACSDN: "file://" + filepath.Join(ofac, "sdn.csv"), OFACAlt: "file://" + filepath.Join(ofac, "alt.csv"),
		OFACAdd: "file://" + filepath.Join(ofac, "add.csv"), OFACComments: "file://" + filepath.Join(ofac, "sdn_comments.csv"),
		UN: "file://" + filepath.Join(dir, "sanctions", "un", "UN_consolidated.xml"), Crypto: crypto,
	}
	sources, err := urls.Sources()
	if err != nil {
		t.Fatal(err)
	}
	e.pub.Sources = sources
	start := time.Now()
	v1 := e.refresh(t).Version
	t.Logf("publish v1 (fetch+parse+build+serialize+S3+table): %v; index %d bytes; sources %+v", time.Since(start).Round(time.Millisecond), v1.IndexBytes, v1.Sources)

	ctx := context.Background()
	var best, worst time.Duration
	for i := range 5 {
		loader := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket)
		start := time.Now()
		got, err := loader.Current(ctx)
		d := time.Since(start)
		if err != nil || got.Version != v1.ID {
			t.Fatalf("load: %v", err)
		}
		if i == 0 || d < best {
			best = d
		}
		worst = max(worst, d)
		if i == 0 {
			st := got.Index.Stats()
			t.Logf("index: %d entities, %d names, %d addresses; GetObject+LoadBytes %v", st.Entities, st.Names, st.Addresses, got.LoadTime.Round(time.Millisecond))
		}
	}
	t.Logf("cold-start load from moto (HEAD GetItem + GetObject + LoadBytes), 5 runs: best %v, worst %v", best.Round(time.Millisecond), worst.Round(time.Millisecond))

	loaded, _ := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket).Current(ctx)
	opts := screening.DefaultOptions()
	queries := []screening.Query{{Name: "Ali Khorashadizadeh", Type: "person"}, {Name: "Maria Schneider", Type: "person"},
		{Name: "Banco Nacional de Cuba", Type: "organisation"}, {Name: "Saddam Hussein", Type: "person", DOB: "1937"}}
	const n = 400
	start = time.Now()
	for i := range n {
		loaded.Index.Screen(queries[i%len(queries)], opts)
	}
	t.Logf("in-process Index.Screen on the full index: %v per name", (time.Since(start) / n).Round(time.Microsecond))

	// A real update: OFAC sdn.csv of 2024-05-03 replaces the 2021-07 set.
	newer := filepath.Join(dir, "sanctions", "ofac-2024-05-03", "sdn.csv")
	if _, err := os.Stat(newer); err != nil {
		t.Skip("no OFAC 2024-05-03 fixture")
	}
	urls.OFACSDN = "file://" + newer
	sources, _ = urls.Sources()
	e.pub.Sources = sources
	start = time.Now()
	v2 := e.refresh(t).Version
	for _, s := range v2.Sources {
		t.Logf("v2 %s: entities %d added %d changed %d removed %d", s.Source, s.Entities, s.Added, s.Changed, s.Removed)
	}
	t.Logf("publish v2 with %d delta items: %v", v2.DeltaItems, time.Since(start).Round(time.Millisecond))
}

// TestEUAndUKListsArePublishedAndScreened publishes the EU and UK samples beside the UN
// list and screens a name each of them lists: the match names its list.
func TestEUAndUKListsArePublishedAndScreened(t *testing.T) {
	dir := sanctionstest.Require(t)
	e := newEnv(t)
	urls := lists.SourceURLs{
		UN: "file://" + filepath.Join(dir, "sanctions", "un", "UN_consolidated.xml"),
		EU: "file://" + filepath.Join(dir, "sanctions", "eu-2026-08-05-sample", "fsf.xml"),
		UK: "file://" + filepath.Join(dir, "sanctions", "uk-2026-09-07-sample", "uk-sanctions-list.xml"),
	}
	sources, err := urls.Sources()
	if err != nil {
		t.Fatal(err)
	}
	e.pub.Sources = sources
	v := e.refresh(t).Version
	got := map[string]int{}
	for _, s := range v.Sources {
		got[string(s.Source)] = s.Entities
	}
	if got["EU-FSF"] != 17 || got["UK-HMT"] != 6 || got["UN-SC"] == 0 {
		t.Fatalf("published sources %v", got)
	}
	eu, err := sanctions.ParseEUDir(os.DirFS(filepath.Join(dir, "sanctions", "eu-2026-08-05-sample")))
	if err != nil {
		t.Fatal(err)
	}
	uk, err := sanctions.ParseUKDir(os.DirFS(filepath.Join(dir, "sanctions", "uk-2026-09-07-sample")))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket).Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		src sanctions.Source
		e   sanctions.Entity
	}{{sanctions.SourceEU, eu.Entities[0]}, {sanctions.SourceUK, uk.Entities[0]}} {
		typ := sanctions.TypePerson
		if want.e.Type == sanctions.TypeOrganisation {
			typ = sanctions.TypeOrganisation
		}
		res := loaded.Index.Screen(screening.Query{Name: want.e.PrimaryName(), Type: typ}, screening.DefaultOptions())
		found := false
		for _, m := range res.Matches {
			found = found || m.Source == want.src && m.EntityID == want.e.ID
		}
		if !found {
			t.Errorf("%s %q not found: %+v", want.src, want.e.PrimaryName(), res.Matches)
		}
	}
}
