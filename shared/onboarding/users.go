package onboarding

import (
	"context"
	"errors"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

var refPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// CreateUserInput is POST /v1/users.
type CreateUserInput struct {
	ExternalRef  string `json:"externalRef"`
	Type         string `json:"type"`
	Jurisdiction string `json:"jurisdiction"`
}

// CreateUser creates a user in pending_consent. The same externalRef again answers the
// existing user (created false), never a second one, even when two requests race.
func (s *Service) CreateUser(ctx context.Context, t store.TenantID, by audit.Actor, in CreateUserInput) (User, bool, error) {
	if !refPattern.MatchString(in.ExternalRef) {
		return User{}, false, failure.InvalidInput("invalid_external_ref", "externalRef must be 1 to 128 letters, digits or . _ : - (an opaque reference, never an e-mail address or a name)")
	}
	if in.Type != TypeIndividual && in.Type != TypeCompany {
		return User{}, false, failure.InvalidInput("invalid_type", "type must be individual or company")
	}
	if _, ok := s.Jurisdictions.Get(in.Jurisdiction); !ok {
		return User{}, false, failure.InvalidInput("invalid_jurisdiction", "jurisdiction must be one of %s", strings.Join(s.Jurisdictions.Codes(), ", "))
	}
	if u, err := s.userByRef(ctx, t, in.ExternalRef); err == nil {
		return s.existing(u, in)
	} else if !errors.Is(err, store.ErrNotFound) {
		return User{}, false, err
	}
	at := store.FormatTime(s.now())
	u := userItem{TenantID: string(t), ID: "usr_" + strings.ToLower(store.NewID()), ExternalRef: in.ExternalRef, Type: in.Type,
		Jurisdiction: in.Jurisdiction, Status: lifecycle.StatusPendingConsent, StatusReason: "created", RiskTier: "unrated",
		CreatedAt: at, UpdatedAt: at,
		History: []StatusChange{{To: lifecycle.StatusPendingConsent, Reason: "created", At: at, By: by.Type + ":" + by.ID}}}
	_, err := s.Audit.Commit(ctx, t, audit.Record{Action: "user.created", Actor: by, Subject: audit.Subject{Type: "user", ID: u.ID},
		Details: map[string]string{"type": u.Type, "jurisdiction": u.Jurisdiction}}, func(tx *store.Tx) {
		tx.Create(store.UserRefKey(t, in.ExternalRef), userRefItem{TenantID: string(t), UserID: u.ID})
		tx.Create(store.UserKey(t, u.ID), u)
	})
	var te *store.TxError
	if errors.As(err, &te) && te.Key == store.UserRefKey(t, in.ExternalRef) {
		// Another request created it first: answer that one.
		existing, err := s.userByRef(ctx, t, in.ExternalRef)
		if err != nil {
			return User{}, false, err
		}
		return s.existing(existing, in)
	}
	if err != nil {
		return User{}, false, err
	}
	u.Version = 1
	return u.view(), true, nil
}

func (s *Service) existing(u userItem, in CreateUserInput) (User, bool, error) {
	if u.Type != in.Type || u.Jurisdiction != in.Jurisdiction {
		return User{}, false, failure.Conflicting("external_ref_taken", "a user with this externalRef exists with another type or jurisdiction")
	}
	return u.view(), false, nil
}

func (s *Service) userByRef(ctx context.Context, t store.TenantID, ref string) (userItem, error) {
	var r userRefItem
	if err := s.Store.Get(ctx, store.UserRefKey(t, ref), &r); err != nil {
		return userItem{}, err
	}
	return s.getUser(ctx, t, r.UserID)
}

// GetUser answers a user of the tenant.
func (s *Service) GetUser(ctx context.Context, t store.TenantID, id string) (User, error) {
	u, err := s.getUser(ctx, t, id)
	if err != nil {
		return User{}, err
	}
	return u.view(), nil
}

// UserFilter selects users to list.
type UserFilter struct {
	Status       string
	Jurisdiction string
}

// ListUsers lists the tenant's users, newest first, by status and/or jurisdiction; with
// neither, every user, jurisdiction by jurisdiction.
func (s *Service) ListUsers(ctx context.Context, t store.TenantID, f UserFilter, limit int, cursor string) ([]User, string, error) {
	if f.Status != "" && !lifecycle.Status(f.Status).Valid() {
		return nil, "", failure.InvalidInput("invalid_status", "unknown status %q", f.Status)
	}
	if f.Jurisdiction != "" {
		if _, ok := s.Jurisdictions.Get(f.Jurisdiction); !ok {
			return nil, "", failure.InvalidInput("invalid_jurisdiction", "unknown jurisdiction %q", f.Jurisdiction)
		}
	}
	q := store.QueryInput{Tenant: t, Limit: limit, Cursor: cursor, Descending: true}
	switch {
	case f.Status != "":
		q.Index, q.PK = store.IndexGSI1, store.UsersByStatusPK(t, f.Status)
		if f.Jurisdiction != "" {
			q.Filter = store.Cond{Expr: "jurisdiction = :j", Values: map[string]any{":j": f.Jurisdiction}}
		}
	case f.Jurisdiction != "":
		q.Index, q.PK = store.IndexGSI2, store.UsersByJurisdictionPK(t, f.Jurisdiction)
	default:
		return s.listAll(ctx, t, limit, cursor)
	}
	page, err := s.Store.Query(ctx, q)
	if err != nil {
		return nil, "", err
	}
	return views(page)
}

// listAll walks the jurisdictions' partitions in turn; the cursor names the jurisdiction
// and carries the store's signed cursor within it (bound to that partition).
func (s *Service) listAll(ctx context.Context, t store.TenantID, limit int, cursor string) ([]User, string, error) {
	codes := s.Jurisdictions.Codes()
	i, inner := 0, ""
	if cursor != "" {
		j, rest, ok := strings.Cut(cursor, ".")
		i = slices.Index(codes, j)
		if !ok || i < 0 {
			return nil, "", store.ErrBadCursor
		}
		inner = rest
	}
	out := []User{}
	for ; i < len(codes); i, inner = i+1, "" {
		page, err := s.Store.Query(ctx, store.QueryInput{Tenant: t, Index: store.IndexGSI2, PK: store.UsersByJurisdictionPK(t, codes[i]),
			Limit: limitOr(limit) - len(out), Cursor: inner, Descending: true})
		if err != nil {
			return nil, "", err
		}
		us, _, err := views(page)
		if err != nil {
			return nil, "", err
		}
		out = append(out, us...)
		if page.NextCursor != "" {
			return out, codes[i] + "." + page.NextCursor, nil
		}
		if len(out) >= limitOr(limit) {
			if i+1 < len(codes) {
				return out, codes[i+1] + ".", nil
			}
			return out, "", nil
		}
	}
	return out, "", nil
}

func limitOr(n int) int {
	if n <= 0 {
		return store.DefaultLimit
	}
	return min(n, store.MaxLimit)
}

func views(p store.Page) ([]User, string, error) {
	items, err := store.Items[userItem](p)
	if err != nil {
		return nil, "", err
	}
	out := make([]User, len(items))
	for i, u := range items {
		out[i] = u.view()
	}
	return out, p.NextCursor, nil
}

// ConsentInput is POST /v1/users/{id}/consent, with who sent it.
type ConsentInput struct {
	Version   string `json:"version"`
	Accepted  *bool  `json:"accepted"`
	IP        string `json:"-"`
	UserAgent string `json:"-"`
}

type consentEvidence struct {
	IP        string `json:"ip"`
	UserAgent string `json:"userAgent"`
	Actor     string `json:"actor"`
}

var versionPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// Consent records the user's answer to the consent text of a version. Accepted moves a
// pending_consent user to pending_kyc with a KYC deadline; refused (or withdrawn, see
// WithdrawConsent) before activation closes the onboarding. The same accepted version
// again answers the user as it is.
func (s *Service) Consent(ctx context.Context, t store.TenantID, by audit.Actor, id string, in ConsentInput) (User, error) {
	if !versionPattern.MatchString(in.Version) {
		return User{}, failure.InvalidInput("invalid_version", "version must be 1 to 64 letters, digits or . _ -")
	}
	if in.Accepted == nil {
		return User{}, failure.InvalidInput("invalid_accepted", "accepted must be true or false")
	}
	if in.IP != "" && net.ParseIP(in.IP) == nil {
		return User{}, failure.InvalidInput("invalid_ip_address", "ipAddress must be an IPv4 or IPv6 address")
	}
	if !*in.Accepted {
		return s.withdraw(ctx, t, by, id, in)
	}
	var out userItem
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, id)
		if err != nil {
			return err
		}
		if u.Consent != nil && u.Consent.Accepted {
			if u.Consent.Version == in.Version {
				out = u
				return nil
			}
			return failure.Conflicting("consent_already_recorded", "the user already consented (version %s)", u.Consent.Version)
		}
		if u.Status != lifecycle.StatusPendingConsent {
			return refusal(lifecycle.ErrNotAllowed)
		}
		pol, err := s.Policy(ctx, t)
		if err != nil {
			return err
		}
		now := s.now()
		deadline := now.Add(time.Duration(pol.DeadlineHours) * time.Hour)
		c, err := s.consentItem(ctx, t, by, u.ID, in, true, now)
		if err != nil {
			return err
		}
		out, err = s.apply(ctx, u, change{Trigger: lifecycle.ConsentGiven, By: by,
			Details: map[string]string{"consentVersion": in.Version, "consentId": c.ID},
			Mutate: func(n *userItem) {
				n.Consent = &ConsentSummary{ID: c.ID, Version: in.Version, Accepted: true, At: c.At}
				n.KYCDeadline = store.FormatTime(deadline)
			},
			Extra: func(tx *store.Tx, _ userItem) {
				tx.Create(store.ConsentKey(t, u.ID, "kyc_aml", c.ID), c)
				tx.Create(dueKey(t, u.ID, deadline), dueItem{TenantID: string(t), UserID: u.ID, Deadline: store.FormatTime(deadline)})
			}})
		return err
	})
	if err != nil {
		return User{}, refusal(err)
	}
	return out.view(), nil
}

func (s *Service) consentItem(ctx context.Context, t store.TenantID, by audit.Actor, userID string, in ConsentInput, accepted bool, now time.Time) (consentItem, error) {
	id := store.NewID()
	ev, err := s.seal(ctx, t, id, PurposeConsent, consentEvidence{IP: in.IP, UserAgent: truncate(in.UserAgent, 512), Actor: by.Type + ":" + by.ID})
	if err != nil {
		return consentItem{}, err
	}
	return consentItem{TenantID: string(t), UserID: userID, ID: id, Version: in.Version, Accepted: accepted,
		At: store.FormatTime(now), EvidenceEnc: ev}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// WithdrawConsent is DELETE /v1/users/{id}/consent: before activation it closes the
// onboarding (reason consent_withdrawn).
func (s *Service) WithdrawConsent(ctx context.Context, t store.TenantID, by audit.Actor, id string, ip, ua string) (User, error) {
	return s.withdraw(ctx, t, by, id, ConsentInput{Version: "withdrawal", IP: ip, UserAgent: ua})
}

func (s *Service) withdraw(ctx context.Context, t store.TenantID, by audit.Actor, id string, in ConsentInput) (User, error) {
	var out userItem
	err := retry(ctx, func() error {
		u, err := s.getUser(ctx, t, id)
		if err != nil {
			return err
		}
		if u.Status == lifecycle.StatusClosed {
			out = u
			return nil
		}
		if !u.Status.Preactivation() {
			return failure.Conflicting("consent_not_withdrawable", "consent can be withdrawn only before activation; an active account is closed through a review")
		}
		now := s.now()
		c, err := s.consentItem(ctx, t, by, u.ID, in, false, now)
		if err != nil {
			return err
		}
		out, err = s.apply(ctx, u, change{Trigger: lifecycle.ConsentWithdrawn, By: by, Details: map[string]string{"consentId": c.ID},
			Mutate: func(n *userItem) {
				n.Consent = &ConsentSummary{ID: c.ID, Version: in.Version, Accepted: false, At: c.At}
			},
			Extra: func(tx *store.Tx, _ userItem) {
				tx.Create(store.ConsentKey(t, u.ID, "kyc_aml", c.ID), c)
				s.dropDue(tx, t, u)
			}})
		return err
	})
	if err != nil {
		return User{}, refusal(err)
	}
	return out.view(), nil
}

// dropDue takes the user off the deadline job's list (if it is on it).
func (s *Service) dropDue(tx *store.Tx, t store.TenantID, u userItem) {
	if d, err := store.ParseTime(u.KYCDeadline); err == nil && u.KYCDeadline != "" {
		tx.Remove(dueKey(t, u.ID, d))
	}
}
