package sumsub

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The examples of docs/vendors.md.
const (
	exampleApproved = `{"applicantId":"5cb56e8e0a975a35f333cb83","inspectionId":"5cb56e8e0a975a35f333cb84","correlationId":"req-a260b669-4f14-4bb5-a4c5-ac0218acb9a4","externalUserId":"externalUserId","levelName":"id-and-liveness","type":"applicantReviewed","reviewResult":{"reviewAnswer":"GREEN"},"reviewStatus":"completed","createdAtMs":"2020-02-21 13:23:19.321"}`
	examplePending  = `{"applicantId":"5c7791f80a975a1df426b9e9","inspectionId":"5c7791f80a975a1df426b9ea","applicantType":"individual","correlationId":"req-4af54c06-6a50-4cb9-a7dc-b94b2f5b07eb","levelName":"liveness-level","externalUserId":"12672","type":"applicantPending","sandboxMode":false,"reviewStatus":"pending","createdAtMs":"2020-02-21 13:23:19.002","clientId":"coolClientId"}`
	exampleRejected = `{"applicantId":"5cb744200a975a67ed1798a4","inspectionId":"5cb744200a975a67ed1798a5","correlationId":"req-fa94263f-0b23-42d7-9393-ab10b28ef42d","externalUserId":"u-1","levelName":"basic-kyc-level","type":"applicantReviewed","applicantType":"individual","applicantMemberOf":[{"applicantId":"5cb744200a975a67ed1798c0"}],"sandboxMode":"true","reviewResult":{"moderationComment":"We could not verify your profile.","clientComment":"Sanctions match.","reviewAnswer":"RED","rejectLabels":["SANCTIONS","FORGERY"],"reviewRejectType":"FINAL","buttonIds":["aml"]},"reviewStatus":"completed","createdAtMs":"2020-02-21 13:23:19.111","clientId":"coolClientId"}`
)

func mustParse(t *testing.T, body string) Event {
	t.Helper()
	e, err := ParseWebhook([]byte(body))
	if err != nil {
		t.Fatalf("ParseWebhook(%s): %v", body, err)
	}
	return e
}

func TestParseWebhookReadsTheDocumentedApprovedExample(t *testing.T) {
	got := mustParse(t, exampleApproved)
	want := Event{
		Type:           EventApplicantReviewed,
		ApplicantID:    "5cb56e8e0a975a35f333cb83",
		InspectionID:   "5cb56e8e0a975a35f333cb84",
		CorrelationID:  "req-a260b669-4f14-4bb5-a4c5-ac0218acb9a4",
		ExternalUserID: "externalUserId",
		LevelName:      "id-and-liveness",
		ReviewStatus:   ReviewStatusCompleted,
		ReviewResult:   ReviewResult{ReviewAnswer: AnswerGreen},
		CreatedAt:      time.Date(2020, 2, 21, 13, 23, 19, 321e6, time.UTC),
		CreatedAtRaw:   "2020-02-21 13:23:19.321",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if got.Outcome() != OutcomeApproved {
		t.Fatalf("outcome %s", got.Outcome())
	}
}

func TestParseWebhookReadsTheDocumentedPendingExample(t *testing.T) {
	got := mustParse(t, examplePending)
	if got.Type != EventApplicantPending || got.ApplicantType != ApplicantIndividual || got.ClientID != "coolClientId" ||
		got.ExternalUserID != "12672" || got.SandboxMode || got.ReviewStatus != ReviewStatusPending {
		t.Fatalf("got %+v", got)
	}
	if got.Outcome() != OutcomePending {
		t.Fatalf("outcome %s", got.Outcome())
	}
}

func TestParseWebhookReadsARejectionWithItsLabelsCommentsAndCompany(t *testing.T) {
	got := mustParse(t, exampleRejected)
	want := ReviewResult{
		ReviewAnswer:      AnswerRed,
		RejectLabels:      []string{LabelSanctions, "FORGERY"},
		ReviewRejectType:  RejectFinal,
		ModerationComment: "We could not verify your profile.",
		ClientComment:     "Sanctions match.",
		ButtonIDs:         []string{"aml"},
	}
	if !reflect.DeepEqual(got.ReviewResult, want) {
		t.Fatalf("review result %+v", got.ReviewResult)
	}
	if !reflect.DeepEqual(got.ApplicantMemberOf, []MemberOf{{ApplicantID: "5cb744200a975a67ed1798c0"}}) {
		t.Fatalf("member of %+v", got.ApplicantMemberOf)
	}
	if !got.SandboxMode {
		t.Fatal(`sandboxMode "true" read as false`)
	}
	if got.Outcome() != OutcomeRejectedFinal {
		t.Fatalf("outcome %s", got.Outcome())
	}
	if aml := AMLLabels(got.ReviewResult.RejectLabels); !reflect.DeepEqual(aml, []string{LabelSanctions}) {
		t.Fatalf("AML labels %v", aml)
	}
}

func TestParseWebhookReadsApplicantMemberOf(t *testing.T) {
	tests := []struct {
		name, field string
		want        []MemberOf
	}{
		{"a list of objects, as documented", `[{"applicantId":"c1"},{"applicantId":"c2"}]`, []MemberOf{{"c1"}, {"c2"}}},
		{"a list of bare ids", `["c1"]`, []MemberOf{{"c1"}}},
		{"null", `null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, `{"type":"applicantPending","applicantId":"a1","applicantMemberOf":`+tt.field+`}`)
			if !reflect.DeepEqual(got.ApplicantMemberOf, tt.want) {
				t.Fatalf("got %+v", got.ApplicantMemberOf)
			}
		})
	}
}

func TestParseWebhookAcceptsEventTypesItDoesNotKnow(t *testing.T) {
	got := mustParse(t, `{"type":"applicantSomethingNew","applicantId":"a1","reviewStatus":"completed","reviewResult":{"reviewAnswer":"GREEN"}}`)
	if got.Type != "applicantSomethingNew" || got.Outcome() != OutcomeNone {
		t.Fatalf("got %+v, outcome %s", got, got.Outcome())
	}
}

func TestParseWebhookReadsCreatedAt(t *testing.T) {
	ms := time.Date(2021, 5, 14, 16, 0, 25, 32e6, time.UTC)
	tests := []struct {
		name    string
		fields  string
		want    time.Time
		wantRaw string
	}{
		{"createdAtMs is a UTC date-time string, not epoch milliseconds", `"createdAtMs":"2021-05-14 16:00:25.032"`, ms, "2021-05-14 16:00:25.032"},
		{"createdAtMs without a fraction", `"createdAtMs":"2021-05-14 16:00:25"`, ms.Truncate(time.Second), "2021-05-14 16:00:25"},
		{"createdAt with +0000 when createdAtMs is absent", `"createdAt":"2021-05-14 16:00:25+0000"`, ms.Truncate(time.Second), "2021-05-14 16:00:25+0000"},
		{"createdAt with another offset is converted to UTC", `"createdAt":"2021-05-14 18:00:25+0200"`, ms.Truncate(time.Second), "2021-05-14 18:00:25+0200"},
		{"createdAtMs wins over createdAt", `"createdAtMs":"2021-05-14 16:00:25.032","createdAt":"2000-01-01 00:00:00+0000"`, ms, "2021-05-14 16:00:25.032"},
		{"a numeric createdAtMs is read as epoch milliseconds", `"createdAtMs":1621008025032`, ms, "1621008025032"},
		{"a string of digits is read as epoch milliseconds", `"createdAtMs":"1621008025032"`, ms, "1621008025032"},
		{"neither leaves the time zero", ``, time.Time{}, ""},
		{"a null createdAtMs falls back to createdAt", `"createdAtMs":null,"createdAt":"2021-05-14 16:00:25+0000"`, ms.Truncate(time.Second), "2021-05-14 16:00:25+0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"type":"applicantPending","applicantId":"a1"`
			if tt.fields != "" {
				body += "," + tt.fields
			}
			got := mustParse(t, body+"}")
			if !got.CreatedAt.Equal(tt.want) || got.CreatedAt.Location() != time.UTC || got.CreatedAtRaw != tt.wantRaw {
				t.Fatalf("got %v (%q), want %v (%q)", got.CreatedAt, got.CreatedAtRaw, tt.want, tt.wantRaw)
			}
		})
	}
}

func TestParseWebhookReadsSandboxMode(t *testing.T) {
	tests := []struct {
		name  string
		field string
		want  bool
	}{
		{"a JSON true", `,"sandboxMode":true`, true},
		{"a JSON false", `,"sandboxMode":false`, false},
		{`the string "true" of older payloads`, `,"sandboxMode":"true"`, true},
		{`the string "false" of older payloads`, `,"sandboxMode":"false"`, false},
		{"an absent field", ``, false},
		{"a null", `,"sandboxMode":null`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, `{"type":"applicantPending","applicantId":"a1"`+tt.field+`}`); got.SandboxMode != tt.want {
				t.Fatalf("got %v", got.SandboxMode)
			}
		})
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"a body that is not JSON", `type=applicantReviewed`, ErrInvalidPayload},
		{"an empty body", ``, ErrInvalidPayload},
		{"a JSON array", `[{"type":"applicantReviewed","applicantId":"a1"}]`, ErrInvalidPayload},
		{"trailing data after the object", `{"type":"applicantReviewed","applicantId":"a1"} {}`, ErrInvalidPayload},
		{"no type", `{"applicantId":"a1"}`, ErrInvalidPayload},
		{"no applicant id", `{"type":"applicantReviewed"}`, ErrInvalidPayload},
		{"a sandboxMode that is neither true nor false", `{"type":"applicantReviewed","applicantId":"a1","sandboxMode":"yes"}`, ErrInvalidPayload},
		{"a numeric sandboxMode", `{"type":"applicantReviewed","applicantId":"a1","sandboxMode":1}`, ErrInvalidPayload},
		{"an applicantMemberOf that is an object", `{"type":"applicantReviewed","applicantId":"a1","applicantMemberOf":{"applicantId":"c1"}}`, ErrInvalidPayload},
		{"a createdAtMs in another form", `{"type":"applicantReviewed","applicantId":"a1","createdAtMs":"21/02/2020 13:23"}`, ErrInvalidPayload},
		{"a createdAtMs that is an object", `{"type":"applicantReviewed","applicantId":"a1","createdAtMs":{}}`, ErrInvalidPayload},
		{"a body over 256 KB", `{"type":"applicantReviewed","applicantId":"a1","x":"` + strings.Repeat("a", MaxWebhookBody) + `"}`, ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseWebhook([]byte(tt.body)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestEventKeepsNoRawBytes(t *testing.T) {
	typ := reflect.TypeFor[Event]()
	for i := range typ.NumField() {
		if f := typ.Field(i); f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Uint8 {
			t.Fatalf("Event.%s holds bytes: the raw body must not be kept", f.Name)
		}
	}
}

func TestDedupKey(t *testing.T) {
	base := mustParse(t, exampleApproved)
	key := base.DedupKey(vectorSHA256)
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		t.Fatalf("key %q: want 64 lowercase hex characters", key)
	}
	if again := mustParse(t, exampleApproved).DedupKey(vectorSHA256); again != key {
		t.Fatal("the same delivery gave another key")
	}
	tests := []struct {
		name   string
		change func(*Event) string
	}{
		{"another type", func(e *Event) string { e.Type = EventApplicantPending; return vectorSHA256 }},
		{"another applicant", func(e *Event) string { e.ApplicantID += "0"; return vectorSHA256 }},
		{"another createdAtMs", func(e *Event) string { e.CreatedAtRaw = "2020-02-21 13:23:19.322"; return vectorSHA256 }},
		{"another review status", func(e *Event) string { e.ReviewStatus = ReviewStatusOnHold; return vectorSHA256 }},
		{"another digest", func(*Event) string { return vectorSHA1 }},
		{"a part moved across the boundary of the next", func(e *Event) string {
			e.ApplicantID, e.CreatedAtRaw = e.ApplicantID+e.CreatedAtRaw[:1], e.CreatedAtRaw[1:]
			return vectorSHA256
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gives another key", func(t *testing.T) {
			e := base
			digest := tt.change(&e)
			if e.DedupKey(digest) == key {
				t.Fatal("same key")
			}
		})
	}
}

func TestDedupKeyIgnoresFieldsOutsideTheKey(t *testing.T) {
	a := mustParse(t, exampleApproved)
	b := a
	b.CorrelationID, b.InspectionID = "req-other", "other"
	if a.DedupKey("d") != b.DedupKey("d") {
		t.Fatal("correlationId and inspectionId changed the key")
	}
}

func TestOutcome(t *testing.T) {
	red := func(rejectType string) ReviewResult {
		return ReviewResult{ReviewAnswer: AnswerRed, RejectLabels: []string{LabelPEP}, ReviewRejectType: rejectType}
	}
	tests := []struct {
		name   string
		typ    string
		status string
		result ReviewResult
		want   Outcome
	}{
		{"completed and GREEN is approved", EventApplicantReviewed, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeApproved},
		{"completed, RED and FINAL is a final rejection", EventApplicantReviewed, ReviewStatusCompleted, red(RejectFinal), OutcomeRejectedFinal},
		{"completed, RED and RETRY asks for a resubmission", EventApplicantReviewed, ReviewStatusCompleted, red(RejectRetry), OutcomeRetryRequested},
		{"completed and RED without a reject type grants no retry", EventApplicantReviewed, ReviewStatusCompleted, red(""), OutcomeRejectedFinal},
		{"completed without an answer says nothing", EventApplicantReviewed, ReviewStatusCompleted, ReviewResult{}, OutcomeNone},
		{"completed and YELLOW says nothing", EventApplicantReviewed, ReviewStatusCompleted, ReviewResult{ReviewAnswer: "YELLOW"}, OutcomeNone},
		{"a GREEN answer while pending does not count", EventApplicantPending, ReviewStatusPending, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomePending},
		{"a RED answer on hold does not count", EventApplicantOnHold, ReviewStatusOnHold, red(RejectFinal), OutcomePending},
		{"init means documents are requested", EventApplicantCreated, ReviewStatusInit, ReviewResult{}, OutcomePending},
		{"queued is pending", EventApplicantPrechecked, ReviewStatusQueued, ReviewResult{}, OutcomePending},
		{"prechecked is pending", EventApplicantPrechecked, ReviewStatusPrechecked, ReviewResult{}, OutcomePending},
		{"an unknown status says nothing", EventApplicantReviewed, "archived", ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeNone},
		{"a reviewed workflow counts", EventApplicantWorkflowCompleted, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeApproved},
		{"an approved applicant action is not the applicant's review", EventApplicantActionReviewed, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeNone},
		{"an approved transaction is not the applicant's review", EventApplicantKytTxnApproved, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeNone},
		{"an AML case is not the applicant's review", EventAMLCaseApproved, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeNone},
		{"a deactivation is decided on its type", EventApplicantDeactivated, ReviewStatusCompleted, ReviewResult{ReviewAnswer: AnswerGreen}, OutcomeNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Event{Type: tt.typ, ApplicantID: "a1", ReviewStatus: tt.status, ReviewResult: tt.result}
			if got := e.Outcome(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestAMLLabels(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		want   []string
	}{
		{"every AML label is kept in order", []string{"SANCTIONS", "PEP", "ADVERSE_MEDIA", "CRIMINAL", "COMPROMISED_PERSONS"}, []string{"SANCTIONS", "PEP", "ADVERSE_MEDIA", "CRIMINAL", "COMPROMISED_PERSONS"}},
		{"document and fraud labels are left out", []string{"FORGERY", "PEP", "SELFIE_MISMATCH", "BLOCKLIST"}, []string{"PEP"}},
		{"a repeated label is kept once", []string{"PEP", "PEP"}, []string{"PEP"}},
		{"labels are matched exactly", []string{"pep", "SANCTIONS "}, nil},
		{"no labels give nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AMLLabels(tt.labels); !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
