package vendorsandbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
)

// Sumsub's time formats: applicant createdAt, review dates, and the webhooks' createdAtMs
// (a UTC string, not epoch milliseconds).
const (
	sumsubCreatedAtLayout   = "2006-01-02 15:04:05"
	sumsubReviewDateLayout  = "2006-01-02 15:04:05-0700"
	sumsubCreatedAtMsLayout = "2006-01-02 15:04:05.000"
)

const (
	applicantIndividual = "individual"
	applicantCompany    = "company"
)

// applicant is one Sumsub applicant. info and fixedInfo hold JSON as decoded (numbers as
// json.Number), so fields the sandbox does not know about come back as they were sent.
type applicant struct {
	id             string
	inspectionID   string
	externalUserID string
	levelName      string
	kind           string // applicantIndividual or applicantCompany
	key            string
	createdAt      time.Time
	email, phone   string
	info           map[string]any
	fixedInfo      map[string]any
	review         review
	// lastResult is the result of the latest completed review: what an AML recheck
	// delivers again. Nil until a review completes.
	lastResult *reviewResult
}

type review struct {
	ReviewID     string        `json:"reviewId"`
	AttemptID    string        `json:"attemptId"`
	AttemptCnt   int           `json:"attemptCnt"`
	LevelName    string        `json:"levelName"`
	CreateDate   string        `json:"createDate"`
	ReviewDate   string        `json:"reviewDate,omitempty"`
	ReviewResult *reviewResult `json:"reviewResult,omitempty"`
	ReviewStatus string        `json:"reviewStatus"`
	Priority     int           `json:"priority"`
}

// reviewResult is Sumsub's verdict. Everything but reviewAnswer comes only with RED.
type reviewResult struct {
	ReviewAnswer      string   `json:"reviewAnswer"`
	RejectLabels      []string `json:"rejectLabels,omitempty"`
	ReviewRejectType  string   `json:"reviewRejectType,omitempty"`
	ModerationComment string   `json:"moderationComment,omitempty"`
	ClientComment     string   `json:"clientComment,omitempty"`
	ButtonIDs         []string `json:"buttonIds,omitempty"`
}

// applicantJSON is the answer of GET .../one and of the creation, after applicant-one.json.
type applicantJSON struct {
	ID                string         `json:"id"`
	CreatedAt         string         `json:"createdAt"`
	Key               string         `json:"key"`
	ClientID          string         `json:"clientId"`
	InspectionID      string         `json:"inspectionId"`
	ExternalUserID    string         `json:"externalUserId"`
	LevelName         string         `json:"levelName"`
	Info              map[string]any `json:"info"`
	FixedInfo         map[string]any `json:"fixedInfo"`
	Email             string         `json:"email,omitempty"`
	Phone             string         `json:"phone,omitempty"`
	ApplicantPlatform string         `json:"applicantPlatform"`
	Review            review         `json:"review"`
	Type              string         `json:"type"`
}

func (s *Sandbox) applicantJSONLocked(a *applicant) ([]byte, error) {
	return json.Marshal(applicantJSON{
		ID:                a.id,
		CreatedAt:         a.createdAt.UTC().Format(sumsubCreatedAtLayout),
		Key:               a.key,
		ClientID:          s.sumsub.ClientID,
		InspectionID:      a.inspectionID,
		ExternalUserID:    a.externalUserID,
		LevelName:         a.levelName,
		Info:              a.info,
		FixedInfo:         a.fixedInfo,
		Email:             a.email,
		Phone:             a.phone,
		ApplicantPlatform: "API",
		Review:            a.review,
		Type:              a.kind,
	})
}

// applicantKey is the short upper-case key Sumsub shows beside an applicant.
func applicantKey() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 14)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// validateInfo checks the fields of info or fixedInfo whose format Sumsub fixes: dates of
// birth as YYYY-MM-DD and countries as ISO 3166 alpha-3. Sumsub refuses others, and an
// alpha-2 country is the mistake this catches. companyInfo is for companies only.
func validateInfo(m map[string]any, kind, where string) error {
	for _, k := range []string{"country", "nationality", "countryOfBirth"} {
		if err := checkAlpha3(m, k, where); err != nil {
			return err
		}
	}
	if v, ok := m["dob"]; ok && v != nil {
		s, isString := v.(string)
		if _, err := time.Parse(time.DateOnly, s); !isString || err != nil {
			return fmt.Errorf("%s.dob must be a date as YYYY-MM-DD", where)
		}
	}
	if v, ok := m["addresses"]; ok && v != nil {
		list, isList := v.([]any)
		if !isList {
			return fmt.Errorf("%s.addresses must be an array", where)
		}
		for i, e := range list {
			addr, isObject := e.(map[string]any)
			if !isObject {
				return fmt.Errorf("%s.addresses[%d] must be an object", where, i)
			}
			if err := checkAlpha3(addr, "country", fmt.Sprintf("%s.addresses[%d]", where, i)); err != nil {
				return err
			}
		}
	}
	v, ok := m["companyInfo"]
	if !ok || v == nil {
		return nil
	}
	if kind != applicantCompany {
		return fmt.Errorf("%s.companyInfo is only for company applicants", where)
	}
	ci, isObject := v.(map[string]any)
	if !isObject {
		return fmt.Errorf("%s.companyInfo must be an object", where)
	}
	if err := checkAlpha3(ci, "country", where+".companyInfo"); err != nil {
		return err
	}
	if b, ok := ci["beneficiaries"]; ok && b != nil {
		list, isList := b.([]any)
		if !isList {
			return fmt.Errorf("%s.companyInfo.beneficiaries must be an array", where)
		}
		for i, e := range list {
			ben, isObject := e.(map[string]any)
			if !isObject {
				return fmt.Errorf("%s.companyInfo.beneficiaries[%d] must be an object", where, i)
			}
			if err := validateBeneficiary(ben, fmt.Sprintf("%s.companyInfo.beneficiaries[%d]", where, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkAlpha3(m map[string]any, key, where string) error {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	s, isString := v.(string)
	if !isString || len(s) != 3 || !isUpperASCII(s) {
		return fmt.Errorf("%s.%s must be an ISO 3166-1 alpha-3 code such as DEU, got %v", where, key, v)
	}
	return nil
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// validateBeneficiary checks one beneficiary's shape: either an existing applicant
// (applicantId) or data for one not yet registered (beneficiaryInfo), and its roles: KYB
// 2.0's types array, or KYB 1.0's type and positions.
func validateBeneficiary(b map[string]any, where string) error {
	id, hasID := b["applicantId"]
	if hasID {
		if s, isString := id.(string); !isString || s == "" {
			return fmt.Errorf("%s.applicantId must be a non-empty string", where)
		}
	} else if _, hasInfo := b["beneficiaryInfo"].(map[string]any); !hasInfo {
		return fmt.Errorf("%s needs applicantId (an existing applicant) or beneficiaryInfo", where)
	}
	if nonEmptyStrings(b["types"]) || nonEmptyStrings(b["positions"]) {
		return nil
	}
	if t, isString := b["type"].(string); isString && t != "" {
		return nil
	}
	return fmt.Errorf("%s.types must be a non-empty array of roles such as ubo, director, shareholder, representative", where)
}

func nonEmptyStrings(v any) bool {
	list, isList := v.([]any)
	if !isList || len(list) == 0 {
		return false
	}
	for _, e := range list {
		if s, isString := e.(string); !isString || s == "" {
			return false
		}
	}
	return true
}

// companyInfoOf is m's companyInfo object, created when create is set and it is missing.
func companyInfoOf(m map[string]any, create bool) map[string]any {
	ci, _ := m["companyInfo"].(map[string]any)
	if ci == nil && create {
		ci = map[string]any{}
		m["companyInfo"] = ci
	}
	return ci
}

func beneficiariesOf(m map[string]any) []any {
	ci := companyInfoOf(m, false)
	if ci == nil {
		return nil
	}
	list, _ := ci["beneficiaries"].([]any)
	return list
}

// checkBeneficiariesLocked makes sure every beneficiary of m names an existing applicant
// other than the company itself, and gives each its own id, as Sumsub keys them.
func (s *Sandbox) checkBeneficiariesLocked(companyID string, m map[string]any) error {
	for _, e := range beneficiariesOf(m) {
		b := e.(map[string]any) // validateInfo checked the shape
		if id, ok := b["applicantId"].(string); ok {
			if id == companyID {
				return fmt.Errorf("a company cannot be its own beneficiary")
			}
			if _, exists := s.applicants[id]; !exists {
				return fmt.Errorf("beneficiary applicant %s not found", id)
			}
		}
		if _, ok := b["id"].(string); !ok {
			b["id"] = objectID(s.now())
		}
	}
	return nil
}

// memberOf is an element of a webhook's applicantMemberOf.
type memberOf struct {
	ApplicantID string `json:"applicantId"`
}

// memberOfLocked lists the companies that have applicant id among their beneficiaries,
// in info (KYB 1.0) or fixedInfo (KYB 2.0), oldest company first.
func (s *Sandbox) memberOfLocked(id string) []memberOf {
	var out []memberOf
	for _, cid := range s.order {
		c := s.applicants[cid]
		if c.kind != applicantCompany || cid == id {
			continue
		}
		if hasBeneficiary(c.fixedInfo, id) || hasBeneficiary(c.info, id) {
			out = append(out, memberOf{ApplicantID: cid})
		}
	}
	return out
}

func hasBeneficiary(m map[string]any, id string) bool {
	for _, e := range beneficiariesOf(m) {
		if b, ok := e.(map[string]any); ok && b["applicantId"] == id {
			return true
		}
	}
	return false
}

// mergeInfo applies a PATCH of fixedInfo to dst: each field sent replaces the stored one
// (an array such as addresses as a whole), null removes it, and companyInfo is merged one
// level further down, so that changing the company's name keeps its beneficiaries.
func mergeInfo(dst, patch map[string]any) {
	for k, v := range patch {
		switch {
		case v == nil:
			delete(dst, k)
		case k == "companyInfo":
			pci, _ := v.(map[string]any)
			dci := companyInfoOf(dst, true)
			for ck, cv := range pci {
				if cv == nil {
					delete(dci, ck)
				} else {
					dci[ck] = cv
				}
			}
		default:
			dst[k] = v
		}
	}
}

// withoutBeneficiaries is a deep copy of m without companyInfo.beneficiaries: what is
// mirrored from fixedInfo into info, since beneficiaries stay where the API put them.
func withoutBeneficiaries(m map[string]any) map[string]any {
	c := cloneJSON(m).(map[string]any)
	if ci := companyInfoOf(c, false); ci != nil {
		delete(ci, "beneficiaries")
	}
	return c
}

// cloneJSON deep-copies a decoded JSON value, so that info and fixedInfo never share a
// map or a slice.
func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(t))
		for k, e := range t {
			c[k] = cloneJSON(e)
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i, e := range t {
			c[i] = cloneJSON(e)
		}
		return c
	default:
		return v
	}
}
