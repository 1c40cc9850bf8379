package metamap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// MaxWebhookBody bounds the body ParseWebhook reads.
const MaxWebhookBody = 256 << 10

// Event names MetaMap documents. Others parse without error.
const (
	EventVerificationStarted         = "verification_started"
	EventVerificationInputsCompleted = "verification_inputs_completed"
	EventVerificationUpdated         = "verification_updated"
	EventVerificationPostponed       = "verification_postponed"
	EventVerificationCompleted       = "verification_completed"
	EventVerificationExpired         = "verification_expired"
	EventStepCompleted               = "step_completed"
)

// Step ids seen in step_completed events and in verifications.
const (
	StepDocumentReading     = "document-reading"
	StepWatchlists          = "watchlists"
	StepLiveness            = "liveness"
	StepFacematch           = "facematch"
	StepAlterationDetection = "alteration-detection"
)

// Errors of ParseWebhook and VerificationID; compare with errors.Is.
var (
	ErrPayloadTooLarge = errors.New("metamap: webhook body larger than 256 KB")
	ErrInvalidPayload  = errors.New("metamap: invalid webhook payload")
	ErrInvalidID       = errors.New("metamap: not a verification id")
)

// Event is one webhook delivery: the envelope, without the body and without step data.
type Event struct {
	EventName string
	Resource  string    // the verification's URL: never fetched as given, see VerificationID
	FlowID    string    // flowId, or flow.id
	Timestamp time.Time // UTC; zero when absent
	Step      *Step     // on step_completed
	Metadata  map[string]string
}

// Step is a step's outcome. Its data is not kept: it can hold document fields.
type Step struct {
	ID     string
	Status int // 200 when done; 0 when absent or not a number
	Error  *StepError
}

// StepError is a step's error.
type StepError struct {
	Type    string
	Code    string
	Message string
}

type wireEvent struct {
	EventName string          `json:"eventName"`
	Resource  string          `json:"resource"`
	FlowID    string          `json:"flowId"`
	Flow      *wireFlow       `json:"flow"`
	Timestamp string          `json:"timestamp"`
	Step      *wireStep       `json:"step"`
	Metadata  json.RawMessage `json:"metadata"`
}

type wireFlow struct {
	ID string `json:"id"`
}

// wireStep is a step as MetaMap sends it; Data is read only where this package needs it
// (the watchlists step, and document-reading when a document has no fields).
type wireStep struct {
	ID     string          `json:"id"`
	Status json.RawMessage `json:"status"`
	Error  json.RawMessage `json:"error"`
	Data   json.RawMessage `json:"data"`
}

// ParseWebhook reads a webhook body that VerifyWebhook accepted. eventName and resource
// are required; any event name is accepted. timestamp is RFC 3339 (with milliseconds).
// metadata may be an object or a JSON string holding one; non-string values are kept as
// their JSON text, null as "".
func ParseWebhook(body []byte) (Event, error) {
	if len(body) > MaxWebhookBody {
		return Event{}, ErrPayloadTooLarge
	}
	var w wireEvent
	if err := json.Unmarshal(body, &w); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrInvalidPayload, err)
	}
	if w.EventName == "" {
		return Event{}, fmt.Errorf("%w: no eventName", ErrInvalidPayload)
	}
	if w.Resource == "" {
		return Event{}, fmt.Errorf("%w: no resource", ErrInvalidPayload)
	}
	e := Event{EventName: w.EventName, Resource: w.Resource, FlowID: w.FlowID, Metadata: parseMetadata(w.Metadata)}
	if e.FlowID == "" && w.Flow != nil {
		e.FlowID = w.Flow.ID
	}
	if w.Timestamp != "" {
		t, err := time.Parse(time.RFC3339Nano, w.Timestamp)
		if err != nil {
			return Event{}, fmt.Errorf("%w: timestamp %.40q is not RFC 3339", ErrInvalidPayload, w.Timestamp)
		}
		e.Timestamp = t.UTC()
	}
	if w.Step != nil {
		e.Step = &Step{ID: w.Step.ID, Status: parseStatus(w.Step.Status), Error: parseStepError(w.Step.Error)}
	}
	return e, nil
}

// VerificationID returns the id at the end of Resource, which must be an http(s) URL whose
// path ends in /verifications/{id}, the id being 1 to 64 of A-Z a-z 0-9 _ -.
func (e Event) VerificationID() (string, error) {
	u, err := url.Parse(e.Resource)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%w: resource is not an http(s) URL", ErrInvalidID)
	}
	parent, id, ok := cutLast(strings.TrimSuffix(u.Path, "/"))
	if !ok || !strings.HasSuffix(parent, "/verifications") {
		return "", fmt.Errorf("%w: resource is not a verification", ErrInvalidID)
	}
	if !ValidID(id) {
		return "", fmt.Errorf("%w: %.70q", ErrInvalidID, id)
	}
	return id, nil
}

func cutLast(p string) (before, last string, ok bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", "", false
	}
	return p[:i], p[i+1:], true
}

// ValidID tells whether s is a plain MetaMap id: 1 to 64 of A-Z a-z 0-9 _ -.
func ValidID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// isNoError tells the ways a step says it has no error: absent, null, false or "".
func isNoError(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return isNull(raw) || bytes.Equal(raw, []byte("false")) || bytes.Equal(raw, []byte(`""`))
}

// parseStatus reads a step status, a number in practice; anything else is 0.
func parseStatus(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	return 0
}

// parseStepError reads a step error: an object {type, code, message}, or a bare string
// taken as the message. Absent, null, false or "" is no error.
func parseStepError(raw json.RawMessage) *StepError {
	if isNoError(raw) {
		return nil
	}
	var obj struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return &StepError{Type: obj.Type, Code: obj.Code, Message: obj.Message}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return &StepError{Message: s}
	}
	return &StepError{Type: "unreadable"} // an error of an unknown shape is still an error
}

// parseMetadata reads metadata: an object, or a string holding a JSON object. String
// values are kept as they are, null as "", others as their compact JSON text. Anything
// else is nil.
func parseMetadata(raw json.RawMessage) map[string]string {
	if isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil
	}
	out := make(map[string]string, len(obj))
	for k, v := range obj {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, v) == nil {
			out[k] = buf.String()
		}
	}
	return out
}
