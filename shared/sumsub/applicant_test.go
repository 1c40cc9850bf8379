package sumsub

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseApplicantReadsTheFixture(t *testing.T) {
	got, err := ParseApplicant(fixture(t, "applicant-one.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := Applicant{
		ID:             "68a7d46b8a6f58bf219053c6",
		ExternalUserID: "28",
		Type:           ApplicantIndividual,
		CreatedAt:      time.Date(2025, 8, 22, 2, 22, 35, 0, time.UTC),
		Review: Review{
			ReviewStatus: ReviewStatusCompleted,
			ReviewResult: ReviewResult{ReviewAnswer: AnswerGreen},
		},
		Identity: Identity{
			FirstName:   "John",
			LastName:    "Mock-Doe",
			DOB:         "2006-02-23",
			Country:     "VNM",
			Nationality: "VNM", // from fixedInfo: info has none
			Address:     "123,Nguyen Van A, Ho Chi Minh, 7000",
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

// TestParsedApplicantHoldsNoDocumentData walks the fixture and collects every value under
// info.idDocs, plus e-mail and phone; none may appear in the parsed applicant. Values that
// are also the applicant's own fields (a name on the document) are expected, and left out.
func TestParsedApplicantHoldsNoDocumentData(t *testing.T) {
	raw := fixture(t, "applicant-one.json")
	var doc struct {
		Email string `json:"email"`
		Phone string `json:"phone"`
		Info  struct {
			IDDocs json.RawMessage `json:"idDocs"`
		} `json:"info"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var idDocs any
	if err := json.Unmarshal(doc.Info.IDDocs, &idDocs); err != nil {
		t.Fatal(err)
	}
	a, err := ParseApplicant(raw)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]bool{}
	for _, v := range []string{a.Identity.FirstName, a.Identity.LastName, a.Identity.Country, a.Identity.Nationality} {
		kept[v] = true
	}
	var forbidden []string
	for _, v := range stringLeaves(idDocs) {
		if !kept[v] {
			forbidden = append(forbidden, v)
		}
	}
	forbidden = append(forbidden, doc.Email, doc.Phone)
	if !slices.Contains(forbidden, "Mock-LMWH2VPLUB") {
		t.Fatalf("the walk missed the document number: %v", forbidden)
	}
	printed := fmt.Sprintf("%+v", a)
	for _, v := range forbidden {
		if v != "" && strings.Contains(printed, v) {
			t.Errorf("%q from the applicant's documents or contacts is in %s", v, printed)
		}
	}
}

func stringLeaves(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, stringLeaves(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range x {
			out = append(out, stringLeaves(e)...)
		}
		return out
	}
	return nil
}

func TestParseApplicantTakesFixedInfoOverInfoFieldByField(t *testing.T) {
	body := `{"id":"a1","type":"individual",
		"info":{"firstName":"Jon","middleName":"Q","lastName":"Doe","dob":"1990-01-02","country":"GBR","nationality":"GBR",
			"addresses":[{"street":"1 Old Road","town":"Leeds","postCode":"LS1","country":"GBR"}]},
		"fixedInfo":{"firstName":"John","lastName":"  ","dob":"1990-01-03","nationality":"IRL"}}`
	a, err := ParseApplicant([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := Identity{
		FirstName:   "John",       // fixedInfo
		MiddleName:  "Q",          // info: fixedInfo has none
		LastName:    "Doe",        // info: fixedInfo's is blank
		DOB:         "1990-01-03", // fixedInfo
		Country:     "GBR",        // info
		Nationality: "IRL",        // fixedInfo
		Address:     "1 Old Road, Leeds, LS1, GBR",
	}
	if a.Identity != want {
		t.Fatalf("got  %+v\nwant %+v", a.Identity, want)
	}
}

func TestParseApplicantAddressLine(t *testing.T) {
	tests := []struct {
		name      string
		addresses string
		want      string
	}{
		{"parts are joined in postal order", `[{"buildingName":"Tower","flatNumber":"4","buildingNumber":"10","street":"High St","subStreet":"Rear","town":"York","state":"N Yorks","postCode":"YO1","country":"GBR"}]`, "Tower, 4, 10, High St, Rear, York, N Yorks, YO1, GBR"},
		{"a formatted address is taken as it is", `[{"formattedAddress":"10 High St, York","street":"ignored"}]`, "10 High St, York"},
		{"only the first address is kept", `[{"town":"York"},{"town":"Leeds"}]`, "York"},
		{"no address gives an empty line", `[]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseApplicant([]byte(`{"id":"a1","fixedInfo":{"addresses":` + tt.addresses + `}}`))
			if err != nil {
				t.Fatal(err)
			}
			if a.Identity.Address != tt.want {
				t.Fatalf("got %q, want %q", a.Identity.Address, tt.want)
			}
		})
	}
}

func TestParseApplicantKeepsOnlyADateOfBirthInYYYYMMDD(t *testing.T) {
	tests := []struct {
		name, dob, want string
	}{
		{"an ISO date is kept", "1990-01-02", "1990-01-02"},
		{"a day-first date is dropped rather than guessed", "02/01/1990", ""},
		{"an impossible date is dropped", "1990-02-30", ""},
		{"a date-time is dropped", "1990-01-02T00:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseApplicant([]byte(`{"id":"a1","info":{"dob":"` + tt.dob + `"}}`))
			if err != nil {
				t.Fatal(err)
			}
			if a.Identity.DOB != tt.want {
				t.Fatalf("got %q, want %q", a.Identity.DOB, tt.want)
			}
		})
	}
}

func TestParseApplicantReadsACompanyOfEitherKYBGeneration(t *testing.T) {
	// KYB 1.0 kept beneficiaries in info with positions and a type; KYB 2.0 keeps them in
	// fixedInfo with types, and a beneficiary not yet an applicant comes with its own data.
	body := `{"id":"c1","type":"company","review":{"reviewStatus":"onHold","createDate":"2024-01-02 03:04:05+0000","levelName":"kyb"},
		"info":{"companyInfo":{"companyName":"Old Name Ltd","registrationNumber":"7836733","country":"GBR",
			"beneficiaries":[{"applicantId":"b1","positions":["director","shareholder"],"type":"ubo"}]}},
		"fixedInfo":{"companyInfo":{"companyName":"New Name Ltd",
			"beneficiaries":[
				{"applicantId":"b1","types":["ubo","representative"],"shareSize":42.5},
				{"applicantId":"b2","types":["shareholder"]},
				{"types":["director"],"beneficiaryInfo":{"firstName":"Unregistered","lastName":"Person","dob":"1970-01-01"}}
			]}}}`
	a, err := ParseApplicant([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := &Company{
		Name:               "New Name Ltd",
		RegistrationNumber: "7836733",
		Country:            "GBR",
		Beneficiaries: []Beneficiary{
			{ApplicantID: "b1", Types: []string{"ubo", "representative", "director", "shareholder"}},
			{ApplicantID: "b2", Types: []string{"shareholder"}},
		},
	}
	if !reflect.DeepEqual(a.Company, want) {
		t.Fatalf("got  %+v\nwant %+v", a.Company, want)
	}
	if a.LevelName != "kyb" || a.Review.ReviewStatus != ReviewStatusOnHold || !a.Review.CreateDate.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("level %q, review %+v", a.LevelName, a.Review)
	}
	if printed := fmt.Sprintf("%+v", a); strings.Contains(printed, "Unregistered") || strings.Contains(printed, "1970-01-01") {
		t.Fatalf("an unregistered beneficiary's data was kept: %s", printed)
	}
}

func TestParseApplicantLeavesCompanyNilForAnIndividual(t *testing.T) {
	a, err := ParseApplicant([]byte(`{"id":"a1","type":"individual","info":{"firstName":"A"}}`))
	if err != nil || a.Company != nil {
		t.Fatalf("company %+v, err %v", a.Company, err)
	}
}

func TestParseApplicantRefuses(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"a body without an id", `{"externalUserId":"28"}`},
		{"a body that is not JSON", `<html>`},
		{"a field of the wrong type", `{"id":"a1","info":{"firstName":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseApplicant([]byte(tt.body)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
