package vendorsandbox

import (
	"encoding/json"
	"net/http"
)

// sumsubWebhook is the body of an applicant webhook, with the fields of Sumsub's examples.
// It carries no personal data: receivers fetch that from the API.
type sumsubWebhook struct {
	ApplicantID       string        `json:"applicantId"`
	InspectionID      string        `json:"inspectionId"`
	ApplicantType     string        `json:"applicantType"`
	CorrelationID     string        `json:"correlationId"`
	LevelName         string        `json:"levelName"`
	SandboxMode       bool          `json:"sandboxMode"`
	ExternalUserID    string        `json:"externalUserId"`
	Type              string        `json:"type"`
	ReviewStatus      string        `json:"reviewStatus"`
	ReviewResult      *reviewResult `json:"reviewResult,omitempty"`
	ApplicantMemberOf []memberOf    `json:"applicantMemberOf,omitempty"`
	CreatedAt         string        `json:"createdAt"`
	CreatedAtMs       string        `json:"createdAtMs"`
	ClientID          string        `json:"clientId"`
}

// sumsubWebhookLocked queues webhook typ for a as it is now. Events of one operation
// share its correlation id, as Sumsub's do.
func (s *Sandbox) sumsubWebhookLocked(a *applicant, typ, corr string, result *reviewResult) {
	at := s.eventTimeLocked()
	body, err := json.Marshal(sumsubWebhook{
		ApplicantID:       a.id,
		InspectionID:      a.inspectionID,
		ApplicantType:     a.kind,
		CorrelationID:     corr,
		LevelName:         a.levelName,
		SandboxMode:       true,
		ExternalUserID:    a.externalUserID,
		Type:              typ,
		ReviewStatus:      a.review.ReviewStatus,
		ReviewResult:      result,
		ApplicantMemberOf: s.memberOfLocked(a.id),
		CreatedAt:         at.Format(sumsubReviewDateLayout),
		CreatedAtMs:       at.Format(sumsubCreatedAtMsLayout),
		ClientID:          s.sumsub.ClientID,
	})
	if err != nil {
		s.logf("vendorsandbox: sumsub webhook %s for %s not sent: %v", typ, a.id, err)
		return
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Payload-Digest", payloadDigest(s.sumsub.DigestAlg, s.sumsub.WebhookSecret, body))
	h.Set("X-Payload-Digest-Alg", s.sumsub.DigestAlg)
	s.deliveries.enqueue("sumsub/"+a.id, delivery{
		vendor:  "sumsub",
		event:   typ,
		subject: a.id,
		url:     s.sumsub.WebhookURL,
		header:  h,
		body:    body,
	})
}
