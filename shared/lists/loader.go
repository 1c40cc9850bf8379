package lists

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// DefaultReloadInterval is how often the loader re-checks HEAD by default.
const DefaultReloadInterval = 60 * time.Second

// NotReadyRecheck is the longest a process without any list version waits before it
// checks HEAD again. Such a process can only answer 503, so a short wait costs one
// strongly consistent GetItem per interval and saves a minute of refusals after the first
// publish (a fresh stack whose first screening came before the first list refresh).
const NotReadyRecheck = 2 * time.Second

// ErrNotReady means no list version has been published yet (HTTP 503 lists_not_ready).
var ErrNotReady = errors.New("lists: no list version published yet")

// Loaded is one version held in memory.
type Loaded struct {
	Index       *screening.Index
	Version     string
	PublishedAt string
	EntitiesKey string // the version's entry hashes (ReadEntityHashes)
	LoadedAt    time.Time
	// LoadTime is how long reading and decoding the index took (S3 GetObject + LoadBytes).
	LoadTime time.Duration
	Bytes    int
	// Sources are the sources' refresh statuses as HEAD had them at the last check (every
	// reload interval, even when the version did not change).
	Sources []SourceStatus
}

// Loader keeps the current list version in memory for a process. It is safe for
// concurrent use.
type Loader struct {
	store    *store.Store
	s3       ObjectStore
	bucket   string
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger

	cur       atomic.Pointer[Loaded]
	nextCheck atomic.Int64 // unix nanos of the next HEAD check
	mu        sync.Mutex   // held by the one caller that (re)loads
}

// LoaderOption configures a Loader.
type LoaderOption func(*Loader)

// WithReloadInterval sets how often HEAD is re-checked (0 checks on every call).
func WithReloadInterval(d time.Duration) LoaderOption { return func(l *Loader) { l.interval = d } }

// WithLoaderClock sets the time source (tests).
func WithLoaderClock(now func() time.Time) LoaderOption { return func(l *Loader) { l.now = now } }

// WithLoaderLog sets the logger.
func WithLoaderLog(log *slog.Logger) LoaderOption { return func(l *Loader) { l.log = log } }

// NewLoader returns a loader over the table's HEAD and the bucket's index objects.
func NewLoader(st *store.Store, s3c ObjectStore, bucket string, opts ...LoaderOption) *Loader {
	l := &Loader{store: st, s3: s3c, bucket: bucket, interval: DefaultReloadInterval, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(l)
	}
	return l
}

// Current returns the version to screen with. The first call of a process loads it (and
// concurrent first callers wait for that one load); afterwards, once the interval has
// passed, one caller checks HEAD and loads a newer version while every other caller goes
// on with the version in memory. A failed re-check keeps the old version in service.
// Until a first version is loaded, HEAD is re-checked at least every NotReadyRecheck.
func (l *Loader) Current(ctx context.Context) (*Loaded, error) {
	cur := l.cur.Load()
	if l.now().UnixNano() < l.nextCheck.Load() {
		if cur == nil {
			return nil, ErrNotReady
		}
		return cur, nil
	}
	if cur != nil {
		if !l.mu.TryLock() {
			return cur, nil // someone else is checking: do not wait for them
		}
	} else {
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	if cur = l.cur.Load(); cur != nil && l.now().UnixNano() < l.nextCheck.Load() {
		return cur, nil // checked while we waited
	}
	err := l.reload(ctx)
	wait := l.interval
	if cur = l.cur.Load(); cur == nil {
		wait = min(wait, NotReadyRecheck)
	}
	l.nextCheck.Store(l.now().Add(wait).UnixNano())
	if cur != nil {
		if err != nil {
			l.log.Warn("list reload failed; keeping the version in memory", "version", cur.Version, "error", err)
		}
		return cur, nil
	}
	if err != nil && !errors.Is(err, ErrNotReady) {
		l.nextCheck.Store(0) // nothing to serve: let the next request try again
		return nil, err
	}
	return nil, ErrNotReady
}

func (l *Loader) reload(ctx context.Context) error {
	var h Head
	if err := l.store.Get(ctx, store.ListHeadKey(Catalog), &h); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrNotReady
		}
		return fmt.Errorf("lists: read head: %w", err)
	}
	if cur := l.cur.Load(); cur != nil && cur.Version == h.ListVersion {
		if !slices.Equal(cur.Sources, h.Sources) {
			next := *cur
			next.Sources = h.Sources
			l.cur.Store(&next)
		}
		return nil
	}
	start := time.Now()
	body, err := getObject(ctx, l.s3, l.bucket, h.IndexKey)
	if err != nil {
		return err
	}
	ix, err := screening.LoadBytes(body)
	if err != nil {
		return fmt.Errorf("lists: load %s: %w", h.IndexKey, err)
	}
	next := &Loaded{Index: ix, Version: h.ListVersion, PublishedAt: h.PublishedAt, EntitiesKey: h.EntitiesKey,
		LoadedAt: l.now(), LoadTime: time.Since(start), Bytes: len(body), Sources: h.Sources}
	l.cur.Store(next)
	l.log.Info("list version loaded", "version", next.Version, "bytes", next.Bytes, "loadMs", next.LoadTime.Milliseconds())
	return nil
}

// NewS3Client builds the S3 client. Emulators (AWS_ENDPOINT_URL set) are addressed with
// path-style URLs, since bucket subdomains of 127.0.0.1 do not resolve; AWS uses the
// default virtual-hosted style.
func NewS3Client(cfg aws.Config) *s3.Client {
	custom := os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = custom })
}
