package logging

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestSensitiveAttributesAreRedacted(t *testing.T) {
	var buf bytes.Buffer
	log := NewTo(&buf, "INFO", "test")
	log.Info("request done",
		"authorization", "Bearer cg_secret",
		"apiKey", "cg_123",
		"firstName", "Ada",
		"user", map[string]string{"x": "y"},
		"status", 200,
		"tenantId", "t-1",
	)
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"authorization", "apiKey", "firstName"} {
		if got[k] != Redacted {
			t.Errorf("%s = %v, want redacted", k, got[k])
		}
	}
	if got["status"] != float64(200) || got["tenantId"] != "t-1" || got["msg"] != "request done" {
		t.Errorf("non-sensitive attributes changed: %v", got)
	}
	if bytes.Contains(buf.Bytes(), []byte("cg_secret")) || bytes.Contains(buf.Bytes(), []byte("Ada")) {
		t.Errorf("secret or personal data reached the log: %s", buf.String())
	}
}

func TestLevelFiltersDebug(t *testing.T) {
	var buf bytes.Buffer
	NewTo(&buf, "WARN", "test").Info("hidden")
	if buf.Len() != 0 {
		t.Fatalf("INFO line written at WARN level: %s", buf.String())
	}
}
