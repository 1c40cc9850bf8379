package webhooks

import (
	"testing"
	"time"
)

func BenchmarkSignTwoSecrets(b *testing.B) {
	secrets := []string{mustSecret(b), mustSecret(b)}
	body := make([]byte, 2048)
	ts := time.Now()
	for b.Loop() {
		if _, err := Sign(secrets, vectorMsgID, ts, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateData(b *testing.B) {
	et, _ := Lookup("webhook.endpoint_disabled")
	for b.Loop() {
		if err := ValidateData(et.Name, et.Example); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkURLPolicyCheck(b *testing.B) {
	for b.Loop() {
		if _, err := (URLPolicy{}).Check("https://hooks.example.com:8443/chainguard?tenant=1"); err != nil {
			b.Fatal(err)
		}
	}
}
