package lists_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chainfi/chainguard/infra/stack"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type env struct {
	cfg    aws.Config
	store  *store.Store
	audit  *audit.Log
	bucket string
	key    string
	src    *liststest.Sources
	pub    *lists.Publisher
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cfg := emulator.TestConfig(t)
	table := stack.TestTable(t, cfg)
	db := dynamodb.NewFromConfig(cfg)
	e := &env{cfg: cfg, store: store.New(db, table), audit: audit.New(db, table),
		bucket: liststest.Bucket(t, cfg), key: liststest.KMSKey(t, cfg), src: liststest.MiniSources(t)}
	sources, err := e.src.URLs.Sources()
	if err != nil {
		t.Fatal(err)
	}
	e.pub = &lists.Publisher{Store: e.store, DB: db, Audit: e.audit, S3: lists.NewS3Client(cfg), Bucket: e.bucket,
		KMSKeyID: e.key, Fetcher: &lists.Fetcher{}, Sources: sources}
	return e
}

func (e *env) refresh(t *testing.T) lists.RefreshResult {
	t.Helper()
	r, err := e.pub.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) delta(t *testing.T, source, version string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	page, err := e.store.Query(context.Background(), store.QueryInput{PK: store.ListDeltaPK(source, version), Limit: store.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	items, err := store.Items[lists.DeltaEntry](page)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		out[it.Change] = append(out[it.Change], it.EntityID)
	}
	return out
}

func sha(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func source(v lists.Version, name string) lists.SourceInfo {
	for _, s := range v.Sources {
		if s.Source == name {
			return s
		}
	}
	return lists.SourceInfo{}
}

func TestARefreshPublishesAVersionThenOnlyWhatChanged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	first := e.refresh(t)
	v1 := first.Version
	if first.Status != lists.StatusPublished || v1.Seq != 1 || !v1.Initial || !strings.HasPrefix(v1.ID, "000001-") {
		t.Fatalf("first refresh: %+v", first)
	}
	ofac, un, crypto := source(v1, "OFAC-SDN"), source(v1, "UN-SC"), source(v1, "OFAC-CRYPTO")
	if ofac.Entities == 0 || un.Entities != 3 || crypto.Addresses != 1 {
		t.Fatalf("counts: ofac %+v un %+v crypto %+v", ofac, un, crypto)
	}
	if ofac.Checksums["sdn.csv"] != sha(t, filepath.Join(e.src.OFACDir, "sdn.csv")) || len(ofac.Checksums) != 4 {
		t.Fatalf("ofac checksums: %v", ofac.Checksums)
	}
	if ok, sse := liststest.ObjectExists(t, e.cfg, e.bucket, v1.IndexKey); !ok || sse != "aws:kms" {
		t.Fatalf("index object %s: exists %v, encryption %q", v1.IndexKey, ok, sse)
	}
	if _, err := e.audit.SealPending(ctx, 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	entries, _, err := e.audit.List(ctx, store.PlatformTenant, 0, 10)
	if err != nil || len(entries) != 1 || entries[0].Action != lists.EventVersionPublished || entries[0].Subject.ID != v1.ID {
		t.Fatalf("audit: %v %+v", err, entries)
	}
	var head lists.Head
	if err := e.store.Get(ctx, store.ListHeadKey(lists.Catalog), &head); err != nil || head.ListVersion != v1.ID || !head.Announced {
		t.Fatalf("head: %v %+v", err, head)
	}

	again := e.refresh(t)
	if again.Status != lists.StatusUnchanged || again.Version.ID != v1.ID {
		t.Fatalf("identical content was published again: %+v", again)
	}

	// OFAC changes: 12345 is delisted, the vessel 9647 changes its remarks, 77777 is new.
	sdnPath := filepath.Join(e.src.OFACDir, "sdn.csv")
	raw, _ := os.ReadFile(sdnPath)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "12345,"):
			continue
		case strings.HasPrefix(l, "9647,"):
			l = strings.Replace(l, "IMO 9187629", "IMO 9187630", 1)
		}
		lines = append(lines, l)
	}
	lines = append(lines, `77777,"NEWCO TRADING LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `)
	liststest.WriteFile(t, sdnPath, strings.Join(lines, "\n")+"\n")

	second := e.refresh(t)
	v2 := second.Version
	if second.Status != lists.StatusPublished || v2.Seq != 2 || v2.Initial || v2.Previous != v1.ID {
		t.Fatalf("second refresh: %+v", second)
	}
	d := e.delta(t, "OFAC-SDN", v2.ID)
	if !slices.Equal(d["ADD"], []string{"77777"}) || !slices.Equal(d["CHG"], []string{"9647"}) || !slices.Equal(d["DEL"], []string{"12345"}) {
		t.Fatalf("OFAC delta: %v", d)
	}
	if o := source(v2, "OFAC-SDN"); o.Added != 1 || o.Changed != 1 || o.Removed != 1 || v2.DeltaItems != 3 {
		t.Fatalf("OFAC counts: %+v, delta items %d", o, v2.DeltaItems)
	}
	if d := e.delta(t, "UN-SC", v2.ID); len(d) != 0 {
		t.Fatalf("UN did not change but has a delta: %v", d)
	}

	// A crypto address file change is a delta of addresses.
	liststest.WriteFile(t, e.src.CryptoFile, "1NewSanctionedAddressXBT2222222222\n")
	v3 := e.refresh(t).Version
	d = e.delta(t, "OFAC-CRYPTO", v3.ID)
	if !slices.Equal(d["ADD"], []string{"XBT:1NewSanctionedAddressXBT2222222222"}) || !slices.Equal(d["DEL"], []string{"XBT:" + liststest.SanctionedXBT}) {
		t.Fatalf("crypto delta: %v", d)
	}
}

func TestTheLoaderPicksUpANewVersionAfterItsInterval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	loader := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket, lists.WithReloadInterval(time.Minute), lists.WithLoaderClock(clock))

	if _, err := loader.Current(ctx); err != lists.ErrNotReady {
		t.Fatalf("before any version: %v", err)
	}
	now.Add(int64(2 * time.Minute))
	v1 := e.refresh(t).Version
	got, err := loader.Current(ctx)
	if err != nil || got.Version != v1.ID {
		t.Fatalf("v1: %v %+v", err, got)
	}
	if r := got.Index.ScreenAddress("XBT", liststest.SanctionedXBT); r.Outcome != "match" {
		t.Fatalf("loaded index does not know the address: %+v", r)
	}

	liststest.WriteFile(t, e.src.CryptoFile, "1NewSanctionedAddressXBT2222222222\n")
	v2 := e.refresh(t).Version
	if got, _ := loader.Current(ctx); got.Version != v1.ID {
		t.Fatalf("re-checked HEAD before the interval: %s", got.Version)
	}
	now.Add(int64(61 * time.Second))
	got, err = loader.Current(ctx)
	if err != nil || got.Version != v2.ID {
		t.Fatalf("v2 not picked up: %v %+v", err, got)
	}
	if r := got.Index.ScreenAddress("XBT", "1NewSanctionedAddressXBT2222222222"); r.Outcome != "match" {
		t.Fatalf("v2 index: %+v", r)
	}
}
