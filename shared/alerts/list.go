package alerts

import (
	"context"
	"strings"

	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/store"
)

// List pages through the tenant's alerts, newest first (by firstSeenAt). A filter by
// user reads the user's alerts, a filter by status that status's; without either, the
// open alerts come first, then the resolved ones, newest first within each. Kind is a
// filter expression, so a page may hold fewer than limit alerts and still have a next
// cursor. The cursor is opaque and bound to the filter: another filter's is
// invalid_cursor.
func (s *Service) List(ctx context.Context, t store.TenantID, f Filter, cursor string, limit int) ([]Alert, string, error) {
	if err := f.validate(); err != nil {
		return nil, "", err
	}
	if f.UserID != "" {
		if !userIDPattern.MatchString(f.UserID) {
			return []Alert{}, "", nil // no user has such an id
		}
		q := f.query(t, store.IndexGSI2, store.UserAlertsPK(t, f.UserID), true)
		return s.page(ctx, q, cursor, limit)
	}
	if f.Status != "" {
		return s.page(ctx, f.query(t, store.IndexGSI1, store.AlertsByStatusPK(t, f.Status), false), cursor, limit)
	}
	return s.both(ctx, t, f, cursor, limit)
}

// Phases of a listing without status or user: the cursor says which one it is in.
const (
	phaseOpen     = "o."
	phaseResolved = "r."
)

func (s *Service) both(ctx context.Context, t store.TenantID, f Filter, cursor string, limit int) ([]Alert, string, error) {
	phase, inner := phaseOpen, ""
	if cursor != "" {
		switch {
		case strings.HasPrefix(cursor, phaseOpen):
			inner = strings.TrimPrefix(cursor, phaseOpen)
		case strings.HasPrefix(cursor, phaseResolved):
			phase, inner = phaseResolved, strings.TrimPrefix(cursor, phaseResolved)
		default:
			return nil, "", store.ErrBadCursor
		}
		if inner == "" && phase == phaseOpen {
			return nil, "", store.ErrBadCursor
		}
	}
	limit = clamp(limit)
	out := []Alert{}
	if phase == phaseOpen {
		items, next, err := s.page(ctx, f.query(t, store.IndexGSI1, store.AlertsByStatusPK(t, StatusOpen), false), inner, limit)
		if err != nil {
			return nil, "", err
		}
		if next != "" {
			return items, phaseOpen + next, nil
		}
		out, inner = items, ""
		if len(out) >= limit {
			return out, phaseResolved, nil
		}
	}
	items, next, err := s.page(ctx, f.query(t, store.IndexGSI1, store.AlertsByStatusPK(t, StatusResolved), false), inner, limit-len(out))
	if err != nil {
		return nil, "", err
	}
	out = append(out, items...)
	if next != "" {
		next = phaseResolved + next
	}
	return out, next, nil
}

func clamp(limit int) int {
	switch {
	case limit <= 0:
		return store.DefaultLimit
	case limit > store.MaxLimit:
		return store.MaxLimit
	}
	return limit
}

func (f Filter) validate() error {
	switch f.Status {
	case "", StatusOpen, StatusResolved:
	default:
		return failure.InvalidInput("invalid_status", "status is open or resolved")
	}
	switch f.Kind {
	case "", KindSanctions, KindPEP, KindRule:
	default:
		return failure.InvalidInput("invalid_kind", "kind is sanctions, pep or rule")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return failure.InvalidInput("invalid_time_range", "from must not be after to")
	}
	return nil
}

// query selects one partition, newest first, within [From, To], filtered by kind (and by
// status when the partition holds every status).
func (f Filter) query(t store.TenantID, index, pk string, byStatus bool) store.QueryInput {
	q := store.QueryInput{Index: index, PK: pk, Tenant: t, Descending: true}
	if !f.From.IsZero() {
		q.SKFrom = store.FormatTime(f.From)
	}
	if !f.To.IsZero() {
		q.SKTo = store.FormatTime(f.To) + "#~" // every id of that millisecond
	}
	var conds []string
	names, values := map[string]string{}, map[string]any{}
	if f.Kind != "" {
		conds = append(conds, "#kind = :kind")
		names["#kind"], values[":kind"] = "kind", f.Kind
	}
	if byStatus && f.Status != "" {
		conds = append(conds, "#status = :status")
		names["#status"], values[":status"] = "status", f.Status
	}
	if len(conds) > 0 {
		q.Filter = store.Cond{Expr: strings.Join(conds, " AND "), Names: names, Values: values}
	}
	return q
}

func (s *Service) page(ctx context.Context, q store.QueryInput, cursor string, limit int) ([]Alert, string, error) {
	q.Cursor, q.Limit = cursor, limit
	page, err := s.Store.Query(ctx, q)
	if err != nil {
		return nil, "", err
	}
	items, err := store.Items[alertItem](page)
	if err != nil {
		return nil, "", err
	}
	out := make([]Alert, 0, len(items))
	for _, it := range items {
		v, err := s.view(ctx, it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, page.NextCursor, nil
}
