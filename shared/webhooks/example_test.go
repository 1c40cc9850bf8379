package webhooks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/chainfi/chainguard/shared/webhooks"
)

func ExampleSign() {
	// The Standard Webhooks specification's test vector.
	ts := time.Unix(1614265330, 0)
	sig, err := webhooks.Sign([]string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, []byte(`{"test": 2432232314}`))
	fmt.Println(sig, err)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= <nil>
}

func ExampleVerify() {
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	received := time.Unix(1614265330+30, 0)
	fmt.Println(webhooks.Verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, []byte(`{"test": 2432232314}`), 0, received))
	fmt.Println(webhooks.Verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", h, []byte(`{"test": 1}`), 0, received))
	// Output:
	// <nil>
	// webhooks: no matching v1 signature
}

func ExampleEncode() {
	data := json.RawMessage(`{"tenantId": "tnt_01je28jt97kb6cq643dzvmxxqk", "reason": "non_payment"}`)
	if err := webhooks.ValidateData("tenant.suspended", data); err != nil {
		panic(err)
	}
	body := webhooks.Encode(webhooks.Message{Type: "tenant.suspended", Timestamp: time.Date(2026, 3, 7, 9, 15, 4, 0, time.UTC), Data: data})
	fmt.Println(string(body))
	// Output: {"type":"tenant.suspended","timestamp":"2026-03-07T09:15:04.000Z","data":{"tenantId":"tnt_01je28jt97kb6cq643dzvmxxqk","reason":"non_payment"}}
}

func ExampleURLPolicy_Check() {
	_, err := webhooks.URLPolicy{}.Check("https://169.254.169.254/latest/meta-data/")
	fmt.Println(err)
	u, err := webhooks.URLPolicy{AllowLocal: true}.Check("http://localhost:3000/hooks")
	fmt.Println(u, err)
	// Output:
	// the host must not be a private, loopback, link-local, metadata or reserved IP address
	// http://localhost:3000/hooks <nil>
}

func ExampleNextDelay() {
	middle := func() float64 { return 0.5 } // no jitter, for the example
	for attempt := 0; ; attempt++ {
		d, ok := webhooks.NextDelay(attempt, middle)
		if !ok {
			fmt.Println("no attempt left after", attempt)
			return
		}
		fmt.Printf("attempt %d after %s\n", attempt+1, d)
	}
	// Output:
	// attempt 1 after 0s
	// attempt 2 after 5s
	// attempt 3 after 5m0s
	// attempt 4 after 30m0s
	// attempt 5 after 2h0m0s
	// attempt 6 after 5h0m0s
	// attempt 7 after 10h0m0s
	// attempt 8 after 10h0m0s
	// no attempt left after 8
}
