package lists_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

func (e *env) head(t *testing.T) lists.Head {
	t.Helper()
	var h lists.Head
	if err := e.store.Get(context.Background(), store.ListHeadKey(lists.Catalog), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func status(h lists.Head, source string) lists.SourceStatus {
	for _, s := range h.Sources {
		if s.Source == source {
			return s
		}
	}
	return lists.SourceStatus{}
}

func TestAFailingSourceNeverRemovesOrReplacesItsLastGoodData(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	now := t0
	e.pub.Now = func() time.Time { return now }

	v1 := e.refresh(t).Version
	if h := e.head(t); status(h, "UN-SC").LastGoodAt != store.FormatTime(t0) || len(h.Sources) != 3 {
		t.Fatalf("statuses after the first refresh: %+v", h.Sources)
	}

	// The UN file turns into something that does not parse, while OFAC changes.
	now = t0.Add(6 * time.Hour)
	liststest.WriteFile(t, e.src.UNFile, "<html>maintenance</html>")
	sdn := filepath.Join(e.src.OFACDir, "sdn.csv")
	raw, _ := os.ReadFile(sdn)
	// (OFAC files end with a DOS end-of-file mark, which a new row must go before.)
	liststest.WriteFile(t, sdn, strings.TrimRight(string(raw), "\x1a")+`77777,"NEWCO TRADING LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `+"\n")
	r, err := e.pub.Refresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v2 := r.Version
	if r.Status != lists.StatusPublished || len(r.Failed) != 1 || r.Failed[0].Source != "UN-SC" || !strings.Contains(r.Failed[0].Error, "parse") {
		t.Fatalf("refresh with a broken UN file: %+v", r)
	}
	if un1, un2 := source(v1, "UN-SC"), source(v2, "UN-SC"); un2.Entities != 3 || un2.Checksums[liststestUNName] != un1.Checksums[liststestUNName] {
		t.Fatalf("the UN part of the version changed: %+v -> %+v", un1, un2)
	}
	if d := e.delta(t, "UN-SC", v2.ID); len(d) != 0 {
		t.Fatalf("the UN entries moved: %v", d)
	}
	if d := e.delta(t, "OFAC-SDN", v2.ID); !slices.Equal(d["ADD"], []string{"77777"}) {
		t.Fatalf("OFAC's change was held back: %q", d)
	}
	// The added entry itself is kept for delta re-screens.
	dl, err := lists.ReadDelta(ctx, lists.NewS3Client(e.cfg), e.bucket, v2.DeltaKey)
	if err != nil || len(dl) != 1 || dl[0].Source != "OFAC-SDN" || len(dl[0].Entities) != 1 || dl[0].Entities[0].ID != "77777" ||
		dl[0].Entities[0].PrimaryName() != "NEWCO TRADING LLC" {
		t.Fatalf("delta entries: %v %+v", err, dl)
	}
	st := status(e.head(t), "UN-SC")
	if st.LastGoodAt != store.FormatTime(t0) || st.LastTriedAt != store.FormatTime(now) || st.Error == "" {
		t.Fatalf("UN status: %+v", st)
	}
	if st := status(e.head(t), "OFAC-SDN"); st.LastGoodAt != store.FormatTime(now) || st.Error != "" {
		t.Fatalf("OFAC status: %+v", st)
	}

	// Then the UN address does not answer at all: nothing changes, the status says so.
	now = t0.Add(12 * time.Hour)
	if err := os.Remove(e.src.UNFile); err != nil {
		t.Fatal(err)
	}
	r, err = e.pub.Refresh(ctx)
	if err != nil || r.Status != lists.StatusUnchanged || r.Version.ID != v2.ID || len(r.Failed) != 1 {
		t.Fatalf("refresh with the UN file gone: %v %+v", err, r)
	}
	if st := status(e.head(t), "UN-SC"); st.LastGoodAt != store.FormatTime(t0) || st.LastTriedAt != store.FormatTime(now) {
		t.Fatalf("UN status: %+v", st)
	}
	// Screening still finds the UN's people.
	loader := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket, lists.WithReloadInterval(0))
	got, err := loader.Current(ctx)
	if err != nil || got.Version != v2.ID || !slices.ContainsFunc(got.Index.Lists(), func(l screening.ListInfo) bool { return l.Source == "UN-SC" && l.Entities == 3 }) {
		t.Fatalf("loaded: %v %+v", err, got)
	}

	// The UN recovers: its age starts again.
	now = t0.Add(18 * time.Hour)
	liststest.WriteFile(t, e.src.UNFile, string(mustRead(t, filepath.Join(mustRoot(t), "shared", "sanctions", "testdata", "un-mini.xml"))))
	if r := e.refresh(t); len(r.Failed) != 0 || r.Status != lists.StatusUnchanged {
		t.Fatalf("after recovery: %+v", r)
	}
	if st := status(e.head(t), "UN-SC"); st.LastGoodAt != store.FormatTime(now) || st.Error != "" {
		t.Fatalf("UN status after recovery: %+v", st)
	}
}

func TestASourceThatWasNeverGoodFailsTheRefresh(t *testing.T) {
	e := newEnv(t)
	liststest.WriteFile(t, e.src.UNFile, "not xml")
	r, err := e.pub.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "UN-SC") || len(r.Failed) != 1 {
		t.Fatalf("a first refresh without a good UN list: %v %+v", err, r)
	}
	var h lists.Head
	if err := e.store.Get(context.Background(), store.ListHeadKey(lists.Catalog), &h); err == nil {
		t.Fatalf("a version was published without the UN list: %+v", h)
	}
}

func TestOnlyCurrentPEPsArePublishedAndTheWindowMovesThem(t *testing.T) {
	e := newEnv(t)
	e.src.WithPEP(t)
	sources, err := e.src.URLs.Sources()
	if err != nil {
		t.Fatal(err)
	}
	e.pub.Sources = sources
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	e.pub.Now = func() time.Time { return now }
	v1 := e.refresh(t).Version
	us := source(v1, "PEP-US")
	if us.Kind != "pep" || source(v1, "UN-SC").Kind != "sanctions" {
		t.Fatalf("kinds: %+v", v1.Sources)
	}
	loader := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket, lists.WithReloadInterval(0))
	screen := func(name string) screening.Result {
		got, err := loader.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return got.Index.Screen(screening.Query{Name: name}, screening.DefaultOptions())
	}
	// Morgan Lee Recent left the presidency on 2025-01-20: a PEP until 12 months later.
	if r := screen("Morgan Lee Recent"); !r.PEP || r.Outcome != screening.OutcomeClear || r.Matches[0].Kind != screening.KindPEP {
		t.Fatalf("a president out of office for 4 months: %+v", r)
	}
	// The founder served in the 18th century; William Sample is dead.
	if r := screen("Elias Founder"); r.PEP {
		t.Fatalf("a long-retired president is screened: %+v", r)
	}
	if r := screen("William Henry Sample"); r.PEP {
		t.Fatalf("a deceased politician is screened: %+v", r)
	}

	// Same files, later: the window has passed, and that is a new version.
	now = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	r := e.refresh(t)
	if r.Status != lists.StatusPublished {
		t.Fatalf("the window moved but nothing was published: %+v", r)
	}
	if d := e.delta(t, "PEP-US", r.Version.ID); len(d["DEL"]) != 1 {
		t.Fatalf("PEP delta: %v", d)
	}
	if res := screen("Morgan Lee Recent"); res.PEP {
		t.Fatalf("a president out of office for 22 months is still a PEP: %+v", res)
	}
	if res := screen("Jane Quincy Example"); !res.PEP {
		t.Fatalf("a sitting senator: %+v", res)
	}
}

const liststestUNName = "un.xml"

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRoot(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}

func TestASourceAddedLaterThatFailsDoesNotHoldTheOthersBack(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v1 := e.refresh(t).Version
	// The PEP datasets are configured, but their address answers nothing yet.
	e.src.WithPEP(t)
	e.src.URLs.PEPUSLegislators = "file:///nonexistent/legislators-current.yaml"
	sources, err := e.src.URLs.Sources()
	if err != nil {
		t.Fatal(err)
	}
	e.pub.Sources = sources
	sdn := filepath.Join(e.src.OFACDir, "sdn.csv")
	raw, _ := os.ReadFile(sdn)
	liststest.WriteFile(t, sdn, strings.TrimRight(string(raw), "\x1a")+`77777,"NEWCO TRADING LLC",-0- ,"RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- `+"\n")
	r, err := e.pub.Refresh(ctx)
	if err != nil || r.Status != lists.StatusPublished || len(r.Failed) != 1 || r.Failed[0].Source != "PEP-US" {
		t.Fatalf("refresh: %v %+v", err, r)
	}
	if source(r.Version, "PEP-US").Source != "" || source(r.Version, "PEP-AU").Entities == 0 || r.Version.Previous != v1.ID {
		t.Fatalf("version: %+v", r.Version.Sources)
	}
	if d := e.delta(t, "OFAC-SDN", r.Version.ID); !slices.Equal(d["ADD"], []string{"77777"}) {
		t.Fatalf("OFAC's change was held back: %q", d)
	}
	st := status(e.head(t), "PEP-US")
	if st.LastGoodAt != "" || st.Error == "" {
		t.Fatalf("the new source's status: %+v", st)
	}
}
