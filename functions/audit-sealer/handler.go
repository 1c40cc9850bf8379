package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chainfi/chainguard/shared/audit"
	ev "github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/metrics"
	"github.com/chainfi/chainguard/shared/store"
)

type sealer struct {
	audit *audit.Log
	log   *slog.Logger
	out   io.Writer // where the CloudWatch embedded metric line goes
}

// input is either a batch of the table's stream or the sweep schedule's payload.
type input struct {
	Records []events.DynamoDBEventRecord `json:"Records"`
	Sweep   *struct {
		OlderThanSeconds int `json:"olderThanSeconds"`
		Limit            int `json:"limit"`
	} `json:"sweep"`
}

// Result answers the stream (the failed records, so Lambda retries from the first of
// them) and says what a sweep did.
type Result struct {
	BatchItemFailures []events.DynamoDBBatchItemFailure `json:"batchItemFailures"`
	Sealed            int                               `json:"sealed"`
	Skipped           int                               `json:"skipped"`
	Blocks            int                               `json:"blocks"`
	Conflicts         int                               `json:"conflicts"`
	FalseSeals        int                               `json:"falseSeals"` // records sealed over a seq nobody sealed
	Unreadable        int                               `json:"unreadable"` // audit items that cannot be read as records
}

// Handle seals a stream batch or runs a sweep.
func (s *sealer) Handle(ctx context.Context, raw json.RawMessage) (Result, error) {
	var in input
	if err := json.Unmarshal(raw, &in); err != nil {
		return Result{}, fmt.Errorf("audit-sealer: unreadable event: %w", err)
	}
	if in.Sweep != nil {
		return s.sweep(ctx, time.Duration(in.Sweep.OlderThanSeconds)*time.Second, in.Sweep.Limit)
	}
	return s.stream(ctx, in.Records), nil
}

// stream seals the records of a batch tenant by tenant. A tenant whose block could not be
// sealed has its records reported as failures: Lambda retries from the lowest of them, and
// records of other tenants sealed meanwhile are skipped on the retry.
func (s *sealer) stream(ctx context.Context, recs []events.DynamoDBEventRecord) Result {
	var res Result
	byTenant := map[string][]audit.Entry{}
	seqOf := map[string][]string{} // tenant -> sequence numbers of its stream records
	var order []string
	for _, r := range recs {
		if r.EventName != "INSERT" || r.Change.NewImage == nil {
			continue
		}
		item, err := ev.StreamImage(r.Change.NewImage)
		if err != nil {
			res.Unreadable++
			s.log.Error("stream record not readable", "eventId", r.EventID, "error", err.Error())
			continue
		}
		e, ok := audit.EntryFromItem(item)
		if !ok {
			// The filter only lets audit records through: one that cannot be read is
			// reported (the verifier reports it too, from the pending index), never
			// dropped in silence.
			res.Unreadable++
			s.log.Error("audit record not readable; left for the verifier to report", "eventId", r.EventID, "sequenceNumber", r.Change.SequenceNumber)
			continue
		}
		if audit.RecordHash(e) != e.Hash {
			// Sealed as committed all the same: the verifier reports the record as edited,
			// which is the truth about it.
			s.log.Warn("audit record does not match its hash", "tenantId", e.Tenant, "recordId", e.ID)
		}
		if _, ok := byTenant[e.Tenant]; !ok {
			order = append(order, e.Tenant)
		}
		byTenant[e.Tenant] = append(byTenant[e.Tenant], e)
		seqOf[e.Tenant] = append(seqOf[e.Tenant], r.Change.SequenceNumber)
	}
	for _, t := range order {
		st, err := s.audit.Seal(ctx, byTenant[t])
		res.add(st)
		if err != nil {
			s.log.Error("audit records not sealed; the batch will be retried", "tenantId", t, "records", len(byTenant[t]), "error", err.Error())
			for _, seq := range seqOf[t] {
				res.BatchItemFailures = append(res.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
			}
		}
	}
	if res.BatchItemFailures == nil {
		res.BatchItemFailures = []events.DynamoDBBatchItemFailure{}
	}
	s.metric(res, 0)
	return res
}

// sweepReserve is the time a sweep keeps in hand before its deadline: it starts no new
// round with less.
const sweepReserve = 15 * time.Second

// sweep seals records that waited longer than olderThan on the pending index, round after
// round while it finds some and time remains. A tenant whose chain cannot be sealed is
// left out of the next rounds, so that it does not hold the others back; the error is
// returned at the end, so the scheduler retries and the failure is seen.
func (s *sealer) sweep(ctx context.Context, olderThan time.Duration, limit int) (Result, error) {
	var res Result
	res.BatchItemFailures = []events.DynamoDBBatchItemFailure{}
	var failed []store.TenantID
	var errs []error
	for {
		st, err := s.audit.SealPending(ctx, olderThan, limit, failed...)
		res.add(st)
		res.Unreadable = st.Unreadable // the same items each round: report them once
		if err != nil {
			errs = append(errs, err)
			var se *audit.SealError
			if !errors.As(err, &se) || len(se.Tenants) == 0 {
				break
			}
			failed = append(failed, se.Tenants...)
		}
		dl, ok := ctx.Deadline()
		if (st.Sealed == 0 && err == nil) || (ok && time.Until(dl) < sweepReserve) || ctx.Err() != nil {
			break
		}
	}
	if res.Sealed > 0 {
		// The stream path should have sealed these: worth a look when it happens often.
		s.log.Warn("sweep sealed records the stream path had not", "sealed", res.Sealed, "olderThanSeconds", int(olderThan.Seconds()))
	}
	if res.FalseSeals > 0 || res.Unreadable > 0 {
		s.log.Error("audit records were tampered with before sealing", "falseSeals", res.FalseSeals, "unreadable", res.Unreadable)
	}
	s.metric(res, res.Sealed)
	return res, errors.Join(errs...)
}

func (r *Result) add(st audit.SealStats) {
	r.Sealed += st.Sealed
	r.Skipped += st.Skipped
	r.Blocks += st.Blocks
	r.Conflicts += st.Conflicts
	r.FalseSeals += st.FalseSeals
}

// metric writes a CloudWatch embedded-metric-format line (sealed records, blocks,
// conflicts, and records only the sweep sealed, on which an alarm can be set).
func (s *sealer) metric(r Result, swept int) {
	metrics.EMF(s.out, "ChainGuard/Audit", map[string]float64{
		"RecordsSealed": float64(r.Sealed), "BlocksSealed": float64(r.Blocks), "SealConflicts": float64(r.Conflicts),
		"RecordsSwept": float64(swept), "SealFailures": float64(len(r.BatchItemFailures)),
		"FalseSeals": float64(r.FalseSeals), "UnreadableRecords": float64(r.Unreadable),
	}, time.Now())
}
