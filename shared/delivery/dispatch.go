package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// DispatchResult says what one event became.
type DispatchResult struct {
	Deliveries int // created now
	Existing   int // created by an earlier dispatch of the same event
	Skipped    int // for disabled endpoints: listed as failed, not attempted
}

// Dispatch creates one delivery of ev per enabled endpoint of its tenant whose filter
// takes ev's type, and queues their first attempts. It is idempotent: a delivery's id
// comes from the event and the endpoint, so an event dispatched again creates nothing
// new; a delivery created before a crash that had not queued its attempt is queued again
// (the attempt's claim makes a duplicate harmless).
func (s *Service) Dispatch(ctx context.Context, ev events.Envelope) (DispatchResult, error) {
	var res DispatchResult
	if ev.TenantID == "" || store.TenantID(ev.TenantID) == store.PlatformTenant || !store.ValidID(ev.TenantID) {
		return res, nil // platform events have no client to tell
	}
	if _, ok := webhooks.Lookup(ev.Type); !ok {
		return res, nil // not a client-facing type (the rule should not have sent it)
	}
	if err := webhooks.ValidateData(ev.Type, ev.Data); err != nil {
		// The catalogue is the contract with clients: a payload outside it is our bug.
		// It is delivered all the same (dropping it would lose an event) and shouts here.
		s.log.Error("event data does not match the catalogue", "type", ev.Type, "eventId", ev.ID, "error", err.Error())
	}
	tenant := store.TenantID(ev.TenantID)
	eps, err := s.Endpoints(ctx, tenant)
	if err != nil {
		return res, err
	}
	body := webhooks.Encode(webhooks.Message{Type: ev.Type, Timestamp: ev.Time, Data: ev.Data})
	var queue []message
	about := aboutEndpoint(ev)
	for _, ep := range eps {
		if !webhooks.Matches(ep.EventTypes, ev.Type) || ep.ID == about {
			continue // not wanted, or the disabled endpoint's own news, for the others
		}
		if ep.Disabled {
			// Nothing is dropped in silence: a disabled endpoint's events are listed as
			// failed (endpoint_disabled), to be replayed once it is enabled again.
			d, _, err := s.createSkipped(ctx, tenant, ep.ID, ev, body)
			if err != nil {
				return res, err
			}
			res.Skipped++
			if d.Status == StatusPending && len(d.Attempts) == 0 {
				// Created before the endpoint was disabled and never queued: queue it; the
				// attempt fails it as endpoint_disabled, so it is listed and replayable.
				queue = append(queue, message{Kind: kindAttempt, Tenant: string(tenant), Delivery: d.ID, Attempt: 1, Token: d.NextToken})
			}
			continue
		}
		d, created, err := s.createDelivery(ctx, tenant, ep.ID, ev, body)
		if err != nil {
			return res, err
		}
		switch {
		case created:
			res.Deliveries++
		case d.Status == StatusPending && len(d.Attempts) == 0:
			res.Existing++ // created, maybe never queued: queue it again
		default:
			res.Existing++
			continue
		}
		queue = append(queue, message{Kind: kindAttempt, Tenant: string(tenant), Delivery: d.ID, Attempt: 1, Token: d.NextToken})
	}
	return res, s.enqueueAll(ctx, queue)
}

// createSkipped records the delivery of an event to a disabled endpoint: failed, with no
// attempt, its reason given.
func (s *Service) createSkipped(ctx context.Context, tenant store.TenantID, endpointID string, ev events.Envelope, body []byte) (Delivery, bool, error) {
	return s.create(ctx, tenant, endpointID, ev, body, StatusFailed, "endpoint_disabled")
}

// aboutEndpoint is the endpoint an endpoint event is about ("" for other events).
func aboutEndpoint(ev events.Envelope) string {
	if !strings.HasPrefix(ev.Type, "webhook.endpoint_") {
		return ""
	}
	var d struct {
		EndpointID string `json:"endpointId"`
	}
	_ = json.Unmarshal(ev.Data, &d)
	return d.EndpointID
}

func (s *Service) createDelivery(ctx context.Context, tenant store.TenantID, endpointID string, ev events.Envelope, body []byte) (Delivery, bool, error) {
	return s.create(ctx, tenant, endpointID, ev, body, StatusPending, "")
}

func (s *Service) create(ctx context.Context, tenant store.TenantID, endpointID string, ev events.Envelope, body []byte, status, reason string) (Delivery, bool, error) {
	now := ts(s.nowUTC())
	next := now
	if status != StatusPending {
		next = ""
	}
	d := Delivery{
		ID: deliveryID(ev.ID, endpointID), TenantID: string(tenant), EndpointID: endpointID, EventID: ev.ID,
		EventType: ev.Type, EventTime: ts(ev.Time), Status: status, Attempts: []Attempt{}, NextAttemptAt: next,
		Body: string(body), SkippedReason: reason, CreatedAt: now, UpdatedAt: now,
		ExpiresAt: ev.Time.Add(DeliveryRetention).Unix(),
	}
	err := s.st.Create(ctx, store.WebhookDeliveryKey(tenant, d.ID), d)
	if errors.Is(err, store.ErrAlreadyExists) {
		var cur Delivery
		if err := s.st.Get(ctx, store.WebhookDeliveryKey(tenant, d.ID), &cur); err != nil {
			return Delivery{}, false, err
		}
		return cur, false, nil
	}
	if err != nil {
		return Delivery{}, false, fmt.Errorf("delivery: create delivery: %w", err)
	}
	d.Version = 1
	return d, true, nil
}
