package tenants

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

var (
	errMissingKey = failure.New(failure.Unauthenticated, "missing_api_key", "send your API key as: Authorization: Bearer <key>")
	errInvalidKey = failure.New(failure.Unauthenticated, "invalid_api_key", "the API key is invalid or revoked")
)

// Authenticate checks the Authorization header of a client request with one strongly
// consistent read, so a revoked key stops working at once. Every failure answers the
// same 401 whatever the reason, and is counted; the burst threshold is audited.
func (s *Service) Authenticate(ctx context.Context, authorization string) (Principal, error) {
	raw, ok := bearer(authorization)
	if !ok {
		return Principal{}, errMissingKey
	}
	id, secret, ok := parseKey(raw)
	if !ok {
		s.recordFailure(ctx, "", "", "malformed")
		return Principal{}, errInvalidKey
	}
	var k APIKey
	if err := s.st.Get(ctx, store.APIKeyKey(id), &k); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.recordFailure(ctx, "", id, "unknown_key")
			return Principal{}, errInvalidKey
		}
		return Principal{}, err
	}
	if !secretMatches(k.Hash, id, secret) {
		s.recordFailure(ctx, k.TenantID, id, "wrong_secret")
		return Principal{}, errInvalidKey
	}
	if k.Status != KeyActive {
		s.recordFailure(ctx, k.TenantID, id, "revoked_key")
		return Principal{}, errInvalidKey
	}
	return Principal{Tenant: store.TenantID(k.TenantID), KeyID: id}, nil
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// recordFailure counts a failure per key (to its tenant's chain) or, when the key is not
// ours, in one platform-wide counter (to the platform's chain), and audits the moment a
// window reaches the threshold: once per burst, not once per request. Errors here never
// change the caller's 401; they are logged.
func (s *Service) recordFailure(ctx context.Context, tenantID, keyID, reason string) {
	now := s.now()
	window := now.Truncate(s.policy.Window)
	principal, chain := "PLATFORM", store.PlatformTenant
	if tenantID != "" {
		principal, chain = "K_"+keyID, store.TenantID(tenantID)
	}
	n, err := s.st.Increment(ctx, store.AuthFailureKey(principal, strconv.FormatInt(window.Unix(), 10)), counter{}.EntityType(), window.Add(2*s.policy.Window))
	if err != nil {
		s.log.Error("auth failure not counted", "error", err.Error())
		return
	}
	if n != int64(s.policy.Threshold) {
		return
	}
	subject := audit.Subject{Type: "platform", ID: "api"}
	if keyID != "" && tenantID != "" {
		subject = audit.Subject{Type: "apikey", ID: keyID}
	}
	_, err = s.audit.Append(ctx, chain, audit.Record{
		Action: "auth.failure_burst", Actor: audit.Actor{Type: "client", ID: "unauthenticated"}, Subject: subject,
		Reason: reason,
		Details: map[string]string{
			"failures": strconv.Itoa(s.policy.Threshold), "windowStart": store.FormatTime(window),
			"windowSeconds": strconv.Itoa(int(s.policy.Window.Seconds())),
		},
	})
	if err != nil {
		s.log.Error("auth failure burst not audited", "error", err.Error())
	}
}
