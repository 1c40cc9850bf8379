package metamap

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The envelope of docs/vendors.md.
const exampleStarted = `{"resource":"https://api.getmati.com/v2/verifications/5d9fb1f5bfbfac001a349bfb","eventName":"verification_started","flowId":"5e9576d9ac2c70001ca9f092","timestamp":"2021-09-30T21:50:19.342Z"}`

func mustParse(t *testing.T, body string) Event {
	t.Helper()
	e, err := ParseWebhook([]byte(body))
	if err != nil {
		t.Fatalf("ParseWebhook(%s): %v", body, err)
	}
	return e
}

func TestParseWebhookReadsTheDocumentedEnvelope(t *testing.T) {
	got := mustParse(t, exampleStarted)
	want := Event{
		EventName: EventVerificationStarted,
		Resource:  "https://api.getmati.com/v2/verifications/5d9fb1f5bfbfac001a349bfb",
		FlowID:    "5e9576d9ac2c70001ca9f092",
		Timestamp: time.Date(2021, 9, 30, 21, 50, 19, 342e6, time.UTC),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	if id, err := got.VerificationID(); err != nil || id != "5d9fb1f5bfbfac001a349bfb" {
		t.Fatalf("VerificationID = %q, %v", id, err)
	}
}

func TestParseWebhookReadsAStepButNotItsData(t *testing.T) {
	got := mustParse(t, `{"eventName":"step_completed","resource":"https://api.getmati.com/v2/verifications/v1","flow":{"id":"f1"},
		"step":{"id":"document-reading","status":200,"error":{"type":"StepError","code":"documentReading.x","message":"m"},
			"data":{"fullName":{"value":"FIRST LAST"},"documentNumber":{"value":"A1234567"}}}}`)
	want := &Step{ID: StepDocumentReading, Status: 200, Error: &StepError{Type: "StepError", Code: "documentReading.x", Message: "m"}}
	if !reflect.DeepEqual(got.Step, want) || got.FlowID != "f1" {
		t.Fatalf("step %+v, flow %q", got.Step, got.FlowID)
	}
	if printed := fmt.Sprintf("%+v %+v", got, *got.Step); strings.Contains(printed, "A1234567") || strings.Contains(printed, "FIRST") {
		t.Fatalf("step data kept: %s", printed)
	}
}

func TestParseWebhookReadsStepErrorsOfEveryShape(t *testing.T) {
	tests := []struct {
		name  string
		error string
		want  *StepError
	}{
		{"null is no error", `null`, nil},
		{"false is no error", `false`, nil},
		{"an empty string is no error", `""`, nil},
		{"an object", `{"type":"StepError","code":"watchlists.x"}`, &StepError{Type: "StepError", Code: "watchlists.x"}},
		{"a string is the message", `"failed"`, &StepError{Message: "failed"}},
		{"an unknown shape is still an error", `[1]`, &StepError{Type: "unreadable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, `{"eventName":"step_completed","resource":"https://x.test/v2/verifications/v1","step":{"id":"watchlists","status":"200","error":`+tt.error+`}}`)
			if !reflect.DeepEqual(got.Step.Error, tt.want) || got.Step.Status != 0 {
				t.Fatalf("error %+v, status %d", got.Step.Error, got.Step.Status)
			}
		})
	}
}

func TestParseWebhookReadsMetadata(t *testing.T) {
	tests := []struct {
		name     string
		metadata string
		want     map[string]string
	}{
		{"an object of strings", `{"userId":"u1","tenant":"t1"}`, map[string]string{"userId": "u1", "tenant": "t1"}},
		{"other values as their JSON text, null as empty", `{"n":1,"b":true,"o":{"a": [1, 2]},"z":null}`, map[string]string{"n": "1", "b": "true", "o": `{"a":[1,2]}`, "z": ""}},
		{"a string holding an object", `"{\"userId\":\"u1\"}"`, map[string]string{"userId": "u1"}},
		{"a string that is not an object", `"u1"`, nil},
		{"null", `null`, nil},
		{"an array", `["u1"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, `{"eventName":"verification_started","resource":"https://x.test/v2/verifications/v1","metadata":`+tt.metadata+`}`)
			if !maps.Equal(got.Metadata, tt.want) {
				t.Fatalf("got %v, want %v", got.Metadata, tt.want)
			}
		})
	}
}

func TestParseWebhookAcceptsEventNamesItDoesNotKnow(t *testing.T) {
	if got := mustParse(t, `{"eventName":"verification_something_new","resource":"https://x.test/v2/verifications/v1"}`); got.EventName != "verification_something_new" {
		t.Fatalf("got %+v", got)
	}
}

func TestParseWebhookRefuses(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"a body that is not JSON", `eventName=x`, ErrInvalidPayload},
		{"an empty body", ``, ErrInvalidPayload},
		{"no eventName", `{"resource":"https://x.test/v2/verifications/v1"}`, ErrInvalidPayload},
		{"no resource", `{"eventName":"verification_started"}`, ErrInvalidPayload},
		{"a timestamp that is not RFC 3339", `{"eventName":"verification_started","resource":"https://x.test/v2/verifications/v1","timestamp":"30/09/2021"}`, ErrInvalidPayload},
		{"a resource that is not a string", `{"eventName":"verification_started","resource":{}}`, ErrInvalidPayload},
		{"a body over 256 KB", `{"eventName":"x","resource":"y","pad":"` + strings.Repeat("a", MaxWebhookBody) + `"}`, ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseWebhook([]byte(tt.body)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerificationID(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		want     string // "" when refused
	}{
		{"an id at the end of the documented URL", "https://api.getmati.com/v2/verifications/5d9fb1f5bfbfac001a349bfb", "5d9fb1f5bfbfac001a349bfb"},
		{"a trailing slash is ignored", "https://api.getmati.com/v2/verifications/abc_DEF-1/", "abc_DEF-1"},
		{"a query is ignored", "https://api.getmati.com/v2/verifications/abc?x=1", "abc"},
		{"an id of 64 characters", "https://api.getmati.com/v2/verifications/" + strings.Repeat("a", 64), strings.Repeat("a", 64)},
		{"an id of 65 characters is refused", "https://api.getmati.com/v2/verifications/" + strings.Repeat("a", 65), ""},
		{"another resource is refused", "https://api.getmati.com/v2/identities/abc", ""},
		{"an id with a dot is refused", "https://api.getmati.com/v2/verifications/a.b", ""},
		{"an encoded slash is refused", "https://api.getmati.com/v2/verifications/a%2Fb", ""},
		{"an encoded space is refused", "https://api.getmati.com/v2/verifications/a%20b", ""},
		{"no id is refused", "https://api.getmati.com/v2/verifications/", ""},
		{"a relative URL is refused", "/v2/verifications/abc", ""},
		{"another scheme is refused", "file:///v2/verifications/abc", ""},
		{"a string that is not a URL is refused", "::", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Event{Resource: tt.resource}.VerificationID()
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidID) {
					t.Fatalf("got %q, %v: want ErrInvalidID", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
