package onboarding

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/store"
)

// VendorEvent is an accepted vendor webhook, normalised: what the decision worker needs,
// no personal data (vendors' webhooks carry none; identity is fetched from their API).
type VendorEvent struct {
	Vendor      string    `json:"vendor"`
	Type        string    `json:"type"`
	ApplicantID string    `json:"applicantId"`
	At          time.Time `json:"at"` // the vendor's event time: the newest wins
	// Decisive events make the worker read the applicant's review from the vendor's API
	// (Sumsub applicantReviewed completed; MetaMap verification_completed/updated).
	Decisive     bool     `json:"decisive"`
	ReviewStatus string   `json:"reviewStatus,omitempty"`
	Answer       string   `json:"answer,omitempty"`
	RejectType   string   `json:"rejectType,omitempty"`
	Labels       []string `json:"labels,omitempty"`
	Key          string   `json:"key"` // dedup key, from the body
	// Ignore: a type onboarding does not act on (actions, transaction monitoring, AML
	// cases, types unknown today): recorded and acknowledged, not queued.
	Ignore bool `json:"-"`
}

// Vendor event statuses.
const (
	eventReceived  = "received"
	eventProcessed = "processed"
	eventIgnored   = "ignored"
)

// vendorEventTTL keeps dedup records past the vendors' longest retry (Sumsub: 18 h).
const vendorEventTTL = 7 * 24 * time.Hour

// requeueAfter: a duplicate of an event received but still not processed this long after
// is enqueued again (the first enqueue may have been lost with its Lambda).
const requeueAfter = 2 * time.Minute

type vendorEventItem struct {
	store.Meta
	Vendor      string `dynamodbav:"vendor"`
	Type        string `dynamodbav:"type"`
	ApplicantID string `dynamodbav:"applicantId"`
	At          string `dynamodbav:"at"`
	Status      string `dynamodbav:"status"`
	ReceivedAt  string `dynamodbav:"receivedAt"`
	ExpiresAt   int64  `dynamodbav:"expiresAt"`
}

func (vendorEventItem) EntityType() string { return EntityVEvent }

// Accepted says what Receive did with a delivery.
type Accepted struct {
	Duplicate bool
	Requeued  bool
}

// Receive records a verified vendor event once and enqueues it for the decision; a
// duplicate is acknowledged and not processed again (unless its first enqueue was lost).
// It costs one PutItem and one SendMessage.
func (s *Service) Receive(ctx context.Context, ev VendorEvent) (Accepted, error) {
	if ev.Key == "" || ev.ApplicantID == "" || ev.Vendor == "" {
		return Accepted{}, fmt.Errorf("onboarding: incomplete vendor event")
	}
	now := s.now()
	key := store.VendorEventKey(ev.Vendor, ev.Key)
	it := vendorEventItem{Vendor: ev.Vendor, Type: ev.Type, ApplicantID: ev.ApplicantID, At: store.FormatTime(ev.At),
		Status: eventReceived, ReceivedAt: store.FormatTime(now), ExpiresAt: now.Add(vendorEventTTL).Unix()}
	if ev.Ignore {
		it.Status = eventIgnored
	}
	err := s.Store.Create(ctx, key, it)
	if errors.Is(err, store.ErrAlreadyExists) {
		var old vendorEventItem
		if err := s.Store.Get(ctx, key, &old); err != nil {
			return Accepted{}, err
		}
		got, _ := store.ParseTime(old.ReceivedAt)
		if old.Status == eventReceived && now.Sub(got) > requeueAfter {
			if err := s.Queue.Enqueue(ctx, ev); err != nil {
				return Accepted{}, err
			}
			return Accepted{Duplicate: true, Requeued: true}, nil
		}
		return Accepted{Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, err
	}
	if ev.Ignore {
		return Accepted{}, nil
	}
	if err := s.Queue.Enqueue(ctx, ev); err != nil {
		// Not enqueued: forget it, so the vendor's retry is taken as new.
		if derr := s.Store.Delete(ctx, key, 1); derr != nil {
			s.Log.ErrorContext(ctx, "vendor event recorded but neither enqueued nor forgotten", "vendor", ev.Vendor, "error", derr.Error())
		}
		return Accepted{}, err
	}
	return Accepted{}, nil
}

// markProcessed closes the event's dedup record.
func (s *Service) markProcessed(ctx context.Context, ev VendorEvent) {
	if ev.Key == "" {
		return
	}
	if err := s.Store.PutIf(ctx, store.VendorEventKey(ev.Vendor, ev.Key), vendorEventItem{Vendor: ev.Vendor, Type: ev.Type,
		ApplicantID: ev.ApplicantID, At: store.FormatTime(ev.At), Status: eventProcessed, ReceivedAt: store.FormatTime(s.now()),
		ExpiresAt: s.now().Add(vendorEventTTL).Unix()}, store.Cond{}); err != nil {
		s.Log.WarnContext(ctx, "vendor event not marked processed", "vendor", ev.Vendor, "error", err.Error())
	}
}

// Process is the decision worker's step for one vendor event. It is idempotent and safe
// to run concurrently for one user: events older than what was applied change nothing,
// version conflicts re-read and decide again, and a user left in pending_aml by a crash
// is screened when the event comes back.
func (s *Service) Process(ctx context.Context, ev VendorEvent) error {
	if s.Proofs != nil {
		t, tradeID, proofID, userID, ok, err := s.Proofs.FindProof(ctx, ev.Vendor, ev.ApplicantID)
		if err != nil {
			return err
		}
		if ok {
			return s.processProof(ctx, ev, t, tradeID, proofID, userID)
		}
	}
	app, err := s.findApplicant(ctx, ev.Vendor, ev.ApplicantID)
	if isNotFound(err) {
		// Not ours (another environment's applicant) or not yet mapped: recorded, ignored.
		s.Log.WarnContext(ctx, "vendor event for an unknown applicant", "vendor", ev.Vendor, "type", ev.Type)
		s.markProcessed(ctx, ev)
		return nil
	}
	if err != nil {
		return err
	}
	t := store.TenantID(app.TenantID)
	err = retry(ctx, func() error { return s.applyEvent(ctx, t, app.UserID, ev) })
	if err != nil {
		return err
	}
	if err := retry(ctx, func() error { return s.continueOnboarding(ctx, t, app.UserID) }); err != nil {
		return err
	}
	s.markProcessed(ctx, ev)
	return nil
}

var vendorActor = func(vendor string) audit.Actor { return audit.Actor{Type: "vendor", ID: vendor} }
