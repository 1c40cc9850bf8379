package tenants

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// MaxActiveKeys bounds the keys a tenant holds at once: enough to rotate (old and new live
// together while the client deploys), few enough that a forgotten key stands out.
const MaxActiveKeys = 5

// Service is the tenants domain.
type Service struct {
	st     *store.Store
	audit  *audit.Log
	log    *slog.Logger
	now    func() time.Time
	policy FailurePolicy
	decoy  map[string]types.AttributeValue // what an unknown key id is checked against
	// keyPageSize is how many keys Suspend and Resume read per page (store.MaxLimit;
	// tests make it small to cross pages).
	keyPageSize int
}

// FailurePolicy says when failed authentications count as a burst worth auditing, and
// how long a refusal takes at least.
type FailurePolicy struct {
	Threshold int           // failures of one key in one window
	Window    time.Duration // window length
	// Floor is the least time a 401 for a bad key takes. An unknown key id and a wrong
	// secret do the same work here, but not in DynamoDB: a read that finds an item
	// returns it, one that finds none returns nothing, and that difference is measurable
	// (about 1.5 ms against moto). Answering no sooner than Floor, longer than both paths
	// normally take, hides it; it costs only the callers who present bad keys.
	Floor time.Duration
}

// DefaultFailurePolicy audits the 5th failure of a key within 5 minutes and answers a bad
// key after 50 ms at least (both DynamoDB calls of the failure path take 10-20 ms).
var DefaultFailurePolicy = FailurePolicy{Threshold: 5, Window: 5 * time.Minute, Floor: 50 * time.Millisecond}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the time source.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithFailurePolicy sets the burst policy.
func WithFailurePolicy(p FailurePolicy) Option { return func(s *Service) { s.policy = p } }

// NewService builds the domain over the store and the audit trail.
func NewService(st *store.Store, al *audit.Log, log *slog.Logger, opts ...Option) *Service {
	decoy, err := newDecoy()
	if err != nil {
		// Only crypto/rand could fail here, and since Go 1.24 it crashes the process instead.
		panic("tenants: decoy key: " + err.Error())
	}
	s := &Service{st: st, audit: al, log: log, now: time.Now, policy: DefaultFailurePolicy, decoy: decoy, keyPageSize: store.MaxLimit}
	for _, o := range opts {
		o(s)
	}
	return s
}

// validName accepts 2 to 100 visible characters: an organisation's display name.
func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 100 || !visibleText(name) {
		return "", failure.InvalidInput("invalid_name", "name must be 2 to 100 printable characters, without invisible or formatting characters")
	}
	return name, nil
}

func validLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if label == "" {
		label = "default"
	}
	if utf8.RuneCountInString(label) > 64 || !visibleText(label) {
		return "", failure.InvalidInput("invalid_label", "label must be at most 64 printable characters, without invisible or formatting characters")
	}
	return label, nil
}

// visibleText refuses what a reader cannot see but a comparison or a display does:
// controls (C0, DEL, C1), format characters (category Cf: bidi overrides and isolates
// that reorder what follows, zero-width spaces and joiners, the BOM, soft hyphens...),
// the other default-ignorable code points (Hangul fillers, the combining grapheme
// joiner), line and paragraph separators, private-use and unassigned-by-design code
// points, and U+FFFD with invalid UTF-8, which it stands for. "Acme\u202Egnp.exe"
// displays as "Acmeexe.png"; "Ac\u200Bme" looks like a tenant it is not.
func visibleText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || unicode.IsControl(r) ||
			unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Other_Default_Ignorable_Code_Point, unicode.Noncharacter_Code_Point)
	})
}

// CreateTenant creates an active tenant with its first API key, in one transaction with
// the first entry of the tenant's audit chain.
func (s *Service) CreateTenant(ctx context.Context, by audit.Actor, name, keyLabel string) (Tenant, IssuedKey, error) {
	name, err := validName(name)
	if err != nil {
		return Tenant{}, IssuedKey{}, err
	}
	label, err := validLabel(keyLabel)
	if err != nil {
		return Tenant{}, IssuedKey{}, err
	}
	at := now(s.now)
	t := Tenant{ID: "tnt_" + strings.ToLower(store.NewID()), Name: name, Status: StatusActive, ActiveKeys: 1, CreatedAt: at, CreatedBy: by.ID}
	key, err := s.newKey(t.ID, label, by, at)
	if err != nil {
		return Tenant{}, IssuedKey{}, err
	}
	tid := store.TenantID(t.ID)
	ev, err := s.event("tenant.created", t.ID, map[string]string{"tenantId": t.ID})
	if err != nil {
		return Tenant{}, IssuedKey{}, err
	}
	_, err = s.audit.Commit(ctx, tid, audit.Record{
		Action: "tenant.created", Actor: by, Subject: audit.Subject{Type: "tenant", ID: t.ID},
		Details: map[string]string{"firstKeyId": key.ID},
	}, func(tx *store.Tx) {
		tx.Create(store.TenantKey(tid), t)
		tx.Create(store.APIKeyKey(key.ID), key.APIKey)
		events.Stage(tx, ev)
	})
	if err != nil {
		return Tenant{}, IssuedKey{}, fmt.Errorf("tenants: create: %w", err)
	}
	t.Version, key.Version = 1, 1
	return t, key, nil
}

// Get returns a tenant; an unknown id is a 404.
func (s *Service) Get(ctx context.Context, id string) (Tenant, error) {
	if !store.ValidID(id) {
		return Tenant{}, errTenantNotFound
	}
	var t Tenant
	if err := s.st.Get(ctx, store.TenantKey(store.TenantID(id)), &t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Tenant{}, errTenantNotFound
		}
		return Tenant{}, err
	}
	return t, nil
}

var errTenantNotFound = failure.Missing("tenant_not_found", "no such tenant")
var errKeyNotFound = failure.Missing("api_key_not_found", "no such API key")

// List pages through all tenants, oldest first (staff only).
func (s *Service) List(ctx context.Context, limit int, cursor string) ([]Tenant, string, error) {
	p, err := s.st.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.TenantListPK, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	items, err := store.Items[Tenant](p)
	return items, p.NextCursor, err
}

// IssueKey adds an API key to an active tenant that holds fewer than MaxActiveKeys.
func (s *Service) IssueKey(ctx context.Context, by audit.Actor, tenantID, label string) (IssuedKey, error) {
	label, err := validLabel(label)
	if err != nil {
		return IssuedKey{}, err
	}
	t, err := s.Get(ctx, tenantID)
	if err != nil {
		return IssuedKey{}, err
	}
	if t.Status != StatusActive {
		return IssuedKey{}, failure.Refused("tenant_not_active", "the tenant is %s", t.Status)
	}
	if t.ActiveKeys >= MaxActiveKeys {
		return IssuedKey{}, failure.Refused("too_many_keys", "a tenant holds at most %d active keys: revoke one first", MaxActiveKeys)
	}
	key, err := s.newKey(t.ID, label, by, now(s.now))
	if err != nil {
		return IssuedKey{}, err
	}
	tid := store.TenantID(t.ID)
	ev, err := s.event("apikey.created", t.ID, map[string]string{"tenantId": t.ID, "keyId": key.ID})
	if err != nil {
		return IssuedKey{}, err
	}
	// The label is the client's free text (a person's name, a laptop's): it stays on the
	// key, never in the audit trail, which keeps ids and codes for five years.
	_, err = s.audit.Commit(ctx, tid, audit.Record{
		Action: "apikey.created", Actor: by, Subject: audit.Subject{Type: "apikey", ID: key.ID},
	}, func(tx *store.Tx) {
		// The version condition on the tenant makes the key count exact under concurrency.
		tx.Patch(store.TenantKey(tid), t.Version, store.Changes{Set: map[string]any{"activeKeys": t.ActiveKeys + 1}})
		tx.Create(store.APIKeyKey(key.ID), key.APIKey)
		events.Stage(tx, ev)
	})
	if err != nil {
		return IssuedKey{}, fmt.Errorf("tenants: issue key: %w", err)
	}
	key.Version = 1
	return key, nil
}

func (s *Service) newKey(tenantID, label string, by audit.Actor, at string) (IssuedKey, error) {
	id, secret, full, err := newKeyMaterial()
	if err != nil {
		return IssuedKey{}, fmt.Errorf("tenants: key material: %w", err)
	}
	return IssuedKey{
		APIKey: APIKey{ID: id, TenantID: tenantID, Label: label, Hash: hashSecret(id, secret), Status: KeyActive, CreatedAt: at, CreatedBy: by.Type + ":" + by.ID},
		Secret: full,
	}, nil
}

// Keys pages through a tenant's keys (hashes are never part of the answer).
func (s *Service) Keys(ctx context.Context, tenantID string, limit int, cursor string) ([]APIKey, string, error) {
	if _, err := s.Get(ctx, tenantID); err != nil {
		return nil, "", err
	}
	tid := store.TenantID(tenantID)
	p, err := s.st.Query(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.TenantAPIKeysPK(tid), Tenant: tid, Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, "", err
	}
	items, err := store.Items[APIKey](p)
	return items, p.NextCursor, err
}

// RevokeOptions says who may revoke what.
type RevokeOptions struct {
	// KeepOne refuses to revoke the tenant's last active key (a client locking itself
	// out); staff may revoke every key.
	KeepOne bool
}

// RevokeKey revokes one of the tenant's keys. A key of another tenant is "not found".
// Revoking a revoked key is a no-op that answers the key as it is.
func (s *Service) RevokeKey(ctx context.Context, by audit.Actor, tenantID, keyID string, opt RevokeOptions) (APIKey, error) {
	t, err := s.Get(ctx, tenantID)
	if err != nil {
		return APIKey{}, err
	}
	if !store.ValidID(keyID) {
		return APIKey{}, errKeyNotFound
	}
	var k APIKey
	if err := s.st.Get(ctx, store.APIKeyKey(keyID), &k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return APIKey{}, errKeyNotFound
		}
		return APIKey{}, err
	}
	if k.TenantID != t.ID {
		return APIKey{}, errKeyNotFound // another tenant's key: do not reveal it exists
	}
	if k.Status == KeyRevoked {
		return k, nil
	}
	if opt.KeepOne && t.ActiveKeys <= 1 {
		return APIKey{}, failure.Refused("last_active_key", "this is the tenant's last active key: issue a new one before revoking it")
	}
	at := now(s.now)
	tid := store.TenantID(t.ID)
	ev, err := s.event("apikey.revoked", t.ID, map[string]string{"tenantId": t.ID, "keyId": k.ID})
	if err != nil {
		return APIKey{}, err
	}
	_, err = s.audit.Commit(ctx, tid, audit.Record{
		Action: "apikey.revoked", Actor: by, Subject: audit.Subject{Type: "apikey", ID: k.ID},
	}, func(tx *store.Tx) {
		tx.Patch(store.APIKeyKey(k.ID), k.Version, store.Changes{Set: map[string]any{"status": KeyRevoked, "revokedAt": at, "revokedBy": by.Type + ":" + by.ID}})
		tx.Patch(store.TenantKey(tid), t.Version, store.Changes{Set: map[string]any{"activeKeys": max(t.ActiveKeys-1, 0)}})
		events.Stage(tx, ev)
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("tenants: revoke key: %w", err)
	}
	k.Status, k.RevokedAt, k.RevokedBy, k.Version = KeyRevoked, at, by.Type+":"+by.ID, k.Version+1
	return k, nil
}

// event builds the domain event a change reports. It is staged in the change's own
// transaction (the outbox, see shared/events), so it is published if and only if the
// change is committed: clients' webhooks depend on it.
func (s *Service) event(typ, tenant string, data any) (events.Envelope, error) {
	return events.New(typ, tenant, data, s.now())
}
