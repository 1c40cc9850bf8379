package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/metrics"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// errClaimed: another worker holds this attempt; SQS delivers the message again after its
// visibility timeout, by when the claim has either become an attempt or expired.
var errClaimed = errors.New("delivery: attempt in flight elsewhere")

// Process handles one message of the delivery queue: an attempt or a replay job. An error
// leaves the message to SQS, which delivers it again and, after maxReceiveCount, moves it
// to the dead-letter queue.
func (s *Service) Process(ctx context.Context, raw []byte) error {
	var m message
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("delivery: unreadable message: %w", err)
	}
	if err := m.valid(); err != nil {
		return err
	}
	if m.Kind == kindReplay {
		return s.replay(ctx, m)
	}
	return s.attemptMessage(ctx, m)
}

func (s *Service) attemptMessage(ctx context.Context, m message) error {
	now := s.nowUTC()
	if nb := parseTS(m.NotBefore); !nb.IsZero() && now.Add(time.Second).Before(nb) {
		return s.enqueue(ctx, m, nb.Sub(now)) // not due yet: a delay longer than SQS allows
	}
	tenant := store.TenantID(m.Tenant)
	d, err := s.Delivery(ctx, tenant, m.Delivery)
	if errors.Is(err, errDeliveryNotFound) {
		s.log.Warn("message for an unknown delivery", "tenantId", m.Tenant, "deliveryId", m.Delivery)
		return nil
	}
	if err != nil {
		return err
	}
	n := m.Attempt
	made := len(d.Attempts)
	switch {
	case made > n:
		return nil // a duplicate of a message whose successor was made too
	case made == n:
		// Made already: a duplicate, or the message came back because queueing the next
		// attempt failed after this one was recorded. Queue the next one again under a
		// new chain token (on the delivery's version: of several duplicates one wins),
		// which retires any message of the old chain, so the chain never forks.
		if d.Status != StatusPending || d.ClaimAttempt != 0 || m.Manual {
			return nil
		}
		return s.requeueNext(ctx, d)
	case made < n-1:
		return nil // ahead of the record: an earlier attempt's message is still to come
	case !m.Manual && (d.Status != StatusPending || m.Token != d.NextToken):
		return nil // not due any more, or a message of a retired chain
	}
	_, _, err = s.makeAttempt(ctx, d, n, m.Manual, false)
	if errors.Is(err, errLostClaim) || errors.Is(err, errClaimed) {
		// Another worker holds or made this attempt; if it dies, its own message comes
		// back when the claim has expired.
		return nil
	}
	return err
}

// requeueNext queues the next attempt of a pending delivery under a fresh chain token.
func (s *Service) requeueNext(ctx context.Context, d Delivery) error {
	next := d
	next.NextToken, next.UpdatedAt = newToken(), ts(s.nowUTC())
	if _, err := s.st.Update(ctx, store.WebhookDeliveryKey(store.TenantID(d.TenantID), d.ID), d.Version, next); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil // another duplicate did it
		}
		return err
	}
	m := message{Kind: kindAttempt, Tenant: d.TenantID, Delivery: d.ID, Attempt: len(d.Attempts) + 1, NotBefore: d.NextAttemptAt, Token: next.NextToken}
	return s.enqueue(ctx, m, parseTS(d.NextAttemptAt).Sub(s.nowUTC()))
}

// errLostClaim: the delivery changed under us before the attempt (another worker claimed
// it): nothing to do.
var errLostClaim = errors.New("delivery: attempt claimed elsewhere")

// makeAttempt claims attempt n of d, sends it, records it, queues the next attempt or
// fails the delivery, and updates the endpoint's health. manual attempts have no
// automatic successor; force sends to a disabled endpoint (a test the tenant asked for).
func (s *Service) makeAttempt(ctx context.Context, d Delivery, n int, manual, force bool) (Delivery, Attempt, error) {
	tenant := store.TenantID(d.TenantID)
	key := store.WebhookDeliveryKey(tenant, d.ID)
	now := s.nowUTC()
	if d.ClaimAttempt == n && now.Before(parseTS(d.ClaimUntil)) {
		return d, Attempt{}, errClaimed
	}
	// The claim marks the attempt in flight without changing the status: if the worker
	// dies, a failed delivery stays failed (retryable) and a pending one stays pending.
	claimed := d
	claimed.ClaimAttempt, claimed.ClaimUntil, claimed.UpdatedAt = n, ts(now.Add(claimTTL)), ts(now)
	v, err := s.st.Update(ctx, key, d.Version, claimed)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return d, Attempt{}, errLostClaim
	}
	if err != nil {
		return d, Attempt{}, err
	}
	claimed.Version = v

	ep, err := s.Endpoint(ctx, tenant, d.EndpointID)
	var epp *Endpoint
	switch {
	case errors.Is(err, errEndpointNotFound):
	case err != nil:
		return d, Attempt{}, err
	default:
		epp = &ep
	}
	var a webhooks.Attempt
	final := false
	switch {
	case epp == nil:
		a, final = webhooks.Attempt{At: now, ErrorCode: "endpoint_deleted", Error: "the endpoint was deleted"}, true
	case epp.Disabled && !force:
		a, final = webhooks.Attempt{At: now, ErrorCode: "endpoint_disabled", Error: "the endpoint is disabled"}, true
	default:
		secrets, err := s.secrets(ctx, *epp, now)
		if err != nil {
			return d, Attempt{}, err // the claim expires and the message comes back
		}
		// Reading the endpoint and its secrets may have been slow (KMS throttled): never
		// send past the claim, or a duplicate could claim and send at the same time.
		if s.nowUTC().Add(s.sendBudget()).After(parseTS(claimed.ClaimUntil)) {
			return d, Attempt{}, fmt.Errorf("delivery: claim of %s ran short before sending", d.ID)
		}
		a = s.sender.Send(ctx, webhooks.Request{URL: epp.URL, MsgID: d.EventID, Secrets: secrets, Body: []byte(d.Body), Now: s.now})
	}
	rec := attemptOf(n, a, manual)
	next := claimed
	next.Attempts = append(append([]Attempt(nil), claimed.Attempts...), rec)
	next.ClaimAttempt, next.ClaimUntil, next.UpdatedAt, next.SkippedReason = 0, "", ts(s.nowUTC()), ""
	var delay time.Duration
	exhausted := false
	switch {
	case a.Success:
		next.Status, next.NextAttemptAt, next.NextToken = StatusSucceeded, "", ""
	case final || manual:
		next.Status, next.NextAttemptAt, next.NextToken = StatusFailed, "", ""
	default:
		if dl, ok := webhooks.NextDelay(n, s.rand); ok {
			delay = dl
			next.Status, next.NextAttemptAt, next.NextToken = StatusPending, ts(a.At.Add(dl)), newToken()
		} else {
			next.Status, next.NextAttemptAt, next.NextToken, exhausted = StatusFailed, "", "", true
		}
	}
	// If this write fails the attempt was made but not recorded: the message comes back
	// once the claim expires and the attempt is made again (receivers de-duplicate on
	// webhook-id, which does not change).
	if v, err = s.st.Update(ctx, key, claimed.Version, next); err != nil {
		return d, rec, fmt.Errorf("delivery: record attempt %d of %s: %w", n, d.ID, err)
	}
	next.Version = v
	s.metric(d, n, a, manual, exhausted)
	if next.Status == StatusPending {
		m := message{Kind: kindAttempt, Tenant: d.TenantID, Delivery: d.ID, Attempt: n + 1, NotBefore: next.NextAttemptAt, Token: next.NextToken}
		if err := s.enqueue(ctx, m, delay); err != nil {
			return next, rec, err // the message comes back and queues it (see attemptMessage)
		}
	}
	if exhausted {
		if err := s.toDeadLetters(ctx, message{Kind: kindAttempt, Tenant: d.TenantID, Delivery: d.ID, Attempt: n}); err != nil {
			s.log.Error("exhausted delivery not copied to the dead-letter queue", "deliveryId", d.ID, "error", err.Error())
		}
	}
	if epp != nil && !final && !epp.Disabled {
		if err := s.noteHealth(ctx, tenant, *epp, a); err != nil {
			s.log.Error("endpoint health not recorded", "endpointId", epp.ID, "error", err.Error())
		}
	}
	return next, rec, nil
}

// noteHealth tracks an endpoint's failing streak: the first failure after a success
// starts it, a success ends it, and a streak of DisableAfter disables the endpoint. Writes
// happen only when something changes (or, on success, once an hour for lastSuccessAt).
func (s *Service) noteHealth(ctx context.Context, tenant store.TenantID, ep Endpoint, a webhooks.Attempt) error {
	for try := 0; try < 3; try++ {
		if try > 0 {
			var err error
			if ep, err = s.Endpoint(ctx, tenant, ep.ID); err != nil {
				if errors.Is(err, errEndpointNotFound) {
					return nil
				}
				return err
			}
		}
		next := ep
		var announce *events.Envelope
		var record *audit.Record
		if a.Success {
			if ep.FailingSince == "" && !ep.Recovering && a.At.Sub(parseTS(ep.LastSuccessAt)) < time.Hour {
				return nil
			}
			next.FailingSince, next.Recovering, next.LastSuccessAt = "", false, ts(a.At)
			if ep.Recovering {
				ev, err := events.New("webhook.endpoint_recovered", string(tenant), map[string]string{"endpointId": ep.ID, "recoveredAt": ts(a.At)}, a.At)
				if err != nil {
					return err
				}
				announce = &ev
				record = &audit.Record{Action: "webhook.endpoint_recovered", Actor: audit.System, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID}}
			}
		} else {
			switch {
			case ep.FailingSince == "":
				next.FailingSince = ts(a.At)
			case !ep.Disabled && a.At.Sub(parseTS(ep.FailingSince)) >= DisableAfter:
				next.Disabled, next.DisabledReason, next.DisabledAt = true, "failing", ts(a.At)
				ev, err := events.New("webhook.endpoint_disabled", string(tenant), map[string]string{
					"endpointId": ep.ID, "reason": "failing", "failingSince": ep.FailingSince, "disabledAt": ts(a.At),
				}, a.At)
				if err != nil {
					return err
				}
				announce = &ev
				record = &audit.Record{Action: "webhook.endpoint_disabled", Actor: audit.System, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID}, Reason: "failing"}
			default:
				return nil
			}
		}
		next.UpdatedAt = ts(s.nowUTC())
		var err error
		if record != nil {
			// The announcement goes to the outbox with the change: it is published if and
			// only if the endpoint was disabled (or recovered).
			_, err = s.audit.Commit(ctx, tenant, *record, func(tx *store.Tx) {
				tx.Update(store.WebhookEndpointKey(tenant, ep.ID), ep.Version, next)
				events.Stage(tx, *announce)
			})
		} else {
			_, err = s.st.Update(ctx, store.WebhookEndpointKey(tenant, ep.ID), ep.Version, next)
		}
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	return fmt.Errorf("delivery: endpoint %s kept changing", ep.ID)
}

// replayReserve is the time a replay job keeps in hand: with less, it queues its rest.
const replayReserve = 20 * time.Second

// replay re-sends an endpoint's failed deliveries since m.Since, in event order, one at a
// time; the first failure stops it (what follows would only fail too, and out of order).
func (s *Service) replay(ctx context.Context, m message) error {
	tenant := store.TenantID(m.Tenant)
	ep, err := s.Endpoint(ctx, tenant, m.Endpoint)
	if errors.Is(err, errEndpointNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if ep.Disabled {
		s.log.Info("replay stopped: endpoint disabled", "endpointId", ep.ID)
		return nil
	}
	from := m.Since
	if m.After != "" {
		from = m.After + "\x00" // strictly after the last one done
	}
	q := store.QueryInput{
		Index: store.IndexGSI2, PK: store.EndpointDeliveriesPK(tenant, ep.ID), Tenant: tenant, SKFrom: from, Limit: 50,
		Filter: store.Cond{Expr: "#st = :failed", Names: map[string]string{"#st": "status"}, Values: map[string]any{":failed": StatusFailed}},
	}
	var stop error
	var last string
	err = s.st.QueryAll(ctx, q, func(items []mapItem) (bool, error) {
		ds, err := store.Items[Delivery](store.Page{Items: items})
		if err != nil {
			return false, err
		}
		for _, listed := range ds {
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < replayReserve {
				stop = s.enqueue(ctx, message{Kind: kindReplay, Tenant: m.Tenant, Endpoint: ep.ID, Since: m.Since, After: last}, 0)
				return false, nil
			}
			// The index may lag: read the delivery itself before claiming it.
			d, err := s.Delivery(ctx, tenant, listed.ID)
			if err != nil {
				return false, err
			}
			if d.Status != StatusFailed {
				last = d.orderKey()
				continue // delivered since it was listed
			}
			if len(d.Attempts) >= MaxAttemptsKept {
				// Its record holds the most attempts kept: a replay skips it, as a manual
				// retry refuses it (too_many_attempts), so no delivery grows without bound.
				s.log.Warn("replay skipped a delivery at its attempt cap", "endpointId", ep.ID, "deliveryId", d.ID)
				last = d.orderKey()
				continue
			}
			_, a, err := s.makeAttempt(ctx, d, len(d.Attempts)+1, true, false)
			if errors.Is(err, errLostClaim) || errors.Is(err, errClaimed) {
				// Someone else is sending it: come back to it, so the order holds.
				stop = s.enqueue(ctx, message{Kind: kindReplay, Tenant: m.Tenant, Endpoint: ep.ID, Since: m.Since, After: last}, claimTTL)
				return false, nil
			}
			if err != nil {
				return false, err
			}
			last = d.orderKey()
			if !a.Success {
				s.log.Info("replay stopped at a failed attempt", "endpointId", ep.ID, "deliveryId", d.ID)
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	return stop
}

// SendTest sends a webhook.test event to one endpoint now (even a disabled one: the
// tenant asked) and answers with the delivery and the attempt's outcome.
func (s *Service) SendTest(ctx context.Context, tenant store.TenantID, id string) (Delivery, Attempt, error) {
	ep, err := s.Endpoint(ctx, tenant, id)
	if err != nil {
		return Delivery{}, Attempt{}, err
	}
	ev, err := events.New("webhook.test", string(tenant), map[string]string{"endpointId": ep.ID}, s.nowUTC())
	if err != nil {
		return Delivery{}, Attempt{}, err
	}
	body := webhooks.Encode(webhooks.Message{Type: ev.Type, Timestamp: ev.Time, Data: ev.Data})
	// Created failed, as a manual delivery not yet attempted: if this request dies before
	// the attempt is recorded, the delivery is retryable, never stuck pending.
	d, _, err := s.create(ctx, tenant, ep.ID, ev, body, StatusFailed, "")
	if err != nil {
		return Delivery{}, Attempt{}, err
	}
	return s.makeAttempt(ctx, d, 1, true, true)
}

// metric writes one CloudWatch embedded-metric line per attempt: attempts, successes,
// deliveries whose attempts are spent, and, for the first automatic attempt, the time
// from the event to it (tests and manual retries would skew it).
func (s *Service) metric(d Delivery, n int, a webhooks.Attempt, manual, exhausted bool) {
	vals := map[string]float64{"WebhookAttempts": 1, "WebhookSucceeded": b2f(a.Success), "WebhookExhausted": b2f(exhausted)}
	if n == 1 && !manual {
		vals["WebhookFirstAttemptLatencyMs"] = float64(a.At.Sub(parseTS(d.EventTime)).Milliseconds())
	}
	metrics.EMF(s.metrics, "ChainGuard/Webhooks", vals, s.nowUTC())
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
