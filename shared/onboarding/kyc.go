package onboarding

import (
	"context"
	"errors"
	"fmt"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

// StartKYCInput is POST /v1/users/{id}/kyc.
type StartKYCInput struct {
	Vendor string `json:"vendor"` // sumsub or metamap; the tenant policy's when empty
}

// StartKYC creates the user's applicant with the vendor (or reuses it) and answers what
// the client's front end needs. It needs consent (409 consent_required) and a status that
// waits for KYC (pending_kyc, kyc_retry, suspended).
func (s *Service) StartKYC(ctx context.Context, t store.TenantID, by audit.Actor, id string, in StartKYCInput) (map[string]string, error) {
	u, err := s.getUser(ctx, t, id)
	if err != nil {
		return nil, err
	}
	pol, err := s.Policy(ctx, t)
	if err != nil {
		return nil, err
	}
	name := in.Vendor
	if name == "" {
		name = pol.Vendor
	}
	v, ok := s.Vendors[name]
	if name != VendorSumsub && name != VendorMetaMap {
		return nil, failure.InvalidInput("invalid_vendor", "vendor must be sumsub or metamap")
	}
	if !ok {
		return nil, failure.New(failure.Unavailable, "vendor_not_configured", "the %s integration is not configured", name)
	}
	if u.Consent == nil || !u.Consent.Accepted {
		return nil, errConsentRequired
	}
	switch u.Status {
	case lifecycle.StatusPendingKYC, lifecycle.StatusKYCRetry, lifecycle.StatusSuspended:
	default:
		return nil, failure.Conflicting("invalid_transition", "the user's status (%s) does not wait for KYC", u.Status)
	}
	level := s.Jurisdictions.Level(name, u.Type == TypeCompany, s.proofOfAddress(pol, u.Jurisdiction))
	existing := ""
	if u.KYC != nil && u.KYC.Vendor == name && u.KYC.Level == level {
		existing = u.KYC.ApplicantID
	}
	out, err := v.Start(ctx, StartInput{TenantID: string(t), UserID: u.ID, Company: u.Type == TypeCompany, Level: level, ApplicantID: existing})
	if err != nil {
		s.Log.WarnContext(ctx, "identity vendor start failed", "vendor", name, "error", err.Error())
		return nil, failure.New(failure.Unavailable, "vendor_unavailable", "the identity vendor did not answer; retry later").Wrap(fmt.Errorf("%w: %w", errVendor, err))
	}
	if out.ApplicantID == existing {
		return out.Session, nil
	}
	err = retry(ctx, func() error {
		u, err := s.getUser(ctx, t, id)
		if err != nil {
			return err
		}
		at := store.FormatTime(s.now())
		_, err = s.apply(ctx, u, change{By: by, Action: "kyc.started",
			Details: map[string]string{"vendor": name, "applicantId": out.ApplicantID, "level": level},
			Mutate: func(n *userItem) {
				n.KYC = &KYCSummary{Vendor: name, ApplicantID: out.ApplicantID, Level: level, StartedAt: at, ProfilesVersion: s.Jurisdictions.Version}
				n.KYCState = lifecycle.KYCPending
			},
			Extra: func(tx *store.Tx, _ userItem) {
				tx.Put(store.ApplicantKey(name, out.ApplicantID), applicantItem{Vendor: name, ApplicantID: out.ApplicantID, TenantID: string(t), UserID: u.ID, CreatedAt: at})
			}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out.Session, nil
}

// findApplicant maps a vendor applicant to its tenant and user.
func (s *Service) findApplicant(ctx context.Context, vendor, applicantID string) (applicantItem, error) {
	var a applicantItem
	if !store.ValidID(applicantID) || len(applicantID) > 128 {
		return a, store.ErrNotFound
	}
	err := s.Store.Get(ctx, store.ApplicantKey(vendor, applicantID), &a)
	return a, err
}

// isNotFound reports a missing item.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
