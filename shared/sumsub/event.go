package sumsub

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxWebhookBody bounds the body ParseWebhook reads. Sumsub's envelopes are well under
// 2 KB.
const MaxWebhookBody = 256 << 10

// Event types Sumsub documents. Others appear without notice: ParseWebhook accepts any.
const (
	EventApplicantCreated               = "applicantCreated"
	EventApplicantPending               = "applicantPending"
	EventApplicantReviewed              = "applicantReviewed"
	EventApplicantOnHold                = "applicantOnHold"
	EventApplicantActionPending         = "applicantActionPending"
	EventApplicantActionReviewed        = "applicantActionReviewed"
	EventApplicantActionOnHold          = "applicantActionOnHold"
	EventApplicantPersonalInfoChanged   = "applicantPersonalInfoChanged"
	EventApplicantTagsChanged           = "applicantTagsChanged"
	EventApplicantActivated             = "applicantActivated"
	EventApplicantDeactivated           = "applicantDeactivated"
	EventApplicantDeleted               = "applicantDeleted"
	EventApplicantReset                 = "applicantReset"
	EventApplicantPrechecked            = "applicantPrechecked"
	EventApplicantLevelChanged          = "applicantLevelChanged"
	EventApplicantWorkflowCompleted     = "applicantWorkflowCompleted"
	EventVideoIdentStatusChanged        = "videoIdentStatusChanged"
	EventVideoIdentCompositionCompleted = "videoIdentCompositionCompleted"
	EventApplicantKytTxnCreated         = "applicantKytTxnCreated"
	EventApplicantKytTxnApproved        = "applicantKytTxnApproved"
	EventApplicantKytTxnRejected        = "applicantKytTxnRejected"
	EventApplicantKytTxnReviewed        = "applicantKytTxnReviewed"
	EventAMLCaseApproved                = "amlCaseApproved"
	EventAMLCaseRejected                = "amlCaseRejected"
	EventAMLCaseOnHold                  = "amlCaseOnHold"
)

// Review statuses.
const (
	ReviewStatusInit       = "init"
	ReviewStatusPending    = "pending"
	ReviewStatusPrechecked = "prechecked"
	ReviewStatusQueued     = "queued"
	ReviewStatusCompleted  = "completed"
	ReviewStatusOnHold     = "onHold"
)

// Review answers and reject types.
const (
	AnswerGreen = "GREEN"
	AnswerRed   = "RED"

	RejectFinal = "FINAL"
	RejectRetry = "RETRY"
)

// Applicant types.
const (
	ApplicantIndividual = "individual"
	ApplicantCompany    = "company"
)

// Reject labels that carry an AML result. Sumsub puts fitness and probity lists, wanted
// lists and names too incomplete to screen under COMPROMISED_PERSONS.
const (
	LabelSanctions          = "SANCTIONS"
	LabelPEP                = "PEP"
	LabelAdverseMedia       = "ADVERSE_MEDIA"
	LabelCriminal           = "CRIMINAL"
	LabelCompromisedPersons = "COMPROMISED_PERSONS"
)

// Errors of ParseWebhook; compare with errors.Is.
var (
	ErrPayloadTooLarge = errors.New("sumsub: webhook body larger than 256 KB")
	ErrInvalidPayload  = errors.New("sumsub: invalid webhook payload")
)

// Event is one webhook delivery. It holds ids, statuses and the review result only, never
// the raw body.
type Event struct {
	Type              string
	ApplicantID       string
	InspectionID      string
	CorrelationID     string // shared by the events of one operation: not an event id
	ExternalUserID    string // our user id
	LevelName         string
	PreviousLevelName string // on applicantLevelChanged
	ApplicantType     string // individual or company
	ApplicantMemberOf []MemberOf
	ClientID          string
	SandboxMode       bool
	ReviewStatus      string
	ReviewResult      ReviewResult
	// CreatedAt is when Sumsub created the event, in UTC; zero when the body has neither
	// createdAtMs nor createdAt. The latest one wins.
	CreatedAt time.Time
	// CreatedAtRaw is createdAtMs as sent (createdAt when it is absent), for DedupKey.
	CreatedAtRaw string
}

// MemberOf points from a company member's event to the company applicant.
type MemberOf struct {
	ApplicantID string `json:"applicantId"`
}

// ReviewResult is Sumsub's verdict. RejectLabels, ReviewRejectType and the comments come
// only with RED. ModerationComment may be shown to the applicant; ClientComment never.
type ReviewResult struct {
	ReviewAnswer      string   `json:"reviewAnswer,omitempty"`
	RejectLabels      []string `json:"rejectLabels,omitempty"`
	ReviewRejectType  string   `json:"reviewRejectType,omitempty"`
	ModerationComment string   `json:"moderationComment,omitempty"`
	ClientComment     string   `json:"clientComment,omitempty"`
	ButtonIDs         []string `json:"buttonIds,omitempty"`
}

type wireEvent struct {
	Type              string          `json:"type"`
	ApplicantID       string          `json:"applicantId"`
	InspectionID      string          `json:"inspectionId"`
	CorrelationID     string          `json:"correlationId"`
	ExternalUserID    string          `json:"externalUserId"`
	LevelName         string          `json:"levelName"`
	PreviousLevelName string          `json:"previousLevelName"`
	ApplicantType     string          `json:"applicantType"`
	ApplicantMemberOf json.RawMessage `json:"applicantMemberOf"`
	ClientID          string          `json:"clientId"`
	SandboxMode       json.RawMessage `json:"sandboxMode"`
	ReviewStatus      string          `json:"reviewStatus"`
	ReviewResult      *ReviewResult   `json:"reviewResult"`
	CreatedAtMs       json.RawMessage `json:"createdAtMs"`
	CreatedAt         json.RawMessage `json:"createdAt"`
}

// ParseWebhook reads a webhook body that VerifyWebhook accepted. type and applicantId are
// required; any type is accepted, known or not. sandboxMode may be a JSON boolean or the
// string "true" or "false" (older payloads). CreatedAt comes from createdAtMs, which is a
// UTC "yyyy-MM-dd HH:mm:ss.SSS" string and not epoch milliseconds, though a number is read
// as epoch milliseconds in case one arrives; createdAt ("yyyy-MM-dd HH:mm:ss+0000") is the
// fallback.
func ParseWebhook(body []byte) (Event, error) {
	if len(body) > MaxWebhookBody {
		return Event{}, ErrPayloadTooLarge
	}
	var w wireEvent
	if err := json.Unmarshal(body, &w); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	if w.Type == "" {
		return Event{}, fmt.Errorf("%w: no type", ErrInvalidPayload)
	}
	if w.ApplicantID == "" {
		return Event{}, fmt.Errorf("%w: no applicantId", ErrInvalidPayload)
	}
	e := Event{
		Type:              w.Type,
		ApplicantID:       w.ApplicantID,
		InspectionID:      w.InspectionID,
		CorrelationID:     w.CorrelationID,
		ExternalUserID:    w.ExternalUserID,
		LevelName:         w.LevelName,
		PreviousLevelName: w.PreviousLevelName,
		ApplicantType:     w.ApplicantType,
		ClientID:          w.ClientID,
		ReviewStatus:      w.ReviewStatus,
	}
	if w.ReviewResult != nil {
		e.ReviewResult = *w.ReviewResult
	}
	var err error
	if e.ApplicantMemberOf, err = parseMemberOf(w.ApplicantMemberOf); err != nil {
		return Event{}, fmt.Errorf("%w: applicantMemberOf: %v", ErrInvalidPayload, err)
	}
	if e.SandboxMode, err = parseFlexBool(w.SandboxMode); err != nil {
		return Event{}, fmt.Errorf("%w: sandboxMode: %v", ErrInvalidPayload, err)
	}
	if e.CreatedAt, e.CreatedAtRaw, err = parseEventTime(w.CreatedAtMs, w.CreatedAt); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	return e, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// parseMemberOf reads applicantMemberOf: a list of {"applicantId": ...} as documented, or
// of bare ids.
func parseMemberOf(raw json.RawMessage) ([]MemberOf, error) {
	if isNull(raw) {
		return nil, nil
	}
	var objs []MemberOf
	if err := json.Unmarshal(raw, &objs); err == nil {
		return objs, nil
	}
	var ids []string
	if err := json.Unmarshal(raw, &ids); err != nil {
		return nil, errors.New("want a list of {applicantId} or of ids")
	}
	out := make([]MemberOf, len(ids))
	for i, id := range ids {
		out[i] = MemberOf{ApplicantID: id}
	}
	return out, nil
}

func parseFlexBool(raw json.RawMessage) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	}
	return false, errors.New("want true or false")
}

// Sumsub's timestamp layouts; ".999" makes the fraction optional.
const (
	layoutMs   = "2006-01-02 15:04:05.999999999"
	layoutZone = "2006-01-02 15:04:05.999999999-0700"
)

func parseEventTime(ms, at json.RawMessage) (time.Time, string, error) {
	if !isNull(ms) {
		t, raw, err := parseSumsubTime(ms)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("createdAtMs: %w", err)
		}
		return t, raw, nil
	}
	if !isNull(at) {
		t, raw, err := parseSumsubTime(at)
		if err != nil {
			return time.Time{}, "", fmt.Errorf("createdAt: %w", err)
		}
		return t, raw, nil
	}
	return time.Time{}, "", nil
}

// parseSumsubTime reads a Sumsub timestamp string ("2021-05-14 16:00:25.032", UTC unless
// it ends with a zone such as +0000) or, defensively, epoch milliseconds as a JSON number
// or a string of digits. It returns the time in UTC and the value as sent.
func parseSumsubTime(raw json.RawMessage) (time.Time, string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return time.Time{}, "", errors.New("want a string or a number")
		}
		s = n.String()
	}
	if t, ok := parseEpochMs(s); ok {
		return t, s, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return time.Time{}, "", err
	}
	return t, s, nil
}

func parseEpochMs(s string) (time.Time, bool) {
	if s == "" || len(s) > 15 {
		return time.Time{}, false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return time.Time{}, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(n).UTC(), true
}

// ParseTime reads the date-time strings Sumsub uses in webhooks and applicants:
// "2006-01-02 15:04:05" with an optional fraction, UTC unless followed by a zone offset
// such as "+0000".
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{layoutMs, layoutZone} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%.40q is not yyyy-MM-dd HH:mm:ss[.SSS][+0000]", s)
}

// DedupKey returns a stable key for this delivery: the SHA-256, in hex, of the type, the
// applicant id, createdAtMs as sent, the review status and the webhook digest. Each part
// is length-prefixed so that no two different tuples give the same input.
func (e Event) DedupKey(digest string) string {
	h := sha256.New()
	h.Write([]byte("sumsub-webhook/v1"))
	for _, part := range []string{e.Type, e.ApplicantID, e.CreatedAtRaw, e.ReviewStatus, digest} {
		fmt.Fprintf(h, "\x00%d:%s", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Outcome is what an event says about the applicant's verification.
type Outcome string

// Outcomes.
const (
	// OutcomeApproved: completed and GREEN.
	OutcomeApproved Outcome = "approved"
	// OutcomeRejectedFinal: completed, RED and FINAL (or RED without a reject type: a retry
	// is only granted when Sumsub says RETRY).
	OutcomeRejectedFinal Outcome = "rejected_final"
	// OutcomeRetryRequested: completed, RED and RETRY; the applicant may resubmit.
	OutcomeRetryRequested Outcome = "retry_requested"
	// OutcomePending: the review is under way or waits for the applicant (init, pending,
	// prechecked, queued, onHold).
	OutcomePending Outcome = "pending"
	// OutcomeNone: the event says nothing about the applicant's own review.
	OutcomeNone Outcome = "none"
)

// isApplicantReview tells the types whose reviewStatus and reviewResult are the
// applicant's own. Action, transaction (KYT) and AML case events review something else;
// activation, deactivation, deletion, tags and video ident events are decided on their
// type, not on the review they happen to carry.
func isApplicantReview(t string) bool {
	switch t {
	case EventApplicantCreated, EventApplicantPending, EventApplicantPrechecked,
		EventApplicantOnHold, EventApplicantReviewed, EventApplicantReset,
		EventApplicantLevelChanged, EventApplicantWorkflowCompleted,
		EventApplicantPersonalInfoChanged:
		return true
	}
	return false
}

// Outcome reads the event's review: the answer counts only when reviewStatus is
// completed. Events of other types than the applicant review ones (actions, KYT, AML
// cases, unknown types, ...) give OutcomeNone, as does a completed review with no answer.
func (e Event) Outcome() Outcome {
	if !isApplicantReview(e.Type) {
		return OutcomeNone
	}
	switch e.ReviewStatus {
	case ReviewStatusInit, ReviewStatusPending, ReviewStatusPrechecked, ReviewStatusQueued, ReviewStatusOnHold:
		return OutcomePending
	case ReviewStatusCompleted:
		return e.ReviewResult.outcome()
	}
	return OutcomeNone
}

func (r ReviewResult) outcome() Outcome {
	switch r.ReviewAnswer {
	case AnswerGreen:
		return OutcomeApproved
	case AnswerRed:
		if r.ReviewRejectType == RejectRetry {
			return OutcomeRetryRequested
		}
		return OutcomeRejectedFinal
	}
	return OutcomeNone
}

// AMLLabels returns the labels that carry an AML result (SANCTIONS, PEP, ADVERSE_MEDIA,
// CRIMINAL, COMPROMISED_PERSONS), in the order given, each once; nil when there is none.
func AMLLabels(labels []string) []string {
	var out []string
	for _, l := range labels {
		switch l {
		case LabelSanctions, LabelPEP, LabelAdverseMedia, LabelCriminal, LabelCompromisedPersons:
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}
