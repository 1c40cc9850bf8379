package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/screening"
	"github.com/chainfi/chainguard/shared/store"
)

// A full run leaves a snapshot of what it screened: each batch's subjects (user id,
// query, hash), envelope-encrypted (purpose monitoring.subjects) in the monitoring
// bucket, one object per batch, kept 35 days. A delta run reads these objects instead of
// every user, so that it costs one S3 read per batch and a few microseconds of CPU per
// user: a small fraction of a full run, which reads every user from the table. Users
// created since (or shortly before) the snapshot are read as in a full run.

// PurposeSubjects is the encryption purpose of snapshot objects.
const PurposeSubjects = "monitoring.subjects"

// snapshotOverlap is how long before a snapshot a user may have been created and still
// be read one by one by a delta run: users onboarded around a full run (the KYC deadline
// is 24 hours by default), who may have become active after the snapshot was planned.
// A user created earlier and activated after the snapshot (a long review, an appeal) is
// screened against new versions from the next full run on, at most a cadence later; a
// user in both is screened twice, which raises nothing twice.
const snapshotOverlap = 48 * time.Hour

// snapshotMaxAge is the oldest snapshot a delta run uses; an older one (monitoring with a
// monthly cadence whose run failed) is ignored and the delta run reads every user.
const snapshotMaxAge = 35 * 24 * time.Hour

// snapshotSubject is a user as a delta run screens them: the query already prepared
// (screening.Prepare), so that the delta run does not prepare it again.
type snapshotSubject struct {
	UserID   string             `json:"u"`
	Prepared screening.Prepared `json:"p"`
	Hash     string             `json:"h"`
}

// snapshotItem points at the tenant's newest complete full run.
type snapshotItem struct {
	store.Meta
	TenantID  string `dynamodbav:"tenantId"`
	RunID     string `dynamodbav:"runId"`
	Batches   int64  `dynamodbav:"batches"`
	Users     int64  `dynamodbav:"users"`
	PlannedAt string `dynamodbav:"plannedAt"`
	// PrepareVersion is the screening.PrepareVersion the snapshot's queries
	// were prepared under; a snapshot of another version (written before a
	// release that prepares names differently) is not used, so that a
	// delta run screens every user as a full run would.
	PrepareVersion int `dynamodbav:"prepareVersion"`
}

// usable says whether the snapshot item may serve tenant t's delta run at now.
func (it snapshotItem) usable(t store.TenantID, now time.Time) bool {
	at, err := store.ParseTime(it.PlannedAt)
	return err == nil && it.TenantID == string(t) && now.Sub(at) <= snapshotMaxAge && it.PrepareVersion == screening.PrepareVersion
}

func (snapshotItem) EntityType() string { return "monitoring_snapshot" }

func snapshotKey(t store.TenantID, runID string, batch int) string {
	return "subjects/" + string(t) + "/" + runID + "/" + strconv.Itoa(batch)
}

// writeSnapshot stores a full run's batch of subjects.
func (s *Service) writeSnapshot(ctx context.Context, t store.TenantID, b Batch, subs []subject) error {
	if s.Snapshots == nil {
		return nil
	}
	out := make([]snapshotSubject, len(subs))
	for i, sub := range subs {
		out[i] = snapshotSubject{UserID: sub.UserID, Prepared: sub.prepared, Hash: sub.Hash}
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	ct, err := s.Enc.Encrypt(ctx, envelope.Context{Tenant: string(t), Record: b.RunID + "/" + strconv.Itoa(b.No), Purpose: PurposeSubjects}, raw)
	if err != nil {
		return fmt.Errorf("monitoring: encrypt snapshot: %w", err)
	}
	_, err = s.Snapshots.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.SnapshotBucket), Key: aws.String(snapshotKey(t, b.RunID, b.No)),
		Body: bytes.NewReader(ct), ContentLength: aws.Int64(int64(len(ct))), ContentType: aws.String("application/octet-stream")})
	if err != nil {
		return fmt.Errorf("monitoring: write snapshot: %w", err)
	}
	return nil
}

// readSnapshot reads one batch of a snapshot.
func (s *Service) readSnapshot(ctx context.Context, t store.TenantID, runID string, batch int) ([]subject, error) {
	out, err := s.Snapshots.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.SnapshotBucket), Key: aws.String(snapshotKey(t, runID, batch))})
	if err != nil {
		return nil, fmt.Errorf("monitoring: read snapshot: %w", err)
	}
	defer out.Body.Close()
	ct, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("monitoring: read snapshot: %w", err)
	}
	raw, err := s.Enc.Decrypt(ctx, envelope.Context{Tenant: string(t), Record: runID + "/" + strconv.Itoa(batch), Purpose: PurposeSubjects}, ct)
	if err != nil {
		return nil, fmt.Errorf("monitoring: decrypt snapshot: %w", err)
	}
	var subs []snapshotSubject
	if err := json.Unmarshal(raw, &subs); err != nil {
		return nil, fmt.Errorf("monitoring: snapshot: %w", err)
	}
	res := make([]subject, len(subs))
	for i, sub := range subs {
		res[i] = subject{Subject: onboarding.Subject{UserID: sub.UserID, Hash: sub.Hash}, prepared: sub.Prepared}
	}
	return res, nil
}

// markSnapshot makes a finished full run the tenant's snapshot, unless a newer one is.
func (s *Service) markSnapshot(ctx context.Context, t store.TenantID, r Run) error {
	if s.Snapshots == nil || r.Delta || r.Batches == 0 {
		return nil
	}
	err := s.Store.PutIf(ctx, store.MonitoringSnapshotKey(t), snapshotItem{TenantID: string(t), RunID: r.ID, Batches: r.Batches, Users: r.Screened, PlannedAt: r.PlannedAt,
		PrepareVersion: screening.PrepareVersion},
		store.Cond{Expr: "attribute_not_exists(#pk) OR #at < :at", Names: map[string]string{"#pk": store.AttrPK, "#at": "plannedAt"},
			Values: map[string]any{":at": r.PlannedAt}})
	if errors.Is(err, store.ErrConditionFailed) {
		return nil // a newer full run is the snapshot
	}
	return err
}

// snapshot is the tenant's usable snapshot, if any.
func (s *Service) snapshot(ctx context.Context, t store.TenantID) (snapshotItem, bool, error) {
	if s.Snapshots == nil {
		return snapshotItem{}, false, nil
	}
	var it snapshotItem
	err := s.Store.Get(ctx, store.MonitoringSnapshotKey(t), &it)
	if errors.Is(err, store.ErrNotFound) {
		return snapshotItem{}, false, nil
	}
	if err != nil {
		return snapshotItem{}, false, fmt.Errorf("monitoring: read snapshot: %w", err)
	}
	if !it.usable(t, s.now()) {
		return snapshotItem{}, false, nil
	}
	return it, true, nil
}
