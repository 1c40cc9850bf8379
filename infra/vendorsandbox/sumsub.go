package vendorsandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The Sumsub routes, relative to the Sumsub base URL. Every one needs a signed request.
func (s *Sandbox) newSumsubHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /resources/applicants", s.sumsubCreateApplicant)
	mux.HandleFunc("GET /resources/applicants/{id}/one", s.sumsubGetApplicant)
	mux.HandleFunc("PATCH /resources/applicants/{id}/fixedInfo", s.sumsubPatchFixedInfo)
	mux.HandleFunc("POST /resources/applicants/{id}/fixedInfo/companyInfo/beneficiaries", s.sumsubLinkBeneficiary)
	mux.HandleFunc("DELETE /resources/applicants/{id}/fixedInfo/companyInfo/beneficiaries/{beneficiaryId}", s.sumsubUnlinkBeneficiary)
	mux.HandleFunc("POST /resources/applicants/{id}/info/companyInfo/beneficiaries", s.sumsubAddBeneficiaryV1)
	mux.HandleFunc("POST /resources/applicants/{id}/recheck/aml", s.sumsubRecheckAML)
	mux.HandleFunc("POST /resources/applicants/{id}/status/testCompleted", s.sumsubTestCompleted)
	mux.HandleFunc("POST /resources/accessTokens/sdk", s.sumsubSDKToken)
	mux.HandleFunc("POST /resources/accessTokens", s.sumsubLegacyToken)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeSumsubError(w, http.StatusNotFound, fmt.Sprintf("No such resource: %s %s", r.Method, r.URL.Path))
	})
	return s.sumsubAuth(mux)
}

// decodeBody decodes the JSON request body into v, keeping numbers as json.Number so that
// what is stored comes back as it was sent.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errors.New("a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return errors.New("the body has data after its JSON value")
	}
	return nil
}

type createApplicantRequest struct {
	ExternalUserID string         `json:"externalUserId"`
	Type           string         `json:"type"`
	Email          string         `json:"email"`
	Phone          string         `json:"phone"`
	FixedInfo      map[string]any `json:"fixedInfo"`
	Info           map[string]any `json:"info"`
}

// sumsubCreateApplicant is POST /resources/applicants?levelName=L. Any level name is
// accepted: the sandbox has no level configuration to check it against.
func (s *Sandbox) sumsubCreateApplicant(w http.ResponseWriter, r *http.Request) {
	level := r.URL.Query().Get("levelName")
	if level == "" {
		writeSumsubError(w, http.StatusBadRequest, "levelName query parameter is required")
		return
	}
	var req createApplicantRequest
	if err := decodeBody(r, &req); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.ExternalUserID == "" {
		writeSumsubError(w, http.StatusBadRequest, "externalUserId is required")
		return
	}
	if req.Type == "" {
		req.Type = applicantIndividual
	}
	if req.Type != applicantIndividual && req.Type != applicantCompany {
		writeSumsubError(w, http.StatusBadRequest, fmt.Sprintf("type must be %s or %s", applicantIndividual, applicantCompany))
		return
	}
	if req.FixedInfo == nil {
		req.FixedInfo = map[string]any{}
	}
	if req.Info == nil {
		req.Info = map[string]any{}
	}
	if err := validateInfo(req.FixedInfo, req.Type, "fixedInfo"); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := validateInfo(req.Info, req.Type, "info"); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if id, exists := s.byExternal[req.ExternalUserID]; exists {
		writeSumsubError(w, http.StatusConflict, fmt.Sprintf("Applicant with external user id '%s' already exists: %s", req.ExternalUserID, id))
		return
	}
	now := s.now()
	a := &applicant{
		id:             objectID(now),
		inspectionID:   objectID(now),
		externalUserID: req.ExternalUserID,
		levelName:      level,
		kind:           req.Type,
		key:            applicantKey(),
		createdAt:      now,
		email:          req.Email,
		phone:          req.Phone,
		fixedInfo:      req.FixedInfo,
		info:           req.Info,
	}
	for _, m := range []map[string]any{a.fixedInfo, a.info} {
		if err := s.checkBeneficiariesLocked(a.id, m); err != nil {
			writeSumsubError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	// info is what Sumsub extracts from documents; there are none here, so what was
	// provided stands in for it.
	mergeInfo(a.info, withoutBeneficiaries(a.fixedInfo))
	a.review = review{
		ReviewID:     randomHex(3),
		AttemptID:    randomHex(3),
		LevelName:    level,
		CreateDate:   now.UTC().Format(sumsubReviewDateLayout),
		ReviewStatus: "init",
	}
	s.applicants[a.id] = a
	s.byExternal[a.externalUserID] = a.id
	s.order = append(s.order, a.id)
	s.sumsubWebhookLocked(a, "applicantCreated", correlationID(), nil)
	s.answerApplicantLocked(w, http.StatusCreated, a)
}

func (s *Sandbox) answerApplicantLocked(w http.ResponseWriter, status int, a *applicant) {
	b, err := s.applicantJSONLocked(a)
	if err != nil {
		writeSumsubError(w, http.StatusInternalServerError, "cannot encode the applicant")
		return
	}
	writeRawJSON(w, status, b)
}

// applicantLocked finds the applicant of the request's {id}, or answers 404.
func (s *Sandbox) applicantLocked(w http.ResponseWriter, r *http.Request) *applicant {
	a := s.applicants[r.PathValue("id")]
	if a == nil {
		writeSumsubError(w, http.StatusNotFound, "Applicant not found")
	}
	return a
}

// sumsubGetApplicant is GET /resources/applicants/{id}/one, where {id} may also be
// -;externalUserId={our user id}.
func (s *Sandbox) sumsubGetApplicant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if ext, ok := strings.CutPrefix(id, "-;externalUserId="); ok {
		id = s.byExternal[ext]
	}
	a := s.applicants[id]
	if a == nil {
		writeSumsubError(w, http.StatusNotFound, "Applicant not found")
		return
	}
	s.answerApplicantLocked(w, http.StatusOK, a)
}

// sumsubPatchFixedInfo is PATCH /resources/applicants/{id}/fixedInfo: the fields sent
// replace the stored ones and the others stay. It answers the whole fixedInfo.
func (s *Sandbox) sumsubPatchFixedInfo(w http.ResponseWriter, r *http.Request) {
	var patch map[string]any
	if err := decodeBody(r, &patch); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	if err := validateInfo(patch, a.kind, "fixedInfo"); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.checkBeneficiariesLocked(a.id, patch); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	mergeInfo(a.info, withoutBeneficiaries(patch))
	mergeInfo(a.fixedInfo, patch)
	writeJSON(w, http.StatusOK, a.fixedInfo)
}

// sumsubLinkBeneficiary is KYB 2.0's POST .../fixedInfo/companyInfo/beneficiaries:
// {applicantId, types, shareSize} links an existing applicant, {beneficiaryInfo, types}
// records one not registered (the sandbox creates no nested applicant for it). Linking
// an applicant already linked replaces its entry. It answers the beneficiary with its id.
func (s *Sandbox) sumsubLinkBeneficiary(w http.ResponseWriter, r *http.Request) {
	var b map[string]any
	if err := decodeBody(r, &b); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := validateBeneficiary(b, "beneficiary"); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !nonEmptyStrings(b["types"]) {
		writeSumsubError(w, http.StatusBadRequest, "types must be a non-empty array of roles such as ubo, director, shareholder, representative")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	s.addBeneficiaryLocked(w, a, a.fixedInfo, b)
}

// sumsubAddBeneficiaryV1 is KYB 1.0's POST .../info/companyInfo/beneficiaries:
// {applicantId (or applicant.id), positions, type}, recorded in info.
func (s *Sandbox) sumsubAddBeneficiaryV1(w http.ResponseWriter, r *http.Request) {
	var b map[string]any
	if err := decodeBody(r, &b); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	if _, ok := b["applicantId"]; !ok {
		if nested, ok := b["applicant"].(map[string]any); ok && nested["id"] != nil {
			b["applicantId"] = nested["id"]
		}
	}
	if _, ok := b["applicantId"]; !ok {
		writeSumsubError(w, http.StatusBadRequest, "applicantId is required: only an existing applicant can be added")
		return
	}
	if err := validateBeneficiary(b, "beneficiary"); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	s.addBeneficiaryLocked(w, a, a.info, b)
}

func (s *Sandbox) addBeneficiaryLocked(w http.ResponseWriter, company *applicant, where, b map[string]any) {
	if company.kind != applicantCompany {
		writeSumsubError(w, http.StatusBadRequest, "Beneficiaries can only be added to a company applicant")
		return
	}
	delete(b, "id")
	probe := map[string]any{"companyInfo": map[string]any{"beneficiaries": []any{b}}}
	if err := s.checkBeneficiariesLocked(company.id, probe); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	ci := companyInfoOf(where, true)
	list, _ := ci["beneficiaries"].([]any)
	replaced := false
	if id, ok := b["applicantId"].(string); ok {
		for i, e := range list {
			if old, ok := e.(map[string]any); ok && old["applicantId"] == id {
				b["id"] = old["id"]
				list[i] = b
				replaced = true
			}
		}
	}
	if !replaced {
		list = append(list, b)
	}
	ci["beneficiaries"] = list
	writeJSON(w, http.StatusOK, b)
}

// sumsubUnlinkBeneficiary is KYB 2.0's DELETE .../fixedInfo/companyInfo/beneficiaries/{beneficiaryId}.
func (s *Sandbox) sumsubUnlinkBeneficiary(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	ci := companyInfoOf(a.fixedInfo, false)
	list := beneficiariesOf(a.fixedInfo)
	for i, e := range list {
		if b, ok := e.(map[string]any); ok && b["id"] == r.PathValue("beneficiaryId") {
			ci["beneficiaries"] = append(list[:i:i], list[i+1:]...)
			writeJSON(w, http.StatusOK, map[string]int{"ok": 1})
			return
		}
	}
	writeSumsubError(w, http.StatusNotFound, "Beneficiary not found")
}

type testCompletedRequest struct {
	ReviewAnswer      string   `json:"reviewAnswer"`
	RejectLabels      []string `json:"rejectLabels"`
	ReviewRejectType  string   `json:"reviewRejectType"`
	ModerationComment string   `json:"moderationComment"`
	ClientComment     string   `json:"clientComment"`
	ButtonIDs         []string `json:"buttonIds"`
}

// sumsubTestCompleted is the sandbox-only POST .../status/testCompleted: it finishes the
// review with the given result, then delivers applicantPending and applicantReviewed.
func (s *Sandbox) sumsubTestCompleted(w http.ResponseWriter, r *http.Request) {
	var req testCompletedRequest
	if err := decodeBody(r, &req); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	result := reviewResult{ReviewAnswer: req.ReviewAnswer}
	switch req.ReviewAnswer {
	case "GREEN":
	case "RED":
		if req.ReviewRejectType != "FINAL" && req.ReviewRejectType != "RETRY" {
			writeSumsubError(w, http.StatusBadRequest, "reviewRejectType must be FINAL or RETRY with a RED answer")
			return
		}
		result.RejectLabels = req.RejectLabels
		result.ReviewRejectType = req.ReviewRejectType
		result.ModerationComment = req.ModerationComment
		result.ClientComment = req.ClientComment
		result.ButtonIDs = req.ButtonIDs
	default:
		writeSumsubError(w, http.StatusBadRequest, "reviewAnswer must be GREEN or RED")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	corr := correlationID()
	a.review.ReviewStatus = "pending"
	a.review.ReviewResult = nil
	a.review.AttemptID = randomHex(3)
	a.review.AttemptCnt++
	s.sumsubWebhookLocked(a, "applicantPending", corr, nil)
	s.completeReviewLocked(a, &result)
	s.sumsubWebhookLocked(a, "applicantReviewed", corr, &result)
	writeJSON(w, http.StatusOK, map[string]int{"ok": 1})
}

func (s *Sandbox) completeReviewLocked(a *applicant, result *reviewResult) {
	a.review.ReviewStatus = "completed"
	a.review.ReviewResult = result
	a.review.ReviewDate = s.now().UTC().Format(sumsubReviewDateLayout)
	a.lastResult = result
}

// sumsubRecheckAML is POST .../recheck/aml: the applicant goes back to pending and the
// last review's result is delivered again, as a rescreening that finds nothing new does.
// An applicant never reviewed has nothing to recheck: 409.
func (s *Sandbox) sumsubRecheckAML(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.applicantLocked(w, r)
	if a == nil {
		return
	}
	if a.lastResult == nil {
		writeSumsubError(w, http.StatusConflict, "Applicant has no completed review to recheck")
		return
	}
	corr := correlationID()
	result := a.lastResult
	a.review.ReviewStatus = "pending"
	a.review.ReviewResult = nil
	s.sumsubWebhookLocked(a, "applicantPending", corr, nil)
	s.completeReviewLocked(a, result)
	s.sumsubWebhookLocked(a, "applicantReviewed", corr, result)
	writeJSON(w, http.StatusOK, map[string]int{"ok": 1})
}

type accessToken struct {
	Token  string `json:"token"`
	UserID string `json:"userId"`
}

type sdkTokenRequest struct {
	UserID    string      `json:"userId"`
	LevelName string      `json:"levelName"`
	TTLInSecs json.Number `json:"ttlInSecs"`
}

// sumsubSDKToken is POST /resources/accessTokens/sdk with a JSON body. The token only
// needs to look right: no WebSDK runs against the sandbox, and minting one creates no
// applicant here.
func (s *Sandbox) sumsubSDKToken(w http.ResponseWriter, r *http.Request) {
	var req sdkTokenRequest
	if err := decodeBody(r, &req); err != nil {
		writeSumsubError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.answerAccessToken(w, req.UserID, req.LevelName, req.TTLInSecs.String())
}

// sumsubLegacyToken is the older POST /resources/accessTokens?userId=&levelName=&ttlInSecs=.
func (s *Sandbox) sumsubLegacyToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.answerAccessToken(w, q.Get("userId"), q.Get("levelName"), q.Get("ttlInSecs"))
}

func (s *Sandbox) answerAccessToken(w http.ResponseWriter, userID, level, ttl string) {
	if userID == "" {
		writeSumsubError(w, http.StatusBadRequest, "userId is required")
		return
	}
	if level == "" {
		writeSumsubError(w, http.StatusBadRequest, "levelName is required")
		return
	}
	if ttl != "" {
		if n, err := strconv.Atoi(ttl); err != nil || n <= 0 {
			writeSumsubError(w, http.StatusBadRequest, "ttlInSecs must be a positive whole number of seconds")
			return
		}
	}
	writeJSON(w, http.StatusOK, accessToken{Token: "_act-sbx-" + uuid4(), UserID: userID})
}
