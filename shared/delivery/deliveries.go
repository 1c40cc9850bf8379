package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// Delivery is one event sent to one endpoint, with every attempt.
type Delivery struct {
	store.Meta
	ID         string `json:"id" dynamodbav:"id"`
	TenantID   string `json:"-" dynamodbav:"tenantId"`
	EndpointID string `json:"endpointId" dynamodbav:"endpointId"`
	EventID    string `json:"eventId" dynamodbav:"eventId"` // the webhook-id header, on every attempt
	EventType  string `json:"eventType" dynamodbav:"eventType"`
	EventTime  string `json:"eventTime" dynamodbav:"eventTime"`
	Status     string `json:"status" dynamodbav:"status"`
	// Attempts are in order; Attempts[i].N == i+1.
	Attempts      []Attempt `json:"attempts" dynamodbav:"attempts"`
	NextAttemptAt string    `json:"nextAttemptAt,omitempty" dynamodbav:"nextAttemptAt,omitempty"`
	// SkippedReason says why a delivery was failed without an attempt (endpoint_disabled:
	// the event came while its endpoint was disabled). A retry or replay sends it.
	SkippedReason string `json:"skippedReason,omitempty" dynamodbav:"skippedReason,omitempty"`
	// Body is the exact body sent, so that every attempt and every replay sends the same.
	Body      string `json:"-" dynamodbav:"body"`
	CreatedAt string `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt string `json:"updatedAt" dynamodbav:"updatedAt"`
	// An attempt in flight: its number and until when the worker holds it.
	ClaimAttempt int    `json:"-" dynamodbav:"claimAttempt,omitempty"`
	ClaimUntil   string `json:"-" dynamodbav:"claimUntil,omitempty"`
	// NextToken is the chain token the next automatic attempt's message must carry.
	NextToken string `json:"-" dynamodbav:"nextToken,omitempty"`
	// ExpiresAt (the table's TTL) removes the delivery DeliveryRetention after its event.
	ExpiresAt int64 `json:"-" dynamodbav:"expiresAt,omitempty"`
}

// DeliveryRetention is how long deliveries stay listed: the client's window to look back,
// retry and replay; bodies and receivers' answers are not kept beyond it.
const DeliveryRetention = 90 * 24 * time.Hour

// orderKey is the delivery's sort key on both indexes: event time, then event id (ULIDs
// order events of one millisecond), then the delivery id.
func (d Delivery) orderKey() string {
	return store.TimeSK(parseTS(d.EventTime), d.EventID) + "." + d.ID
}

func (Delivery) EntityType() string { return "webhook_delivery" }

// Indexes list deliveries by tenant (GSI1) and by endpoint (GSI2), in event order.
func (d Delivery) Indexes() store.Indexes {
	t := store.TenantID(d.TenantID)
	sk := d.orderKey()
	return store.Indexes{
		GSI1: store.Key{PK: store.WebhookDeliveriesPK(t), SK: sk},
		GSI2: store.Key{PK: store.EndpointDeliveriesPK(t, d.EndpointID), SK: sk},
	}
}

// Attempt is one try of a delivery.
type Attempt struct {
	N          int    `json:"n" dynamodbav:"n"`
	At         string `json:"at" dynamodbav:"at"`
	DurationMs int64  `json:"durationMs" dynamodbav:"durationMs"`
	Status     int    `json:"status,omitempty" dynamodbav:"status,omitempty"` // the HTTP status, when one came back
	Success    bool   `json:"success" dynamodbav:"success"`
	ErrorCode  string `json:"errorCode,omitempty" dynamodbav:"errorCode,omitempty"`
	Error      string `json:"error,omitempty" dynamodbav:"error,omitempty"`
	// ResponseBody is the first 1 KB of the receiver's answer.
	ResponseBody string `json:"responseBody,omitempty" dynamodbav:"responseBody,omitempty"`
	Manual       bool   `json:"manual,omitempty" dynamodbav:"manual,omitempty"` // a retry or replay asked for
}

func attemptOf(n int, a webhooks.Attempt, manual bool) Attempt {
	return Attempt{
		N: n, At: ts(a.At), DurationMs: a.Duration.Milliseconds(), Status: a.Status, Success: a.Success,
		ErrorCode: a.ErrorCode, Error: a.Error, ResponseBody: a.ResponseBody, Manual: manual,
	}
}

var (
	errDeliveryNotFound = failure.Missing("delivery_not_found", "no such webhook delivery")
	errDeliveryPending  = failure.Conflicting("delivery_pending", "this delivery is still being attempted; retry it once it has succeeded or failed")
)

// deliveryID is derived from the event and the endpoint, so that the same event
// dispatched twice creates one delivery per endpoint.
func deliveryID(eventID, endpointID string) string {
	sum := sha256.Sum256([]byte(eventID + "\x00" + endpointID))
	return "dlv_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// Delivery reads one of the tenant's deliveries.
func (s *Service) Delivery(ctx context.Context, tenant store.TenantID, id string) (Delivery, error) {
	if !store.ValidID(id) {
		return Delivery{}, errDeliveryNotFound
	}
	var d Delivery
	err := s.st.Get(ctx, store.WebhookDeliveryKey(tenant, id), &d)
	if errors.Is(err, store.ErrNotFound) {
		return Delivery{}, errDeliveryNotFound
	}
	return d, err
}

// DeliveryFilter narrows a listing; zero fields do not filter.
type DeliveryFilter struct {
	EndpointID string
	Status     string
	EventType  string
	Since      time.Time
}

// Deliveries lists the tenant's deliveries in event order, one page at a time.
func (s *Service) Deliveries(ctx context.Context, tenant store.TenantID, f DeliveryFilter, limit int, cursor string) ([]Delivery, string, error) {
	q := store.QueryInput{Index: store.IndexGSI1, PK: store.WebhookDeliveriesPK(tenant), Tenant: tenant, Limit: limit, Cursor: cursor}
	if f.EndpointID != "" {
		if !store.ValidID(f.EndpointID) {
			return []Delivery{}, "", nil // no endpoint has such an id
		}
		q.Index, q.PK = store.IndexGSI2, store.EndpointDeliveriesPK(tenant, f.EndpointID)
	}
	if !f.Since.IsZero() {
		q.SKFrom = ts(f.Since)
	}
	var conds []string
	q.Filter.Names, q.Filter.Values = map[string]string{}, map[string]any{}
	switch f.Status {
	case "":
	case StatusPending, StatusSucceeded, StatusFailed:
		conds = append(conds, "#st = :st")
		q.Filter.Names["#st"], q.Filter.Values[":st"] = "status", f.Status
	default:
		return nil, "", failure.InvalidInput("invalid_status", "status is pending, succeeded or failed")
	}
	if f.EventType != "" {
		if _, ok := webhooks.Lookup(f.EventType); !ok {
			return nil, "", failure.InvalidInput("invalid_event_type", "unknown event type %q (GET /v1/event-types lists them)", f.EventType)
		}
		conds = append(conds, "#et = :et")
		q.Filter.Names["#et"], q.Filter.Values[":et"] = "eventType", f.EventType
	}
	if len(conds) > 0 {
		q.Filter.Expr = strings.Join(conds, " AND ")
	} else {
		q.Filter = store.Cond{}
	}
	page, err := s.st.Query(ctx, q)
	if err != nil {
		return nil, "", err
	}
	ds, err := store.Items[Delivery](page)
	if ds == nil {
		ds = []Delivery{}
	}
	return ds, page.NextCursor, err
}

// MaxAttemptsKept bounds a delivery's attempts (its item must stay far below DynamoDB's
// 400 KB): once reached, the delivery cannot be retried by hand any more.
const MaxAttemptsKept = 50

// stuckAfter is how long a pending delivery may be overdue, with no attempt in flight,
// before a retry by hand may take it over (its queue message was lost).
const stuckAfter = 10 * time.Minute

// Retry asks for one more attempt of a delivery now. It answers at once; the attempt is
// queued. A delivery still being attempted cannot be retried, unless it is stuck (overdue
// for stuckAfter with no attempt in flight).
func (s *Service) Retry(ctx context.Context, tenant store.TenantID, by Actor, id string) (Delivery, error) {
	d, err := s.Delivery(ctx, tenant, id)
	if err != nil {
		return Delivery{}, err
	}
	now := s.nowUTC()
	inFlight := d.ClaimAttempt != 0 && now.Before(parseTS(d.ClaimUntil))
	stuck := d.Status == StatusPending && !inFlight && now.Sub(parseTS(d.NextAttemptAt)) > stuckAfter
	if inFlight || (d.Status == StatusPending && !stuck) {
		return Delivery{}, errDeliveryPending
	}
	if len(d.Attempts) >= MaxAttemptsKept {
		return Delivery{}, failure.Refused("too_many_attempts", "this delivery has had %d attempts, the most kept", MaxAttemptsKept)
	}
	ep, err := s.Endpoint(ctx, tenant, d.EndpointID)
	if err == nil && ep.Disabled {
		return Delivery{}, failure.Conflicting("endpoint_disabled", "the endpoint is disabled: enable it (PATCH disabled=false) before retrying")
	}
	if err != nil && !errors.Is(err, errEndpointNotFound) {
		return Delivery{}, err
	}
	if _, err := s.audit.Append(ctx, tenant, audit.Record{
		Action: "webhook.delivery_retried", Actor: by, Subject: audit.Subject{Type: "webhook_delivery", ID: d.ID},
	}); err != nil {
		return Delivery{}, err
	}
	if err := s.enqueue(ctx, message{Kind: kindAttempt, Tenant: string(tenant), Delivery: d.ID, Attempt: len(d.Attempts) + 1, Manual: true}, 0); err != nil {
		return Delivery{}, err
	}
	return d, nil
}

// Replay re-sends, in event order, every failed delivery of an endpoint since a time,
// from a queued job (a failure stops it, so that what follows keeps its order).
func (s *Service) Replay(ctx context.Context, tenant store.TenantID, by Actor, endpointID string, since time.Time) error {
	ep, err := s.Endpoint(ctx, tenant, endpointID)
	if err != nil {
		return err
	}
	if ep.Disabled {
		return failure.Conflicting("endpoint_disabled", "the endpoint is disabled: enable it (PATCH disabled=false) before replaying")
	}
	if since.IsZero() || since.After(s.nowUTC()) {
		return failure.InvalidInput("invalid_since", "since must be an RFC 3339 time in the past")
	}
	if _, err := s.audit.Append(ctx, tenant, audit.Record{
		Action: "webhook.replay_requested", Actor: by, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID},
		Details: map[string]string{"since": ts(since)},
	}); err != nil {
		return err
	}
	return s.enqueue(ctx, message{Kind: kindReplay, Tenant: string(tenant), Endpoint: ep.ID, Since: ts(since)}, 0)
}
