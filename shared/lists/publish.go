package lists

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing/fstest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// EventVersionPublished is the event (and audit action) of a new version.
const EventVersionPublished = "lists.version.published"

// Refresh outcomes.
const (
	StatusPublished = "published"
	StatusUnchanged = "unchanged"
)

// ErrConcurrentPublish is returned when another refresh published a different version
// while this one was preparing; the next run starts from that version.
var ErrConcurrentPublish = errors.New("lists: another refresh published first")

// ObjectStore is the part of the S3 client the package uses.
type ObjectStore interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// BatchWriter is the part of the DynamoDB client that writes delta items in bulk.
type BatchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// Publisher publishes new list versions. Build it once per process.
type Publisher struct {
	Store    *store.Store
	DB       BatchWriter // the store's table, for delta items
	Audit    *audit.Log
	Events   *events.Publisher // nil: no event (tests, local runs without a bus)
	S3       ObjectStore
	Bucket   string
	KMSKeyID string // SSE-KMS key of the objects; "" leaves the bucket default
	Fetcher  *Fetcher
	Sources  []Source
	Log      *slog.Logger
	Now      func() time.Time
	// PEPWindow is how long a person stays a PEP after leaving office (default
	// sanctions.DefaultPEPWindow).
	PEPWindow time.Duration
	// DeltaWriters is how many delta batches are written at once (default 4).
	DeltaWriters int
}

// RefreshResult says what a refresh did. Failed lists the sources that could not be
// fetched or parsed this time: the version keeps their last good data.
type RefreshResult struct {
	Status  string          `json:"status"`
	Version Version         `json:"version"`
	Failed  []SourceFailure `json:"failed,omitempty"`
	// Sources are the sources' statuses after the refresh (as HEAD records them).
	Sources []SourceStatus `json:"sources,omitempty"`
}

// SourceFailure is one source that failed a refresh, and why.
type SourceFailure struct {
	Source string `json:"source"`
	Error  string `json:"error"`
}

// Refresh fetches and parses every source and publishes a new version if anything
// changed. It is safe to retry after any failure.
//
// It is fail-safe per source: a source that cannot be fetched or parsed never removes or
// replaces its last good data. The version is built with that source's files of the
// current version (kept in the bucket under raw/), its status in HEAD keeps the time it
// was last good, and screening answers call it stale once that is older than the
// configured age. Only a source that has never been good fails the refresh.
func (p *Publisher) Refresh(ctx context.Context) (RefreshResult, error) {
	fetcher := p.Fetcher
	if fetcher == nil {
		fetcher = &Fetcher{}
	}
	got := fetcher.FetchEach(ctx, p.Sources)
	head, hasHead, err := p.head(ctx)
	if err != nil {
		return RefreshResult{}, err
	}
	var cur Version
	if hasHead {
		if cur, err = p.version(ctx, head.ListVersion); err != nil {
			return RefreshResult{}, err
		}
	}
	now := p.now()
	at := store.FormatTime(now)
	parsed := make([]*sanctions.List, len(p.Sources))
	files := make(map[int][]Fetched, len(p.Sources))
	statuses := make([]SourceStatus, len(p.Sources))
	var failed []SourceFailure
	for i, src := range p.Sources {
		st := SourceStatus{Source: string(src.Name), Kind: sourceKind(src), LastTriedAt: at, LastGoodAt: at}
		fs, err := got[i].Files, got[i].Err
		var l *sanctions.List
		if err == nil {
			if l, err = parseFiles(src, fs); err != nil {
				err = fmt.Errorf("parse: %w", err)
			} else {
				err = plausible(src, l, cur)
			}
		}
		if err != nil {
			st.Error = truncate(err.Error(), 300)
			failed = append(failed, SourceFailure{Source: st.Source, Error: st.Error})
			p.log().Warn("list source failed; keeping its last good data", "source", src.Name, "error", err)
			if hasHead && !slices.ContainsFunc(cur.Sources, func(si SourceInfo) bool { return si.Source == st.Source }) {
				// A source added to a running deployment that has never been good: the
				// others are published without it, and answers name it stale until it is.
				st.LastGoodAt = ""
				statuses[i] = st
				continue
			}
			if fs, l, err = p.lastGood(ctx, src, cur, hasHead); err != nil {
				return RefreshResult{Failed: failed}, fmt.Errorf("lists: source %s failed (%s) and has no last good data: %w", src.Name, st.Error, err)
			}
			st.LastGoodAt = head.lastGoodAt(st.Source, cur.PublishedAt)
		}
		if src.PEP {
			l = sanctions.CurrentPEPs(l, now, p.pepWindow())
		}
		parsed[i], files[i], statuses[i] = l, fs, st
	}
	checksum := combinedChecksum(p.Sources, files, parsed)

	if hasHead && head.Checksum == checksum {
		if head, err = p.markSources(ctx, head, statuses); err != nil {
			return RefreshResult{}, err
		}
		if !head.Announced {
			if err := p.announce(ctx, head, cur); err != nil {
				return RefreshResult{}, err
			}
		}
		return RefreshResult{Status: StatusUnchanged, Version: cur, Failed: failed, Sources: statuses}, nil
	}

	v, err := p.publish(ctx, parsed, files, checksum, head, hasHead, cur, statuses)
	if err != nil {
		return RefreshResult{}, err
	}
	return RefreshResult{Status: StatusPublished, Version: v, Failed: failed, Sources: statuses}, nil
}

// plausible refuses a parse that cannot be the list: nothing at all (an error page, a
// truncated download that still parses), or a sanctions list that lost more than half of
// its entries since the current version (lists grow and shrink by a few entries a
// publication; a regime lifted in full is rare enough to wait for an operator).
func plausible(src Source, l *sanctions.List, cur Version) error {
	n := len(l.Entities) + len(l.Addresses)
	if n == 0 {
		return errors.New("parse: no entries (not the list, or an empty download)")
	}
	if src.PEP {
		return nil // filtered by date later; the datasets themselves only grow
	}
	for _, info := range cur.Sources {
		if was := info.Entities + info.Addresses; info.Source == string(src.Name) && n*2 < was {
			return fmt.Errorf("parse: %d entries where the current version has %d", n, was)
		}
	}
	return nil
}

func sourceKind(s Source) string {
	if s.PEP {
		return string(screening.KindPEP)
	}
	return string(screening.KindSanctions)
}

func parseFiles(src Source, files []Fetched) (*sanctions.List, error) {
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Body}
	}
	return src.Parse(fsys)
}

// rawKey is where a source file's content is kept, by its hash: the last good data a
// failing source falls back on.
func rawKey(source, sha string) string { return "raw/" + source + "/" + sha }

// lastGood reads back the files the current version used for src, checks them against
// the recorded hashes and parses them.
func (p *Publisher) lastGood(ctx context.Context, src Source, cur Version, hasCur bool) ([]Fetched, *sanctions.List, error) {
	if !hasCur {
		return nil, nil, errors.New("no version published yet")
	}
	i := slices.IndexFunc(cur.Sources, func(s SourceInfo) bool { return s.Source == string(src.Name) })
	if i < 0 || len(cur.Sources[i].Checksums) == 0 {
		return nil, nil, fmt.Errorf("version %s does not hold it", cur.ID)
	}
	var out []Fetched
	for _, name := range slices.Sorted(maps.Keys(cur.Sources[i].Checksums)) {
		sha := cur.Sources[i].Checksums[name]
		body, err := getObject(ctx, p.S3, p.Bucket, rawKey(string(src.Name), sha))
		if err != nil {
			return nil, nil, err
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != sha {
			return nil, nil, fmt.Errorf("kept file %s of %s does not match its hash", name, src.Name)
		}
		out = append(out, Fetched{File: File{Name: name}, Body: body, SHA256: sha})
	}
	l, err := parseFiles(src, out)
	if err != nil {
		return nil, nil, fmt.Errorf("kept files: %w", err)
	}
	return out, l, nil
}

// markSources records the sources' statuses in HEAD when the content is unchanged (a new
// version records them with it).
func (p *Publisher) markSources(ctx context.Context, head Head, statuses []SourceStatus) (Head, error) {
	v, err := p.Store.Patch(ctx, store.ListHeadKey(Catalog), head.Version, store.Changes{Set: map[string]any{"sources": statuses}})
	if errors.Is(err, store.ErrConflict) {
		// Another refresh moved HEAD meanwhile: its statuses are as fresh as ours.
		return p.mustHead(ctx)
	}
	if err != nil {
		return Head{}, fmt.Errorf("lists: record source statuses: %w", err)
	}
	head.Version, head.Sources = v, statuses
	return head, nil
}

func (p *Publisher) mustHead(ctx context.Context) (Head, error) {
	h, ok, err := p.head(ctx)
	if err == nil && !ok {
		err = errors.New("lists: head vanished")
	}
	return h, err
}

func (p *Publisher) pepWindow() time.Duration {
	if p.PEPWindow > 0 {
		return p.PEPWindow
	}
	return sanctions.DefaultPEPWindow
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (p *Publisher) publish(ctx context.Context, parsed []*sanctions.List, files map[int][]Fetched, checksum string, prev Head, hasPrev bool, prevV Version, statuses []SourceStatus) (Version, error) {
	now := p.now()
	v := Version{
		Seq: prev.Seq + 1, Checksum: checksum, PublishedAt: store.FormatTime(now),
	}
	v.ID = fmt.Sprintf("%06d-%s", v.Seq, checksum[:12])
	v.IndexKey, v.EntitiesKey = "indexes/"+v.ID+".idx", "entities/"+v.ID+".json.gz"
	if hasPrev {
		v.Previous = prev.ListVersion
	}

	ix, err := screening.Build(parsed...)
	if err != nil {
		return Version{}, fmt.Errorf("lists: build index: %w", err)
	}
	var buf bytes.Buffer
	if _, err := ix.WriteTo(&buf); err != nil {
		return Version{}, fmt.Errorf("lists: serialize index: %w", err)
	}
	v.IndexBytes = int64(buf.Len())

	cur := entityHashes(parsed)
	var old map[string]map[string]string
	if hasPrev {
		old, err = p.readHashes(ctx, prev.EntitiesKey)
		if err != nil {
			// Without the previous state the delta cannot be computed; publish anyway
			// (screening must not wait for it) and tell monitoring to re-screen in full.
			p.log().Warn("previous entity hashes unreadable; publishing as initial", "key", prev.EntitiesKey, "error", err)
			old = nil
		}
	}
	v.Initial = old == nil

	var delta []DeltaEntry
	changedEntities := map[string][]sanctions.Entity{} // source -> added and changed entries
	for i, l := range parsed {
		if l == nil {
			continue // a source never good yet (Refresh)
		}
		info := SourceInfo{
			Source: string(l.Source), Kind: sourceKind(p.Sources[i]), ListVersion: l.Version(), Checksums: map[string]string{},
			Entities: len(l.Entities), Addresses: len(l.Addresses), Skipped: l.Skipped,
		}
		for _, f := range files[i] {
			info.Checksums[f.Name] = f.SHA256
		}
		added, changed, removed := diffHashes(old[info.Source], cur[info.Source])
		info.Added, info.Changed, info.Removed = len(added), len(changed), len(removed)
		if !v.Initial {
			delta = appendDelta(delta, info.Source, v.ID, ChangeAdded, added)
			delta = appendDelta(delta, info.Source, v.ID, ChangeChanged, changed)
			delta = appendDelta(delta, info.Source, v.ID, ChangeRemoved, removed)
			if es := entitiesByID(l, added, changed); len(es) > 0 {
				changedEntities[info.Source] = es
			}
		}
		v.Sources = append(v.Sources, info)
	}
	v.DeltaItems = len(delta)

	// Objects and delta items first: nothing points at them until HEAD moves. The source
	// files are kept (by hash, so an unchanged file is not sent again) for a later
	// refresh whose download of them fails.
	if err := p.keepFiles(ctx, files, prevV); err != nil {
		return Version{}, err
	}
	v.FilesKept = true
	if err := p.put(ctx, v.IndexKey, buf.Bytes(), "application/octet-stream"); err != nil {
		return Version{}, err
	}
	if len(changedEntities) > 0 {
		// The added and changed entries themselves: monitoring re-screens its users
		// against these alone (screening.BuildDelta), a small fraction of a full run.
		body, err := gzipJSON(changedEntities)
		if err != nil {
			return Version{}, err
		}
		v.DeltaKey = "deltas/" + v.ID + ".json.gz"
		if err := p.put(ctx, v.DeltaKey, body, "application/gzip"); err != nil {
			return Version{}, err
		}
	}
	hashes, err := gzipJSON(cur)
	if err != nil {
		return Version{}, err
	}
	if err := p.put(ctx, v.EntitiesKey, hashes, "application/gzip"); err != nil {
		return Version{}, err
	}
	if err := p.writeDelta(ctx, delta); err != nil {
		return Version{}, err
	}

	head := Head{ListVersion: v.ID, Seq: v.Seq, Checksum: checksum, IndexKey: v.IndexKey,
		EntitiesKey: v.EntitiesKey, PublishedAt: v.PublishedAt, Sources: statuses}
	details := map[string]string{"version": v.ID, "previous": v.Previous, "checksum": checksum,
		"initial": strconv.FormatBool(v.Initial), "deltaItems": strconv.Itoa(v.DeltaItems)}
	for _, s := range v.Sources {
		details[s.Source] = fmt.Sprintf("entities=%d addresses=%d added=%d changed=%d removed=%d",
			s.Entities, s.Addresses, s.Added, s.Changed, s.Removed)
	}
	_, err = p.Audit.Commit(ctx, store.PlatformTenant, audit.Record{
		Action: EventVersionPublished, Actor: audit.System,
		Subject: audit.Subject{Type: "list_version", ID: v.ID}, Reason: "sources changed", Details: details,
	}, func(tx *store.Tx) {
		tx.Create(store.ListVersionKey(Catalog, v.ID), v)
		if hasPrev {
			tx.Update(store.ListHeadKey(Catalog), prev.Version, head)
		} else {
			tx.Create(store.ListHeadKey(Catalog), head)
		}
	})
	if err != nil {
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrAlreadyExists) && !errors.Is(err, store.ErrNotFound) {
			return Version{}, fmt.Errorf("lists: publish %s: %w", v.ID, err)
		}
		// A retry whose first attempt committed, or a concurrent refresh.
		now, ok, rerr := p.head(ctx)
		if rerr != nil || !ok || now.ListVersion != v.ID {
			return Version{}, fmt.Errorf("%w: publishing %s: %v", ErrConcurrentPublish, v.ID, err)
		}
		head = now
	} else {
		head.Version = prev.Version + 1
		if !hasPrev {
			head.Version = 1
		}
	}
	if err := p.announce(ctx, head, v); err != nil {
		return Version{}, err
	}
	p.log().Info("list version published", "version", v.ID, "initial", v.Initial, "deltaItems", v.DeltaItems, "indexBytes", v.IndexBytes)
	return v, nil
}

// announce publishes the event and marks HEAD announced. A failure leaves HEAD
// unannounced; the next refresh tries again.
func (p *Publisher) announce(ctx context.Context, head Head, v Version) error {
	if p.Events != nil {
		ev, err := events.New(EventVersionPublished, "", versionEvent(v), p.now())
		if err != nil {
			return err
		}
		if err := p.Events.Publish(ctx, ev); err != nil {
			return fmt.Errorf("lists: announce %s: %w", v.ID, err)
		}
	}
	_, err := p.Store.Patch(ctx, store.ListHeadKey(Catalog), head.Version, store.Changes{Set: map[string]any{"announced": true}})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("lists: mark %s announced: %w", v.ID, err)
	}
	return nil
}

// VersionEvent is the data of lists.version.published: references and counts only.
type VersionEvent struct {
	Version  string       `json:"version"`
	Seq      int64        `json:"seq"`
	Previous string       `json:"previous,omitempty"`
	Initial  bool         `json:"initial"`
	Sources  []SourceInfo `json:"sources"`
	// Where the version's added and changed entries and its entry hashes are (S3 keys in
	// the lists bucket); DeltaKey is empty when nothing was added or changed.
	DeltaKey    string `json:"deltaKey,omitempty"`
	EntitiesKey string `json:"entitiesKey"`
}

func versionEvent(v Version) VersionEvent {
	return VersionEvent{Version: v.ID, Seq: v.Seq, Previous: v.Previous, Initial: v.Initial, Sources: v.Sources,
		DeltaKey: v.DeltaKey, EntitiesKey: v.EntitiesKey}
}

func (p *Publisher) head(ctx context.Context) (Head, bool, error) {
	var h Head
	err := p.Store.Get(ctx, store.ListHeadKey(Catalog), &h)
	if errors.Is(err, store.ErrNotFound) {
		return Head{}, false, nil
	}
	if err != nil {
		return Head{}, false, fmt.Errorf("lists: read head: %w", err)
	}
	return h, true, nil
}

func (p *Publisher) version(ctx context.Context, id string) (Version, error) {
	var v Version
	if err := p.Store.Get(ctx, store.ListVersionKey(Catalog, id), &v); err != nil {
		return Version{}, fmt.Errorf("lists: read version %s: %w", id, err)
	}
	return v, nil
}

func (p *Publisher) put(ctx context.Context, key string, body []byte, contentType string) error {
	in := &s3.PutObjectInput{
		Bucket: aws.String(p.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String(contentType),
	}
	if p.KMSKeyID != "" {
		in.ServerSideEncryption = s3types.ServerSideEncryptionAwsKms
		in.SSEKMSKeyId = aws.String(p.KMSKeyID)
	}
	if _, err := p.S3.PutObject(ctx, in); err != nil {
		return fmt.Errorf("lists: put s3://%s/%s: %w", p.Bucket, key, err)
	}
	return nil
}

func (p *Publisher) readHashes(ctx context.Context, key string) (map[string]map[string]string, error) {
	return ReadEntityHashes(ctx, p.S3, p.Bucket, key)
}

func getObject(ctx context.Context, s ObjectStore, bucket, key string) ([]byte, error) {
	out, err := s.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("lists: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	var buf bytes.Buffer
	if out.ContentLength != nil && *out.ContentLength > 0 {
		buf.Grow(int(*out.ContentLength))
	}
	if _, err := io.Copy(&buf, out.Body); err != nil {
		return nil, fmt.Errorf("lists: read s3://%s/%s: %w", bucket, key, err)
	}
	return buf.Bytes(), nil
}

// writeDelta writes the delta items with BatchWriteItem (25 per call, a few calls at
// once), retrying unprocessed items. Puts are unconditional and keys deterministic, so a
// retried refresh rewrites the same items. Batches rather than transactions: nothing
// reads these items before HEAD moves, so they need no atomicity, and a batch write costs
// half the capacity of a transactional one.
func (p *Publisher) writeDelta(ctx context.Context, delta []DeltaEntry) error {
	if len(delta) == 0 {
		return nil
	}
	if p.DB == nil {
		return errors.New("lists: Publisher.DB is required to write a delta")
	}
	workers := p.DeltaWriters
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []DeltaEntry)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if err := p.writeBatch(ctx, b); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for b := range slices.Chunk(delta, maxBatchItems) {
		if ctx.Err() != nil {
			break
		}
		batches <- b
	}
	close(batches)
	wg.Wait()
	return first
}

// maxBatchItems is DynamoDB's limit on the items of one BatchWriteItem.
const maxBatchItems = 25

func (p *Publisher) writeBatch(ctx context.Context, b []DeltaEntry) error {
	reqs := make([]ddbtypes.WriteRequest, 0, len(b))
	for _, d := range b {
		k := store.ListDeltaKey(d.Source, d.ListVersion, d.Change, d.EntityID)
		d.Meta = store.Meta{PK: k.PK, SK: k.SK, Entity: EntityDelta}
		item, err := attributevalue.MarshalMap(d)
		if err != nil {
			return fmt.Errorf("lists: marshal delta: %w", err)
		}
		reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
	}
	table := p.Store.Table()
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt > 0 {
			if attempt > 8 {
				return fmt.Errorf("lists: write delta: %d items still unprocessed", len(reqs))
			}
			select {
			case <-time.After(time.Duration(25<<min(attempt, 6)) * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		out, err := p.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}})
		if err != nil {
			return fmt.Errorf("lists: write delta: %w", err)
		}
		reqs = out.UnprocessedItems[table]
	}
	return nil
}

// keepFiles stores the source files of a version that the previous version did not
// already hold.
func (p *Publisher) keepFiles(ctx context.Context, files map[int][]Fetched, prev Version) error {
	for i, src := range p.Sources {
		j := slices.IndexFunc(prev.Sources, func(s SourceInfo) bool { return s.Source == string(src.Name) })
		for _, f := range files[i] {
			if prev.FilesKept && j >= 0 && prev.Sources[j].Checksums[f.Name] == f.SHA256 {
				continue
			}
			if err := p.put(ctx, rawKey(string(src.Name), f.SHA256), f.Body, "application/octet-stream"); err != nil {
				return err
			}
		}
	}
	return nil
}

// entitiesByID picks l's entries with the given ids (ids of entities, not addresses).
func entitiesByID(l *sanctions.List, idSets ...[]string) []sanctions.Entity {
	want := map[string]bool{}
	for _, ids := range idSets {
		for _, id := range ids {
			want[id] = true
		}
	}
	var out []sanctions.Entity
	for _, e := range l.Entities {
		if want[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// ReadDelta reads the added and changed entries of a version (Version.DeltaKey) as one
// list per source, for screening.BuildDelta.
func ReadDelta(ctx context.Context, s ObjectStore, bucket, key string) ([]*sanctions.List, error) {
	body, err := getObject(ctx, s, bucket, key)
	if err != nil {
		return nil, err
	}
	var m map[string][]sanctions.Entity
	if err := gunzipJSON(body, &m); err != nil {
		return nil, fmt.Errorf("lists: %s: %w", key, err)
	}
	var out []*sanctions.List
	for _, src := range slices.Sorted(maps.Keys(m)) {
		out = append(out, &sanctions.List{Source: sanctions.Source(src), Entities: m[src]})
	}
	return out, nil
}

// ReadEntityHashes reads a version's entry hashes (Version.EntitiesKey): source -> id ->
// content hash. A changed hash means the listed entry changed.
func ReadEntityHashes(ctx context.Context, s ObjectStore, bucket, key string) (map[string]map[string]string, error) {
	body, err := getObject(ctx, s, bucket, key)
	if err != nil {
		return nil, err
	}
	var out map[string]map[string]string
	if err := gunzipJSON(body, &out); err != nil {
		return nil, fmt.Errorf("lists: %s: %w", key, err)
	}
	return out, nil
}

func gunzipJSON(body []byte, v any) error {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return err
	}
	return json.NewDecoder(zr).Decode(v)
}

func appendDelta(out []DeltaEntry, source, version, change string, ids []string) []DeltaEntry {
	for _, id := range ids {
		out = append(out, DeltaEntry{Source: source, ListVersion: version, Change: change, EntityID: id})
	}
	return out
}

// entityHashes is the compact state of a version: source -> id -> content hash (64 bits
// are plenty to tell a changed entry from an unchanged one). Crypto address files have no
// entities: each address is its own entry, "<ASSET>:<address>".
func entityHashes(parsed []*sanctions.List) map[string]map[string]string {
	out := make(map[string]map[string]string, len(parsed))
	for _, l := range parsed {
		if l == nil {
			continue
		}
		m := make(map[string]string, len(l.Entities)+len(l.Addresses))
		for i := range l.Entities {
			e := &l.Entities[i]
			if !store.ValidID(e.ID) {
				continue // cannot be a delta key; an id with '#' or '/' has never been seen
			}
			h := e.ContentHash()
			m[e.ID] = h[:min(16, len(h))]
		}
		for _, a := range l.Addresses {
			if id := a.Asset + ":" + a.Address; store.ValidID(id) {
				m[id] = "1"
			}
		}
		out[string(l.Source)] = m
	}
	return out
}

func diffHashes(old, cur map[string]string) (added, changed, removed []string) {
	for id, h := range cur {
		switch oh, ok := old[id]; {
		case !ok:
			added = append(added, id)
		case oh != h:
			changed = append(changed, id)
		}
	}
	for id := range old {
		if _, ok := cur[id]; !ok {
			removed = append(removed, id)
		}
	}
	sort.Strings(added)
	sort.Strings(changed)
	sort.Strings(removed)
	return added, changed, removed
}

// combinedChecksum covers every file of every source, in a fixed order, for PEP
// sources the ids of the people published (a person whose window ends changes the
// version although no file did), and the screening.BuildVersion the index is built by.
func combinedChecksum(sources []Source, files map[int][]Fetched, parsed []*sanctions.List) string {
	var lines []string
	for i, s := range sources {
		for _, f := range files[i] {
			lines = append(lines, string(s.Name)+"/"+f.Name+"="+f.SHA256)
		}
		if s.PEP && parsed[i] != nil {
			h := sha256.New()
			for _, e := range parsed[i].Entities {
				io.WriteString(h, e.ID+"\n")
			}
			lines = append(lines, string(s.Name)+"/current="+hex.EncodeToString(h.Sum(nil)))
		}
	}
	// What the index is built into, too: a release that builds the same
	// lists differently publishes them again.
	lines = append(lines, fmt.Sprintf("screening/build=%d", screening.BuildVersion))
	sort.Strings(lines)
	h := sha256.New()
	for _, l := range lines {
		io.WriteString(h, l+"\n")
	}
	return hex.EncodeToString(h.Sum(nil))
}

func gzipJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Publisher) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}
