package monitoring

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// userStatus is what monitoring keeps of a user's last re-screen: status, reason codes,
// matched entry references, the list version and times. Never the screened data.
type userStatus struct {
	store.Meta
	TenantID    string   `dynamodbav:"tenantId"`
	UserID      string   `dynamodbav:"userId"`
	RunID       string   `dynamodbav:"runId"`
	ListVersion string   `dynamodbav:"listVersion"`
	Delta       bool     `dynamodbav:"delta"`
	Outcome     string   `dynamodbav:"outcome"`
	PEP         bool     `dynamodbav:"pep"`
	Matches     []string `dynamodbav:"matches,omitempty"` // source:entityId
	Reasons     []string `dynamodbav:"reasons,omitempty"`
	ScreenedAt  string   `dynamodbav:"screenedAt"`
}

func (userStatus) EntityType() string { return "monitoring_status" }

// subject is a user to screen, with the query prepared once.
type subject struct {
	onboarding.Subject
	prepared screening.Prepared
}

// BatchResult says what screening one batch did.
type BatchResult struct {
	Screened, Skipped, Alerts int
	Counted                   bool // false when the batch had been counted before (a redelivery)
}

// ScreenBatch re-screens one batch's users and raises their alerts. It returns an error
// when any user could not be screened or alerted: the queue delivers the batch again, and
// everything it does is idempotent (alerts by their pair and evidence, statuses by
// overwrite, the run's counters by the batch's marker).
func (s *Service) ScreenBatch(ctx context.Context, b Batch) (BatchResult, error) {
	t := store.TenantID(b.Tenant)
	if !store.ValidID(b.Tenant) || !store.ValidID(b.RunID) || len(b.UserIDs) > maxBatchUsers {
		return BatchResult{}, fmt.Errorf("monitoring: malformed batch")
	}
	cfg, err := s.GetConfig(ctx, t)
	if err != nil {
		return BatchResult{}, err
	}
	ix, version, hashes, err := s.indexFor(ctx, b)
	if err != nil {
		return BatchResult{}, err
	}
	var (
		subjects []subject
		skipped  map[string]error
	)
	if b.SnapshotRun != "" {
		if !store.ValidID(b.SnapshotRun) || len(b.SnapshotBatches) > snapshotBatchesPerMessage {
			return BatchResult{}, fmt.Errorf("monitoring: malformed batch")
		}
		for _, no := range b.SnapshotBatches {
			if no < 0 {
				return BatchResult{}, fmt.Errorf("monitoring: malformed batch")
			}
			var subs []subject
			if subs, err = s.readSnapshot(ctx, t, b.SnapshotRun, no); err != nil {
				break
			}
			subjects = append(subjects, subs...)
		}
	} else {
		var subs []onboarding.Subject
		subs, skipped, err = s.Users.Subjects(ctx, t, b.UserIDs)
		for _, sub := range subs {
			q := sub.Query
			subjects = append(subjects, subject{Subject: sub, prepared: screening.Prepare(screening.Query{Name: q.Name,
				Type: entityType(q.Type), DOB: q.DateOfBirth, Nationality: q.Nationality, Country: q.Country})})
		}
	}
	if err != nil {
		return BatchResult{}, err
	}
	if b.DeltaKey == "" {
		// A full run's batch is a delta run's input until the next full run.
		if err := s.writeSnapshot(ctx, t, b, subjects); err != nil {
			return BatchResult{}, err
		}
	}
	opts := screening.DefaultOptions()
	opts.Thresholds = cfg.Thresholds
	var kinds []screening.ListKind
	for _, l := range cfg.Checks.Lists {
		kinds = append(kinds, screening.ListKind(l))
	}
	now := s.now()
	var (
		res      = BatchResult{Skipped: len(skipped)}
		statuses []userStatus
		errs     []error
	)
	for _, sub := range subjects {
		st := userStatus{TenantID: string(t), UserID: sub.UserID, RunID: b.RunID, ListVersion: version, Delta: b.DeltaKey != "",
			Outcome: string(screening.OutcomeClear), ScreenedAt: store.FormatTime(now)}
		if len(kinds) > 0 {
			p := sub.prepared
			p.Query.Kinds = kinds
			r := ix.ScreenPrepared(p, opts)
			st.Outcome, st.PEP = string(r.Outcome), r.PEP
			for _, m := range r.Matches {
				if m.Outcome == screening.OutcomeClear {
					continue
				}
				st.Matches = append(st.Matches, string(m.Source)+":"+m.EntityID)
				entityHash := hashes[string(m.Source)][m.EntityID]
				if entityHash == "" {
					// No hash for the entry (its version's hashes unreadable): its version
					// stands in, so a resolved alert is raised again rather than never.
					entityHash = "v:" + version
				}
				ar, err := s.Alerts.Raise(ctx, alerts.Finding{
					Tenant: t, UserID: sub.UserID, ListSource: string(m.Source), EntityID: m.EntityID,
					EntityHash: entityHash, SubjectHash: sub.Hash, Kind: string(m.Kind),
					Outcome: string(m.Outcome), Score: m.Score, ListVersion: version, ScreeningID: b.RunID + "." + sub.UserID,
					RunID: b.RunID, Reasons: reasons(m), FoundAt: now,
				})
				if err != nil {
					errs = append(errs, fmt.Errorf("user %s: %w", sub.UserID, err))
					continue
				}
				if ar.Action == alerts.Created || ar.Action == alerts.Updated {
					res.Alerts++
				}
			}
			if r.PEP && st.Outcome == string(screening.OutcomeClear) {
				st.Reasons = append(st.Reasons, "pep")
			}
		}
		if cfg.Checks.VendorAML && s.Vendor != nil && b.DeltaKey == "" {
			switch err := s.Vendor.RecheckAML(ctx, t, sub.UserID); {
			case errors.Is(err, onboarding.ErrNoVendorRecheck):
				st.Reasons = append(st.Reasons, "vendor_recheck_unavailable") // MetaMap, or no applicant
			case err != nil:
				st.Reasons = append(st.Reasons, "vendor_recheck_failed")
				s.log().Warn("vendor AML recheck failed", "tenant", t, "user", sub.UserID, "error", err)
			default:
				st.Reasons = append(st.Reasons, "vendor_recheck_requested")
			}
		}
		// A delta run keeps only what it found: a user it cleared keeps the status of the
		// last full run (a write per user would make a delta run cost what a full one does).
		if b.DeltaKey == "" || len(st.Matches) > 0 {
			statuses = append(statuses, st)
		}
		res.Screened++
	}
	if len(errs) > 0 {
		return res, errors.Join(errs...)
	}
	if err := s.writeStatuses(ctx, statuses); err != nil {
		return res, err
	}
	counted, err := s.count(ctx, t, b, res)
	res.Counted = counted
	return res, err
}

func reasons(m screening.Match) []string {
	ex := m.Explanation
	return []string{"name:" + ex.MatchedNameKind + ":" + strconv.FormatFloat(ex.Name.Score, 'f', 2, 64),
		"dob:" + ex.DOB.Agreement, "country:" + ex.Country.Agreement, "type:" + ex.Type.Agreement}
}

func entityType(t string) sanctions.EntityType {
	if t == lists.TypeOrganisation {
		return sanctions.TypeOrganisation
	}
	return sanctions.TypePerson
}

// count records the batch once: its marker and the run's counters in one transaction.
func (s *Service) count(ctx context.Context, t store.TenantID, b Batch, res BatchResult) (bool, error) {
	err := s.Store.Tx().
		Create(store.MonitoringBatchKey(t, b.RunID, b.No), batchItem{TenantID: string(t), Screened: int64(res.Screened),
			Skipped: int64(res.Skipped), Alerts: int64(res.Alerts), At: store.FormatTime(s.now())}).
		Increment(store.MonitoringRunKey(t, b.RunID), map[string]int64{"batchesDone": 1, "screened": int64(res.Screened),
			"skipped": int64(res.Skipped), "alerts": int64(res.Alerts)}).
		Exec(ctx)
	if errors.Is(err, store.ErrAlreadyExists) {
		return false, nil // counted by an earlier delivery
	}
	if err != nil {
		return false, fmt.Errorf("monitoring: count batch: %w", err)
	}
	return true, s.finishIfComplete(ctx, t, b.RunID)
}

// writeStatuses overwrites the users' monitoring statuses, 25 a call.
func (s *Service) writeStatuses(ctx context.Context, sts []userStatus) error {
	if s.DB == nil || len(sts) == 0 {
		return nil
	}
	table := s.Store.Table()
	for i := 0; i < len(sts); i += 25 {
		var reqs []ddbtypes.WriteRequest
		for _, st := range sts[i:min(i+25, len(sts))] {
			item, err := store.Marshal(store.UserMonitoringKey(store.TenantID(st.TenantID), st.UserID), st)
			if err != nil {
				return err
			}
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: item}})
		}
		for attempt := 0; len(reqs) > 0; attempt++ {
			if attempt == 6 {
				return fmt.Errorf("monitoring: %d statuses unwritten", len(reqs))
			}
			if attempt > 0 {
				time.Sleep(time.Duration(20<<attempt) * time.Millisecond)
			}
			out, err := s.DB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]ddbtypes.WriteRequest{table: reqs}})
			if err != nil {
				return fmt.Errorf("monitoring: write statuses: %w", err)
			}
			reqs = out.UnprocessedItems[table]
		}
	}
	return nil
}

// versionCache keeps, per process, the delta indexes and entry hashes of list versions
// (a worker serves many batches of one run).
type versionCache struct {
	mu     sync.Mutex
	deltas map[string]*screening.Index             // by delta key
	hashes map[string]map[string]map[string]string // by entities key
}

// indexFor is the index a batch screens against (the current version, or a delta index
// of the batch's version), that version's id and its entry hashes.
func (s *Service) indexFor(ctx context.Context, b Batch) (*screening.Index, string, map[string]map[string]string, error) {
	loaded, err := s.Lists.Current(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	ix, version, hashesKey := loaded.Index, loaded.Version, loaded.EntitiesKey
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.deltas == nil {
		s.cache.deltas, s.cache.hashes = map[string]*screening.Index{}, map[string]map[string]map[string]string{}
	}
	if b.DeltaKey != "" {
		d, ok := s.cache.deltas[b.DeltaKey]
		if !ok {
			ls, err := lists.ReadDelta(ctx, s.Objects, s.Bucket, b.DeltaKey)
			if err != nil {
				return nil, "", nil, err
			}
			if d, err = screening.BuildDelta(loaded.Index, ls...); err != nil {
				return nil, "", nil, err
			}
			if len(s.cache.deltas) > 8 {
				clear(s.cache.deltas)
			}
			s.cache.deltas[b.DeltaKey] = d
		}
		ix, version, hashesKey = d, b.ListVersion, b.EntitiesKey
	}
	h, ok := s.cache.hashes[hashesKey]
	if !ok && hashesKey != "" {
		if h, err = lists.ReadEntityHashes(ctx, s.Objects, s.Bucket, hashesKey); err != nil {
			return nil, "", nil, err
		}
		if len(s.cache.hashes) > 4 {
			clear(s.cache.hashes)
		}
		s.cache.hashes[hashesKey] = h
	}
	return ix, version, h, nil
}
