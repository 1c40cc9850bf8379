package lists_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/lists/liststest"
)

// A process whose first screening came before the first publish must not keep answering
// 503 for a whole reload interval once a version exists.
func TestALoaderWithoutAVersionRechecksWithinSeconds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	advance := func(d time.Duration) { now.Add(int64(d)) }
	loader := lists.NewLoader(e.store, lists.NewS3Client(e.cfg), e.bucket, lists.WithReloadInterval(time.Minute), lists.WithLoaderClock(clock))

	if _, err := loader.Current(ctx); !errors.Is(err, lists.ErrNotReady) {
		t.Fatalf("before any version: %v", err)
	}
	v1 := e.refresh(t).Version

	steps := []struct {
		name    string
		advance time.Duration
		want    string // "" means ErrNotReady
	}{
		{"right after the publish, the 503 window has not passed yet", 500 * time.Millisecond, ""},
		{"within NotReadyRecheck the new version is served", lists.NotReadyRecheck, v1.ID},
	}
	for _, s := range steps {
		advance(s.advance)
		got, err := loader.Current(ctx)
		switch {
		case s.want == "" && !errors.Is(err, lists.ErrNotReady):
			t.Errorf("%s: got %v %v, want ErrNotReady", s.name, got, err)
		case s.want != "" && (err != nil || got.Version != s.want):
			t.Errorf("%s: got %v %v, want version %s", s.name, got, err, s.want)
		}
	}

	// Once a version is served, the configured interval applies again.
	liststest.WriteFile(t, e.src.CryptoFile, "1NewSanctionedAddressXBT3333333333\n")
	e.refresh(t)
	advance(10 * time.Second)
	if got, _ := loader.Current(ctx); got == nil || got.Version != v1.ID {
		t.Errorf("a loaded process re-checked HEAD before its interval: %+v", got)
	}
}
