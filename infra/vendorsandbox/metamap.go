package vendorsandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

const (
	// metamapTokenTTL is the life of a MetaMap access token: "The JWT expires one hour
	// after your request."
	metamapTokenTTL = time.Hour
	// metamapTimestampLayout is the webhooks' timestamp, RFC 3339 in UTC with milliseconds.
	metamapTimestampLayout = "2006-01-02T15:04:05.000Z"
	// metamapRunning is identity.status while a verification is under way, as MetaMap's
	// own "verification is pending" answer shows it.
	metamapRunning = "running"
)

// verification is one MetaMap verification.
type verification struct {
	id, identity, flowID string
	metadata             json.RawMessage // compact JSON, sent back as it came
	resourceBase         string          // where GET /v2/verifications/{id} is reachable
	createdAt            time.Time
	status               string // metamapRunning until the complete control call
	completions          int
	fields               map[string]any // the complete call's fields, as decoded
	watchlistHit         bool
	ua, ip               string
}

// metamapError is the sandbox's error answer for MetaMap routes; MetaMap does not publish
// one shape, and our client should act on the HTTP status.
type metamapError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func writeMetaMapError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, metamapError{Code: status, Message: message})
}

// The MetaMap routes, relative to the MetaMap base URL. /oauth takes HTTP Basic, the API
// a bearer token from /oauth, and the /_sandbox control call nothing.
func (s *Sandbox) newMetaMapHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth", s.metamapOAuth)
	mux.HandleFunc("POST /oauth/{$}", s.metamapOAuth)
	mux.Handle("POST /v2/verifications", s.metamapBearer(http.HandlerFunc(s.metamapCreate)))
	mux.Handle("GET /v2/verifications/{id}", s.metamapBearer(http.HandlerFunc(s.metamapGet)))
	mux.HandleFunc("POST /_sandbox/metamap/verifications/{id}/complete", s.metamapComplete)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeMetaMapError(w, http.StatusNotFound, fmt.Sprintf("No such resource: %s %s", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		mux.ServeHTTP(w, r)
	})
}

type oauthAnswer struct {
	AccessToken string       `json:"access_token"`
	ExpiresIn   int          `json:"expiresIn"`
	Payload     oauthPayload `json:"payload"`
}

type oauthPayload struct {
	User struct {
		ID string `json:"_id"`
	} `json:"user"`
}

// metamapOAuth is POST /oauth: client_credentials with the client id and secret as HTTP
// Basic user and password.
func (s *Sandbox) metamapOAuth(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || s.metamap.ClientID == "" || s.metamap.ClientSecret == "" ||
		!hmac.Equal([]byte(user), []byte(s.metamap.ClientID)) || !hmac.Equal([]byte(pass), []byte(s.metamap.ClientSecret)) {
		writeMetaMapError(w, http.StatusUnauthorized, "Invalid client credentials")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeMetaMapError(w, http.StatusBadRequest, "The body must be a form: grant_type=client_credentials")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeMetaMapError(w, http.StatusBadRequest, "grant_type must be client_credentials")
		return
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])

	s.mu.Lock()
	now := s.now()
	for t, exp := range s.mmTokens {
		if !now.Before(exp) {
			delete(s.mmTokens, t)
		}
	}
	s.mmTokens[token] = now.Add(metamapTokenTTL)
	s.mu.Unlock()

	answer := oauthAnswer{AccessToken: token, ExpiresIn: int(metamapTokenTTL / time.Second)}
	answer.Payload.User.ID = metamapUserID(s.metamap.ClientID)
	writeJSON(w, http.StatusOK, answer)
}

// metamapUserID is a stable 24-hex user id for the client: its id when it has that form.
func metamapUserID(clientID string) string {
	if _, err := hex.DecodeString(clientID); err == nil && len(clientID) == 24 {
		return clientID
	}
	sum := sha256.Sum256([]byte(clientID))
	return hex.EncodeToString(sum[:12])
}

// metamapBearer refuses, with 401, a request without a token /oauth issued and that has
// not expired.
func (s *Sandbox) metamapBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		valid := false
		if ok && token != "" {
			s.mu.Lock()
			exp, known := s.mmTokens[token]
			valid = known && s.now().Before(exp)
			s.mu.Unlock()
		}
		if !valid {
			writeMetaMapError(w, http.StatusUnauthorized, "Unauthorized: the bearer token is missing, unknown or expired")
			return
		}
		next.ServeHTTP(w, r)
	})
}

type flowRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type metamapInput struct {
	ID       string `json:"id"`
	Status   int    `json:"status"`
	Optional *bool  `json:"optional,omitempty"`
	Group    *int   `json:"group,omitempty"`
}

type deviceFingerprint struct {
	UA string `json:"ua"`
	IP string `json:"ip"`
}

// createVerificationAnswer is the answer of POST /v2/verifications: identity is the
// identity's id here, where GET answers an object with its status.
type createVerificationAnswer struct {
	Documents         []metamapDocument `json:"documents"`
	Expired           bool              `json:"expired"`
	Flow              flowRef           `json:"flow"`
	Identity          string            `json:"identity"`
	Inputs            []metamapInput    `json:"inputs"`
	Metadata          json.RawMessage   `json:"metadata"`
	Steps             []metamapStep     `json:"steps"`
	ID                string            `json:"id"`
	DeviceFingerprint deviceFingerprint `json:"deviceFingerprint"`
	HasProblem        bool              `json:"hasProblem"`
}

type createVerificationRequest struct {
	FlowID   string          `json:"flowId"`
	Metadata json.RawMessage `json:"metadata"`
}

// metamapCreate is POST /v2/verifications {flowId, metadata}: it starts a verification
// and delivers verification_started.
func (s *Sandbox) metamapCreate(w http.ResponseWriter, r *http.Request) {
	var req createVerificationRequest
	if err := decodeBody(r, &req); err != nil {
		writeMetaMapError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.FlowID == "" {
		writeMetaMapError(w, http.StatusBadRequest, "flowId is required")
		return
	}
	metadata, err := compactMetadata(req.Metadata)
	if err != nil {
		writeMetaMapError(w, http.StatusBadRequest, err.Error())
		return
	}
	base := strings.TrimRight(s.metamap.BaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	v := &verification{
		id:           objectID(now),
		identity:     objectID(now),
		flowID:       req.FlowID,
		metadata:     metadata,
		resourceBase: base,
		createdAt:    now,
		status:       metamapRunning,
		ua:           r.UserAgent(),
		ip:           remoteIP(r),
	}
	s.mmVerifs[v.id] = v
	s.metamapWebhookLocked(v, "verification_started", nil)
	optional, group := false, 0
	writeJSON(w, http.StatusOK, createVerificationAnswer{
		Documents: []metamapDocument{},
		Flow:      flowRef{ID: v.flowID, Name: "Default flow"},
		Identity:  v.identity,
		Inputs: []metamapInput{
			{ID: "connection-data", Status: 200, Optional: &optional},
			{ID: "document-photo", Status: 0, Group: &group},
			{ID: "selfie-video", Status: 0},
		},
		Metadata:          v.metadata,
		Steps:             []metamapStep{},
		ID:                v.id,
		DeviceFingerprint: deviceFingerprint{UA: v.ua, IP: v.ip},
	})
}

// compactMetadata checks that metadata is a JSON object (or string, which MetaMap also
// takes) and compacts it; absent metadata is an empty object.
func compactMetadata(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return json.RawMessage(`{}`), nil
	}
	if trimmed[0] != '{' && trimmed[0] != '"' {
		return nil, errors.New("metadata must be a JSON object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, trimmed); err != nil {
		return nil, fmt.Errorf("metadata: %v", err)
	}
	return buf.Bytes(), nil
}

func remoteIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// metamapGet is GET /v2/verifications/{id}, shaped like MetaMap's retrieve answer.
func (s *Sandbox) metamapGet(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.mmVerifs[r.PathValue("id")]
	if v == nil {
		writeMetaMapError(w, http.StatusNotFound, "Verification not found")
		return
	}
	writeJSON(w, http.StatusOK, s.verificationJSONLocked(v))
}

type completeRequest struct {
	Status string         `json:"status"`
	Fields map[string]any `json:"fields"`
}

// metamapComplete is the sandbox's control call POST /_sandbox/metamap/verifications/{id}/complete
// {status, fields}: it stands in for the user finishing the flow and MetaMap deciding. The
// first call delivers step_completed for document-reading and watchlists, then
// verification_completed; a later call is a change made in MetaMap's dashboard and
// delivers verification_updated. It answers the verification as GET does.
func (s *Sandbox) metamapComplete(w http.ResponseWriter, r *http.Request) {
	var req completeRequest
	if err := decodeBody(r, &req); err != nil {
		writeMetaMapError(w, http.StatusBadRequest, err.Error())
		return
	}
	switch req.Status {
	case "verified", "rejected", "reviewNeeded":
	default:
		writeMetaMapError(w, http.StatusBadRequest, "status must be verified, rejected or reviewNeeded")
		return
	}
	hit := false
	if v, ok := req.Fields["watchlistHit"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			writeMetaMapError(w, http.StatusBadRequest, "fields.watchlistHit must be true or false")
			return
		}
		hit = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.mmVerifs[r.PathValue("id")]
	if v == nil {
		writeMetaMapError(w, http.StatusNotFound, "Verification not found")
		return
	}
	v.status = req.Status
	if req.Fields != nil {
		v.fields = req.Fields
		v.watchlistHit = hit
	}
	v.completions++
	if v.completions == 1 {
		doc := s.documentLocked(v)
		for _, step := range doc.Steps {
			s.metamapWebhookLocked(v, "step_completed", &step)
		}
		s.metamapWebhookLocked(v, "verification_completed", nil)
	} else {
		s.metamapWebhookLocked(v, "verification_updated", nil)
	}
	writeJSON(w, http.StatusOK, s.verificationJSONLocked(v))
}

type metamapStep struct {
	Status int               `json:"status"`
	ID     string            `json:"id"`
	Data   any               `json:"data,omitempty"`
	Error  *metamapStepError `json:"error"`
}

type metamapStepError struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

type metamapField struct {
	Value  any    `json:"value"`
	Label  string `json:"label,omitempty"`
	Format string `json:"format,omitempty"`
}

type metamapDocument struct {
	Country string                  `json:"country"`
	Region  string                  `json:"region"`
	Type    string                  `json:"type"`
	Photos  []string                `json:"photos"`
	Steps   []metamapStep           `json:"steps"`
	Fields  map[string]metamapField `json:"fields"`
}

type identityStatus struct {
	Status string `json:"status"`
}

// verificationJSON is GET /v2/verifications/{id}, after verification-retrieve_full_verification.json.
type verificationJSON struct {
	Expired    bool              `json:"expired"`
	Identity   identityStatus    `json:"identity"`
	Flow       flowRef           `json:"flow"`
	Steps      []metamapStep     `json:"steps"`
	Documents  []metamapDocument `json:"documents"`
	HasProblem bool              `json:"hasProblem"`
	Computed   map[string]any    `json:"computed,omitempty"`
	ID         string            `json:"id"`
	Metadata   json.RawMessage   `json:"metadata"`
}

func (s *Sandbox) verificationJSONLocked(v *verification) verificationJSON {
	out := verificationJSON{
		Identity:  identityStatus{Status: v.status},
		Flow:      flowRef{ID: v.flowID, Name: "Default flow"},
		Steps:     []metamapStep{},
		Documents: []metamapDocument{},
		ID:        v.id,
		Metadata:  v.metadata,
	}
	if v.completions == 0 {
		return out
	}
	out.Steps = []metamapStep{{Status: 200, ID: "liveness"}}
	out.Documents = []metamapDocument{s.documentLocked(v)}
	// A verification that is not verified had a problem somewhere, even without a hit.
	out.HasProblem = v.watchlistHit || v.status != "verified"
	if dob, ok := v.fields["dateOfBirth"].(string); ok {
		if born, err := time.Parse(time.DateOnly, dob); err == nil {
			out.Computed = map[string]any{"age": map[string]any{"data": age(born, s.now())}}
		}
	}
	return out
}

func age(born, now time.Time) int {
	years := now.Year() - born.Year()
	if now.YearDay() < born.YearDay() {
		years--
	}
	return years
}

// documentLocked is the identity document the complete call describes: its country and
// type come from fields.country and fields.documentType (default national-id), and every
// other field but watchlistHit becomes a document field, as document-reading reports it.
func (s *Sandbox) documentLocked(v *verification) metamapDocument {
	fields := documentFields(v.fields)
	data := map[string]any{}
	for k, f := range fields {
		data[k] = f
	}
	search := map[string]any{
		"watchlist":    map[string]any{"id": 1, "name": "Sandbox sanctions list"},
		"searchedAt":   v.createdAt.UTC().Format(metamapTimestampLayout),
		"searchResult": nil,
	}
	watchlists := metamapStep{Status: 200, ID: "watchlists", Data: []any{search}}
	if v.watchlistHit {
		search["searchResult"] = []any{map[string]any{"matchType": "name", "name": fullNameOf(v.fields)}}
		watchlists.Error = &metamapStepError{Type: "StepError", Code: "watchlists.matchFound", Message: "The user was found on a watchlist"}
	}
	docType, _ := v.fields["documentType"].(string)
	if docType == "" {
		docType = "national-id"
	}
	country, _ := v.fields["country"].(string)
	return metamapDocument{
		Country: country,
		Type:    docType,
		Photos:  []string{},
		Steps:   []metamapStep{{Status: 200, ID: "document-reading", Data: data}, watchlists},
		Fields:  fields,
	}
}

// fieldLabels are the labels MetaMap gives the document fields the sandbox is told about.
var fieldLabels = map[string]string{
	"fullName":       "Name",
	"firstName":      "First Name",
	"lastName":       "Last Name",
	"surname":        "Surname",
	"dateOfBirth":    "Day of Birth",
	"nationality":    "Nationality",
	"address":        "Address",
	"documentNumber": "Document Number",
	"expirationDate": "Date of Expiration",
	"emissionDate":   "Emission Date",
}

var dateFields = map[string]bool{"dateOfBirth": true, "expirationDate": true, "emissionDate": true}

// documentFields turns the complete call's fields into MetaMap's {value, label, format}
// objects, adding fullName from firstName and lastName when it was not given.
func documentFields(in map[string]any) map[string]metamapField {
	out := map[string]metamapField{}
	for k, v := range in {
		switch k {
		case "watchlistHit", "country", "documentType":
			continue
		}
		f := metamapField{Value: v, Label: fieldLabels[k]}
		if dateFields[k] {
			f.Format = "date"
		}
		out[k] = f
	}
	if _, ok := out["fullName"]; !ok {
		if name := fullNameOf(in); name != "" {
			out["fullName"] = metamapField{Value: name, Label: fieldLabels["fullName"]}
		}
	}
	return out
}

func fullNameOf(fields map[string]any) string {
	if s, ok := fields["fullName"].(string); ok && s != "" {
		return s
	}
	var parts []string
	for _, k := range []string{"firstName", "lastName"} {
		if s, ok := fields[k].(string); ok && s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// metamapWebhook is MetaMap's envelope. identityStatus and status both carry the result
// on verification_completed and verification_updated, as receivers read one or the other.
type metamapWebhook struct {
	Resource       string          `json:"resource"`
	Step           *metamapStep    `json:"step,omitempty"`
	IdentityStatus string          `json:"identityStatus,omitempty"`
	Status         string          `json:"status,omitempty"`
	EventName      string          `json:"eventName"`
	FlowID         string          `json:"flowId"`
	Timestamp      string          `json:"timestamp"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
}

// metamapWebhookLocked queues event for v, signed with x-signature.
func (s *Sandbox) metamapWebhookLocked(v *verification, event string, step *metamapStep) {
	wh := metamapWebhook{
		Resource:  v.resourceBase + "/v2/verifications/" + v.id,
		Step:      step,
		EventName: event,
		FlowID:    v.flowID,
		Timestamp: s.eventTimeLocked().Format(metamapTimestampLayout),
		Metadata:  v.metadata,
	}
	if event == "verification_completed" || event == "verification_updated" {
		wh.IdentityStatus, wh.Status = v.status, v.status
	}
	body, err := json.Marshal(wh)
	if err != nil {
		s.logf("vendorsandbox: metamap webhook %s for %s not sent: %v", event, v.id, err)
		return
	}
	mac := hmac.New(sha256.New, []byte(s.metamap.WebhookSecret))
	mac.Write(body)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("x-signature", hex.EncodeToString(mac.Sum(nil)))
	name := event
	if step != nil {
		name += " (" + step.ID + ")"
	}
	s.deliveries.enqueue("metamap/"+v.id, delivery{
		vendor:  "metamap",
		event:   name,
		subject: v.id,
		url:     s.metamap.WebhookURL,
		header:  h,
		body:    body,
	})
}
