package onboarding

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/chainfi/chainguard/shared/metamap"
	"github.com/chainfi/chainguard/shared/sumsub"
)

// Vendor is one identity vendor as onboarding needs it.
type Vendor interface {
	// Start creates (or finds) the applicant of a user and answers what the client's front
	// end needs to run the vendor's SDK.
	Start(ctx context.Context, in StartInput) (StartOutput, error)
	// Applicant reads the applicant's review and identity.
	Applicant(ctx context.Context, applicantID string) (VendorApplicant, error)
}

// StartInput names the applicant to start.
type StartInput struct {
	TenantID, UserID string
	Company          bool
	Level            string // Sumsub level name or MetaMap flow id
	ApplicantID      string // set when the user already has one with this vendor
}

// StartOutput is the applicant and the front end's session data.
type StartOutput struct {
	ApplicantID string
	Session     map[string]string
}

// Review outcomes a vendor reports.
const (
	OutcomeApproved = "approved"
	OutcomeRetry    = "retry"
	OutcomeRejected = "rejected"
	OutcomePending  = "pending"
)

// VendorApplicant is what onboarding keeps of a vendor's applicant: the review and the
// normalised identity, never documents, images or document numbers.
type VendorApplicant struct {
	Outcome      string
	ReviewStatus string
	Answer       string
	RejectType   string
	Labels       []string // all reject labels
	AMLLabels    []string // SANCTIONS, PEP, ADVERSE_MEDIA, CRIMINAL, COMPROMISED_PERSONS
	Identity     Identity
	Members      []VendorMember // company applicants: their people's applicants
	// Level is the level (flow) the applicant was reviewed at; ReviewedAt the vendor's
	// own time of the review. Either is empty/zero when the vendor does not say.
	Level      string
	ReviewedAt time.Time
}

// VendorMember is one of a company applicant's people.
type VendorMember struct {
	ApplicantID string
	Roles       []string
}

// Identity is the normalised identity kept (encrypted) for a user or company.
type Identity struct {
	FirstName          string `json:"firstName,omitempty"`
	MiddleName         string `json:"middleName,omitempty"`
	LastName           string `json:"lastName,omitempty"`
	FullName           string `json:"fullName,omitempty"`
	DOB                string `json:"dob,omitempty"`
	Country            string `json:"country,omitempty"`
	Nationality        string `json:"nationality,omitempty"`
	Address            string `json:"address,omitempty"`
	CompanyName        string `json:"companyName,omitempty"`
	RegistrationNumber string `json:"registrationNumber,omitempty"`
}

// Name is the name to screen.
func (id Identity) Name() string {
	if id.CompanyName != "" {
		return id.CompanyName
	}
	if n := strings.Join(strings.Fields(id.FirstName+" "+id.MiddleName+" "+id.LastName), " "); n != "" {
		return n
	}
	return strings.TrimSpace(id.FullName)
}

// Sumsub adapts the Sumsub API.
type Sumsub struct {
	API      sumsub.API
	TokenTTL time.Duration // of the WebSDK access token (default 1 h)
}

// Start creates the applicant (our user id as its external user id) or reuses the one
// the user has, and issues a WebSDK access token.
func (v Sumsub) Start(ctx context.Context, in StartInput) (StartOutput, error) {
	id := in.ApplicantID
	if id == "" {
		typ := "individual"
		if in.Company {
			typ = "company"
		}
		a, err := v.API.CreateApplicant(ctx, in.UserID, typ, in.Level)
		if err != nil {
			return StartOutput{}, err
		}
		id = a.ID
	}
	ttl := v.TokenTTL
	if ttl == 0 {
		ttl = time.Hour
	}
	tok, err := v.API.AccessToken(ctx, in.UserID, in.Level, ttl)
	if err != nil {
		return StartOutput{}, err
	}
	return StartOutput{ApplicantID: id, Session: map[string]string{"vendor": VendorSumsub, "applicantId": id, "accessToken": tok, "levelName": in.Level}}, nil
}

// Applicant reads the applicant and its review.
func (v Sumsub) Applicant(ctx context.Context, applicantID string) (VendorApplicant, error) {
	a, err := v.API.GetApplicant(ctx, applicantID)
	if err != nil {
		return VendorApplicant{}, err
	}
	r := a.Review.ReviewResult
	out := VendorApplicant{ReviewStatus: a.Review.ReviewStatus, Answer: r.ReviewAnswer, RejectType: r.ReviewRejectType,
		Labels: r.RejectLabels, AMLLabels: sumsub.AMLLabels(r.RejectLabels), Level: a.LevelName, ReviewedAt: a.Review.ReviewDate,
		Identity: Identity{FirstName: a.Identity.FirstName, MiddleName: a.Identity.MiddleName, LastName: a.Identity.LastName,
			DOB: a.Identity.DOB, Country: a.Identity.Country, Nationality: a.Identity.Nationality, Address: a.Identity.Address}}
	reviewed := sumsub.Event{Type: sumsub.EventApplicantReviewed, ReviewStatus: a.Review.ReviewStatus, ReviewResult: r}
	switch reviewed.Outcome() {
	case sumsub.OutcomeApproved:
		out.Outcome = OutcomeApproved
	case sumsub.OutcomeRetryRequested:
		out.Outcome = OutcomeRetry
	case sumsub.OutcomeRejectedFinal:
		out.Outcome = OutcomeRejected
	default:
		out.Outcome = OutcomePending
	}
	if a.Company != nil {
		out.Identity.CompanyName, out.Identity.RegistrationNumber, out.Identity.Country = a.Company.Name, a.Company.RegistrationNumber, a.Company.Country
		for _, b := range a.Company.Beneficiaries {
			out.Members = append(out.Members, VendorMember{ApplicantID: b.ApplicantID, Roles: b.Types})
		}
	}
	return out, nil
}

// MetaMap adapts the MetaMap API.
type MetaMap struct {
	API metamap.API
}

// Start starts a verification of the flow, with our ids as its metadata. MetaMap has no
// applicant to reuse: a restarted KYC is a new verification.
func (v MetaMap) Start(ctx context.Context, in StartInput) (StartOutput, error) {
	ver, err := v.API.StartVerification(ctx, in.Level, map[string]string{"userId": in.UserID, "tenantId": in.TenantID})
	if err != nil {
		return StartOutput{}, err
	}
	return StartOutput{ApplicantID: ver.ID, Session: map[string]string{"vendor": VendorMetaMap, "verificationId": ver.ID,
		"flowId": in.Level, "accessToken": ver.IdentityID}}, nil
}

// Applicant reads the verification.
func (v MetaMap) Applicant(ctx context.Context, id string) (VendorApplicant, error) {
	ver, err := v.API.GetVerification(ctx, id)
	if err != nil {
		return VendorApplicant{}, err
	}
	out := VendorApplicant{ReviewStatus: ver.Status, Level: ver.FlowID,
		Identity: Identity{FirstName: ver.Identity.FirstName, LastName: ver.Identity.LastName, FullName: ver.Identity.FullName,
			DOB: ver.Identity.DOB, Country: ver.Identity.Country, Nationality: ver.Identity.Nationality, Address: ver.Identity.Address}}
	switch ver.Status {
	case metamap.StatusVerified:
		out.Outcome, out.Answer = OutcomeApproved, "GREEN"
	case metamap.StatusRejected:
		// MetaMap has no "resubmit": a rejected verification is final; the user may start
		// a new one while the account is not rejected.
		out.Outcome, out.Answer, out.RejectType = OutcomeRejected, "RED", "FINAL"
	default:
		out.Outcome = OutcomePending
	}
	if ver.WatchlistHit {
		out.AMLLabels = []string{"SANCTIONS"}
		out.Labels = append(out.Labels, ver.WatchlistLabels...)
	}
	return out, nil
}

// errVendor marks a vendor's failure (the caller answers 502 and retries later).
var errVendor = errors.New("onboarding: identity vendor unavailable")
