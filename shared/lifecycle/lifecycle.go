// Package lifecycle is the account lifecycle of an onboarded user (or company) as one
// explicit state machine: the statuses, the triggers that move between them, the table of
// allowed transitions and the guard every transition passes. It is pure (no AWS, no
// clock): the onboarding service gathers the facts, asks Decide, and applies the answer
// with optimistic locking.
//
// The rule the whole package exists for: no transition reaches StatusActive unless the
// facts show recorded consent, an approved KYC and a clean initial screening (for a
// company also every linked beneficial owner and director active), whatever the trigger,
// the table or the caller says. Decide checks it last, for every transition.
package lifecycle

import (
	"errors"
	"fmt"
	"time"
)

// Status is where an account stands.
type Status string

// The statuses.
const (
	StatusPendingConsent Status = "pending_consent"
	StatusPendingKYC     Status = "pending_kyc"
	StatusKYCRetry       Status = "kyc_retry"
	StatusPendingAML     Status = "pending_aml"
	StatusPendingReview  Status = "pending_review"
	StatusActive         Status = "active"
	StatusRestricted     Status = "restricted"
	StatusSuspended      Status = "suspended"
	StatusRejected       Status = "rejected"
	StatusClosed         Status = "closed"
)

// Statuses lists every status, in lifecycle order.
var Statuses = []Status{StatusPendingConsent, StatusPendingKYC, StatusKYCRetry, StatusPendingAML,
	StatusPendingReview, StatusActive, StatusRestricted, StatusSuspended, StatusRejected, StatusClosed}

// Valid reports whether s is a status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Preactivation reports whether the status is one of the onboarding steps before the
// account was activated or decided on: consent can still be withdrawn, which closes it.
func (s Status) Preactivation() bool {
	switch s {
	case StatusPendingConsent, StatusPendingKYC, StatusKYCRetry, StatusPendingAML, StatusPendingReview, StatusSuspended:
		return true
	}
	return false
}

// Trigger is what happened.
type Trigger string

// The triggers.
const (
	ConsentGiven     Trigger = "consent_given"
	ConsentWithdrawn Trigger = "consent_withdrawn"
	KYCApproved      Trigger = "kyc_approved"      // vendor: completed + GREEN
	KYCRetry         Trigger = "kyc_retry"         // vendor: completed + RED + RETRY
	KYCRejected      Trigger = "kyc_rejected"      // vendor: completed + RED + FINAL
	ProhibitedRegion Trigger = "prohibited_region" // residence or nationality refused outright
	ScreenedClear    Trigger = "screened_clear"    // initial screening: no hit
	ScreenedHit      Trigger = "screened_hit"      // a match or potential match, or vendor AML labels
	ScreenedUnsure   Trigger = "screened_unsure"   // inconclusive: lists not loaded, name too short...
	DeadlineMissed   Trigger = "kyc_deadline_missed"
	ReviewCleared    Trigger = "review_cleared"    // staff: false positive, with evidence
	ReviewRejected   Trigger = "review_rejected"   // staff
	ReviewRestricted Trigger = "review_restricted" // staff
	AppealOpened     Trigger = "appeal_opened"     // user, with a KYC approval newer than the decision
	AppealUpheld     Trigger = "appeal_upheld"     // staff: the appeal stands, the screening is still to do
	MembersChanged   Trigger = "members_changed"   // company: a linked person's status changed
)

// KYC is the identity verification's standing as the facts show it.
type KYC string

// KYC standings.
const (
	KYCNone          KYC = ""
	KYCPending       KYC = "pending"
	KYCStatusApprove KYC = "approved"
	KYCStatusRetry   KYC = "retry"
	KYCStatusReject  KYC = "rejected"
)

// Screening is the initial screening's standing.
type Screening string

// Screening standings. Cleared is a hit a reviewer (with four eyes where required) found
// to be a false positive: it counts as clean.
const (
	ScreeningNone    Screening = ""
	ScreeningClear   Screening = "clear"
	ScreeningHit     Screening = "hit"
	ScreeningUnsure  Screening = "inconclusive"
	ScreeningCleared Screening = "cleared_by_review"
)

// Facts is what the service knows about the account when something happens.
type Facts struct {
	Consent bool // consent recorded and not withdrawn
	KYC     KYC
	// KYCDecidedAt is the vendor's time of the latest KYC decision; DecisionAt the time of
	// the account's latest suspension, restriction or rejection (appeals need a newer KYC
	// approval).
	KYCDecidedAt time.Time
	DecisionAt   time.Time
	Screening    Screening
	Company      bool
	// MembersActive: every beneficial owner and director linked to the company is active
	// (false when none is linked: a company without its people is not complete).
	MembersActive bool
}

// Clean reports whether the facts allow activation: consent, approved KYC, a clean (or
// reviewed and cleared) screening and, for a company, every linked person active.
func (f Facts) Clean() bool {
	if !f.Consent || f.KYC != KYCStatusApprove {
		return false
	}
	if f.Screening != ScreeningClear && f.Screening != ScreeningCleared {
		return false
	}
	return !f.Company || f.MembersActive
}

// Transition is one allowed move, with the reason code it records.
type Transition struct {
	From    Status
	Trigger Trigger
	To      Status
	Reason  string
}

// transitions is the table. A trigger missing for a status is refused (ErrNotAllowed);
// Decide adds the guards.
var transitions = []Transition{
	{StatusPendingConsent, ConsentGiven, StatusPendingKYC, "consent_recorded"},

	{StatusPendingKYC, KYCApproved, StatusPendingAML, "kyc_approved"},
	{StatusKYCRetry, KYCApproved, StatusPendingAML, "kyc_approved"},
	{StatusSuspended, KYCApproved, StatusPendingAML, "kyc_approved_after_deadline"},
	{StatusPendingKYC, KYCRetry, StatusKYCRetry, "kyc_resubmission_requested"},
	{StatusPendingKYC, KYCRejected, StatusRejected, "kyc_rejected"},
	{StatusKYCRetry, KYCRejected, StatusRejected, "kyc_rejected"},
	{StatusSuspended, KYCRejected, StatusRejected, "kyc_rejected"},
	{StatusPendingAML, KYCRejected, StatusRejected, "kyc_rejected"},
	{StatusPendingReview, KYCRejected, StatusRejected, "kyc_rejected"},
	// A newer RED on an account already active restricts it until a reviewer decides.
	{StatusActive, KYCRejected, StatusRestricted, "kyc_rejected_after_activation"},
	{StatusActive, KYCRetry, StatusRestricted, "kyc_resubmission_after_activation"},

	{StatusPendingAML, ScreenedClear, StatusActive, "onboarding_complete"},
	{StatusPendingAML, ScreenedHit, StatusPendingReview, "screening_hit"},
	{StatusPendingAML, ScreenedUnsure, StatusPendingReview, "screening_inconclusive"},
	// A company waits in pending_aml for its people; when they are all active it goes on.
	{StatusPendingAML, MembersChanged, StatusActive, "beneficiaries_approved"},

	{StatusPendingKYC, DeadlineMissed, StatusSuspended, "kyc_deadline_missed"},
	{StatusKYCRetry, DeadlineMissed, StatusSuspended, "kyc_deadline_missed"},

	{StatusPendingReview, ReviewCleared, StatusActive, "review_cleared"},
	{StatusPendingReview, ReviewRejected, StatusRejected, "review_rejected"},
	{StatusPendingReview, ReviewRestricted, StatusRestricted, "review_restricted"},
	{StatusRestricted, ReviewCleared, StatusActive, "review_cleared"},
	{StatusRestricted, ReviewRejected, StatusRejected, "review_rejected"},
	{StatusActive, ReviewRestricted, StatusRestricted, "review_restricted"},

	{StatusPendingReview, AppealUpheld, StatusPendingAML, "appeal_upheld"},

	{StatusSuspended, AppealOpened, StatusPendingReview, "appeal_opened"},
	{StatusRestricted, AppealOpened, StatusPendingReview, "appeal_opened"},
	{StatusRejected, AppealOpened, StatusPendingReview, "appeal_opened"},
}

// Prohibited-region rejections and consent withdrawals apply to whole groups of statuses.
func init() {
	for _, s := range Statuses {
		if s.Preactivation() {
			transitions = append(transitions, Transition{s, ConsentWithdrawn, StatusClosed, "consent_withdrawn"})
		}
		switch s {
		case StatusRejected, StatusClosed:
		default:
			transitions = append(transitions, Transition{s, ProhibitedRegion, StatusRejected, "prohibited_jurisdiction"})
		}
	}
}

// Table returns a copy of the transition table (for documentation and tests).
func Table() []Transition { return append([]Transition(nil), transitions...) }

// Errors Decide returns. Callers map ErrNotAllowed to 409 invalid_transition and the
// guard errors to their own codes.
var (
	ErrNotAllowed       = errors.New("lifecycle: transition not allowed")
	ErrConsentRequired  = errors.New("lifecycle: consent required")
	ErrKYCNotApproved   = errors.New("lifecycle: KYC not approved")
	ErrNotClean         = errors.New("lifecycle: activation needs consent, an approved KYC and a clean screening")
	ErrAppealNeedsKYC   = errors.New("lifecycle: an appeal needs a KYC approval newer than the decision")
	ErrMembersNotActive = errors.New("lifecycle: the company's beneficial owners and directors are not all active")
)

// Decide answers where status goes on trigger, given the facts, or why it does not.
func Decide(from Status, on Trigger, f Facts) (Transition, error) {
	t, ok := lookup(from, on)
	if !ok {
		return Transition{}, fmt.Errorf("%w: %s on %s", ErrNotAllowed, from, on)
	}
	if err := guard(t, f); err != nil {
		return Transition{}, err
	}
	// The invariant, whatever the table says.
	if t.To == StatusActive && !f.Clean() {
		if f.Company && !f.MembersActive && f.Consent && f.KYC == KYCStatusApprove {
			return Transition{}, ErrMembersNotActive
		}
		return Transition{}, ErrNotClean
	}
	return t, nil
}

func lookup(from Status, on Trigger) (Transition, bool) {
	for _, t := range transitions {
		if t.From == from && t.Trigger == on {
			return t, true
		}
	}
	return Transition{}, false
}

func guard(t Transition, f Facts) error {
	switch t.Trigger {
	case ConsentGiven:
		if !f.Consent {
			return ErrConsentRequired
		}
	case KYCApproved:
		if !f.Consent {
			return ErrConsentRequired
		}
		if f.KYC != KYCStatusApprove {
			return ErrKYCNotApproved
		}
	case ScreenedClear, ScreenedHit, ScreenedUnsure:
		if f.KYC != KYCStatusApprove {
			return ErrKYCNotApproved
		}
	case ReviewCleared, AppealUpheld:
		if !f.Consent {
			return ErrConsentRequired
		}
		if f.KYC != KYCStatusApprove {
			return ErrKYCNotApproved
		}
	case AppealOpened:
		if f.KYC != KYCStatusApprove || f.KYCDecidedAt.IsZero() || !f.KYCDecidedAt.After(f.DecisionAt) {
			return ErrAppealNeedsKYC
		}
	}
	return nil
}
