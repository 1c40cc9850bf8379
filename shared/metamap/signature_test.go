package metamap

import (
	"errors"
	"testing"
)

func TestSignWebhookIsHexHMACSHA256(t *testing.T) {
	// The HMAC-SHA256 vector Sumsub publishes for its own webhooks: the same primitive.
	const want = "7f3beedce7529616a9d6bba59dc1b054a7247cef67f6acff2600864399f47fe0"
	if got := SignWebhook([]byte("SoMe_SeCrEt_KeY"), []byte("someText")); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestVerifyWebhookAccepts(t *testing.T) {
	secret := []byte("whsec")
	pretty := []byte("{\n  \"eventName\": \"verification_completed\",\n  \"resource\": \"https://api.getmati.com/v2/verifications/abc\"\n}\n")
	compact := []byte(`{"eventName":"verification_completed","resource":"https://api.getmati.com/v2/verifications/abc"}`)
	tests := []struct {
		name       string
		body       []byte
		signedOver []byte
	}{
		{"a signature of the raw body", pretty, pretty},
		{"a signature of the compact form of a pretty-printed body", pretty, compact},
		{"a signature of a body that is already compact", compact, compact},
		{"a signature of a body that is not JSON", []byte("not json"), []byte("not json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyWebhook(secret, tt.body, SignWebhook(secret, tt.signedOver)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestVerifyWebhookRefuses(t *testing.T) {
	secret := []byte("whsec")
	body := []byte(`{"eventName": "verification_completed", "flowId": "f1"}`)
	sig := SignWebhook(secret, body)
	tests := []struct {
		name   string
		secret []byte
		body   []byte
		sig    string
		want   error
	}{
		{"no secret configured", nil, body, sig, ErrNoSecret},
		{"a missing signature", secret, body, "", ErrMissingSignature},
		{"a signature that is not hex", secret, body, "zz" + sig[2:], ErrBadSignature},
		{"a truncated signature", secret, body, sig[:40], ErrBadSignature},
		{"another secret", []byte("other"), body, sig, ErrBadSignature},
		{"a changed value", secret, []byte(`{"eventName": "verification_completed", "flowId": "f2"}`), sig, ErrBadSignature},
		{"the compact form of a changed body", secret, []byte(`{"eventName":"verification_completed","flowId":"f2"}`), SignWebhook(secret, []byte(`{"eventName":"verification_completed","flowId":"f1"}`)), ErrBadSignature},
		{"a body that is not JSON and was not signed", secret, []byte("{not json"), sig, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := VerifyWebhook(tt.secret, tt.body, tt.sig); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
