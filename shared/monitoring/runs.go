package monitoring

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Run statuses.
const (
	RunPlanning = "planning" // users are being sent to the workers
	RunRunning  = "running"  // every batch is queued; workers are screening
	RunDone     = "done"     // every batch was screened
	RunSkipped  = "skipped"  // nothing to do (monitoring off, or no delta)
)

// Run is one re-screening of a tenant's users, with its progress.
type Run struct {
	ID          string `json:"id" dynamodbav:"runId"`
	Trigger     string `json:"trigger" dynamodbav:"trigger"`
	ListVersion string `json:"listVersion,omitempty" dynamodbav:"listVersion,omitempty"`
	Delta       bool   `json:"delta" dynamodbav:"delta"`
	Status      string `json:"status" dynamodbav:"status"`
	Reason      string `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	Planned     int64  `json:"usersPlanned" dynamodbav:"planned"`
	Batches     int64  `json:"batches" dynamodbav:"batches"`
	BatchesDone int64  `json:"batchesDone" dynamodbav:"batchesDone"`
	Screened    int64  `json:"usersScreened" dynamodbav:"screened"`
	Skipped     int64  `json:"usersSkipped" dynamodbav:"skipped"`
	Failed      int64  `json:"usersFailed" dynamodbav:"failed"`
	Alerts      int64  `json:"alertsRaised" dynamodbav:"alerts"`
	StartedAt   string `json:"startedAt" dynamodbav:"startedAt"`
	PlannedAt   string `json:"plannedAt,omitempty" dynamodbav:"plannedAt,omitempty"`
	FinishedAt  string `json:"finishedAt,omitempty" dynamodbav:"finishedAt,omitempty"`
}

type runItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Run
}

func (runItem) EntityType() string { return "monitoring_run" }

func (r runItem) Indexes() store.Indexes {
	at, _ := store.ParseTime(r.StartedAt)
	return store.Indexes{GSI1: store.Key{PK: store.MonitoringRunsPK(store.TenantID(r.TenantID)), SK: store.TimeSK(at, r.ID)}}
}

type batchItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Screened int64  `dynamodbav:"screened"`
	Skipped  int64  `dynamodbav:"skipped"`
	Alerts   int64  `dynamodbav:"alerts"`
	At       string `dynamodbav:"at"`
}

func (batchItem) EntityType() string { return "monitoring_batch" }

// runID names a run after what triggered it, so that a redelivered trigger finds its run:
// a scheduled occurrence, or a list version. Manual runs get a fresh id.
func runID(t Trigger, now time.Time) string {
	if t.Kind == TriggerManual {
		return store.NewID()
	}
	if t.Kind == TriggerSchedule && (t.At == "" || strings.HasPrefix(t.At, "<")) {
		// The scheduler did not fill its scheduled time in: the hour stands in, so that a
		// retry within the hour is still one run and the next occurrence another.
		t.At = now.UTC().Truncate(time.Hour).Format(time.RFC3339)
	}
	sum := sha256.Sum256([]byte(t.Tenant + "\x00" + t.Kind + "\x00" + t.At + "\x00" + t.ListVersion))
	return "R" + hex.EncodeToString(sum[:12])
}

// GetRun reads one of the tenant's runs.
func (s *Service) GetRun(ctx context.Context, t store.TenantID, id string) (Run, error) {
	notFound := failure.Missing("run_not_found", "no such monitoring run")
	if !store.ValidID(id) || len(id) > 64 {
		return Run{}, notFound
	}
	var it runItem
	if err := s.Store.Get(ctx, store.MonitoringRunKey(t, id), &it); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Run{}, notFound
		}
		return Run{}, fmt.Errorf("monitoring: read run: %w", err)
	}
	if it.TenantID != string(t) {
		return Run{}, notFound
	}
	return it.Run, nil
}

// ListRuns pages the tenant's runs, newest first.
func (s *Service) ListRuns(ctx context.Context, t store.TenantID, cursor string, limit int) ([]Run, string, error) {
	page, err := s.Store.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.MonitoringRunsPK(t), Tenant: t,
		Limit: limit, Cursor: cursor, Descending: true})
	if err != nil {
		return nil, "", fmt.Errorf("monitoring: list runs: %w", err)
	}
	items, err := store.Items[runItem](page)
	if err != nil {
		return nil, "", err
	}
	out := make([]Run, 0, len(items))
	for _, it := range items {
		out = append(out, it.Run)
	}
	return out, page.NextCursor, nil
}
