// Command webhookbench measures client webhooks through the running local stack: it
// registers a receiver (the runner's webhook sink) and an endpoint for the demo tenant,
// publishes N client-facing events to the bus in bursts, and waits until the receiver has
// them all. It reports the latency from each event to its first attempt (p50/p99) and
// deliveries per second.
//
//	make run                          # in one terminal
//	go run ./infra/webhookbench -n 500
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/events"
)

type credentials struct {
	APIURL   string `json:"apiUrl"`
	Emulator string `json:"emulatorEndpoint"`
	Tenant   struct {
		ID     string `json:"id"`
		KeyID  string `json:"keyId"`
		APIKey string `json:"apiKey"`
	} `json:"tenant"`
}

func main() {
	n := flag.Int("n", 500, "events to publish")
	rate := flag.Float64("rate", 0, "events per second (0: as fast as the bus takes them, in batches of 10)")
	outbox := flag.Bool("outbox", false, "make the events through the client API (create and revoke API keys: apikey.created, apikey.revoked) so they travel the outbox and the table's stream, instead of publishing them to the bus")
	bus := flag.String("bus", "chainguard-local", "the stack's event bus")
	credsPath := flag.String("creds", ".local/credentials.json", "the runner's credentials file")
	flag.Parse()
	if err := run(*n, *rate, *outbox, *bus, *credsPath); err != nil {
		fmt.Fprintln(os.Stderr, "webhookbench:", err)
		os.Exit(1)
	}
}

func run(n int, rate float64, outbox bool, bus, credsPath string) error {
	ctx := context.Background()
	raw, err := os.ReadFile(credsPath)
	if err != nil {
		return fmt.Errorf("read %s (is `make run` up?): %w", credsPath, err)
	}
	var cr credentials
	if err := json.Unmarshal(raw, &cr); err != nil {
		return err
	}
	sink := fmt.Sprintf("bench%d", time.Now().Unix())
	if _, err := call(http.MethodPut, cr.APIURL+"/_local/webhook-sinks/"+sink, "", map[string]any{}, true); err != nil {
		return err
	}
	ep, err := call(http.MethodPost, cr.APIURL+"/v1/webhook-endpoints", cr.Tenant.APIKey,
		map[string]any{"url": cr.APIURL + "/_local/webhook-sink/" + sink, "description": "webhookbench", "eventTypes": []string{"apikey.created", "apikey.revoked"}}, false)
	if err != nil {
		return err
	}
	if _, err := call(http.MethodPatch, cr.APIURL+"/_local/webhook-sinks/"+sink, "", map[string]any{"secret": ep["secret"]}, true); err != nil {
		return err
	}
	defer call(http.MethodDelete, cr.APIURL+"/v1/webhook-endpoints/"+fmt.Sprint(ep["id"]), cr.Tenant.APIKey, nil, false)

	cfg, err := (&emulator.Server{Endpoint: cr.Emulator}).Config(ctx)
	if err != nil {
		return err
	}
	pub := events.NewPublisher(eventbridge.NewFromConfig(cfg), bus)
	fmt.Printf("%d apikey.created events (rate %v/s, 0 = burst) for tenant %s, one endpoint; load before: %s\n", n, rate, cr.Tenant.ID, loadAvg())
	start := time.Now()
	batch := 10
	if rate > 0 {
		batch = 1
	}
	if outbox {
		// Each cycle is two changes, so two events: a key created, then revoked.
		batch = 2
	}
	for i := 0; i < n; i += batch {
		if rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(float64(i) / rate * float64(time.Second)))))
		}
		if outbox {
			key, err := call(http.MethodPost, cr.APIURL+"/v1/api-keys", cr.Tenant.APIKey, map[string]any{"label": "webhookbench"}, false)
			if err != nil {
				return err
			}
			if _, err := call(http.MethodDelete, cr.APIURL+"/v1/api-keys/"+fmt.Sprint(key["id"]), cr.Tenant.APIKey, nil, false); err != nil {
				return err
			}
			continue
		}
		var evs []events.Envelope
		for j := i; j < min(i+batch, n); j++ {
			ev, err := events.New("apikey.created", cr.Tenant.ID, map[string]string{"tenantId": cr.Tenant.ID, "keyId": cr.Tenant.KeyID}, time.Now())
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		}
		if err := pub.Publish(ctx, evs...); err != nil {
			return err
		}
	}
	published := time.Since(start)
	var got map[string]any
	for deadline := time.Now().Add(10 * time.Minute); ; {
		if got, err = call(http.MethodGet, cr.APIURL+"/_local/webhook-sink/"+sink, "", nil, false); err != nil {
			return err
		}
		c := got["counts"].(map[string]any)
		if int(c["distinctWebhookIds"].(float64)) >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	c := got["counts"].(map[string]any)
	var lat []time.Duration
	var last time.Time
	for _, d := range got["deliveries"].([]any) {
		m := d.(map[string]any)
		var body struct {
			Timestamp time.Time `json:"timestamp"`
		}
		_ = json.Unmarshal([]byte(fmt.Sprint(m["body"])), &body)
		at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(m["receivedAt"]))
		lat = append(lat, at.Sub(body.Timestamp))
		if at.After(last) {
			last = at
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		return fmt.Errorf("nothing received: %v", got)
	}
	fmt.Printf("published in %.1f s; received %v of %d (valid %v, invalid %v) in %.1f s: %.1f deliveries/s; load after: %s\n",
		published.Seconds(), c["distinctWebhookIds"], n, c["valid"], c["invalid"], last.Sub(start).Seconds(), float64(len(lat))/last.Sub(start).Seconds(), loadAvg())
	fmt.Printf("event to first attempt: p50 %v, p99 %v, max %v\n", lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)*99/100].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	if int(c["distinctWebhookIds"].(float64)) < n || c["invalid"].(float64) > 0 {
		return fmt.Errorf("not every event arrived signed")
	}
	return nil
}

func call(method, url, bearer string, body any, control bool) (map[string]any, error) {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("authorization", "Bearer "+bearer)
	}
	if control {
		req.Header.Set("x-local-control", "1")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		return out, fmt.Errorf("%s %s: %d %v", method, url, resp.StatusCode, out)
	}
	return out, nil
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil || len(b) < 14 {
		return "?"
	}
	return string(bytes.Join(bytes.Fields(b)[:3], []byte(" ")))
}
