package monitoring

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/store"
)

// Batch is one queue message: users of one run for one worker invocation.
type Batch struct {
	Tenant  string   `json:"tenantId"`
	RunID   string   `json:"runId"`
	No      int      `json:"batch"`
	UserIDs []string `json:"userIds"`
	// Set for delta runs: the version whose added and changed entries are screened.
	ListVersion string `json:"listVersion,omitempty"`
	DeltaKey    string `json:"deltaKey,omitempty"`
	EntitiesKey string `json:"entitiesKey,omitempty"`
	// SnapshotRun, set on delta runs, names the full run whose batches SnapshotBatches
	// hold the users to screen (UserIDs is empty then): a delta run's message carries
	// several, since screening them costs microseconds per user.
	SnapshotRun     string `json:"snapshotRun,omitempty"`
	SnapshotBatches []int  `json:"snapshotBatches,omitempty"`
}

// manualRunInterval is the least time between two runs a tenant asks for.
const manualRunInterval = 15 * time.Minute

type manualItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	RunID    string `dynamodbav:"runId"`
	At       string `dynamodbav:"at"`
}

func (manualItem) EntityType() string { return "monitoring_manual_run" }

// snapshotBatchesPerMessage is how many snapshot objects a delta run's message carries
// (1,000 users: a few milliseconds of screening, ten S3 reads).
const snapshotBatchesPerMessage = 10

// usersPage is how many users one index query reads while planning.
const usersPage = 500

// Plan starts a run for the trigger: it records the run, pages the tenant's monitored
// users and queues them in batches. It is idempotent per trigger: a redelivered trigger
// of a run already planned does nothing, and one whose planning was cut short plans it
// again (batches keep their numbers, and a batch is counted once however often it runs).
func (s *Service) Plan(ctx context.Context, trig Trigger) (Run, error) {
	t := store.TenantID(trig.Tenant)
	if !store.ValidID(trig.Tenant) {
		return Run{}, fmt.Errorf("monitoring: trigger without a valid tenant")
	}
	cfg, err := s.GetConfig(ctx, t)
	if err != nil {
		return Run{}, err
	}
	run := Run{ID: runID(trig, s.now()), Trigger: trig.Kind, ListVersion: trig.ListVersion, Delta: trig.Kind == TriggerListVersion,
		Status: RunPlanning, StartedAt: store.FormatTime(s.now())}
	switch {
	case !cfg.Enabled:
		run.Status, run.Reason = RunSkipped, "monitoring_off"
	case trig.Kind == TriggerListVersion && !cfg.RescreenOnListUpdate:
		run.Status, run.Reason = RunSkipped, "list_update_rescreen_off"
	case trig.Kind == TriggerListVersion && trig.DeltaKey == "":
		run.Status, run.Reason = RunSkipped, "no_added_or_changed_entries"
	}
	if run.Status == RunSkipped {
		run.FinishedAt = run.StartedAt
		if trig.Kind == TriggerManual {
			return Run{}, errMonitoringOff
		}
		// Recorded only for list versions (a tenant sees that a version found nothing to
		// do); a schedule that fires after monitoring was switched off leaves no trace.
		if trig.Kind == TriggerListVersion && cfg.Enabled {
			if err := s.Store.Create(ctx, store.MonitoringRunKey(t, run.ID), runItem{TenantID: string(t), Run: run}); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
				return Run{}, fmt.Errorf("monitoring: record run: %w", err)
			}
		}
		return run, nil
	}
	if trig.Kind == TriggerManual {
		// One run on request at a time per tenant, and not more often than every
		// manualRunInterval: each re-screens every user (and may ask the vendor for a paid
		// recheck of each), so a burst of requests must not become a burst of runs.
		if err := s.Store.PutIf(ctx, store.MonitoringManualKey(t), manualItem{TenantID: string(t), RunID: run.ID, At: run.StartedAt},
			store.Cond{Expr: "attribute_not_exists(#pk) OR #at < :cutoff", Names: map[string]string{"#pk": store.AttrPK, "#at": "at"},
				Values: map[string]any{":cutoff": store.FormatTime(s.now().Add(-manualRunInterval))}}); err != nil {
			if errors.Is(err, store.ErrConditionFailed) {
				return Run{}, failure.Conflicting("run_too_soon", "a run on request started less than %v ago; see GET /v1/monitoring/runs", manualRunInterval)
			}
			return Run{}, fmt.Errorf("monitoring: claim a run on request: %w", err)
		}
	}
	err = s.Store.Create(ctx, store.MonitoringRunKey(t, run.ID), runItem{TenantID: string(t), Run: run})
	if errors.Is(err, store.ErrAlreadyExists) {
		cur, err := s.GetRun(ctx, t, run.ID)
		if err != nil {
			return Run{}, err
		}
		if cur.Status != RunPlanning {
			return cur, nil // planned before: a redelivered trigger
		}
		run = cur
	} else if err != nil {
		return Run{}, fmt.Errorf("monitoring: record run: %w", err)
	}

	var (
		batch   []string
		pending []Batch
		planned int64
		no      int
	)
	flush := func(force bool) error {
		if len(batch) > 0 {
			pending = append(pending, Batch{Tenant: string(t), RunID: run.ID, No: no, UserIDs: batch,
				ListVersion: trig.ListVersion, DeltaKey: trig.DeltaKey, EntitiesKey: trig.EntitiesKey})
			no++
			batch = nil
		}
		if len(pending) == 10 || (force && len(pending) > 0) {
			if err := s.send(ctx, pending); err != nil {
				return err
			}
			pending = nil
		}
		return nil
	}
	// A delta run screens the newest full run's snapshot, and reads one by one only the
	// users created since (or shortly before) it.
	var since time.Time
	if run.Delta {
		snap, ok, err := s.snapshot(ctx, t)
		if err != nil {
			return Run{}, err
		}
		if ok {
			for first := 0; first < int(snap.Batches); first += snapshotBatchesPerMessage {
				var nos []int
				for i := first; i < min(first+snapshotBatchesPerMessage, int(snap.Batches)); i++ {
					nos = append(nos, i)
				}
				pending = append(pending, Batch{Tenant: string(t), RunID: run.ID, No: no, ListVersion: trig.ListVersion,
					DeltaKey: trig.DeltaKey, EntitiesKey: trig.EntitiesKey, SnapshotRun: snap.RunID, SnapshotBatches: nos})
				no++
				if err := flush(false); err != nil {
					return Run{}, err
				}
			}
			at, _ := store.ParseTime(snap.PlannedAt)
			since = at.Add(-snapshotOverlap)
			planned += snap.Users
		}
	}
	for _, st := range onboarding.MonitoredStatuses {
		cursor := ""
		for {
			ids, next, err := s.Users.UsersInStatus(ctx, t, st, since, cursor, usersPage)
			if err != nil {
				return Run{}, err
			}
			for _, id := range ids {
				batch = append(batch, id)
				planned++
				if len(batch) == s.batchSize() {
					if err := flush(false); err != nil {
						return Run{}, err
					}
				}
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if err := flush(true); err != nil {
		return Run{}, err
	}
	run.Planned, run.Batches, run.PlannedAt, run.Status = planned, int64(no), store.FormatTime(s.now()), RunRunning
	set := map[string]any{"planned": run.Planned, "batches": run.Batches, "plannedAt": run.PlannedAt, "status": RunRunning}
	if no == 0 {
		run.Status, run.FinishedAt = RunDone, run.PlannedAt
		set["status"], set["finishedAt"] = RunDone, run.FinishedAt
	}
	if err := s.patchRun(ctx, t, run.ID, set); err != nil {
		return Run{}, err
	}
	// Workers may have finished every batch before the plan knew how many there were.
	return run, s.finishIfComplete(ctx, t, run.ID)
}

var errMonitoringOff = failure.Conflicting("monitoring_off", "monitoring is off for this tenant; switch it on with PUT /v1/monitoring")

// send queues batches (at most 10, one SQS call), retrying what SQS did not take.
func (s *Service) send(ctx context.Context, bs []Batch) error {
	entries := make([]sqstypes.SendMessageBatchRequestEntry, 0, len(bs))
	for _, b := range bs {
		body, err := json.Marshal(b)
		if err != nil {
			return err
		}
		entries = append(entries, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(b.No)), MessageBody: aws.String(string(body))})
	}
	for attempt := 0; len(entries) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("monitoring: %d batches not queued", len(entries))
		}
		out, err := s.Queue.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.QueueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("monitoring: queue batches: %w", err)
		}
		failed := map[string]bool{}
		for _, f := range out.Failed {
			failed[aws.ToString(f.Id)] = true
		}
		var again []sqstypes.SendMessageBatchRequestEntry
		for _, e := range entries {
			if failed[aws.ToString(e.Id)] {
				again = append(again, e)
			}
		}
		entries = again
	}
	return nil
}

func (s *Service) patchRun(ctx context.Context, t store.TenantID, id string, set map[string]any) error {
	for attempt := 0; ; attempt++ {
		var it runItem
		if err := s.Store.Get(ctx, store.MonitoringRunKey(t, id), &it); err != nil {
			return fmt.Errorf("monitoring: read run: %w", err)
		}
		_, err := s.Store.Patch(ctx, store.MonitoringRunKey(t, id), it.Version, store.Changes{Set: set})
		if err == nil || !errors.Is(err, store.ErrConflict) || attempt == 10 {
			if err != nil {
				return fmt.Errorf("monitoring: update run: %w", err)
			}
			return nil
		}
	}
}

// finishIfComplete marks a running run done once every batch was counted.
func (s *Service) finishIfComplete(ctx context.Context, t store.TenantID, id string) error {
	for attempt := 0; attempt < 10; attempt++ {
		var it runItem
		if err := s.Store.Get(ctx, store.MonitoringRunKey(t, id), &it); err != nil {
			return fmt.Errorf("monitoring: read run: %w", err)
		}
		if it.Status != RunRunning || it.BatchesDone < it.Batches {
			return nil
		}
		_, err := s.Store.Patch(ctx, store.MonitoringRunKey(t, id), it.Version,
			store.Changes{Set: map[string]any{"status": RunDone, "finishedAt": store.FormatTime(s.now())}})
		if err == nil {
			return s.markSnapshot(ctx, t, it.Run)
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}

// PlanListVersion starts a delta run for every tenant whose monitoring is on and asks for
// re-screens on list updates, for a newly published version. Tenants fail alone: the
// error names those not planned, and the event's redelivery plans them (the others find
// their run and do nothing).
func (s *Service) PlanListVersion(ctx context.Context, v lists.VersionEvent) ([]Run, error) {
	if v.Initial {
		return nil, nil // nothing to compare with: the cadence's full runs cover it
	}
	var (
		runs   []Run
		errs   []error
		cursor string
	)
	for {
		page, err := s.Store.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.MonitoringEnabledPK, Limit: store.MaxLimit, Cursor: cursor})
		if err != nil {
			return runs, fmt.Errorf("monitoring: list enabled tenants: %w", err)
		}
		items, err := store.Items[configItem](page)
		if err != nil {
			return runs, err
		}
		for _, it := range items {
			r, err := s.Plan(ctx, Trigger{Tenant: it.TenantID, Kind: TriggerListVersion, ListVersion: v.Version,
				DeltaKey: v.DeltaKey, EntitiesKey: v.EntitiesKey})
			if err != nil {
				errs = append(errs, fmt.Errorf("tenant %s: %w", it.TenantID, err))
				continue
			}
			runs = append(runs, r)
		}
		if page.NextCursor == "" {
			return runs, errors.Join(errs...)
		}
		cursor = page.NextCursor
	}
}
