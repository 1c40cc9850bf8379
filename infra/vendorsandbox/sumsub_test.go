package vendorsandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPayloadDigestMatchesSumsubTestVector(t *testing.T) {
	// vendors.md: body "someText", secret "SoMe_SeCrEt_KeY".
	for alg, want := range map[string]string{
		DigestSHA1:   "f6e92ffe371718694d46e28436f76589312df8db",
		DigestSHA256: "7f3beedce7529616a9d6bba59dc1b054a7247cef67f6acff2600864399f47fe0",
	} {
		if got := payloadDigest(alg, "SoMe_SeCrEt_KeY", []byte("someText")); got != want {
			t.Errorf("%s: digest %s, want %s", alg, got, want)
		}
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("X-Payload-Digest-Alg", alg)
		h.Set("X-Payload-Digest", want)
		if err := verifySumsub("SoMe_SeCrEt_KeY")(h, []byte("someText")); err != nil {
			t.Errorf("%s: the test's own verifier refuses the test vector: %v", alg, err)
		}
	}
}

func TestSumsubRefusesRequestsThatAreNotSignedRight(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	const uri = "/resources/applicants?levelName=basic-kyc-level"
	body := map[string]any{"externalUserId": "u-sig", "type": "individual"}
	now := f.clock.Now()

	tests := []struct {
		name   string
		change func(r *http.Request)
		code   int // errorCode, 0 when none
	}{
		{"no app token", func(r *http.Request) { r.Header.Del("X-App-Token") }, 4000},
		{"another app token", func(r *http.Request) { r.Header.Set("X-App-Token", "sbx:other") }, 4002},
		{"no timestamp", func(r *http.Request) { r.Header.Del("X-App-Access-Ts") }, 0},
		{"a timestamp in milliseconds", func(r *http.Request) {
			resign(f, r, strconv.FormatInt(now.UnixMilli(), 10), uri, body)
		}, 0},
		{"a timestamp six minutes old", func(r *http.Request) {
			resign(f, r, strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), uri, body)
		}, 0},
		{"a timestamp six minutes ahead", func(r *http.Request) {
			resign(f, r, strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), uri, body)
		}, 0},
		{"no signature", func(r *http.Request) { r.Header.Del("X-App-Access-Sig") }, 4003},
		{"a signature in upper case", func(r *http.Request) {
			r.Header.Set("X-App-Access-Sig", strings.ToUpper(r.Header.Get("X-App-Access-Sig")))
		}, 4003},
		{"a signature made with another secret", func(r *http.Request) {
			c := *f.ssClient
			c.secret = "wrong"
			ts := r.Header.Get("X-App-Access-Ts")
			raw, _ := json.Marshal(body)
			r.Header.Set("X-App-Access-Sig", c.sign(ts, "POST", uri, raw))
		}, 4003},
		{"a signature over the path without its query", func(r *http.Request) {
			resign(f, r, r.Header.Get("X-App-Access-Ts"), "/resources/applicants", body)
		}, 4003},
		{"a signature over another body", func(r *http.Request) {
			resign(f, r, r.Header.Get("X-App-Access-Ts"), uri, map[string]any{"externalUserId": "someone-else"})
		}, 4003},
		{"a signature with the method in lower case", func(r *http.Request) {
			raw, _ := json.Marshal(body)
			ts := r.Header.Get("X-App-Access-Ts")
			r.Header.Set("X-App-Access-Sig", f.ssClient.sign(ts, "post", uri, raw))
		}, 4003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := f.ssClient.request("POST", uri, body)
			tt.change(req)
			var got sumsubError
			if status := send(t, req, &got); status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401 (%+v)", status, got)
			}
			if got.Code != 401 || got.Description == "" || !strings.HasPrefix(got.CorrelationID, "req-") || got.ErrorCode != tt.code {
				t.Errorf("answer %+v, want Sumsub's error shape with errorCode %d", got, tt.code)
			}
			if (got.ErrorCode == 0) != (got.ErrorName == "") {
				t.Errorf("errorCode %d with errorName %q", got.ErrorCode, got.ErrorName)
			}
		})
	}

	t.Run("a timestamp four minutes old is accepted", func(t *testing.T) {
		req := f.ssClient.request("POST", uri, body)
		resign(f, req, strconv.FormatInt(now.Add(-4*time.Minute).Unix(), 10), uri, body)
		if status := send(t, req, nil); status != http.StatusCreated {
			t.Fatalf("status %d, want 201", status)
		}
	})
	if n := len(f.ssHooks.allAttempts()); n > 1 {
		t.Errorf("refused requests made webhooks: %d attempts", n)
	}
}

// resign gives r a signature for ts over uri and body.
func resign(f *fixture, r *http.Request, ts, uri string, body any) {
	raw, _ := json.Marshal(body)
	r.Header.Set("X-App-Access-Ts", ts)
	r.Header.Set("X-App-Access-Sig", f.ssClient.sign(ts, r.Method, uri, raw))
}

func TestSumsubMountedUnderAPrefixAcceptsEitherSignedPath(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	srv := httptest.NewServer(http.StripPrefix("/sumsub", f.sandbox.SumsubHandler()))
	t.Cleanup(srv.Close)
	for _, signed := range []string{"", "/sumsub"} {
		c := *f.ssClient
		c.base = srv.URL + "/sumsub"
		c.prefix = signed
		// The request goes to /sumsub/...; only the signed path differs.
		req := c.request("GET", "/resources/applicants/000000000000000000000000/one", nil)
		req.URL.Path = "/sumsub/resources/applicants/000000000000000000000000/one"
		if status := send(t, req, nil); status != http.StatusNotFound {
			t.Errorf("signed path %q: status %d, want 404 (signed, but no such applicant)", signed+"/resources/...", status)
		}
	}
}

func TestSumsubCreatesAndReadsAnApplicant(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	body := map[string]any{
		"externalUserId": "user-28",
		"type":           "individual",
		"email":          "test@example.com",
		"fixedInfo":      map[string]any{"firstName": "John", "lastName": "Mock-Doe", "dob": "2006-02-23", "country": "VNM"},
	}
	var created map[string]any
	if status := f.ssClient.do("POST", "/resources/applicants?levelName=id-and-liveness", body, &created); status != http.StatusCreated {
		t.Fatalf("status %d: %v", status, created)
	}
	id, _ := created["id"].(string)
	if !is24Hex(id) || !is24Hex(created["inspectionId"].(string)) {
		t.Errorf("id %v, inspectionId %v: want 24 lowercase hex", created["id"], created["inspectionId"])
	}
	if _, err := time.Parse("2006-01-02 15:04:05", created["createdAt"].(string)); err != nil {
		t.Errorf("createdAt %v: %v", created["createdAt"], err)
	}
	for k, want := range map[string]any{"externalUserId": "user-28", "levelName": "id-and-liveness", "type": "individual", "clientId": "chainguard-local", "email": "test@example.com"} {
		if created[k] != want {
			t.Errorf("%s = %v, want %v", k, created[k], want)
		}
	}
	if key, _ := created["key"].(string); len(key) != 14 || strings.ToUpper(key) != key {
		t.Errorf("key %v, want 14 upper-case letters", created["key"])
	}
	rev := created["review"].(map[string]any)
	if rev["reviewStatus"] != "init" || rev["createDate"] == "" {
		t.Errorf("review %v, want reviewStatus init and a createDate", rev)
	}
	if fi := created["fixedInfo"].(map[string]any); fi["firstName"] != "John" || fi["country"] != "VNM" {
		t.Errorf("fixedInfo %v", fi)
	}

	for _, path := range []string{"/resources/applicants/" + id + "/one", "/resources/applicants/-;externalUserId=user-28/one"} {
		var got map[string]any
		if status := f.ssClient.do("GET", path, nil, &got); status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, status)
		}
		if !reflect.DeepEqual(got, created) {
			t.Errorf("GET %s = %v\nwant the creation's answer %v", path, got, created)
		}
	}
	var missing sumsubError
	if status := f.ssClient.do("GET", "/resources/applicants/-;externalUserId=nobody/one", nil, &missing); status != http.StatusNotFound || missing.Code != 404 {
		t.Errorf("unknown externalUserId: status %d, %+v", status, missing)
	}

	w := hook(t, f.ssHooks.wait(1)[0])
	want := map[string]any{
		"applicantId": id, "inspectionId": created["inspectionId"], "externalUserId": "user-28",
		"levelName": "id-and-liveness", "type": "applicantCreated", "applicantType": "individual",
		"reviewStatus": "init", "sandboxMode": true, "clientId": "chainguard-local",
	}
	for k, v := range want {
		if w[k] != v {
			t.Errorf("webhook %s = %v, want %v", k, w[k], v)
		}
	}
	if !strings.HasPrefix(w["correlationId"].(string), "req-") {
		t.Errorf("correlationId %v", w["correlationId"])
	}
	if _, has := w["applicantMemberOf"]; has {
		t.Errorf("an applicant of no company has applicantMemberOf: %v", w)
	}
	for _, personal := range []string{"John", "Mock-Doe", "2006-02-23", "test@example.com"} {
		if strings.Contains(string(f.ssHooks.allAccepted()[0].body), personal) {
			t.Errorf("the webhook carries personal data %q", personal)
		}
	}
}

func TestSumsubRefusesASecondApplicantWithTheSameExternalUserID(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	id := f.createApplicant(t, "user-dup", "individual", nil)
	var got sumsubError
	status := f.ssClient.do("POST", "/resources/applicants?levelName=other-level", map[string]any{"externalUserId": "user-dup", "type": "individual"}, &got)
	if status != http.StatusConflict || got.Code != 409 {
		t.Fatalf("status %d, answer %+v; want 409", status, got)
	}
	if want := "Applicant with external user id 'user-dup' already exists: " + id; got.Description != want {
		t.Errorf("description %q, want %q", got.Description, want)
	}
}

func TestSumsubRefusesMalformedApplicants(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, tt := range []struct {
		name string
		uri  string
		body map[string]any
	}{
		{"no level", "/resources/applicants", map[string]any{"externalUserId": "a"}},
		{"no externalUserId", "/resources/applicants?levelName=l", map[string]any{"type": "individual"}},
		{"an unknown type", "/resources/applicants?levelName=l", map[string]any{"externalUserId": "a", "type": "robot"}},
		{"an alpha-2 country", "/resources/applicants?levelName=l", map[string]any{"externalUserId": "a", "fixedInfo": map[string]any{"country": "DE"}}},
		{"a dob not YYYY-MM-DD", "/resources/applicants?levelName=l", map[string]any{"externalUserId": "a", "fixedInfo": map[string]any{"dob": "23/02/2006"}}},
		{"companyInfo on an individual", "/resources/applicants?levelName=l", map[string]any{"externalUserId": "a", "fixedInfo": map[string]any{"companyInfo": map[string]any{"companyName": "X"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got sumsubError
			if status := f.ssClient.do("POST", tt.uri, tt.body, &got); status != http.StatusBadRequest || got.Description == "" {
				t.Errorf("status %d, answer %+v; want 400 with a description", status, got)
			}
		})
	}
}

func TestSumsubFixedInfoPatchMergesFields(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	id := f.createApplicant(t, "user-merge", "individual", map[string]any{"firstName": "Jane", "lastName": "Roe", "country": "DEU"})
	uri := "/resources/applicants/" + id + "/fixedInfo"

	var fixed map[string]any
	if status := f.ssClient.do("PATCH", uri, map[string]any{
		"middleName": "Q", "dob": "1990-01-15", "nationality": "DEU",
		"addresses": []any{map[string]any{"country": "DEU", "town": "Berlin", "street": "Unter den Linden 1", "postCode": "10117"}},
	}, &fixed); status != http.StatusOK {
		t.Fatalf("first PATCH: status %d, %v", status, fixed)
	}
	fixed = nil // Unmarshal into a map keeps the keys it already has
	if status := f.ssClient.do("PATCH", uri, map[string]any{
		"lastName":   "Doe",
		"middleName": nil,
		"addresses":  []any{map[string]any{"country": "FRA", "town": "Paris", "postCode": "75001"}},
	}, &fixed); status != http.StatusOK {
		t.Fatalf("second PATCH: status %d, %v", status, fixed)
	}
	want := map[string]any{
		"firstName": "Jane", "lastName": "Doe", "country": "DEU", "dob": "1990-01-15", "nationality": "DEU",
		"addresses": []any{map[string]any{"country": "FRA", "town": "Paris", "postCode": "75001"}},
	}
	if !reflect.DeepEqual(fixed, want) {
		t.Errorf("PATCH answered fixedInfo %v\nwant %v", fixed, want)
	}
	var got map[string]any
	f.ssClient.do("GET", "/resources/applicants/"+id+"/one", nil, &got)
	if !reflect.DeepEqual(got["fixedInfo"], want) {
		t.Errorf("GET fixedInfo %v\nwant %v", got["fixedInfo"], want)
	}
	if !reflect.DeepEqual(got["info"], want) {
		t.Errorf("GET info %v\nwant it to mirror fixedInfo %v", got["info"], want)
	}

	var refused sumsubError
	if status := f.ssClient.do("PATCH", uri, map[string]any{"addresses": []any{map[string]any{"country": "FR"}}}, &refused); status != http.StatusBadRequest {
		t.Errorf("alpha-2 address country: status %d, want 400", status)
	}
	if status := f.ssClient.do("PATCH", "/resources/applicants/000000000000000000000000/fixedInfo", map[string]any{"firstName": "X"}, &refused); status != http.StatusNotFound {
		t.Errorf("unknown applicant: status %d, want 404", status)
	}
}

func TestSumsubTestCompletedDeliversPendingThenReviewedUnderEachDigest(t *testing.T) {
	for _, alg := range []string{DigestSHA1, DigestSHA256, DigestSHA512} {
		t.Run(alg, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{digestAlg: alg})
			// The clock stands still: the sandbox must still hand out increasing createdAtMs.
			id := f.createApplicant(t, "user-"+alg, "individual", nil)
			result := map[string]any{
				"reviewAnswer": "RED", "rejectLabels": []string{"SANCTIONS", "PEP"}, "reviewRejectType": "FINAL",
				"moderationComment": "shown to the user", "clientComment": "for us only",
			}
			var ok map[string]any
			if status := f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", result, &ok); status != http.StatusOK || ok["ok"] != 1.0 {
				t.Fatalf("testCompleted: status %d, answer %v", status, ok)
			}
			got := f.ssHooks.wait(3)
			hooks := hooksOf(t, got, id)
			if types(hooks) != "applicantCreated,applicantPending,applicantReviewed" {
				t.Fatalf("webhooks %s, want applicantCreated,applicantPending,applicantReviewed", types(hooks))
			}
			for _, w := range got {
				if w.header.Get("X-Payload-Digest-Alg") != alg {
					t.Errorf("X-Payload-Digest-Alg %q, want %q", w.header.Get("X-Payload-Digest-Alg"), alg)
				}
			}
			var last time.Time
			for i, h := range hooks {
				at, err := time.Parse("2006-01-02 15:04:05.000", h["createdAtMs"].(string))
				if err != nil {
					t.Fatalf("createdAtMs %v: %v", h["createdAtMs"], err)
				}
				if i > 0 && at.Sub(last) < time.Millisecond {
					t.Errorf("createdAtMs %v is not at least 1 ms after %v", at, last)
				}
				last = at
			}
			pending, reviewed := hooks[1], hooks[2]
			if pending["reviewStatus"] != "pending" || pending["reviewResult"] != nil {
				t.Errorf("applicantPending %v", pending)
			}
			if pending["correlationId"] != reviewed["correlationId"] {
				t.Errorf("the two webhooks of one call have correlationIds %v and %v", pending["correlationId"], reviewed["correlationId"])
			}
			wantResult := map[string]any{
				"reviewAnswer": "RED", "rejectLabels": []any{"SANCTIONS", "PEP"}, "reviewRejectType": "FINAL",
				"moderationComment": "shown to the user", "clientComment": "for us only",
			}
			if reviewed["reviewStatus"] != "completed" || !reflect.DeepEqual(reviewed["reviewResult"], wantResult) {
				t.Errorf("applicantReviewed %v\nwant reviewStatus completed and reviewResult %v", reviewed, wantResult)
			}
			var app map[string]any
			f.ssClient.do("GET", "/resources/applicants/"+id+"/one", nil, &app)
			rev := app["review"].(map[string]any)
			if rev["reviewStatus"] != "completed" || !reflect.DeepEqual(rev["reviewResult"], wantResult) {
				t.Errorf("GET review %v", rev)
			}
		})
	}
}

func TestSumsubTestCompletedGreenCarriesOnlyTheAnswer(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	id := f.createApplicant(t, "user-green", "individual", nil)
	f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN", "rejectLabels": []string{"FORGERY"}}, nil)
	reviewed := hook(t, f.ssHooks.wait(3)[2])
	if !reflect.DeepEqual(reviewed["reviewResult"], map[string]any{"reviewAnswer": "GREEN"}) {
		t.Errorf("reviewResult %v, want only reviewAnswer GREEN", reviewed["reviewResult"])
	}
	for _, bad := range []map[string]any{
		{"reviewAnswer": "YELLOW"},
		{"reviewResult": map[string]any{"reviewAnswer": "GREEN"}},
		{"reviewAnswer": "RED", "rejectLabels": []string{"FORGERY"}},
		{"reviewAnswer": "RED", "reviewRejectType": "MAYBE"},
	} {
		var got sumsubError
		if status := f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", bad, &got); status != http.StatusBadRequest {
			t.Errorf("%v: status %d, want 400", bad, status)
		}
	}
}

func TestSumsubRecheckAMLDeliversPendingThenTheLastReview(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	id := f.createApplicant(t, "user-recheck", "individual", nil)
	var refused sumsubError
	if status := f.ssClient.do("POST", "/resources/applicants/"+id+"/recheck/aml", nil, &refused); status != http.StatusConflict {
		t.Errorf("recheck before any review: status %d, want 409", status)
	}
	f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
	var ok map[string]any
	if status := f.ssClient.do("POST", "/resources/applicants/"+id+"/recheck/aml", nil, &ok); status != http.StatusOK || ok["ok"] != 1.0 {
		t.Fatalf("recheck: status %d, %v", status, ok)
	}
	hooks := hooksOf(t, f.ssHooks.wait(5), id)
	if types(hooks) != "applicantCreated,applicantPending,applicantReviewed,applicantPending,applicantReviewed" {
		t.Fatalf("webhooks %s", types(hooks))
	}
	if hooks[4]["reviewStatus"] != "completed" || !reflect.DeepEqual(hooks[4]["reviewResult"], map[string]any{"reviewAnswer": "GREEN"}) {
		t.Errorf("re-delivered review %v", hooks[4])
	}
	if hooks[4]["createdAtMs"] == hooks[2]["createdAtMs"] {
		t.Errorf("the re-delivered review has the first one's createdAtMs %v", hooks[2]["createdAtMs"])
	}
}

func TestSumsubWebhookIsRetriedUntilTheReceiverAccepts(t *testing.T) {
	f := newFixture(t, fixtureOptions{failFirst: 2})
	id := f.createApplicant(t, "user-retry", "individual", nil)
	f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
	hooks := hooksOf(t, f.ssHooks.wait(3), id)
	if types(hooks) != "applicantCreated,applicantPending,applicantReviewed" {
		t.Fatalf("accepted %s: a retried webhook must not be overtaken by later ones", types(hooks))
	}
	attempts := f.ssHooks.allAttempts()
	if len(attempts) != 5 {
		t.Fatalf("%d attempts, want 5 (the first webhook three times, then one each)", len(attempts))
	}
	for i := 1; i < 3; i++ {
		if string(attempts[i].body) != string(attempts[0].body) || attempts[i].header.Get("X-Payload-Digest") != attempts[0].header.Get("X-Payload-Digest") {
			t.Errorf("attempt %d is not the same delivery as the first", i+1)
		}
	}
	if !slices.ContainsFunc(f.logs.all(), func(l string) bool { return strings.Contains(l, "attempt 3/4, HTTP 200") }) {
		t.Errorf("no log line for the third attempt's success: %q", f.logs.all())
	}
}

func TestSumsubWebhookGivesUpAfterTheLastRetry(t *testing.T) {
	f := newFixture(t, fixtureOptions{failFirst: 1000})
	f.createApplicant(t, "user-giveup", "individual", nil)
	gaveUp := func(l string) bool { return strings.Contains(l, "given up after 4 attempts") }
	for deadline := time.Now().Add(5 * time.Second); !slices.ContainsFunc(f.logs.all(), gaveUp); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line for giving up: %q", f.logs.all())
		}
	}
	if n := len(f.ssHooks.allAttempts()); n != 4 {
		t.Errorf("%d attempts, want 4 (one and three retries)", n)
	}
}

func TestSumsubCompanyMembersCarryApplicantMemberOf(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	company := f.createApplicant(t, "company-1", "company", map[string]any{"companyInfo": map[string]any{"companyName": "Acme", "country": "GBR"}})
	ubo := f.createApplicant(t, "person-ubo", "individual", nil)
	director := f.createApplicant(t, "person-director", "individual", nil)
	v1 := f.createApplicant(t, "person-v1", "individual", nil)
	loner := f.createApplicant(t, "person-loner", "individual", nil)

	var fixed map[string]any
	if status := f.ssClient.do("PATCH", "/resources/applicants/"+company+"/fixedInfo", map[string]any{
		"companyInfo": map[string]any{
			"registrationNumber": "7836733",
			"beneficiaries":      []any{map[string]any{"applicantId": ubo, "types": []string{"ubo", "shareholder"}}},
		},
	}, &fixed); status != http.StatusOK {
		t.Fatalf("PATCH companyInfo: status %d, %v", status, fixed)
	}
	ci := fixed["companyInfo"].(map[string]any)
	if ci["companyName"] != "Acme" || ci["registrationNumber"] != "7836733" {
		t.Errorf("companyInfo %v: the PATCH must keep companyName and add registrationNumber", ci)
	}
	if bens := ci["beneficiaries"].([]any); len(bens) != 1 || !is24Hex(bens[0].(map[string]any)["id"].(string)) {
		t.Errorf("beneficiaries %v, want one with a generated id", ci["beneficiaries"])
	}

	var linked map[string]any
	if status := f.ssClient.do("POST", "/resources/applicants/"+company+"/fixedInfo/companyInfo/beneficiaries",
		map[string]any{"applicantId": director, "types": []string{"director"}, "shareSize": 42.52}, &linked); status != http.StatusOK {
		t.Fatalf("link director: status %d, %v", status, linked)
	}
	if linked["applicantId"] != director || linked["shareSize"] != 42.52 || !is24Hex(linked["id"].(string)) {
		t.Errorf("link answered %v", linked)
	}
	if status := f.ssClient.do("POST", "/resources/applicants/"+company+"/info/companyInfo/beneficiaries",
		map[string]any{"applicant": map[string]any{"id": v1}, "positions": []string{"director"}, "type": "ubo"}, nil); status != http.StatusOK {
		t.Fatalf("KYB 1.0 add: status %d", status)
	}

	for _, id := range []string{ubo, director, v1, loner, company} {
		f.ssClient.do("POST", "/resources/applicants/"+id+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
	}
	all := f.ssHooks.wait(5 + 5*2)
	member := []any{map[string]any{"applicantId": company}}
	for _, id := range []string{ubo, director, v1} {
		hooks := hooksOf(t, all, id)
		for _, h := range hooks[1:] { // applicantCreated came before the link
			if !reflect.DeepEqual(h["applicantMemberOf"], member) {
				t.Errorf("%s of member %s: applicantMemberOf %v, want %v", h["type"], id, h["applicantMemberOf"], member)
			}
		}
	}
	for _, id := range []string{loner, company} {
		for _, h := range hooksOf(t, all, id) {
			if _, has := h["applicantMemberOf"]; has {
				t.Errorf("%s of non-member %s has applicantMemberOf %v", h["type"], id, h["applicantMemberOf"])
			}
		}
	}
	if hooks := hooksOf(t, all, company); hooks[len(hooks)-1]["applicantType"] != "company" {
		t.Errorf("company webhook applicantType %v", hooks[len(hooks)-1]["applicantType"])
	}

	// Unlinking the director ends its membership.
	if status := f.ssClient.do("DELETE", "/resources/applicants/"+company+"/fixedInfo/companyInfo/beneficiaries/"+linked["id"].(string), nil, nil); status != http.StatusOK {
		t.Fatalf("unlink: status %d", status)
	}
	f.ssClient.do("POST", "/resources/applicants/"+director+"/status/testCompleted", map[string]any{"reviewAnswer": "GREEN"}, nil)
	hooks := hooksOf(t, f.ssHooks.wait(17), director)
	if _, has := hooks[len(hooks)-1]["applicantMemberOf"]; has {
		t.Errorf("after the unlink the director's webhook still has applicantMemberOf")
	}

	for name, tt := range map[string]struct {
		uri  string
		body map[string]any
		want int
	}{
		"an unknown beneficiary":             {"/resources/applicants/" + company + "/fixedInfo/companyInfo/beneficiaries", map[string]any{"applicantId": "000000000000000000000000", "types": []string{"ubo"}}, 400},
		"a beneficiary without types":        {"/resources/applicants/" + company + "/fixedInfo/companyInfo/beneficiaries", map[string]any{"applicantId": ubo}, 400},
		"the company as its own beneficiary": {"/resources/applicants/" + company + "/fixedInfo/companyInfo/beneficiaries", map[string]any{"applicantId": company, "types": []string{"ubo"}}, 400},
		"a beneficiary of an individual":     {"/resources/applicants/" + loner + "/fixedInfo/companyInfo/beneficiaries", map[string]any{"applicantId": ubo, "types": []string{"ubo"}}, 400},
		"an unknown beneficiary in a PATCH":  {"/resources/applicants/" + company + "/fixedInfo", map[string]any{"companyInfo": map[string]any{"beneficiaries": []any{map[string]any{"applicantId": "000000000000000000000000", "types": []string{"ubo"}}}}}, 400},
	} {
		method := "POST"
		if strings.HasSuffix(tt.uri, "/fixedInfo") {
			method = "PATCH"
		}
		if status := f.ssClient.do(method, tt.uri, tt.body, nil); status != tt.want {
			t.Errorf("%s: status %d, want %d", name, status, tt.want)
		}
	}
}

func TestSumsubAccessTokens(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	var tok accessToken
	if status := f.ssClient.do("POST", "/resources/accessTokens/sdk", map[string]any{"userId": "user-7", "levelName": "basic-kyc-level", "ttlInSecs": 600}, &tok); status != http.StatusOK {
		t.Fatalf("sdk token: status %d", status)
	}
	if !strings.HasPrefix(tok.Token, "_act-sbx-") || tok.UserID != "user-7" {
		t.Errorf("sdk token %+v", tok)
	}
	var legacy accessToken
	if status := f.ssClient.do("POST", "/resources/accessTokens?userId=user-8&levelName=basic-kyc-level&ttlInSecs=1200", nil, &legacy); status != http.StatusOK {
		t.Fatalf("legacy token: status %d", status)
	}
	if !strings.HasPrefix(legacy.Token, "_act-sbx-") || legacy.UserID != "user-8" || legacy.Token == tok.Token {
		t.Errorf("legacy token %+v", legacy)
	}
	for _, bad := range []struct {
		uri  string
		body any
	}{
		{"/resources/accessTokens/sdk", map[string]any{"levelName": "l"}},
		{"/resources/accessTokens/sdk", map[string]any{"userId": "u"}},
		{"/resources/accessTokens/sdk", map[string]any{"userId": "u", "levelName": "l", "ttlInSecs": -5}},
		{"/resources/accessTokens?levelName=l", nil},
	} {
		if status := f.ssClient.do("POST", bad.uri, bad.body, nil); status != http.StatusBadRequest {
			t.Errorf("%s %v: status %d, want 400", bad.uri, bad.body, status)
		}
	}
	if n := len(f.ssHooks.allAttempts()); n != 0 {
		t.Errorf("minting tokens made %d webhooks, want none", n)
	}
}

func TestSumsubUnknownPathsAnswer404JSON(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, c := range []struct{ method, uri string }{
		{"GET", "/resources/nothing"},
		{"GET", "/resources/applicants/x/status"},
		{"DELETE", "/resources/applicants"},
	} {
		var got sumsubError
		if status := f.ssClient.do(c.method, c.uri, nil, &got); status != http.StatusNotFound || got.Code != 404 || got.Description == "" {
			t.Errorf("%s %s: status %d, %+v", c.method, c.uri, status, got)
		}
	}
}
