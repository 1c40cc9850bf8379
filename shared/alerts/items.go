package alerts

import (
	"context"
	"strconv"

	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/store"
)

// Entity types.
const (
	EntityAlert = "alert"
	EntityPair  = "alert_pair"
)

// commentPurpose binds an encrypted resolution comment (and the KMS key policy's
// purpose condition).
const commentPurpose = "alert.resolution"

type alertItem struct {
	store.Meta
	TenantID           string     `dynamodbav:"tenantId"`
	ID                 string     `dynamodbav:"id"`
	UserID             string     `dynamodbav:"userId"`
	Status             string     `dynamodbav:"status"`
	Kind               string     `dynamodbav:"kind"`
	Outcome            string     `dynamodbav:"outcome"`
	ListSource         string     `dynamodbav:"listSource"`
	EntityID           string     `dynamodbav:"entityId"`
	EntityHash         string     `dynamodbav:"entityHash"`
	SubjectHash        string     `dynamodbav:"subjectHash"`
	Score              float64    `dynamodbav:"score"`
	ListVersion        string     `dynamodbav:"listVersion"`
	FirstSeenAt        string     `dynamodbav:"firstSeenAt"`
	LastSeenAt         string     `dynamodbav:"lastSeenAt"`
	Evidence           []Evidence `dynamodbav:"evidence"`
	EvidenceCount      int        `dynamodbav:"evidenceCount"`
	PreviousAlertID    string     `dynamodbav:"previousAlertId,omitempty"`
	PreviousResolution string     `dynamodbav:"previousResolution,omitempty"`
	Resolution         string     `dynamodbav:"resolution,omitempty"`
	CommentEnc         string     `dynamodbav:"commentEnc,omitempty"`
	ResolvedBy         string     `dynamodbav:"resolvedBy,omitempty"`
	ResolvedAt         string     `dynamodbav:"resolvedAt,omitempty"`
	UpdatedAt          string     `dynamodbav:"updatedAt"`
}

func (alertItem) EntityType() string { return EntityAlert }

// Indexes list the alert by status (GSI1) and by user (GSI2), by firstSeenAt.
func (a alertItem) Indexes() store.Indexes {
	t := store.TenantID(a.TenantID)
	sk := a.FirstSeenAt + "#" + a.ID
	return store.Indexes{
		GSI1: store.Key{PK: store.AlertsByStatusPK(t, a.Status), SK: sk},
		GSI2: store.Key{PK: store.UserAlertsPK(t, a.UserID), SK: sk},
	}
}

func (a alertItem) key() store.Key { return store.AlertKey(store.TenantID(a.TenantID), a.ID) }

func (a alertItem) pairKey() store.Key {
	return store.AlertPairKey(store.TenantID(a.TenantID), a.UserID, a.ListSource, a.EntityID)
}

// pairItem is the memory of one (user, entry) pair: the open alert, or the last one and
// the hashes it was resolved on.
type pairItem struct {
	store.Meta
	TenantID    string `dynamodbav:"tenantId"`
	UserID      string `dynamodbav:"userId"`
	ListSource  string `dynamodbav:"listSource"`
	EntityID    string `dynamodbav:"entityId"`
	OpenAlertID string `dynamodbav:"openAlertId,omitempty"`
	LastAlertID string `dynamodbav:"lastAlertId"`
	// LastResolution is the last alert's resolution once it is resolved.
	LastResolution string `dynamodbav:"lastResolution,omitempty"`
	// The hashes of the open alert's newest evidence, or those the last alert was
	// resolved on.
	EntityHash  string `dynamodbav:"entityHash"`
	SubjectHash string `dynamodbav:"subjectHash"`
	// The newest evidence, to recognise a redelivery without reading the alert.
	LastScreeningID string `dynamodbav:"lastScreeningId"`
	LastListVersion string `dynamodbav:"lastListVersion"`
	UpdatedAt       string `dynamodbav:"updatedAt"`
}

func (pairItem) EntityType() string { return EntityPair }

// view is the tenant's view of an alert; the comment is decrypted when there is one.
func (s *Service) view(ctx context.Context, a alertItem) (Alert, error) {
	out := Alert{
		ID: a.ID, UserID: a.UserID, Status: a.Status, Kind: a.Kind, Outcome: a.Outcome, ListSource: a.ListSource,
		EntityID: a.EntityID, Score: a.Score, ListVersion: a.ListVersion, FirstSeenAt: a.FirstSeenAt,
		LastSeenAt: a.LastSeenAt, Evidence: a.Evidence, EvidenceCount: a.EvidenceCount,
		PreviousAlertID: a.PreviousAlertID, PreviousResolution: a.PreviousResolution,
	}
	if out.Evidence == nil {
		out.Evidence = []Evidence{}
	}
	for i := range out.Evidence {
		if out.Evidence[i].Reasons == nil {
			out.Evidence[i].Reasons = []string{}
		}
	}
	if a.Resolution != "" {
		r := &Resolution{Status: a.Resolution, By: a.ResolvedBy, At: a.ResolvedAt}
		if a.CommentEnc != "" {
			c, err := envelope.DecryptString(ctx, s.Enc, commentContext(a), a.CommentEnc)
			if err != nil {
				return Alert{}, err
			}
			r.Comment = c
		}
		out.Resolution = r
	}
	return out, nil
}

func commentContext(a alertItem) envelope.Context {
	return envelope.Context{Tenant: a.TenantID, Record: a.ID, Purpose: commentPurpose}
}

// eventData is the data of alert.created and alert.updated: references, codes, a score
// and a time (the catalogue's schemas).
type eventData struct {
	AlertID            string  `json:"alertId"`
	UserID             string  `json:"userId"`
	Kind               string  `json:"kind"`
	Outcome            string  `json:"outcome"`
	ListSource         string  `json:"listSource"`
	EntityID           string  `json:"entityId"`
	Score              float64 `json:"score"`
	ListVersion        string  `json:"listVersion"`
	Status             string  `json:"status"`
	ResolutionStatus   string  `json:"resolutionStatus,omitempty"`
	Change             string  `json:"change,omitempty"`
	PreviousAlertID    string  `json:"previousAlertId,omitempty"`
	PreviousResolution string  `json:"previousResolution,omitempty"`
	At                 string  `json:"at"`
}

func dataOf(a alertItem, change, at string) eventData {
	d := eventData{
		AlertID: a.ID, UserID: a.UserID, Kind: a.Kind, Outcome: a.Outcome, ListSource: a.ListSource, EntityID: a.EntityID,
		Score: a.Score, ListVersion: a.ListVersion, Status: a.Status, ResolutionStatus: a.Resolution, Change: change,
		PreviousAlertID: a.PreviousAlertID, At: at,
	}
	if change == "" { // alert.created names the earlier resolution too
		d.PreviousResolution = a.PreviousResolution
	}
	return d
}

// auditDetails are the audit record's references and codes.
func auditDetails(a alertItem, ev Evidence) map[string]string {
	d := map[string]string{
		"userId": a.UserID, "listSource": a.ListSource, "entityId": a.EntityID, "kind": a.Kind, "outcome": a.Outcome,
		"status": a.Status, "listVersion": ev.ListVersion, "screeningId": ev.ScreeningID,
		"score": strconv.FormatFloat(ev.Score, 'f', -1, 64),
	}
	if ev.RunID != "" {
		d["runId"] = ev.RunID
	}
	if a.PreviousAlertID != "" {
		d["previousAlertId"], d["previousResolution"] = a.PreviousAlertID, a.PreviousResolution
	}
	return d
}
