package onboarding

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/store"
)

// MonitoredStatuses are the statuses whose users ongoing monitoring re-screens: people
// who passed KYC and hold an account, whatever the platform did with it since.
var MonitoredStatuses = []lifecycle.Status{lifecycle.StatusActive, lifecycle.StatusRestricted, lifecycle.StatusSuspended}

// subjectQuery is the screening query of a user's verified identity, as the onboarding
// decision and monitoring both screen it; why is set when the identity cannot be
// screened meaningfully (a name too short).
func subjectQuery(u userItem, id Identity) (q lists.Query, why string) {
	name := id.Name()
	if letters(name) < 4 || len(strings.Fields(name)) < 2 && u.Type == TypeIndividual {
		return lists.Query{}, "name_too_short_to_screen"
	}
	if u.Type == TypeCompany {
		return lists.Query{Name: name, Type: lists.TypeOrganisation, Country: countryCode(id.Country)}, ""
	}
	return lists.Query{Name: name, Type: lists.TypePerson, DateOfBirth: id.DOB, Nationality: countryCode(id.Nationality), Country: countryCode(id.Country)}, ""
}

// UsersInStatus pages a tenant's users in one status created at or after since (zero:
// all), oldest first (the status index, sorted by creation).
func (s *Service) UsersInStatus(ctx context.Context, t store.TenantID, st lifecycle.Status, since time.Time, cursor string, limit int) ([]string, string, error) {
	q := store.QueryInput{Index: store.IndexGSI1, PK: store.UsersByStatusPK(t, string(st)), Tenant: t, Limit: limit, Cursor: cursor}
	if !since.IsZero() {
		q.SKFrom = store.FormatTime(since)
	}
	page, err := s.Store.Query(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("onboarding: users in %s: %w", st, err)
	}
	items, err := store.Items[userItem](page)
	if err != nil {
		return nil, "", err
	}
	ids := make([]string, 0, len(items))
	for _, u := range items {
		ids = append(ids, u.ID)
	}
	return ids, page.NextCursor, nil
}

// Subject is a user as monitoring screens them. Query holds personal data: it lives in
// memory only. Hash identifies the screened data (a change of name or birth date changes
// it) without holding it.
type Subject struct {
	UserID string
	Status lifecycle.Status
	Query  lists.Query
	Hash   string
}

// ErrNotScreenable is the reason a user has no subject: no verified identity, or one
// that cannot be screened; monitoring skips them.
var ErrNotScreenable = errors.New("onboarding: user not screenable")

// subjectReaders bounds the reads in flight for one Subjects call.
const subjectReaders = 8

// Subjects reads users of tenant t and builds their screening queries. Users not found,
// of another tenant, not in a monitored status or without a screenable identity are
// reported in skipped with the reason, never screened.
func (s *Service) Subjects(ctx context.Context, t store.TenantID, ids []string) (subjects []Subject, skipped map[string]error, err error) {
	out := make([]*Subject, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, subjectReaders)
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = s.subject(ctx, t, id)
		}()
	}
	wg.Wait()
	skipped = map[string]error{}
	for i, sub := range out {
		switch {
		case errs[i] == nil:
			subjects = append(subjects, *sub)
		case errors.Is(errs[i], ErrNotScreenable) || errors.Is(errs[i], errUserNotFound):
			skipped[ids[i]] = errs[i]
		default:
			return nil, nil, errs[i]
		}
	}
	return subjects, skipped, nil
}

func (s *Service) subject(ctx context.Context, t store.TenantID, id string) (*Subject, error) {
	u, err := s.getUser(ctx, t, id)
	if err != nil {
		return nil, err
	}
	monitored := false
	for _, st := range MonitoredStatuses {
		monitored = monitored || u.Status == st
	}
	if !monitored || u.IdentityEnc == "" {
		return nil, fmt.Errorf("%w: status %s", ErrNotScreenable, u.Status)
	}
	var ident Identity
	if err := s.open(ctx, t, u.ID, PurposeIdentity, u.IdentityEnc, &ident); err != nil {
		return nil, err
	}
	q, why := subjectQuery(u, ident)
	if why != "" {
		return nil, fmt.Errorf("%w: %s", ErrNotScreenable, why)
	}
	raw, _ := json.Marshal(q)
	sum := sha256.Sum256(append([]byte(string(t)+"/"+u.ID+"/"), raw...))
	return &Subject{UserID: u.ID, Status: u.Status, Query: q, Hash: hex.EncodeToString(sum[:16])}, nil
}

// ErrNoVendorRecheck is RecheckAML's answer for a user whose vendor cannot re-run its
// AML check on request (MetaMap has no such call), or who has no applicant.
var ErrNoVendorRecheck = errors.New("onboarding: the user's identity vendor has no AML recheck")

// RecheckAML asks the user's identity vendor to re-run its AML check (Sumsub's
// POST /resources/applicants/{id}/recheck/aml). The outcome comes back as a vendor event
// and is handled as every vendor review is.
func (s *Service) RecheckAML(ctx context.Context, t store.TenantID, userID string) error {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return err
	}
	if u.KYC == nil || u.KYC.Vendor != VendorSumsub || u.KYC.ApplicantID == "" {
		return ErrNoVendorRecheck
	}
	v, ok := s.Vendors[VendorSumsub].(Sumsub)
	if !ok {
		return ErrNoVendorRecheck
	}
	return v.API.RecheckAML(ctx, u.KYC.ApplicantID)
}
