package onboarding

import (
	"time"

	"github.com/chainfi/chainguard/shared/lifecycle"
	"github.com/chainfi/chainguard/shared/store"
)

// User types.
const (
	TypeIndividual = "individual"
	TypeCompany    = "company"
)

// Vendors.
const (
	VendorSumsub  = "sumsub"
	VendorMetaMap = "metamap"
)

// Store entity types.
const (
	EntityUser      = "user"
	EntityUserRef   = "user_ref"
	EntityConsent   = "consent"
	EntityApplicant = "applicant"
	EntityKYCDue    = "kyc_due"
	EntityPolicy    = "kyc_policy"
	EntityMember    = "company_member"
	EntityVEvent    = "vendor_event"
)

// Encryption purposes.
const (
	PurposeIdentity = "user.identity"
	PurposeConsent  = "user.consent"
	PurposeEvidence = "review.evidence"
)

// maxHistory bounds the status history kept on the user item (the audit trail keeps all).
const maxHistory = 100

// User is an end user (or company) of a tenant as the client API shows it. Identity
// fields are never part of it: they stay encrypted and are read only by the decision.
type User struct {
	ID           string           `json:"id"`
	ExternalRef  string           `json:"externalRef"`
	Type         string           `json:"type"`
	Jurisdiction string           `json:"jurisdiction"`
	Status       lifecycle.Status `json:"status"`
	StatusReason string           `json:"statusReason,omitempty"`
	RiskTier     string           `json:"riskTier"`
	CreatedAt    string           `json:"createdAt"`
	UpdatedAt    string           `json:"updatedAt"`
	KYCDeadline  string           `json:"kycDeadline,omitempty"`
	Consent      *ConsentSummary  `json:"consent,omitempty"`
	KYC          *KYCSummary      `json:"kyc,omitempty"`
	AML          *AMLSummary      `json:"aml,omitempty"`
	Members      []Member         `json:"members,omitempty"`
	History      []StatusChange   `json:"history"`
}

// ConsentSummary is the consent in force (its full record, IP and user agent included,
// is kept encrypted in its own item).
type ConsentSummary struct {
	ID       string `json:"id" dynamodbav:"id"`
	Version  string `json:"version" dynamodbav:"version"`
	Accepted bool   `json:"accepted" dynamodbav:"accepted"`
	At       string `json:"at" dynamodbav:"at"`
}

// KYCSummary is the identity verification as far as onboarding keeps it.
type KYCSummary struct {
	Vendor       string   `json:"vendor" dynamodbav:"vendor"`
	ApplicantID  string   `json:"applicantId" dynamodbav:"applicantId"`
	Level        string   `json:"level" dynamodbav:"level"`
	ReviewStatus string   `json:"reviewStatus,omitempty" dynamodbav:"reviewStatus,omitempty"`
	ReviewAnswer string   `json:"reviewAnswer,omitempty" dynamodbav:"reviewAnswer,omitempty"`
	RejectType   string   `json:"rejectType,omitempty" dynamodbav:"rejectType,omitempty"`
	RejectLabels []string `json:"rejectLabels,omitempty" dynamodbav:"rejectLabels,omitempty"`
	ReviewedAt   string   `json:"reviewedAt,omitempty" dynamodbav:"reviewedAt,omitempty"`
	StartedAt    string   `json:"startedAt" dynamodbav:"startedAt"`
	// EventAt is the vendor time of the newest event applied: an older one never
	// overwrites what a newer one decided.
	EventAt         string `json:"-" dynamodbav:"eventAt,omitempty"`
	ProfilesVersion string `json:"profilesVersion" dynamodbav:"profilesVersion"`
}

// AMLSummary is the initial screening's outcome.
type AMLSummary struct {
	Outcome     string   `json:"outcome" dynamodbav:"outcome"` // clear, hit, inconclusive, cleared_by_review
	Flags       []string `json:"flags" dynamodbav:"flags"`     // sanctions, pep, adverse_media, criminal, compromised_persons
	ScreenedAt  string   `json:"screenedAt" dynamodbav:"screenedAt"`
	ScreeningID string   `json:"screeningId,omitempty" dynamodbav:"screeningId,omitempty"`
	ListVersion string   `json:"listVersion,omitempty" dynamodbav:"listVersion,omitempty"`
	MaxScore    float64  `json:"maxScore" dynamodbav:"maxScore"`
	ReviewID    string   `json:"reviewId,omitempty" dynamodbav:"reviewId,omitempty"`
}

// StatusChange is one entry of a user's status history.
type StatusChange struct {
	From   lifecycle.Status `json:"from" dynamodbav:"from"`
	To     lifecycle.Status `json:"to" dynamodbav:"to"`
	Reason string           `json:"reason" dynamodbav:"reason"`
	At     string           `json:"at" dynamodbav:"at"`
	By     string           `json:"by" dynamodbav:"by"`
}

// Member is a person linked to a company (a beneficial owner, director...).
type Member struct {
	UserID string   `json:"userId" dynamodbav:"userId"`
	Roles  []string `json:"roles" dynamodbav:"roles"`
}

// userItem is the stored user.
type userItem struct {
	store.Meta
	TenantID     string           `dynamodbav:"tenantId"`
	ID           string           `dynamodbav:"userId"`
	ExternalRef  string           `dynamodbav:"externalRef"`
	Type         string           `dynamodbav:"userType"`
	Jurisdiction string           `dynamodbav:"jurisdiction"`
	Status       lifecycle.Status `dynamodbav:"status"`
	StatusReason string           `dynamodbav:"statusReason,omitempty"`
	RiskTier     string           `dynamodbav:"riskTier"`
	CreatedAt    string           `dynamodbav:"createdAt"`
	UpdatedAt    string           `dynamodbav:"updatedAt"`
	KYCDeadline  string           `dynamodbav:"kycDeadline,omitempty"`
	DecisionAt   string           `dynamodbav:"decisionAt,omitempty"`
	Consent      *ConsentSummary  `dynamodbav:"consent,omitempty"`
	KYC          *KYCSummary      `dynamodbav:"kyc,omitempty"`
	KYCState     lifecycle.KYC    `dynamodbav:"kycState,omitempty"`
	KYCDecidedAt string           `dynamodbav:"kycDecidedAt,omitempty"` // the deciding event's time (orders events)
	// KYCReviewedAt is the vendor's own time of the deciding review (appeals compare it).
	KYCReviewedAt string         `dynamodbav:"kycReviewedAt,omitempty"`
	AML           *AMLSummary    `dynamodbav:"aml,omitempty"`
	IdentityEnc   string         `dynamodbav:"identityEnc,omitempty"`
	Members       []Member       `dynamodbav:"members,omitempty"`
	History       []StatusChange `dynamodbav:"history"`
}

func (userItem) EntityType() string { return EntityUser }

func (u userItem) Indexes() store.Indexes {
	at, _ := store.ParseTime(u.CreatedAt)
	t := store.TenantID(u.TenantID)
	return store.Indexes{
		GSI1: store.Key{PK: store.UsersByStatusPK(t, string(u.Status)), SK: store.TimeSK(at, u.ID)},
		GSI2: store.Key{PK: store.UsersByJurisdictionPK(t, u.Jurisdiction), SK: store.TimeSK(at, u.ID)},
	}
}

func (u userItem) view() User {
	out := User{ID: u.ID, ExternalRef: u.ExternalRef, Type: u.Type, Jurisdiction: u.Jurisdiction, Status: u.Status,
		StatusReason: u.StatusReason, RiskTier: u.RiskTier, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		KYCDeadline: u.KYCDeadline, Consent: u.Consent, KYC: u.KYC, AML: u.AML, Members: u.Members, History: u.History}
	if out.History == nil {
		out.History = []StatusChange{}
	}
	return out
}

// facts is what the lifecycle needs to know of the user.
func (u userItem) facts(membersActive bool) lifecycle.Facts {
	f := lifecycle.Facts{
		Consent: u.Consent != nil && u.Consent.Accepted, KYC: u.KYCState,
		Company: u.Type == TypeCompany, MembersActive: membersActive,
	}
	f.KYCDecidedAt, _ = store.ParseTime(u.KYCDecidedAt)
	if u.KYCReviewedAt != "" {
		f.KYCDecidedAt, _ = store.ParseTime(u.KYCReviewedAt)
	}
	f.DecisionAt, _ = store.ParseTime(u.DecisionAt)
	if u.AML != nil {
		f.Screening = lifecycle.Screening(u.AML.Outcome)
	}
	return f
}

// userRefItem makes the client's external reference unique within the tenant.
type userRefItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	UserID   string `dynamodbav:"userId"`
}

func (userRefItem) EntityType() string { return EntityUserRef }

// consentItem is one recorded consent decision, with its evidence encrypted.
type consentItem struct {
	store.Meta
	TenantID    string `dynamodbav:"tenantId"`
	UserID      string `dynamodbav:"userId"`
	ID          string `dynamodbav:"consentId"`
	Version     string `dynamodbav:"textVersion"`
	Accepted    bool   `dynamodbav:"accepted"`
	At          string `dynamodbav:"at"`
	EvidenceEnc string `dynamodbav:"evidenceEnc"` // {ip, userAgent, apiKey}
}

func (consentItem) EntityType() string { return EntityConsent }

// applicantItem maps a vendor's applicant to the tenant and user (vendor webhooks carry
// only the applicant id).
type applicantItem struct {
	store.Meta
	Vendor      string `dynamodbav:"vendor"`
	ApplicantID string `dynamodbav:"applicantId"`
	TenantID    string `dynamodbav:"tenantId"`
	UserID      string `dynamodbav:"userId"`
	CreatedAt   string `dynamodbav:"createdAt"`
}

func (applicantItem) EntityType() string { return EntityApplicant }

// dueItem puts a user on the KYC-deadline job's list for the deadline's day.
type dueItem struct {
	store.Meta
	TenantID string `dynamodbav:"tenantId"`
	UserID   string `dynamodbav:"userId"`
	Deadline string `dynamodbav:"deadline"`
}

func (dueItem) EntityType() string { return EntityKYCDue }

func dueKey(t store.TenantID, userID string, deadline time.Time) store.Key {
	return store.Key{PK: store.KYCDuePK(deadline), SK: store.KYCDueSK(deadline, t, userID)}
}

// memberItem links a person to a company (and the person to its companies, on GSI1).
type memberItem struct {
	store.Meta
	TenantID  string   `dynamodbav:"tenantId"`
	CompanyID string   `dynamodbav:"companyId"`
	UserID    string   `dynamodbav:"userId"`
	Roles     []string `dynamodbav:"roles"`
}

func (memberItem) EntityType() string { return EntityMember }

func (m memberItem) Indexes() store.Indexes {
	return store.Indexes{GSI1: store.Key{PK: store.UserCompaniesPK(store.TenantID(m.TenantID), m.UserID), SK: m.CompanyID}}
}
