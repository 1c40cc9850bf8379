package movements

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// Get answers a movement with its corrections and, decrypted, who initiated and approved
// it; the read of that personal data is audited.
func (s *Service) Get(ctx context.Context, t store.TenantID, by audit.Actor, id string) (Movement, error) {
	if !idPattern.MatchString(id) {
		return Movement{}, errMovementNotFound
	}
	// One Query reads the record and its corrections' pointers (same partition).
	page, err := s.Store.Query(ctx, store.QueryInput{PK: store.MovementPK(t, id), Tenant: t, Limit: store.MaxLimit})
	if err != nil {
		return Movement{}, err
	}
	var m *movementItem
	var corrections []string
	for _, raw := range page.Items {
		var probe struct {
			store.Meta
			TenantID string `dynamodbav:"tenantId"`
		}
		if err := store.Unmarshal(raw, &probe); err != nil || probe.TenantID != string(t) {
			continue
		}
		switch {
		case probe.SK == "MOVEMENT":
			var it movementItem
			if err := store.Unmarshal(raw, &it); err != nil {
				return Movement{}, err
			}
			m = &it
		case probe.SK == "CORRECTEDBY":
			var c correctionItem
			if err := store.Unmarshal(raw, &c); err == nil {
				corrections = append(corrections, c.CorrectionID)
			}
		}
	}
	if m == nil {
		return Movement{}, errMovementNotFound
	}
	out := m.Movement
	out.CorrectedBy = corrections
	if m.ContextEnc != "" {
		var mc movementContext
		if err := s.open(ctx, t, m.ID, PurposeContext, m.ContextEnc, &mc); err != nil {
			return Movement{}, err
		}
		if _, err := s.Audit.Append(ctx, t, audit.Record{Action: "movement.context_read", Actor: by, Subject: audit.Subject{Type: "movement", ID: m.ID}}); err != nil {
			return Movement{}, err
		}
		out.InitiatedBy, out.ApprovalPath = mc.InitiatedBy, mc.ApprovalPath
	}
	return out, nil
}

// Filter selects movements to list: exactly one of User, Vault or Address (with Chain);
// Asset, From and To narrow it.
type Filter struct {
	User    string
	Vault   string
	Chain   string
	Address string
	Asset   string
	From    time.Time
	To      time.Time
}

// List lists a user's, vault's or address's movements, newest first: one Query of the
// party's copies (never a scan), the asset as a filter on the page.
func (s *Service) List(ctx context.Context, t store.TenantID, f Filter, cursor string, limit int) ([]Movement, string, error) {
	n := 0
	for _, v := range []string{f.User, f.Vault, f.Address} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, "", invalid("invalid_filter", "give exactly one of user, vault or address (with chain)")
	}
	if f.Chain != "" && f.Address == "" {
		return nil, "", invalid("invalid_filter", "chain goes with address: it names the address's network")
	}
	var pk string
	switch {
	case f.User != "":
		if !userIDPattern.MatchString(f.User) {
			return nil, "", invalid("invalid_user", "user is a user id (usr_...)")
		}
		pk = store.UserMovementsPK(t, f.User)
	case f.Vault != "":
		if !vaultPattern.MatchString(f.Vault) {
			return nil, "", invalid("invalid_vault", "vault is a vault id")
		}
		pk = store.VaultMovementsPK(t, f.Vault)
	default:
		a, err := NormalizeAddress(f.Chain, f.Address)
		if err != nil {
			return nil, "", addressError("address", err)
		}
		pk = store.AddressMovementsPK(t, a.Chain, a.Key)
	}
	q := store.QueryInput{PK: pk, Tenant: t, Limit: limit, Cursor: cursor, Descending: true}
	if !f.From.IsZero() {
		q.SKFrom = store.FormatTime(f.From)
	}
	if !f.To.IsZero() {
		q.SKTo = store.FormatTime(f.To) + "#~"
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return nil, "", invalid("invalid_range", "to is before from")
	}
	if f.Asset != "" {
		if !assetPattern.MatchString(f.Asset) {
			return nil, "", invalid("invalid_asset", "asset is an upper-case ticker, like USDT")
		}
		q.Filter = store.Cond{Expr: "#asset = :asset", Names: map[string]string{"#asset": "asset"}, Values: map[string]any{":asset": f.Asset}}
	}
	page, err := s.Store.Query(ctx, q)
	if err != nil {
		if errors.Is(err, store.ErrBadCursor) {
			return nil, "", failure.InvalidInput("invalid_cursor", "the cursor is not valid for this listing")
		}
		return nil, "", err
	}
	items, err := store.Items[refItem](page)
	if err != nil {
		return nil, "", err
	}
	out := make([]Movement, 0, len(items))
	for _, it := range items {
		if it.TenantID == string(t) {
			out = append(out, it.Movement)
		}
	}
	return out, page.NextCursor, nil
}

// byTime reads a tenant's movements with occurredAt in [from, to], oldest first, day
// partition by day partition (GSI1), calling fn per page until it answers false.
func (s *Service) byTime(ctx context.Context, t store.TenantID, from, to time.Time, fn func([]movementItem) (bool, error)) error {
	for day := from.UTC().Truncate(24 * time.Hour); !day.After(to); day = day.Add(24 * time.Hour) {
		more := true
		err := s.Store.QueryAll(ctx, store.QueryInput{Index: store.IndexGSI1, PK: store.MovementsByDayPK(t, day), SKFrom: store.FormatTime(from),
			SKTo: store.FormatTime(to) + "#~", Tenant: t, Limit: store.MaxLimit}, func(raw []map[string]types.AttributeValue) (bool, error) {
			var items []movementItem
			for _, r := range raw {
				var it movementItem
				if err := store.Unmarshal(r, &it); err != nil {
					return false, err
				}
				items = append(items, it)
			}
			var err error
			more, err = fn(items)
			return more, err
		})
		if err != nil || !more {
			return err
		}
	}
	return nil
}
