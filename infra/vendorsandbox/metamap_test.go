package vendorsandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// metamapToken gets a token from POST /oauth with the test's client credentials.
func (f *fixture) metamapToken(t *testing.T) string {
	t.Helper()
	var got oauthAnswer
	if status := send(t, oauthRequest(t, f.metamap.URL, testMMClientID, testMMClientSecret, "client_credentials"), &got); status != http.StatusOK {
		t.Fatalf("oauth: status %d", status)
	}
	return got.AccessToken
}

func oauthRequest(t *testing.T, base, user, pass, grant string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/oauth", strings.NewReader(url.Values{"grant_type": {grant}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return req
}

func metamapRequest(t *testing.T, method, u, token string, body any) *http.Request {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// createVerification starts a verification and returns the answer, or nil after
// reporting why not.
func (f *fixture) createVerification(t *testing.T, token string, metadata map[string]any) map[string]any {
	t.Helper()
	var got map[string]any
	req := metamapRequest(t, "POST", f.metamap.URL+"/v2/verifications", token, map[string]any{"flowId": "60b8fd58a87c30001b14dedd", "metadata": metadata})
	if status := send(t, req, &got); status != http.StatusOK {
		t.Errorf("create verification: status %d, %v", status, got)
		return nil
	}
	return got
}

func TestMetaMapOAuthIssuesTokensThatExpireAfterAnHour(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	for _, tt := range []struct {
		name       string
		user, pass string
		grant      string
		want       int
	}{
		{"no credentials", "", "", "client_credentials", 401},
		{"a wrong secret", testMMClientID, "wrong", "client_credentials", 401},
		{"a wrong client", "64b0c0ffee0000000000dead", testMMClientSecret, "client_credentials", 401},
		{"another grant", testMMClientID, testMMClientSecret, "password", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got metamapError
			if status := send(t, oauthRequest(t, f.metamap.URL, tt.user, tt.pass, tt.grant), &got); status != tt.want || got.Code != tt.want {
				t.Errorf("status %d, answer %+v; want %d", status, got, tt.want)
			}
		})
	}

	var answer oauthAnswer
	if status := send(t, oauthRequest(t, f.metamap.URL, testMMClientID, testMMClientSecret, "client_credentials"), &answer); status != http.StatusOK {
		t.Fatalf("oauth: status %d", status)
	}
	if answer.AccessToken == "" || answer.ExpiresIn != 3600 || answer.Payload.User.ID != testMMClientID {
		t.Errorf("oauth answer %+v", answer)
	}
	token := answer.AccessToken

	for name, tok := range map[string]string{"no token": "", "an unknown token": "not-a-token"} {
		if status := send(t, metamapRequest(t, "POST", f.metamap.URL+"/v2/verifications", tok, map[string]any{"flowId": "f"}), nil); status != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, status)
		}
	}
	v := f.createVerification(t, token, nil)
	if v == nil {
		t.FailNow()
	}

	f.clock.Advance(59 * time.Minute)
	if status := send(t, metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/"+v["id"].(string), token, nil), nil); status != http.StatusOK {
		t.Errorf("after 59 minutes: status %d, want 200", status)
	}
	f.clock.Advance(time.Minute)
	if status := send(t, metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/"+v["id"].(string), token, nil), nil); status != http.StatusUnauthorized {
		t.Errorf("after an hour: status %d, want 401", status)
	}
	fresh := f.metamapToken(t)
	if status := send(t, metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/"+v["id"].(string), fresh, nil), nil); status != http.StatusOK {
		t.Errorf("with a new token: status %d, want 200", status)
	}
}

func TestMetaMapCompleteDeliversSignedWebhooksAndGetShowsTheResult(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	token := f.metamapToken(t)
	metadata := map[string]any{"userId": "user-42", "tenant": "t-1"}
	created := f.createVerification(t, token, metadata)
	if created == nil {
		t.FailNow()
	}
	id, _ := created["id"].(string)
	if !is24Hex(id) || !is24Hex(created["identity"].(string)) {
		t.Fatalf("create answered id %v, identity %v: want 24-hex ids", created["id"], created["identity"])
	}
	if !reflect.DeepEqual(created["metadata"], metadata) || created["flow"].(map[string]any)["id"] != "60b8fd58a87c30001b14dedd" {
		t.Errorf("create answered %v", created)
	}

	get := func() map[string]any {
		var got map[string]any
		if status := send(t, metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/"+id, token, nil), &got); status != http.StatusOK {
			t.Fatalf("GET: status %d", status)
		}
		return got
	}
	if got := get(); got["identity"].(map[string]any)["status"] != "running" || len(got["documents"].([]any)) != 0 {
		t.Errorf("before completion GET %v, want identity.status running and no documents", got)
	}

	fields := map[string]any{
		"firstName": "Ana", "lastName": "Lopez", "dateOfBirth": "1980-01-01", "nationality": "MEX",
		"address": "Varsovia 36, 06600 CDMX", "country": "MX", "documentNumber": "111", "watchlistHit": true,
	}
	var completed map[string]any
	if status := send(t, metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+id+"/complete", "", map[string]any{"status": "rejected", "fields": fields}), &completed); status != http.StatusOK {
		t.Fatalf("complete: status %d, %v", status, completed)
	}

	hooks := f.mmHooks.wait(4)
	var events []string
	var last time.Time
	for i, w := range hooks {
		h := hook(t, w)
		events = append(events, h["eventName"].(string))
		if h["resource"] != f.metamap.URL+"/v2/verifications/"+id || h["flowId"] != "60b8fd58a87c30001b14dedd" || !reflect.DeepEqual(h["metadata"], metadata) {
			t.Errorf("webhook %d envelope %v", i, h)
		}
		at, err := time.Parse(time.RFC3339Nano, h["timestamp"].(string))
		if err != nil || !strings.HasSuffix(h["timestamp"].(string), "Z") || len(h["timestamp"].(string)) != len("2021-09-30T21:50:19.342Z") {
			t.Errorf("timestamp %v: want RFC 3339 with milliseconds in UTC (%v)", h["timestamp"], err)
		}
		if i > 0 && !at.After(last) {
			t.Errorf("timestamp %v is not after %v", at, last)
		}
		last = at
	}
	if strings.Join(events, ",") != "verification_started,step_completed,step_completed,verification_completed" {
		t.Fatalf("events %v", events)
	}
	reading, watch, done := hook(t, hooks[1]), hook(t, hooks[2]), hook(t, hooks[3])
	if step := reading["step"].(map[string]any); step["id"] != "document-reading" || step["data"].(map[string]any)["documentNumber"].(map[string]any)["value"] != "111" {
		t.Errorf("document-reading step %v", step)
	}
	if step := watch["step"].(map[string]any); step["id"] != "watchlists" || step["error"] == nil {
		t.Errorf("watchlists step %v, want an error for the hit", step)
	}
	if done["identityStatus"] != "rejected" || done["status"] != "rejected" {
		t.Errorf("verification_completed %v, want identityStatus and status rejected", done)
	}

	got := get()
	if !reflect.DeepEqual(got, completed) {
		t.Errorf("GET %v\nwant what complete answered %v", got, completed)
	}
	if got["identity"].(map[string]any)["status"] != "rejected" || got["hasProblem"] != true {
		t.Errorf("GET identity %v, hasProblem %v", got["identity"], got["hasProblem"])
	}
	doc := got["documents"].([]any)[0].(map[string]any)
	if doc["country"] != "MX" || doc["type"] != "national-id" {
		t.Errorf("document %v", doc)
	}
	docFields := doc["fields"].(map[string]any)
	for k, want := range map[string]string{"firstName": "Ana", "lastName": "Lopez", "fullName": "Ana Lopez", "dateOfBirth": "1980-01-01", "nationality": "MEX", "address": "Varsovia 36, 06600 CDMX"} {
		if f, _ := docFields[k].(map[string]any); f == nil || f["value"] != want {
			t.Errorf("fields.%s = %v, want value %q", k, docFields[k], want)
		}
	}
	if _, has := docFields["watchlistHit"]; has {
		t.Errorf("watchlistHit is a document field")
	}
	if docFields["dateOfBirth"].(map[string]any)["format"] != "date" {
		t.Errorf("dateOfBirth %v, want format date", docFields["dateOfBirth"])
	}

	// A second completion is a change in MetaMap's dashboard: verification_updated only.
	send(t, metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+id+"/complete", "", map[string]any{"status": "verified", "fields": map[string]any{"firstName": "Ana", "lastName": "Lopez", "watchlistHit": false}}), nil)
	updated := hook(t, f.mmHooks.wait(5)[4])
	if updated["eventName"] != "verification_updated" || updated["identityStatus"] != "verified" {
		t.Errorf("second completion delivered %v", updated)
	}
	if got := get(); got["identity"].(map[string]any)["status"] != "verified" || got["hasProblem"] != false {
		t.Errorf("after the update GET identity %v, hasProblem %v", got["identity"], got["hasProblem"])
	}
}

func TestMetaMapRefusesBadRequests(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	token := f.metamapToken(t)
	v := f.createVerification(t, token, nil)
	if v == nil {
		t.FailNow()
	}
	for _, tt := range []struct {
		name string
		req  *http.Request
		want int
	}{
		{"a verification without flowId", metamapRequest(t, "POST", f.metamap.URL+"/v2/verifications", token, map[string]any{"metadata": map[string]any{}}), 400},
		{"metadata that is an array", metamapRequest(t, "POST", f.metamap.URL+"/v2/verifications", token, map[string]any{"flowId": "f", "metadata": []any{1}}), 400},
		{"an unknown verification", metamapRequest(t, "GET", f.metamap.URL+"/v2/verifications/000000000000000000000000", token, nil), 404},
		{"completing an unknown verification", metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/000000000000000000000000/complete", "", map[string]any{"status": "verified"}), 404},
		{"an unknown status", metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+v["id"].(string)+"/complete", "", map[string]any{"status": "approved"}), 400},
		{"a watchlistHit that is not a boolean", metamapRequest(t, "POST", f.metamap.URL+"/_sandbox/metamap/verifications/"+v["id"].(string)+"/complete", "", map[string]any{"status": "verified", "fields": map[string]any{"watchlistHit": "yes"}}), 400},
		{"an unknown path", metamapRequest(t, "GET", f.metamap.URL+"/v3/anything", token, nil), 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got metamapError
			if status := send(t, tt.req, &got); status != tt.want || got.Code != tt.want || got.Message == "" {
				t.Errorf("status %d, answer %+v; want %d", status, got, tt.want)
			}
		})
	}
}
