// Package tenants manages the enterprise clients of the platform and their credentials:
// staff create a tenant (with its first API key), a tenant holds several active API keys
// so it can rotate them, each key is shown once and stored only as a hash, and every
// client request is authenticated by key and scoped to the key's tenant.
//
// Every creation and revocation is committed together with its audit entry; a burst of
// failed authentications is audited once per window. Staff can suspend a tenant: its
// keys stop at once (403 tenant_suspended) and work again when it is resumed.
package tenants

import (
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/store"
)

// Tenant statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Key statuses.
const (
	KeyActive  = "active"
	KeyRevoked = "revoked"
)

// Tenant is an enterprise client (an exchange, an OTC desk, a wallet provider).
type Tenant struct {
	store.Meta
	ID         string `dynamodbav:"tenantId" json:"id"`
	Name       string `dynamodbav:"name" json:"name"`
	Status     string `dynamodbav:"status" json:"status"`
	ActiveKeys int    `dynamodbav:"activeKeys" json:"activeKeys"`
	CreatedAt  string `dynamodbav:"createdAt" json:"createdAt"`
	CreatedBy  string `dynamodbav:"createdBy" json:"-"`
	// Set while the tenant is suspended: when, by whom, and the reason code.
	SuspendedAt   string `dynamodbav:"suspendedAt,omitempty" json:"suspendedAt,omitempty"`
	SuspendedBy   string `dynamodbav:"suspendedBy,omitempty" json:"-"`
	SuspendReason string `dynamodbav:"suspendReason,omitempty" json:"suspendReason,omitempty"`
}

// EntityType implements store.Entity.
func (Tenant) EntityType() string { return "tenant" }

// Indexes lists the tenant for staff (GSI1).
func (t Tenant) Indexes() store.Indexes {
	at, _ := store.ParseTime(t.CreatedAt)
	return store.Indexes{GSI1: store.Key{PK: store.TenantListPK, SK: store.TenantListSK(at, store.TenantID(t.ID))}}
}

// APIKey is a stored key: its public id and the hash of its secret, never the secret.
type APIKey struct {
	store.Meta
	ID        string `dynamodbav:"keyId" json:"id"`
	TenantID  string `dynamodbav:"tenantId" json:"tenantId"`
	Label     string `dynamodbav:"label" json:"label"`
	Hash      string `dynamodbav:"hash" json:"-"`
	Status    string `dynamodbav:"status" json:"status"`
	CreatedAt string `dynamodbav:"createdAt" json:"createdAt"`
	CreatedBy string `dynamodbav:"createdBy" json:"createdBy"`
	RevokedAt string `dynamodbav:"revokedAt,omitempty" json:"revokedAt,omitempty"`
	RevokedBy string `dynamodbav:"revokedBy,omitempty" json:"revokedBy,omitempty"`
	// TenantSuspended copies the tenant's suspension onto each of its active keys, in the
	// transaction that changes the tenant's status (Suspend, Resume, and nothing else
	// writes either), so that Authenticate sees a suspension in the one strongly
	// consistent read it already makes of the key, instead of a second read per request.
	TenantSuspended bool `dynamodbav:"tenantSuspended,omitempty" json:"-"`
}

// EntityType implements store.Entity.
func (APIKey) EntityType() string { return "api_key" }

// Indexes lists the key under its tenant (GSI1).
func (k APIKey) Indexes() store.Indexes {
	at, _ := store.ParseTime(k.CreatedAt)
	return store.Indexes{GSI1: store.Key{PK: store.TenantAPIKeysPK(store.TenantID(k.TenantID)), SK: store.APIKeyListSK(at, k.ID)}}
}

// ForClient is the key as its own tenant's clients see it: a key issued or revoked by
// ChainGuard staff reads "staff", never "staff:<cognito sub>", because who at ChainGuard
// acted is ours to know (staff routes show the key as stored). A client's own actions
// keep their key id, which the client knows already.
func (k APIKey) ForClient() APIKey {
	k.CreatedBy, k.RevokedBy = actorForClient(k.CreatedBy), actorForClient(k.RevokedBy)
	return k
}

// actorForClient keeps "client:<key id>" and reduces any other actor to its type.
func actorForClient(by string) string {
	typ, _, _ := strings.Cut(by, ":")
	if typ == "client" {
		return by
	}
	return typ
}

// IssuedKey is a new key with its secret: the only time the secret exists outside the
// caller's hands.
type IssuedKey struct {
	APIKey
	Secret string `json:"secret"`
}

// Principal is an authenticated client.
type Principal struct {
	Tenant store.TenantID
	KeyID  string
}

type counter struct {
	store.Meta
}

func (counter) EntityType() string { return "auth_failures" }

func now(clock func() time.Time) string { return store.FormatTime(clock()) }
