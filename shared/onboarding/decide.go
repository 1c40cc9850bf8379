package onboarding

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/jurisdictions"
	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/lists"
	"github.com/chainfi/chainguard/shared/sanctions"
	"github.com/chainfi/chainguard/shared/store"
)

// AML flags.
const (
	FlagSanctions    = "sanctions"
	FlagPEP          = "pep"
	FlagAdverseMedia = "adverse_media"
	FlagCriminal     = "criminal"
	FlagCompromised  = "compromised_persons"
)

var vendorFlags = map[string]string{"SANCTIONS": FlagSanctions, "PEP": FlagPEP, "ADVERSE_MEDIA": FlagAdverseMedia,
	"CRIMINAL": FlagCriminal, "COMPROMISED_PERSONS": FlagCompromised}

// applyEvent applies one vendor event to the user, if it is newer than what was applied.
func (s *Service) applyEvent(ctx context.Context, t store.TenantID, userID string, ev VendorEvent) error {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return err
	}
	by := vendorActor(ev.Vendor)
	details := map[string]string{"vendor": ev.Vendor, "eventType": ev.Type, "applicantId": ev.ApplicantID, "eventAt": store.FormatTime(ev.At)}
	ignore := func(reason string) error {
		details["reason"] = reason
		_, err := s.Audit.Append(ctx, t, audit.Record{Action: "kyc.event_ignored", Actor: by, Subject: audit.Subject{Type: "user", ID: u.ID}, Reason: reason, Details: details})
		return err
	}
	if u.KYC == nil || u.KYC.Vendor != ev.Vendor || u.KYC.ApplicantID != ev.ApplicantID {
		return ignore("not_the_current_applicant")
	}
	// The newest wins: a decision only over an older decision, progress only over older
	// news of any kind (so a progress event stamped like a decision never hides it).
	newest := u.KYC.EventAt
	if ev.Decisive {
		newest = u.KYCDecidedAt
	}
	if last, err := store.ParseTime(newest); err == nil && newest != "" && !ev.At.After(last) {
		return ignore("older_than_applied")
	}
	if u.Consent == nil || !u.Consent.Accepted || u.Status == lifecycle.StatusClosed {
		// Without consent nothing of the applicant is read or kept.
		return ignore("no_consent")
	}
	if !ev.Decisive {
		_, err := s.apply(ctx, u, change{By: by, Action: "kyc.progress", Details: details, Mutate: func(n *userItem) {
			k := *n.KYC
			k.ReviewStatus, k.EventAt = ev.ReviewStatus, store.FormatTime(ev.At)
			n.KYC = &k
		}})
		return err
	}
	v, ok := s.Vendors[ev.Vendor]
	if !ok {
		return errors.New("onboarding: vendor " + ev.Vendor + " not configured")
	}
	va, err := v.Applicant(ctx, ev.ApplicantID)
	if err != nil {
		return err // the queue retries; nothing changed
	}
	details["outcome"] = va.Outcome
	at := store.FormatTime(ev.At)
	record := func(n *userItem) {
		k := *n.KYC
		k.ReviewStatus, k.ReviewAnswer, k.RejectType, k.RejectLabels = va.ReviewStatus, va.Answer, va.RejectType, va.Labels
		if last, err := store.ParseTime(k.EventAt); err != nil || k.EventAt == "" || ev.At.After(last) {
			k.EventAt = at
		}
		if va.Outcome != OutcomePending {
			k.ReviewedAt = at
		}
		n.KYC = &k
	}
	var trigger lifecycle.Trigger
	var state lifecycle.KYC
	switch va.Outcome {
	case OutcomeApproved:
		trigger, state = lifecycle.KYCApproved, lifecycle.KYCStatusApprove
	case OutcomeRetry:
		trigger, state = lifecycle.KYCRetry, lifecycle.KYCStatusRetry
	case OutcomeRejected:
		trigger, state = lifecycle.KYCRejected, lifecycle.KYCStatusReject
	default:
		_, err := s.apply(ctx, u, change{By: by, Action: "kyc.progress", Details: details, Mutate: record})
		return err
	}
	if state == lifecycle.KYCStatusApprove {
		// An approval counts only at the level we asked for, and only for a review made
		// after our KYC started (an applicant someone else created and had reviewed earlier,
		// at another level, does not approve our user).
		if va.Level != "" && va.Level != u.KYC.Level {
			details["vendorLevel"] = va.Level
			return ignore("level_mismatch")
		}
		// Sumsub's reviewDate has whole seconds: a review in our start's second counts.
		if started, err := store.ParseTime(u.KYC.StartedAt); err == nil && !va.ReviewedAt.IsZero() && va.ReviewedAt.Before(started.Truncate(time.Second)) {
			return ignore("review_before_kyc_start")
		}
	}
	// The vendor's own review time when it gives one: a re-sent old webhook with a fresh
	// createdAtMs is not a new review (appeals need a newer approval).
	reviewedAt := at
	if !va.ReviewedAt.IsZero() {
		reviewedAt = store.FormatTime(va.ReviewedAt)
	}
	var identityEnc string
	if state == lifecycle.KYCStatusApprove {
		if identityEnc, err = s.seal(ctx, t, u.ID, PurposeIdentity, va.Identity); err != nil {
			return err
		}
		// Residence or nationality refused outright rejects, whatever the vendor said.
		for _, c := range []struct{ field, country string }{{"residence", countryCode(va.Identity.Country)}, {"nationality", countryCode(va.Identity.Nationality)}} {
			if refused, cc := s.Jurisdictions.Refused(u.Jurisdiction, c.country); refused {
				trigger = lifecycle.ProhibitedRegion
				details["refused"], details["country"] = c.field, cc
				break
			}
		}
	}
	mutate := func(n *userItem) {
		record(n)
		n.KYCState, n.KYCDecidedAt, n.KYCReviewedAt = state, at, reviewedAt
		n.KYC.ReviewedAt = reviewedAt
		if identityEnc != "" {
			n.IdentityEnc = identityEnc
		}
		if len(va.AMLLabels) > 0 {
			n.AML = &AMLSummary{Outcome: string(lifecycle.ScreeningHit), Flags: flagsOf(va.AMLLabels), ScreenedAt: at}
		}
		if trigger == lifecycle.ProhibitedRegion {
			n.RiskTier = "prohibited"
		}
	}
	c := change{Trigger: trigger, By: by, Action: "kyc.decided", Details: details, Mutate: mutate,
		Extra: func(tx *store.Tx, next userItem) {
			if next.Status != lifecycle.StatusPendingKYC && next.Status != lifecycle.StatusKYCRetry {
				s.dropDue(tx, t, u)
			}
		}}
	_, err = s.apply(ctx, u, c)
	if errors.Is(err, lifecycle.ErrNotAllowed) {
		// The status does not move on this (a rejected or active account, ...): the
		// decision is recorded (a newer approval is an appeal's basis), nothing else.
		c.Trigger, c.Details["statusUnchanged"] = "", string(u.Status)
		_, err = s.apply(ctx, u, c)
	}
	if err != nil {
		return err
	}
	if state == lifecycle.KYCStatusApprove && u.Type == TypeCompany && len(va.Members) > 0 {
		return s.linkVendorMembers(ctx, t, u.ID, ev.Vendor, va.Members)
	}
	return nil
}

func flagsOf(labels []string) []string {
	var out []string
	for _, l := range labels {
		if f, ok := vendorFlags[l]; ok && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// continueOnboarding moves a user waiting in pending_aml on: screens it if it has not
// been screened, or (a company) checks its people.
func (s *Service) continueOnboarding(ctx context.Context, t store.TenantID, userID string) error {
	u, err := s.getUser(ctx, t, userID)
	if err != nil {
		return err
	}
	if u.Status != lifecycle.StatusPendingAML {
		return nil
	}
	if u.Type == TypeCompany && u.AML != nil && u.AML.ScreeningID != "" && u.AML.Outcome == string(lifecycle.ScreeningClear) {
		// Screened clean: the company waits for its people.
		return s.checkMembers(ctx, t, u)
	}
	return s.screen(ctx, t, u)
}

// screen runs the initial screening on the user's identity and decides in the
// screening's own transaction: clean -> active (a company: once its people are), a hit
// or an inconclusive result -> pending_review with a review case holding the evidence.
// An error changes nothing and is returned (the queue retries): never active on an error.
func (s *Service) screen(ctx context.Context, t store.TenantID, u userItem) error {
	if s.Screener == nil {
		// A function without the engine (the client API) leaves it to the decision worker.
		return nil
	}
	var id Identity
	if u.IdentityEnc == "" {
		return s.inconclusive(ctx, t, u, "identity_missing")
	}
	if err := s.open(ctx, t, u.ID, PurposeIdentity, u.IdentityEnc, &id); err != nil {
		return err
	}
	q, why := subjectQuery(u, id)
	if why != "" {
		return s.inconclusive(ctx, t, u, why)
	}
	vendorHit := u.AML != nil && u.AML.Outcome == string(lifecycle.ScreeningHit)
	var vflags []string
	if vendorHit {
		vflags = u.AML.Flags
	}
	membersActive := false
	if u.Type == TypeCompany {
		var err error
		if membersActive, err = s.membersActive(ctx, t, u.ID); err != nil {
			return err
		}
	}
	_, err := s.Screener.ScreenThen(ctx, audit.System, t, lists.Request{Query: q, Kind: lists.KindOnboarding, UserID: u.ID},
		func(tx *store.Tx, sc lists.Screening) {
			aml := AMLSummary{Outcome: string(lifecycle.ScreeningClear), Flags: []string{}, ScreenedAt: sc.ScreenedAt, ScreeningID: sc.ID, ListVersion: sc.ListVersion}
			for _, m := range sc.Matches {
				aml.MaxScore = max(aml.MaxScore, m.Score)
			}
			trigger, tier := lifecycle.ScreenedClear, "low"
			if sc.Outcome != "clear" && len(sc.Matches) > 0 {
				aml.Flags = append(aml.Flags, FlagSanctions)
			}
			if sc.PEP {
				// A PEP is no sanctions hit, but a material risk indicator: enhanced due
				// diligence by a reviewer before the account opens.
				aml.Flags = append(aml.Flags, FlagPEP)
			}
			for _, f := range vflags {
				if !slices.Contains(aml.Flags, f) {
					aml.Flags = append(aml.Flags, f)
				}
			}
			switch {
			case len(aml.Flags) > 0:
				aml.Outcome, trigger, tier = string(lifecycle.ScreeningHit), lifecycle.ScreenedHit, "high"
			case sc.Outcome != "clear":
				aml.Outcome, trigger, tier = string(lifecycle.ScreeningUnsure), lifecycle.ScreenedUnsure, "medium"
			case len(sc.ListsStale) > 0:
				// Clean against lists that stopped refreshing is not clean: a person
				// designated since would pass. A reviewer decides (or re-screens).
				aml.Outcome, trigger, tier = string(lifecycle.ScreeningUnsure), lifecycle.ScreenedUnsure, "medium"
			}
			var rv *reviewItem
			if trigger != lifecycle.ScreenedClear {
				r := s.newReview(t, u, ReviewKindOnboarding, "screening_"+aml.Outcome, aml, sc.Matches)
				rv, aml.ReviewID = &r, r.ID
			}
			c := change{Trigger: trigger, By: audit.System, MembersActive: membersActive,
				Details: map[string]string{"screeningId": sc.ID, "listVersion": sc.ListVersion, "outcome": aml.Outcome, "flags": strings.Join(aml.Flags, ","),
					"listsStale": strings.Join(sc.ListsStale, ",")},
				Mutate: func(n *userItem) { n.AML, n.RiskTier = &aml, tier },
				Extra: func(tx *store.Tx, _ userItem) {
					if rv != nil {
						s.stageReview(tx, *rv)
					}
				}}
			if _, err := s.stage(tx, u, c); err != nil {
				if trigger == lifecycle.ScreenedClear && errors.Is(err, lifecycle.ErrMembersNotActive) {
					// A clean company waits in pending_aml for its people.
					c.Trigger = ""
					c.Action = "kyb.awaiting_members"
					if _, err := s.stage(tx, u, c); err == nil {
						return
					}
				}
				tx.Fail(err)
			}
		})
	if errors.Is(err, lists.ErrListsNotReady) {
		return s.inconclusive(ctx, t, u, "lists_not_loaded")
	}
	return err
}

// inconclusive sends the user to review without a screening: the name cannot be screened,
// or no list version is loaded.
func (s *Service) inconclusive(ctx context.Context, t store.TenantID, u userItem, reason string) error {
	aml := AMLSummary{Outcome: string(lifecycle.ScreeningUnsure), Flags: []string{}, ScreenedAt: store.FormatTime(s.now())}
	if u.AML != nil && u.AML.Outcome == string(lifecycle.ScreeningHit) {
		aml.Flags = u.AML.Flags
	}
	r := s.newReview(t, u, ReviewKindOnboarding, reason, aml, nil)
	aml.ReviewID = r.ID
	_, err := s.apply(ctx, u, change{Trigger: lifecycle.ScreenedUnsure, By: audit.System, Details: map[string]string{"reason": reason},
		Mutate: func(n *userItem) { n.AML, n.RiskTier = &aml, "medium" },
		Extra:  func(tx *store.Tx, _ userItem) { s.stageReview(tx, r) }})
	return err
}

// countryCode is a vendor's country (alpha-3, alpha-2 or a name) as alpha-2, or "".
func countryCode(c string) string {
	if cc := jurisdictions.Country(c); cc != "" {
		return cc
	}
	return sanctions.CountryCode(c)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// ---- companies ------------------------------------------------------------------------

// maxMembers bounds a company's linked people.
const maxMembers = 25

// linkVendorMembers links the company's beneficiaries the vendor knows to our users (the
// ones whose applicants we created for this tenant).
func (s *Service) linkVendorMembers(ctx context.Context, t store.TenantID, companyID, vendor string, ms []VendorMember) error {
	for _, m := range ms {
		a, err := s.findApplicant(ctx, vendor, m.ApplicantID)
		if isNotFound(err) || err == nil && a.TenantID != string(t) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := s.link(ctx, t, audit.Actor{Type: "vendor", ID: vendor}, companyID, a.UserID, m.Roles); err != nil && !isConflictCode(err) {
			return err
		}
	}
	return nil
}

func (s *Service) members(ctx context.Context, t store.TenantID, companyID string) ([]memberItem, error) {
	page, err := s.Store.Query(ctx, store.QueryInput{Tenant: t, PK: store.CompanyPK(t, companyID), SKPrefix: store.UBOSKPrefix, Limit: store.MaxLimit})
	if err != nil {
		return nil, err
	}
	return store.Items[memberItem](page)
}

// membersActive: the company has people linked and every one is active.
func (s *Service) membersActive(ctx context.Context, t store.TenantID, companyID string) (bool, error) {
	ms, err := s.members(ctx, t, companyID)
	if err != nil || len(ms) == 0 {
		return false, err
	}
	for _, m := range ms {
		p, err := s.getUser(ctx, t, m.UserID)
		if err != nil {
			return false, err
		}
		if p.Status != lifecycle.StatusActive {
			return false, nil
		}
	}
	return true, nil
}

// checkMembers moves a clean company waiting for its people on, once they are all active.
func (s *Service) checkMembers(ctx context.Context, t store.TenantID, u userItem) error {
	ok, err := s.membersActive(ctx, t, u.ID)
	if err != nil || !ok {
		return err
	}
	_, err = s.apply(ctx, u, change{Trigger: lifecycle.MembersChanged, By: audit.System, MembersActive: true})
	if errors.Is(err, lifecycle.ErrNotAllowed) || errors.Is(err, lifecycle.ErrNotClean) || errors.Is(err, lifecycle.ErrMembersNotActive) {
		return nil
	}
	return err
}

// companiesOf re-checks the companies a person belongs to (after the person's status changed).
func (s *Service) companiesOf(ctx context.Context, t store.TenantID, userID string) error {
	page, err := s.Store.Query(ctx, store.QueryInput{Tenant: t, Index: store.IndexGSI1, PK: store.UserCompaniesPK(t, userID), Limit: store.MaxLimit})
	if err != nil {
		return err
	}
	ms, err := store.Items[memberItem](page)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := retry(ctx, func() error { return s.continueOnboarding(ctx, t, m.CompanyID) }); err != nil {
			return err
		}
	}
	return nil
}
