package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/webhooks"
)

// Endpoint is a URL a tenant receives events at. Times are RFC 3339 (UTC).
type Endpoint struct {
	store.Meta
	ID          string   `json:"id" dynamodbav:"id"`
	TenantID    string   `json:"-" dynamodbav:"tenantId"`
	URL         string   `json:"url" dynamodbav:"url"`
	Description string   `json:"description,omitempty" dynamodbav:"description,omitempty"`
	EventTypes  []string `json:"eventTypes" dynamodbav:"eventTypes"`
	Disabled    bool     `json:"disabled" dynamodbav:"disabled"`
	// DisabledReason is "manual" (the tenant) or "failing" (every attempt failed for
	// DisableAfter).
	DisabledReason string `json:"disabledReason,omitempty" dynamodbav:"disabledReason,omitempty"`
	DisabledAt     string `json:"disabledAt,omitempty" dynamodbav:"disabledAt,omitempty"`
	// FailingSince is the first failed attempt since the last success.
	FailingSince  string `json:"failingSince,omitempty" dynamodbav:"failingSince,omitempty"`
	LastSuccessAt string `json:"lastSuccessAt,omitempty" dynamodbav:"lastSuccessAt,omitempty"`
	// Recovering: re-enabled after being disabled for failing; its next success is
	// announced (webhook.endpoint_recovered).
	Recovering              bool   `json:"-" dynamodbav:"recovering,omitempty"`
	SecretEnc               string `json:"-" dynamodbav:"secretEnc"`
	SecretRotatedAt         string `json:"secretRotatedAt" dynamodbav:"secretRotatedAt"`
	PrevSecretEnc           string `json:"-" dynamodbav:"prevSecretEnc,omitempty"`
	PreviousSecretExpiresAt string `json:"previousSecretExpiresAt,omitempty" dynamodbav:"prevSecretExpiresAt,omitempty"`
	// EarlierSecrets are secrets rotated out before the previous one and still within
	// their 24 hours (a second rotation must not cut off the secret a client still has).
	EarlierSecrets []earlierSecret `json:"-" dynamodbav:"earlierSecrets,omitempty"`
	CreatedAt      string          `json:"createdAt" dynamodbav:"createdAt"`
	UpdatedAt      string          `json:"updatedAt" dynamodbav:"updatedAt"`
}

func (Endpoint) EntityType() string { return "webhook_endpoint" }

// registry counts a tenant's endpoints.
type registry struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	Count    int    `dynamodbav:"count"`
}

func (registry) EntityType() string { return "webhook_registry" }

// CreatedEndpoint is a new endpoint and its signing secret, shown once.
type CreatedEndpoint struct {
	Endpoint
	Secret string `json:"secret"`
}

// EndpointInput is what a tenant sets on an endpoint; nil fields are left as they are
// (PATCH).
type EndpointInput struct {
	URL         *string
	Description *string
	EventTypes  []string // nil: unchanged
	Disabled    *bool
}

var (
	errEndpointNotFound = failure.Missing("endpoint_not_found", "no such webhook endpoint")
	errTooManyEndpoints = failure.Refused("too_many_endpoints", "a tenant holds at most %d webhook endpoints: delete one first", MaxEndpoints)
)

// Actor is who acts, for the audit trail.
type Actor = audit.Actor

func newEndpointID() string { return "ep_" + strings.ToLower(store.NewID()) }

func (s *Service) checkURL(raw string) (string, error) {
	u, err := s.policy.Check(raw)
	if err != nil {
		return "", failure.InvalidInput("invalid_url", "%s", err.Error())
	}
	return u.String(), nil
}

func checkDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if utf8.RuneCountInString(d) > 256 || strings.ContainsFunc(d, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) {
		return "", failure.InvalidInput("invalid_description", "description must be at most 256 printable characters")
	}
	return d, nil
}

func checkFilters(f []string) error {
	if err := webhooks.ValidateFilters(f); err != nil {
		return failure.InvalidInput("invalid_event_types", "%s (GET /v1/event-types lists them; [\"*\"] takes every type)", err.Error())
	}
	return nil
}

// CreateEndpoint registers an endpoint with a fresh signing secret, at most MaxEndpoints
// per tenant, in one transaction with the registry's count and the audit record.
func (s *Service) CreateEndpoint(ctx context.Context, tenant store.TenantID, by Actor, in EndpointInput) (CreatedEndpoint, error) {
	if in.URL == nil {
		return CreatedEndpoint{}, failure.InvalidInput("invalid_url", "url is required")
	}
	url, err := s.checkURL(*in.URL)
	if err != nil {
		return CreatedEndpoint{}, err
	}
	var desc string
	if in.Description != nil {
		if desc, err = checkDescription(*in.Description); err != nil {
			return CreatedEndpoint{}, err
		}
	}
	if in.EventTypes == nil {
		return CreatedEndpoint{}, failure.InvalidInput("invalid_event_types", "eventTypes is required ([\"*\"] takes every type)")
	}
	if err := checkFilters(in.EventTypes); err != nil {
		return CreatedEndpoint{}, err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return CreatedEndpoint{}, err
	}
	now := ts(s.nowUTC())
	ep := Endpoint{
		ID: newEndpointID(), TenantID: string(tenant), URL: url, Description: desc, EventTypes: in.EventTypes,
		Disabled: in.Disabled != nil && *in.Disabled, SecretRotatedAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if ep.Disabled {
		ep.DisabledReason, ep.DisabledAt = "manual", now
	}
	if ep.SecretEnc, err = s.sealSecret(ctx, tenant, ep.ID, secret); err != nil {
		return CreatedEndpoint{}, err
	}
	for attempt := 0; ; attempt++ {
		reg, err := s.registry(ctx, tenant)
		if err != nil {
			return CreatedEndpoint{}, err
		}
		if reg.Count >= MaxEndpoints {
			return CreatedEndpoint{}, errTooManyEndpoints
		}
		_, err = s.audit.Commit(ctx, tenant, audit.Record{
			Action: "webhook.endpoint_created", Actor: by, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID},
		}, func(tx *store.Tx) {
			s.countEndpoints(tx, tenant, reg, +1)
			tx.Create(store.WebhookEndpointKey(tenant, ep.ID), ep)
		})
		if (errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrAlreadyExists)) && attempt < maxCountRetries {
			if err := conflictBackoff.Wait(ctx, attempt); err != nil {
				return CreatedEndpoint{}, err
			}
			continue // another creation or deletion moved the count: count again
		}
		if err != nil {
			return CreatedEndpoint{}, fmt.Errorf("delivery: create endpoint: %w", err)
		}
		ep.Version = 1
		return CreatedEndpoint{Endpoint: ep, Secret: secret}, nil
	}
}

// maxCountRetries bounds the re-reads of the endpoint count when concurrent creations and
// deletions move it (a tenant's API calls, so a handful at a time at most).
const maxCountRetries = 20

// conflictBackoff is the wait before re-reading after a conflict: a random time below
// 2^attempt ms (at most 50 ms), plus 1 ms, so that the writers that conflicted do not
// meet again.
var conflictBackoff = store.Backoff{Base: time.Millisecond, Max: 50 * time.Millisecond, Full: true, Min: time.Millisecond}

func (s *Service) registry(ctx context.Context, tenant store.TenantID) (registry, error) {
	var r registry
	err := s.st.Get(ctx, store.WebhookRegistryKey(tenant), &r)
	if errors.Is(err, store.ErrNotFound) {
		return registry{TenantID: string(tenant)}, nil
	}
	return r, err
}

func (s *Service) countEndpoints(tx *store.Tx, tenant store.TenantID, reg registry, delta int) {
	next := registry{TenantID: string(tenant), Count: reg.Count + delta}
	if reg.Version == 0 {
		tx.Create(store.WebhookRegistryKey(tenant), next)
		return
	}
	tx.Update(store.WebhookRegistryKey(tenant), reg.Version, next)
}

// Endpoints lists the tenant's endpoints (at most MaxEndpoints, one page).
func (s *Service) Endpoints(ctx context.Context, tenant store.TenantID) ([]Endpoint, error) {
	var out []Endpoint
	err := s.st.QueryAll(ctx, store.QueryInput{
		PK: store.WebhookEndpointsPK(tenant), SKPrefix: store.WebhookEndpointSKPrefix, Tenant: tenant, Limit: store.MaxLimit,
	}, func(items []mapItem) (bool, error) {
		page, err := store.Items[Endpoint](store.Page{Items: items})
		out = append(out, page...)
		return true, err
	})
	if out == nil {
		out = []Endpoint{}
	}
	return out, err
}

// Endpoint reads one of the tenant's endpoints; another tenant's id is not found.
func (s *Service) Endpoint(ctx context.Context, tenant store.TenantID, id string) (Endpoint, error) {
	if !store.ValidID(id) {
		return Endpoint{}, errEndpointNotFound
	}
	var ep Endpoint
	err := s.st.Get(ctx, store.WebhookEndpointKey(tenant, id), &ep)
	if errors.Is(err, store.ErrNotFound) {
		return Endpoint{}, errEndpointNotFound
	}
	return ep, err
}

// UpdateEndpoint changes what in sets. Re-enabling an endpoint that was disabled for
// failing makes its next success announce its recovery.
func (s *Service) UpdateEndpoint(ctx context.Context, tenant store.TenantID, by Actor, id string, in EndpointInput) (Endpoint, error) {
	if in.URL == nil && in.Description == nil && in.EventTypes == nil && in.Disabled == nil {
		return Endpoint{}, failure.InvalidInput("empty_update", "nothing to change: send url, description, eventTypes or disabled")
	}
	var url, desc string
	var err error
	if in.URL != nil {
		if url, err = s.checkURL(*in.URL); err != nil {
			return Endpoint{}, err
		}
	}
	if in.Description != nil {
		if desc, err = checkDescription(*in.Description); err != nil {
			return Endpoint{}, err
		}
	}
	if in.EventTypes != nil {
		if err := checkFilters(in.EventTypes); err != nil {
			return Endpoint{}, err
		}
	}
	ep, err := s.Endpoint(ctx, tenant, id)
	if err != nil {
		return Endpoint{}, err
	}
	now := ts(s.nowUTC())
	details := map[string]string{}
	if in.URL != nil && url != ep.URL {
		// Another server: the old one's failing streak says nothing about it.
		ep.URL, ep.FailingSince, details["url"] = url, "", "changed"
	}
	if in.Description != nil {
		ep.Description = desc
	}
	if in.EventTypes != nil {
		ep.EventTypes, details["eventTypes"] = in.EventTypes, "changed"
	}
	if in.Disabled != nil && *in.Disabled != ep.Disabled {
		if *in.Disabled {
			ep.Disabled, ep.DisabledReason, ep.DisabledAt = true, "manual", now
			details["disabled"] = "true"
		} else {
			ep.Recovering = ep.DisabledReason == "failing"
			ep.Disabled, ep.DisabledReason, ep.DisabledAt, ep.FailingSince = false, "", "", ""
			details["disabled"] = "false"
		}
	}
	ep.UpdatedAt = now
	_, err = s.audit.Commit(ctx, tenant, audit.Record{
		Action: "webhook.endpoint_updated", Actor: by, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID}, Details: details,
	}, func(tx *store.Tx) { tx.Update(store.WebhookEndpointKey(tenant, ep.ID), ep.Version, ep) })
	if err != nil {
		return Endpoint{}, fmt.Errorf("delivery: update endpoint: %w", err)
	}
	ep.Version++
	return ep, nil
}

// DeleteEndpoint removes an endpoint; its deliveries stay listed.
func (s *Service) DeleteEndpoint(ctx context.Context, tenant store.TenantID, by Actor, id string) error {
	for attempt := 0; ; attempt++ {
		ep, err := s.Endpoint(ctx, tenant, id)
		if err != nil {
			return err
		}
		reg, err := s.registry(ctx, tenant)
		if err != nil {
			return err
		}
		_, err = s.audit.Commit(ctx, tenant, audit.Record{
			Action: "webhook.endpoint_deleted", Actor: by, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID},
		}, func(tx *store.Tx) {
			tx.Delete(store.WebhookEndpointKey(tenant, ep.ID), ep.Version)
			s.countEndpoints(tx, tenant, reg, -1)
		})
		if errors.Is(err, store.ErrConflict) && attempt < maxCountRetries {
			if err := conflictBackoff.Wait(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		if errors.Is(err, store.ErrNotFound) {
			return errEndpointNotFound
		}
		return err
	}
}

// RotateSecret gives an endpoint a new secret; the old one keeps signing, beside the new
// one, for PreviousSecretTTL.
func (s *Service) RotateSecret(ctx context.Context, tenant store.TenantID, by Actor, id string) (CreatedEndpoint, error) {
	ep, err := s.Endpoint(ctx, tenant, id)
	if err != nil {
		return CreatedEndpoint{}, err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return CreatedEndpoint{}, err
	}
	sealed, err := s.sealSecret(ctx, tenant, ep.ID, secret)
	if err != nil {
		return CreatedEndpoint{}, err
	}
	now := s.nowUTC()
	// Every secret rotated out keeps signing for its own 24 hours: the previous one moves
	// to the earlier ones, and expired ones are dropped.
	var earlier []earlierSecret
	if ep.PrevSecretEnc != "" && now.Before(parseTS(ep.PreviousSecretExpiresAt)) {
		earlier = append(earlier, earlierSecret{SecretEnc: ep.PrevSecretEnc, ExpiresAt: ep.PreviousSecretExpiresAt})
	}
	for _, e := range ep.EarlierSecrets {
		if now.Before(parseTS(e.ExpiresAt)) {
			earlier = append(earlier, e)
		}
	}
	if len(earlier) > MaxEarlierSecrets {
		return CreatedEndpoint{}, failure.Refused("too_many_rotations", "the secret was rotated %d times in the last 24 hours; every rotated-out secret still signs for 24 hours, so wait before rotating again", len(earlier)+1)
	}
	ep.EarlierSecrets = earlier
	ep.PrevSecretEnc, ep.PreviousSecretExpiresAt = ep.SecretEnc, ts(now.Add(PreviousSecretTTL))
	ep.SecretEnc, ep.SecretRotatedAt, ep.UpdatedAt = sealed, ts(now), ts(now)
	_, err = s.audit.Commit(ctx, tenant, audit.Record{
		Action: "webhook.secret_rotated", Actor: by, Subject: audit.Subject{Type: "webhook_endpoint", ID: ep.ID},
	}, func(tx *store.Tx) { tx.Update(store.WebhookEndpointKey(tenant, ep.ID), ep.Version, ep) })
	if err != nil {
		return CreatedEndpoint{}, fmt.Errorf("delivery: rotate secret: %w", err)
	}
	ep.Version++
	return CreatedEndpoint{Endpoint: ep, Secret: secret}, nil
}

func (s *Service) sealSecret(ctx context.Context, tenant store.TenantID, endpointID, secret string) (string, error) {
	return envelope.EncryptString(ctx, s.enc, envelope.Context{Tenant: string(tenant), Record: endpointID, Purpose: secretPurpose}, secret)
}

// secrets are the endpoint's signing secrets: the current one, and the previous one while
// it is still valid.
func (s *Service) secrets(ctx context.Context, ep Endpoint, at time.Time) ([]string, error) {
	ec := envelope.Context{Tenant: ep.TenantID, Record: ep.ID, Purpose: secretPurpose}
	cur, err := envelope.DecryptString(ctx, s.enc, ec, ep.SecretEnc)
	if err != nil {
		return nil, fmt.Errorf("delivery: open secret of %s: %w", ep.ID, err)
	}
	out := []string{cur}
	if ep.PrevSecretEnc != "" && at.Before(parseTS(ep.PreviousSecretExpiresAt)) {
		prev, err := envelope.DecryptString(ctx, s.enc, ec, ep.PrevSecretEnc)
		if err != nil {
			return nil, fmt.Errorf("delivery: open previous secret of %s: %w", ep.ID, err)
		}
		out = append(out, prev)
	}
	for _, e := range ep.EarlierSecrets {
		if !at.Before(parseTS(e.ExpiresAt)) {
			continue
		}
		sec, err := envelope.DecryptString(ctx, s.enc, ec, e.SecretEnc)
		if err != nil {
			return nil, fmt.Errorf("delivery: open an earlier secret of %s: %w", ep.ID, err)
		}
		out = append(out, sec)
	}
	return out, nil
}

// earlierSecret is a rotated-out secret still signing until ExpiresAt.
type earlierSecret struct {
	SecretEnc string `dynamodbav:"secretEnc"`
	ExpiresAt string `dynamodbav:"expiresAt"`
}

// MaxEarlierSecrets bounds the rotated-out secrets signing beside the current and the
// previous one: at most 5 signatures per delivery, at most 5 rotations in 24 hours.
const MaxEarlierSecrets = 3
