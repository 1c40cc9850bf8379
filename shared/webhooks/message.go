package webhooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// TimeLayout is how the message timestamp is written: RFC 3339 in UTC with fixed
// milliseconds, as shared/store writes instants.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// Message is the body of a webhook, in the shape the specification recommends. Encode
// is how it is written; the tags are for readers of a received body.
type Message struct {
	Type      string          `json:"type"`      // an event type of the catalogue
	Timestamp time.Time       `json:"timestamp"` // when the event happened, not when it is delivered
	Data      json.RawMessage `json:"data"`      // the event's data, checked with ValidateData
}

// wireMessage fixes the field order and the timestamp format.
type wireMessage struct {
	Type      string          `json:"type"`
	Timestamp string          `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Encode returns the message as compact JSON with keys in a fixed order (type,
// timestamp, data), the timestamp in UTC with milliseconds, and the data compacted but
// otherwise as given (key order kept, no HTML escaping): the same message always encodes
// to the same bytes, which are what is signed and sent.
//
// Check the data with ValidateData first. Encode panics if the data is not valid JSON,
// which ValidateData refuses: reaching it is a bug in the caller, and a message that
// cannot be encoded must not be sent in some other shape.
func Encode(m Message) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	w := wireMessage{Type: m.Type, Timestamp: m.Timestamp.UTC().Format(TimeLayout), Data: m.Data}
	if err := enc.Encode(w); err != nil {
		panic(fmt.Sprintf("webhooks: Encode: the data of a %q message is not valid JSON (ValidateData refuses it): %v", m.Type, err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
