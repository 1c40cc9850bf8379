package tenants

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

var (
	errMissingKey      = failure.New(failure.Unauthenticated, "missing_api_key", "send your API key as: Authorization: Bearer <key>")
	errInvalidKey      = failure.New(failure.Unauthenticated, "invalid_api_key", "the API key is invalid or revoked")
	errTenantSuspended = failure.Denied("tenant_suspended", "your organisation's access is suspended; contact ChainGuard support")
)

// Authenticate checks the Authorization header of a client request with one strongly
// consistent read of the key, so a revoked key, or a key of a suspended tenant, stops
// working at once. Every credential failure answers the same 401 whatever the reason,
// and is counted; the burst threshold is audited. A valid key of a suspended tenant
// answers 403 tenant_suspended: the caller proved it holds the key, so telling it why it
// is refused reveals nothing to a stranger and saves its support desk a guess.
//
// An unknown key id and a wrong secret take the same path, so that their timing does
// not tell a prober which key ids exist: one read, the decoding of a key record (a decoy
// when there is none), the hash comparison, one counter increment.
func (s *Service) Authenticate(ctx context.Context, authorization string) (_ Principal, err error) {
	raw, ok := bearer(authorization)
	if !ok {
		return Principal{}, errMissingKey
	}
	// The monotonic clock, not s.now: this is about elapsed time, not about timestamps.
	start := time.Now()
	defer func() {
		if err == errInvalidKey {
			waitUntil(ctx, start.Add(s.policy.Floor))
		}
	}()
	id, secret, ok := parseKey(raw)
	if !ok {
		s.recordFailure(ctx, "", "", "malformed")
		return Principal{}, errInvalidKey
	}
	k, found, err := s.lookupKey(ctx, id)
	if err != nil {
		return Principal{}, err
	}
	matches := secretMatches(k.Hash, id, secret)
	switch {
	case !found:
		s.recordFailure(ctx, "", id, "unknown_key")
		return Principal{}, errInvalidKey
	case !matches:
		s.recordFailure(ctx, k.TenantID, id, "wrong_secret")
		return Principal{}, errInvalidKey
	case k.Status != KeyActive:
		s.recordFailure(ctx, k.TenantID, id, "revoked_key")
		return Principal{}, errInvalidKey
	case k.TenantSuspended:
		return Principal{}, errTenantSuspended
	}
	return Principal{Tenant: store.TenantID(k.TenantID), KeyID: id}, nil
}

// lookupKey reads the key; for an id that is not ours it decodes the decoy record instead,
// so both outcomes cost the same work.
func (s *Service) lookupKey(ctx context.Context, id string) (APIKey, bool, error) {
	var k APIKey
	err := s.st.Get(ctx, store.APIKeyKey(id), &k)
	if errors.Is(err, store.ErrNotFound) {
		var decoy APIKey
		if err := store.Unmarshal(s.decoy, &decoy); err != nil {
			return APIKey{}, false, err
		}
		return decoy, false, nil
	}
	if err != nil {
		return APIKey{}, false, err
	}
	return k, true, nil
}

// newDecoy is a stored-shape key record with a random hash no secret matches: what an
// unknown key id is checked against.
func newDecoy() (map[string]types.AttributeValue, error) {
	id, _, _, err := newKeyMaterial()
	if err != nil {
		return nil, err
	}
	var h [32]byte
	if _, err := rand.Read(h[:]); err != nil {
		return nil, err
	}
	k := APIKey{
		ID: id, TenantID: "tnt_" + strings.ToLower(id), Label: "default", Hash: hex.EncodeToString(h[:]),
		Status: KeyActive, CreatedAt: store.FormatTime(time.Now()), CreatedBy: "staff:decoy",
	}
	item, err := attributevalue.MarshalMap(k)
	if err != nil {
		return nil, err
	}
	key := store.APIKeyKey(id)
	item[store.AttrPK] = &types.AttributeValueMemberS{Value: key.PK}
	item[store.AttrSK] = &types.AttributeValueMemberS{Value: key.SK}
	item[store.AttrType] = &types.AttributeValueMemberS{Value: k.EntityType()}
	item[store.AttrVersion] = &types.AttributeValueMemberN{Value: "1"}
	return item, nil
}

// waitUntil returns at t, or earlier when ctx ends (the refusal is already decided).
func waitUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
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
