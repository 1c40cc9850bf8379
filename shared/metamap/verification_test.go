package metamap

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// fixtureIdentity is what every fixture's documents give: the national id's document
// reading (a full name only, so first and last names stay empty), and the proof of
// residency's address.
var fixtureIdentity = Identity{
	FullName: "FIRST LAST",
	DOB:      "1980-01-01",
	Country:  "MX",
	Address:  "Varsovia 36, 06600 CDMX",
}

func TestParseVerificationReadsEveryFixture(t *testing.T) {
	want := map[string]struct {
		status, flowID string
	}{
		"verification-retrieve_full_verification.json":         {StatusVerified, "5e9576d9ac2c70001ca9f092"},
		"verification-retrieve_dni_verification.json":          {StatusVerified, "some_flow"},
		"verification-retrieve_verification_invalid_govt.json": {StatusVerified, "some_flow"},
		"verification-retrieve_verification_invalid_poa.json":  {StatusVerified, "some_flow"},
		"verification-verification_is_pending.json":            {StatusPending, "some_flow"}, // identity.status "running"
		"verification-verification_without_liveness.json":      {StatusVerified, "some_flow"},
		"verification-verification_without_poa.json":           {StatusVerified, "some_flow"},
		"verification-verification_without_pol.json":           {StatusVerified, "some_flow"},
	}
	for name, body := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			w, ok := want[name]
			if !ok {
				t.Fatalf("a new fixture: add its expected status and flow")
			}
			got, err := ParseVerification(body)
			if err != nil {
				t.Fatal(err)
			}
			expected := Verification{
				ID:       "5d9fb1f5bfbfac001a349bfb",
				FlowID:   w.flowID,
				Status:   w.status,
				Metadata: map[string]string{"name": "First Last", "dob": "1980-01-01"},
				Identity: fixtureIdentity,
			}
			if !reflect.DeepEqual(got, expected) {
				t.Fatalf("got  %+v\nwant %+v", got, expected)
			}
		})
	}
}

// TestParsedVerificationHoldsNoDocumentData walks each fixture for document and personal
// numbers (documentNumber, personalNumber, curp, wherever they sit), photos and media
// URLs; none may appear in the parsed verification.
func TestParsedVerificationHoldsNoDocumentData(t *testing.T) {
	for name, body := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			forbidden := sensitiveValues(doc, false)
			if !slices.Contains(forbidden, "111") {
				t.Fatalf("the walk missed the document number: %v", forbidden)
			}
			v, err := ParseVerification(body)
			if err != nil {
				t.Fatal(err)
			}
			printed := fmt.Sprintf("%+v", v)
			for _, s := range forbidden {
				if strings.Contains(printed, s) {
					t.Errorf("%q from the documents is in %s", s, printed)
				}
			}
			for _, s := range []string{"getmati.com", "http"} {
				if strings.Contains(printed, s) {
					t.Errorf("a URL is in %s", printed)
				}
			}
		})
	}
}

// sensitiveValues collects every string found under a sensitive key, at any depth (so a
// field's {"value": ...} counts), and every URL.
func sensitiveValues(v any, underSensitive bool) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if underSensitive || strings.HasPrefix(x, "http") {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			out = append(out, sensitiveValues(e, underSensitive)...)
		}
	case map[string]any:
		for k, e := range x {
			out = append(out, sensitiveValues(e, underSensitive || isSensitiveKey(k))...)
		}
	}
	return out
}

func isSensitiveKey(k string) bool {
	switch k {
	case "documentNumber", "document_number", "personalNumber", "personal_number", "curp", "photos":
		return true
	}
	return false
}

func TestNormaliseStatus(t *testing.T) {
	tests := []struct{ in, want string }{
		{"verified", StatusVerified},
		{"Verified", StatusVerified},
		{"reviewNeeded", StatusReviewNeeded},
		{"review_needed", StatusReviewNeeded},
		{"rejected", StatusRejected},
		{"postponed", StatusPostponed},
		{"pending", StatusPending},
		{"running", StatusPending},
		{"deleted", StatusPending},
		{"", StatusPending},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q is %s", tt.in, tt.want), func(t *testing.T) {
			if got := NormaliseStatus(tt.in); got != tt.want {
				t.Fatalf("got %s", got)
			}
		})
	}
}

func TestParseVerificationFindsTheStatusUnderEachName(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"identity.status", `{"id":"v1","identity":{"status":"rejected"}}`, StatusRejected},
		{"identityStatus", `{"id":"v1","identityStatus":"reviewNeeded"}`, StatusReviewNeeded},
		{"status", `{"id":"v1","status":"postponed"}`, StatusPostponed},
		{"identity.status wins over the others", `{"id":"v1","identity":{"status":"verified"},"identityStatus":"rejected","status":"rejected"}`, StatusVerified},
		{"identityStatus wins over status", `{"id":"v1","identityStatus":"rejected","status":"verified"}`, StatusRejected},
		{"none is pending", `{"id":"v1"}`, StatusPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseVerification([]byte(tt.body))
			if err != nil || v.Status != tt.want {
				t.Fatalf("status %q, err %v; want %s", v.Status, err, tt.want)
			}
		})
	}
}

func TestParseVerificationReadsTheAnswerToAStart(t *testing.T) {
	// POST /v2/verifications answers with the identity's id as a string.
	body := `{"documents":[],"expired":false,"flow":{"id":"65f3a1d2c8a4f100123abc00","name":"default_workflow"},"identity":"65f3a1d2c8a4f100123abc45",
		"inputs":[{"id":"connection-data","status":200,"optional":false}],"metadata":{"user":"u1"},
		"steps":[{"status":0,"id":"document"}],"id":"65f3a1d2c8a4f100123abc99","deviceFingerprint":{"ua":"x","ip":"203.0.113.42"},"hasProblem":false}`
	v, err := ParseVerification([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := Verification{ID: "65f3a1d2c8a4f100123abc99", FlowID: "65f3a1d2c8a4f100123abc00", IdentityID: "65f3a1d2c8a4f100123abc45", Status: StatusPending, Metadata: map[string]string{"user": "u1"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got  %+v\nwant %+v", v, want)
	}
	if strings.Contains(fmt.Sprintf("%+v", v), "203.0.113.42") {
		t.Fatal("the device fingerprint was kept")
	}
}

func TestParseVerificationReadsWatchlistSteps(t *testing.T) {
	tests := []struct {
		name       string
		steps      string // top-level steps
		docSteps   string // steps of the one document
		wantHit    bool
		wantLabels []string
	}{
		{"a step without error is no hit", `[{"id":"watchlists","status":200,"error":null}]`, `[]`, false, nil},
		{"a step still running is no hit", `[{"id":"watchlists","status":0}]`, `[]`, false, nil},
		{"an error is a hit labelled with its code", `[{"id":"watchlists","status":200,"error":{"type":"StepError","code":"watchlists.matchFound","message":"m"}}]`, `[]`, true, []string{"watchlists.matchFound"}},
		{"an error without a code is labelled with its type", `[]`, `[{"id":"watchlists","status":200,"error":{"type":"StepError"}}]`, true, []string{"StepError"}},
		{"a list with results is a hit labelled with its name", `[{"id":"watchlists","status":200,"data":[
			{"watchlist":{"id":1,"name":"OFAC SDN"},"searchResult":[{"name":"X"}]},
			{"watchlist":{"id":2,"name":"UN"},"searchResult":null},
			{"watchlist":{"id":3,"name":"EU"},"searchResult":[]}]}]`, `[]`, true, []string{"OFAC SDN"}},
		{"a document's step counts and labels are kept once", `[{"id":"watchlists","status":200,"error":{"code":"c"}}]`, `[{"id":"watchlists","status":200,"error":{"code":"c"}}]`, true, []string{"c"}},
		{"other steps' errors are not watchlist hits", `[{"id":"liveness","status":200,"error":{"code":"liveness.x"}}]`, `[{"id":"facematch","error":{"code":"f"}}]`, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"id":"v1","steps":` + tt.steps + `,"documents":[{"type":"national-id","country":"MX","steps":` + tt.docSteps + `}]}`
			v, err := ParseVerification([]byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if v.WatchlistHit != tt.wantHit || !slices.Equal(v.WatchlistLabels, tt.wantLabels) {
				t.Fatalf("hit %v %v, want %v %v", v.WatchlistHit, v.WatchlistLabels, tt.wantHit, tt.wantLabels)
			}
		})
	}
}

func TestParseVerificationReadsIdentityFields(t *testing.T) {
	tests := []struct {
		name string
		docs string
		want Identity
	}{
		{
			name: "separate names, nationality and emission country",
			docs: `[{"type":"passport","country":"MX","fields":{"firstName":{"value":"Ana"},"surname":{"value":"García"},"secondSurname":{"value":"López"},
				"dateOfBirth":{"value":"1990-05-06"},"nationality":{"value":"MEX"},"emissionCountry":{"value":"ES"},
				"documentNumber":{"value":"P123"},"personalNumber":{"value":"PN9"}}}]`,
			want: Identity{FullName: "Ana García López", FirstName: "Ana", LastName: "García López", DOB: "1990-05-06", Country: "ES", Nationality: "MEX"},
		},
		{
			name: "a government document before a proof of residency, the address the other way round",
			docs: `[{"type":"proof-of-residency","country":"AR","fields":{"fullName":{"value":"POA NAME"},"address":{"value":"POA address"}}},
				{"type":"national-id","country":"MX","fields":{"fullName":{"value":"ID NAME"},"address":{"value":"ID address"}}}]`,
			want: Identity{FullName: "ID NAME", Country: "MX", Address: "POA address"},
		},
		{
			name: "a document without fields is read from its document-reading step",
			docs: `[{"type":"driving-license","country":"CO","steps":[{"id":"document-reading","status":200,"data":{"fullName":{"value":"STEP NAME"},"dateOfBirth":{"value":"2000-01-02"}}}]}]`,
			want: Identity{FullName: "STEP NAME", DOB: "2000-01-02", Country: "CO"},
		},
		{
			name: "snake_case field names of older payloads",
			docs: `[{"type":"national-id","country":"MX","fields":{"full_name":{"value":"OLD NAME"},"date_of_birth":{"value":"1970-01-01"}}}]`,
			want: Identity{FullName: "OLD NAME", DOB: "1970-01-01", Country: "MX"},
		},
		{
			name: "a date of birth in another form is dropped rather than guessed",
			docs: `[{"type":"national-id","country":"MX","fields":{"fullName":{"value":"N"},"dateOfBirth":{"value":"01/02/1980"}}}]`,
			want: Identity{FullName: "N", Country: "MX"},
		},
		{
			name: "values that are not strings are ignored",
			docs: `[{"type":"national-id","country":"MX","fields":{"fullName":{"value":{"a":1}},"nationality":{"value":7}}}]`,
			want: Identity{Country: "MX"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := ParseVerification([]byte(`{"id":"v1","documents":` + tt.docs + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if v.Identity != tt.want {
				t.Fatalf("got  %+v\nwant %+v", v.Identity, tt.want)
			}
			if printed := fmt.Sprintf("%+v", v); strings.Contains(printed, "P123") || strings.Contains(printed, "PN9") {
				t.Fatalf("a document or personal number was kept: %s", printed)
			}
		})
	}
}

func TestParseVerificationRefuses(t *testing.T) {
	for _, body := range []string{`{"identity":{"status":"verified"}}`, `<html>`, `{"id":"v1","documents":{}}`} {
		if _, err := ParseVerification([]byte(body)); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
}
