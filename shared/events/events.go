// Package events connects the steps of the system: domain events in a versioned envelope
// published to the EventBridge bus (batches of at most 10 entries, failed entries retried),
// and the SQS side (sending, and consuming batches with partial-failure reports).
//
// An envelope says what happened to whom: {"id","type","version","time","tenantId","data"}.
// The type is also the EventBridge detail-type, so rules route on it.
package events

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/oklog/ulid/v2"

	"github.com/chainfi/chainguard/shared/store"
)

// Source is the EventBridge source of every event we publish.
const Source = "chainguard"

// EnvelopeVersion is the version of the envelope format.
const EnvelopeVersion = 1

// Envelope carries one domain event.
type Envelope struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Version  int             `json:"version"`
	Time     time.Time       `json:"time"`
	TenantID string          `json:"tenantId,omitempty"`
	Data     json.RawMessage `json:"data"`
}

// New builds an envelope with a fresh sortable id; data must not carry personal data,
// only references (ids) that a consumer resolves with its own access checks.
func New(typ, tenant string, data any, now time.Time) (Envelope, error) {
	if typ == "" {
		return Envelope{}, errors.New("events: an event needs a type")
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, fmt.Errorf("events: encode %s data: %w", typ, err)
	}
	id := ulid.MustNew(ulid.Timestamp(now), rand.Reader).String()
	return Envelope{ID: id, Type: typ, Version: EnvelopeVersion, Time: now.UTC(), TenantID: tenant, Data: raw}, nil
}

// Decode reads an envelope (from an SQS body or an EventBridge detail) and refuses an
// unknown envelope version.
func Decode(raw []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return Envelope{}, fmt.Errorf("events: decode envelope: %w", err)
	}
	if e.Version != EnvelopeVersion || e.Type == "" || e.ID == "" {
		return Envelope{}, fmt.Errorf("events: unsupported envelope (version %d, type %q)", e.Version, e.Type)
	}
	return e, nil
}

// EventBridgeAPI is the part of the EventBridge client the publisher uses.
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Publisher sends envelopes to one bus.
type Publisher struct {
	client   EventBridgeAPI
	bus      string
	attempts int
	backoff  time.Duration
}

// NewPublisher publishes to bus; failed entries are retried up to 4 attempts in all.
func NewPublisher(client EventBridgeAPI, bus string) *Publisher {
	return &Publisher{client: client, bus: bus, attempts: 4, backoff: 50 * time.Millisecond}
}

// maxBatch is PutEvents' limit on entries per call.
const maxBatch = 10

// maxEntryBytes is PutEvents' limit on one entry (256 KiB).
const maxEntryBytes = 256 << 10

// PublishError lists the events that could not be published after every retry.
type PublishError struct {
	Failed []FailedEvent
}

// FailedEvent is one event EventBridge refused.
type FailedEvent struct {
	ID, Code, Message string
}

func (e *PublishError) Error() string {
	parts := make([]string, 0, len(e.Failed))
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s (%s: %s)", f.ID, f.Code, f.Message))
	}
	return "events: not published: " + strings.Join(parts, ", ")
}

// Publish sends every envelope, in batches of ten, retrying only the entries that failed
// (throttling, internal errors) with backoff. It returns a *PublishError naming the
// events that still failed.
func (p *Publisher) Publish(ctx context.Context, evs ...Envelope) error {
	var failed []FailedEvent
	for start := 0; start < len(evs); start += maxBatch {
		end := min(start+maxBatch, len(evs))
		f, err := p.publishBatch(ctx, evs[start:end])
		if err != nil {
			return err
		}
		failed = append(failed, f...)
	}
	if len(failed) > 0 {
		return &PublishError{Failed: failed}
	}
	return nil
}

func (p *Publisher) publishBatch(ctx context.Context, batch []Envelope) ([]FailedEvent, error) {
	pending := make([]Envelope, 0, len(batch))
	entries := make([]ebtypes.PutEventsRequestEntry, 0, len(batch))
	for _, ev := range batch {
		detail, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("events: encode %s: %w", ev.ID, err)
		}
		if len(detail) > maxEntryBytes {
			return nil, fmt.Errorf("events: event %s is %d bytes, over EventBridge's limit", ev.ID, len(detail))
		}
		pending = append(pending, ev)
		entries = append(entries, ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(p.bus),
			Source:       aws.String(Source),
			DetailType:   aws.String(ev.Type),
			Detail:       aws.String(string(detail)),
			Time:         aws.Time(ev.Time),
		})
	}
	var last []FailedEvent
	for attempt := 0; attempt < p.attempts && len(entries) > 0; attempt++ {
		if attempt > 0 {
			if err := (store.Backoff{Base: p.backoff}).Wait(ctx, attempt-1); err != nil {
				return nil, err
			}
		}
		out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return nil, fmt.Errorf("events: put events: %w", err)
		}
		if out.FailedEntryCount == 0 {
			return nil, nil
		}
		// Results are positional: keep only the entries that failed.
		var retryEntries []ebtypes.PutEventsRequestEntry
		var retryEvents []Envelope
		last = last[:0]
		for i, r := range out.Entries {
			if r.ErrorCode == nil {
				continue
			}
			retryEntries = append(retryEntries, entries[i])
			retryEvents = append(retryEvents, pending[i])
			last = append(last, FailedEvent{ID: pending[i].ID, Code: aws.ToString(r.ErrorCode), Message: aws.ToString(r.ErrorMessage)})
		}
		entries, pending = retryEntries, retryEvents
	}
	return last, nil
}
