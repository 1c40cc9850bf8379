package tenants

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Suspension and resumption reasons are codes from fixed sets, not free text: they go
// into the audit trail, which is kept for five years and holds no personal data, and a
// pattern of "code-like" characters still let through "john.smith-gmail.com". The
// circumstances belong in the case file, which can be corrected and erased. (Read only.)
var (
	suspendReasons = []string{
		"suspected_fraud", "sanctions_exposure", "aml_concerns", "non_payment", "contract_terminated",
		"regulator_request", "security_incident", "client_request", "other",
	}
	resumeReasons = []string{"review_completed", "payment_received", "client_request", "other"}
)

// validReason accepts one of allowed; "" only when the reason is optional.
func validReason(reason string, allowed []string, required bool) error {
	if reason == "" && !required || slices.Contains(allowed, reason) {
		return nil
	}
	return failure.InvalidInput("invalid_reason", "reason must be one of: %s", strings.Join(allowed, ", "))
}

var errKeysChanging = failure.Conflicting("tenant_keys_changing", "the tenant's API keys changed a moment ago; retry")

// Suspend stops a tenant: from the moment it returns, none of its keys authenticates
// (403 tenant_suspended). The tenant's status and the suspension mark on each of its
// active keys change in one transaction with the audit record, conditioned on the
// versions read, so a key issued or revoked meanwhile makes it fail with a conflict
// instead of leaving a key unmarked. Suspending a suspended tenant changes nothing and
// answers the tenant as it is.
func (s *Service) Suspend(ctx context.Context, by audit.Actor, tenantID, reason string) (Tenant, error) {
	if err := validReason(reason, suspendReasons, true); err != nil {
		return Tenant{}, err
	}
	t, err := s.Get(ctx, tenantID)
	if err != nil || t.Status == StatusSuspended {
		return t, err
	}
	keys, err := s.activeKeys(ctx, t)
	if err != nil {
		return Tenant{}, err
	}
	at, tid := now(s.now), store.TenantID(t.ID)
	ev, err := s.event("tenant.suspended", t.ID, map[string]string{"tenantId": t.ID, "reason": reason})
	if err != nil {
		return Tenant{}, err
	}
	_, err = s.audit.Commit(ctx, tid, audit.Record{
		Action: "tenant.suspended", Actor: by, Subject: audit.Subject{Type: "tenant", ID: t.ID}, Reason: reason,
		Details: map[string]string{"activeKeys": strconv.Itoa(len(keys))},
	}, func(tx *store.Tx) {
		tx.Patch(store.TenantKey(tid), t.Version, store.Changes{Set: map[string]any{
			"status": StatusSuspended, "suspendedAt": at, "suspendedBy": by.Type + ":" + by.ID, "suspendReason": reason,
		}})
		for _, k := range keys {
			tx.Patch(store.APIKeyKey(k.ID), k.Version, store.Changes{Set: map[string]any{"tenantSuspended": true}})
		}
		events.Stage(tx, ev)
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("tenants: suspend: %w", err)
	}
	t.Status, t.SuspendedAt, t.SuspendedBy, t.SuspendReason, t.Version = StatusSuspended, at, by.Type+":"+by.ID, reason, t.Version+1
	return t, nil
}

// Resume lets a suspended tenant's active keys work again, the same way Suspend stopped
// them. The reason is optional; when given, it is one of resumeReasons. Resuming an
// active tenant changes nothing and answers the tenant as it is.
func (s *Service) Resume(ctx context.Context, by audit.Actor, tenantID, reason string) (Tenant, error) {
	if err := validReason(reason, resumeReasons, false); err != nil {
		return Tenant{}, err
	}
	t, err := s.Get(ctx, tenantID)
	if err != nil || t.Status != StatusSuspended {
		return t, err
	}
	keys, err := s.activeKeys(ctx, t)
	if err != nil {
		return Tenant{}, err
	}
	tid := store.TenantID(t.ID)
	data := map[string]string{"tenantId": t.ID}
	if reason != "" {
		data["reason"] = reason
	}
	ev, err := s.event("tenant.resumed", t.ID, data)
	if err != nil {
		return Tenant{}, err
	}
	_, err = s.audit.Commit(ctx, tid, audit.Record{
		Action: "tenant.resumed", Actor: by, Subject: audit.Subject{Type: "tenant", ID: t.ID}, Reason: reason,
		Details: map[string]string{"activeKeys": strconv.Itoa(len(keys)), "suspendedAt": t.SuspendedAt},
	}, func(tx *store.Tx) {
		tx.Patch(store.TenantKey(tid), t.Version, store.Changes{
			Set:    map[string]any{"status": StatusActive},
			Remove: []string{"suspendedAt", "suspendedBy", "suspendReason"},
		})
		for _, k := range keys {
			tx.Patch(store.APIKeyKey(k.ID), k.Version, store.Changes{Remove: []string{"tenantSuspended"}})
		}
		events.Stage(tx, ev)
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("tenants: resume: %w", err)
	}
	t.Status, t.SuspendedAt, t.SuspendedBy, t.SuspendReason, t.Version = StatusActive, "", "", "", t.Version+1
	return t, nil
}

// activeKeys finds the tenant's active keys on GSI1. The index is eventually consistent,
// so what it shows is checked against the tenant's exact count of active keys (kept in
// the transactions that issue and revoke keys): a missing key means the index lags and
// the caller retries. A key the index shows active but that changed since fails the
// version condition of the caller's transaction; together with the condition on the
// tenant's version, a committed transaction has marked exactly the active keys.
//
// It pages with store.QueryAll, inside the process: a suspension does not depend on the
// secret that signs clients' cursors, which a function need not load.
func (s *Service) activeKeys(ctx context.Context, t Tenant) ([]APIKey, error) {
	tid := store.TenantID(t.ID)
	q := store.QueryInput{Index: store.IndexGSI1, PK: store.TenantAPIKeysPK(tid), Tenant: tid, Limit: s.keyPageSize}
	var active []APIKey
	err := s.st.QueryAll(ctx, q, func(items []map[string]types.AttributeValue) (bool, error) {
		keys, err := store.Items[APIKey](store.Page{Items: items})
		if err != nil {
			return false, err
		}
		for _, k := range keys {
			if k.Status == KeyActive && k.TenantID == t.ID {
				active = append(active, k)
			}
		}
		// Revoked keys accumulate; stop as soon as every active key is found.
		return len(active) < t.ActiveKeys, nil
	})
	if err != nil {
		return nil, err
	}
	if len(active) != t.ActiveKeys {
		return nil, errKeysChanging
	}
	return active, nil
}
