package sumsub

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Applicant is what we keep of a Sumsub applicant. The wire types below declare only
// these fields, so document numbers (info.idDocs), images, e-mail and phone are never
// decoded, let alone stored.
type Applicant struct {
	ID             string
	ExternalUserID string
	Type           string // individual or company
	LevelName      string
	CreatedAt      time.Time // UTC; zero when absent or unreadable
	Review         Review
	Identity       Identity
	Company        *Company // for company applicants
}

// Review is the applicant's current review.
type Review struct {
	ReviewStatus string
	ReviewResult ReviewResult
	CreateDate   time.Time // UTC; zero when absent or unreadable
	ReviewDate   time.Time // when the review was completed (UTC); zero when absent or unreadable
}

// Identity is the applicant's data: fixedInfo (provided by us or the applicant) wins over
// info (extracted from documents) field by field.
type Identity struct {
	FirstName   string
	MiddleName  string
	LastName    string
	DOB         string // YYYY-MM-DD; empty when absent or in another form
	Country     string // ISO 3166 alpha-3, as given
	Nationality string // ISO 3166 alpha-3, as given
	Address     string // the first address on one line, its parts joined with ", "
}

// Company is a company applicant's registration and structure.
type Company struct {
	Name               string
	RegistrationNumber string
	Country            string // ISO 3166 alpha-3, as given
	Beneficiaries      []Beneficiary
}

// Beneficiary links a company to the applicant of one of its beneficiaries. Beneficiaries
// not yet registered as applicants have no applicant id and are left out: there is
// nothing to verify until they are.
type Beneficiary struct {
	ApplicantID string
	Types       []string // ubo, director, shareholder, representative, ...
}

type wireApplicant struct {
	ID             string      `json:"id"`
	ExternalUserID string      `json:"externalUserId"`
	Type           string      `json:"type"`
	LevelName      string      `json:"levelName"`
	CreatedAt      string      `json:"createdAt"`
	Review         *wireReview `json:"review"`
	Info           *wireInfo   `json:"info"`
	FixedInfo      *wireInfo   `json:"fixedInfo"`
}

type wireReview struct {
	ReviewStatus string        `json:"reviewStatus"`
	ReviewResult *ReviewResult `json:"reviewResult"`
	CreateDate   string        `json:"createDate"`
	ReviewDate   string        `json:"reviewDate"`
	LevelName    string        `json:"levelName"`
}

type wireInfo struct {
	FirstName   string        `json:"firstName"`
	MiddleName  string        `json:"middleName"`
	LastName    string        `json:"lastName"`
	DOB         string        `json:"dob"`
	Country     string        `json:"country"`
	Nationality string        `json:"nationality"`
	Addresses   []wireAddress `json:"addresses"`
	CompanyInfo *wireCompany  `json:"companyInfo"`
}

type wireAddress struct {
	FormattedAddress string `json:"formattedAddress"`
	BuildingName     string `json:"buildingName"`
	FlatNumber       string `json:"flatNumber"`
	BuildingNumber   string `json:"buildingNumber"`
	Street           string `json:"street"`
	SubStreet        string `json:"subStreet"`
	Town             string `json:"town"`
	State            string `json:"state"`
	PostCode         string `json:"postCode"`
	Country          string `json:"country"`
}

type wireCompany struct {
	CompanyName        string            `json:"companyName"`
	RegistrationNumber string            `json:"registrationNumber"`
	Country            string            `json:"country"`
	Beneficiaries      []wireBeneficiary `json:"beneficiaries"`
}

// wireBeneficiary reads both KYB generations: KYB 2.0 sends types, KYB 1.0 sent positions
// and a single type.
type wireBeneficiary struct {
	ApplicantID string   `json:"applicantId"`
	Types       []string `json:"types"`
	Positions   []string `json:"positions"`
	Type        string   `json:"type"`
}

// ParseApplicant reads the body of GET /resources/applicants/{id}/one.
func ParseApplicant(body []byte) (Applicant, error) {
	var w wireApplicant
	if err := json.Unmarshal(body, &w); err != nil {
		return Applicant{}, fmt.Errorf("sumsub: decode applicant: %w", err)
	}
	if w.ID == "" {
		return Applicant{}, fmt.Errorf("sumsub: decode applicant: no id")
	}
	a := Applicant{
		ID:             w.ID,
		ExternalUserID: w.ExternalUserID,
		Type:           w.Type,
		LevelName:      w.LevelName,
		CreatedAt:      parseTimeOrZero(w.CreatedAt),
	}
	if w.Review != nil {
		a.Review.ReviewStatus = w.Review.ReviewStatus
		a.Review.CreateDate = parseTimeOrZero(w.Review.CreateDate)
		a.Review.ReviewDate = parseTimeOrZero(w.Review.ReviewDate)
		if w.Review.ReviewResult != nil {
			a.Review.ReviewResult = *w.Review.ReviewResult
		}
		if a.LevelName == "" {
			a.LevelName = w.Review.LevelName
		}
	}
	info, fixed := deref(w.Info), deref(w.FixedInfo)
	a.Identity = mergeIdentity(info, fixed)
	if w.Type == ApplicantCompany || info.CompanyInfo != nil || fixed.CompanyInfo != nil {
		a.Company = mergeCompany(info.CompanyInfo, fixed.CompanyInfo)
	}
	return a, nil
}

func deref(i *wireInfo) wireInfo {
	if i == nil {
		return wireInfo{}
	}
	return *i
}

func parseTimeOrZero(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := ParseTime(s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// first returns the first non-empty value, trimmed.
func first(values ...string) string {
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func mergeIdentity(info, fixed wireInfo) Identity {
	return Identity{
		FirstName:   first(fixed.FirstName, info.FirstName),
		MiddleName:  first(fixed.MiddleName, info.MiddleName),
		LastName:    first(fixed.LastName, info.LastName),
		DOB:         first(validDate(fixed.DOB), validDate(info.DOB)),
		Country:     first(fixed.Country, info.Country),
		Nationality: first(fixed.Nationality, info.Nationality),
		Address:     first(addressLine(fixed.Addresses), addressLine(info.Addresses)),
	}
}

// validDate keeps a YYYY-MM-DD date and drops anything else, rather than guess a day
// and month order.
func validDate(s string) string {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

func addressLine(addrs []wireAddress) string {
	if len(addrs) == 0 {
		return ""
	}
	a := addrs[0]
	if f := strings.TrimSpace(a.FormattedAddress); f != "" {
		return f
	}
	var parts []string
	for _, p := range []string{a.BuildingName, a.FlatNumber, a.BuildingNumber, a.Street, a.SubStreet, a.Town, a.State, a.PostCode, a.Country} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// mergeCompany joins info.companyInfo (KYB 1.0 keeps beneficiaries there) and
// fixedInfo.companyInfo (KYB 2.0): fixedInfo wins field by field, and beneficiaries are
// the union by applicant id, their types merged.
func mergeCompany(info, fixed *wireCompany) *Company {
	var i, f wireCompany
	if info != nil {
		i = *info
	}
	if fixed != nil {
		f = *fixed
	}
	c := &Company{
		Name:               first(f.CompanyName, i.CompanyName),
		RegistrationNumber: first(f.RegistrationNumber, i.RegistrationNumber),
		Country:            first(f.Country, i.Country),
	}
	for _, b := range slices.Concat(f.Beneficiaries, i.Beneficiaries) {
		id := strings.TrimSpace(b.ApplicantID)
		if id == "" {
			continue
		}
		types := slices.Concat(b.Types, b.Positions, []string{b.Type})
		idx := slices.IndexFunc(c.Beneficiaries, func(x Beneficiary) bool { return x.ApplicantID == id })
		if idx < 0 {
			c.Beneficiaries = append(c.Beneficiaries, Beneficiary{ApplicantID: id})
			idx = len(c.Beneficiaries) - 1
		}
		for _, t := range types {
			if t = strings.TrimSpace(t); t != "" && !slices.Contains(c.Beneficiaries[idx].Types, t) {
				c.Beneficiaries[idx].Types = append(c.Beneficiaries[idx].Types, t)
			}
		}
	}
	return c
}
