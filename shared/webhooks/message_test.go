package webhooks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestEncodeWritesTypeTimestampDataInOrder(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	at := time.Date(2026, 3, 7, 10, 15, 4, 512_345_678, paris)
	m := Message{
		Type:      "webhook.endpoint_disabled",
		Timestamp: at,
		Data:      json.RawMessage("{\n  \"endpointId\": \"ep_01jm9s346q3d25vt4f5v37e3s3\",\n  \"note\": \"<&>\"\n}"),
	}
	want := `{"type":"webhook.endpoint_disabled","timestamp":"2026-03-07T09:15:04.512Z","data":{"endpointId":"ep_01jm9s346q3d25vt4f5v37e3s3","note":"<&>"}}`
	for range 3 {
		if got := Encode(m); string(got) != want {
			t.Fatalf("Encode = %s\nwant     %s", got, want)
		}
	}
	m.Timestamp = at.UTC()
	if got := Encode(m); string(got) != want {
		t.Fatalf("the same instant in UTC encodes differently: %s", got)
	}
}

func TestEncodeKeepsTheDataKeyOrder(t *testing.T) {
	m := Message{Type: "webhook.test", Timestamp: time.Unix(0, 0), Data: json.RawMessage(`{"b":1,"a":2}`)}
	if got := Encode(m); string(got) != `{"type":"webhook.test","timestamp":"1970-01-01T00:00:00.000Z","data":{"b":1,"a":2}}` {
		t.Fatalf("got %s", got)
	}
}

func TestEncodeOfEveryExampleIsValidJSONWithTheExampleAsData(t *testing.T) {
	for _, et := range Catalogue() {
		body := Encode(Message{Type: et.Name, Timestamp: time.Now(), Data: et.Example})
		var back struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &back); err != nil || back.Type != et.Name || string(back.Data) != string(et.Example) {
			t.Fatalf("%s: %s, %v", et.Name, body, err)
		}
	}
}

func TestEncodePanicsOnDataThatIsNotJSON(t *testing.T) {
	for _, data := range []string{`{"a":`, `{} {}`, `nope`} {
		func() {
			defer func() {
				r := recover()
				if msg, _ := r.(string); !strings.Contains(msg, "not valid JSON") {
					t.Fatalf("%q: recovered %v", data, r)
				}
			}()
			Encode(Message{Type: "webhook.test", Timestamp: time.Now(), Data: json.RawMessage(data)})
		}()
	}
}
