package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/delivery"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	call     func(r pt.Request) (int, map[string]any)
	keyA     map[string]string
	keyB     map[string]string
	received *atomic.Int64
	hook     string
	sqs      *sqs.Client
	queueURL string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := pt.Deps(t)
	cfg := emulator.TestConfig(t)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("webhooks test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	sq := sqs.NewFromConfig(cfg)
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("webhooks-test-%d", time.Now().UnixNano()))})
	if err != nil {
		t.Fatal(err)
	}
	policy := webhooks.URLPolicy{AllowLocal: true}
	svc := delivery.New(delivery.Config{
		Store: d.Store, Audit: d.Audit, Enc: enc, Policy: policy,
		Sender: webhooks.NewSender(webhooks.SenderOptions{Policy: policy}),
		SQS:    sq, QueueURL: aws.ToString(q.QueueUrl), Log: d.Log,
	})
	srv := newServer(d, svc)
	staff := audit.Actor{Type: "staff", ID: "s"}
	_, a, err := d.Tenants.CreateTenant(ctx, staff, "Alpha Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := d.Tenants.CreateTenant(ctx, staff, "Beta Desk", "")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { n.Add(1) }))
	t.Cleanup(hook.Close)
	return &fixture{
		call: func(r pt.Request) (int, map[string]any) { return pt.Call(t, srv, r) },
		keyA: pt.Bearer(a.Secret), keyB: pt.Bearer(b.Secret), received: &n, hook: hook.URL,
		sqs: sq, queueURL: aws.ToString(q.QueueUrl),
	}
}

func TestAClientRegistersAnEndpointTestsItAndReadsTheDelivery(t *testing.T) {
	f := setup(t)
	status, ep := f.call(pt.Request{RouteKey: "POST /v1/webhook-endpoints", Headers: f.keyA,
		Body: `{"url":"` + f.hook + `/hooks","description":"case management","eventTypes":["apikey.created","tenant.suspended"]}`})
	if status != 201 || !strings.HasPrefix(fmt.Sprint(ep["secret"]), "whsec_") || ep["id"] == nil {
		t.Fatalf("create: %d %v", status, ep)
	}
	id := ep["id"].(string)
	path := map[string]string{"endpointId": id}

	status, got := f.call(pt.Request{RouteKey: "GET /v1/webhook-endpoints/{endpointId}", Path: path, Headers: f.keyA})
	if status != 200 || got["secret"] != nil || got["secretEnc"] != nil || got["description"] != "case management" {
		t.Fatalf("get: %d %v", status, got)
	}
	status, list := f.call(pt.Request{RouteKey: "GET /v1/webhook-endpoints", Headers: f.keyA})
	if status != 200 || len(list["items"].([]any)) != 1 {
		t.Fatalf("list: %d %v", status, list)
	}

	status, test := f.call(pt.Request{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/test", Path: path, Headers: f.keyA})
	if status != 200 || pt.Get(test, "attempt", "success") != true || f.received.Load() != 1 {
		t.Fatalf("test: %d %v (received %d)", status, test, f.received.Load())
	}
	deliveryID := pt.Get(test, "delivery", "id").(string)
	status, dl := f.call(pt.Request{RouteKey: "GET /v1/webhook-deliveries", Headers: f.keyA, Query: map[string]string{"endpointId": id, "status": "succeeded"}})
	if status != 200 || len(dl["items"].([]any)) != 1 || pt.Get(dl["items"].([]any)[0].(map[string]any), "eventType") != "webhook.test" {
		t.Fatalf("deliveries: %d %v", status, dl)
	}
	status, retried := f.call(pt.Request{RouteKey: "POST /v1/webhook-deliveries/{deliveryId}/retry", Path: map[string]string{"deliveryId": deliveryID}, Headers: f.keyA})
	if status != 202 || retried["id"] != deliveryID {
		t.Fatalf("retry: %d %v", status, retried)
	}
	out, err := f.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(f.queueURL), WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 1 || !strings.Contains(aws.ToString(out.Messages[0].Body), deliveryID) {
		t.Fatalf("the retry was not queued: %+v %v", out, err)
	}

	status, patched := f.call(pt.Request{RouteKey: "PATCH /v1/webhook-endpoints/{endpointId}", Path: path, Headers: f.keyA, Body: `{"disabled":true}`})
	if status != 200 || patched["disabled"] != true || patched["disabledReason"] != "manual" {
		t.Fatalf("patch: %d %v", status, patched)
	}
	status, rotated := f.call(pt.Request{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/rotate-secret", Path: path, Headers: f.keyA})
	if status != 200 || rotated["secret"] == ep["secret"] || rotated["previousSecretExpiresAt"] == nil {
		t.Fatalf("rotate: %d %v", status, rotated)
	}
	if status, _ := f.call(pt.Request{RouteKey: "DELETE /v1/webhook-endpoints/{endpointId}", Path: path, Headers: f.keyA}); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	if status, body := f.call(pt.Request{RouteKey: "GET /v1/webhook-endpoints/{endpointId}", Path: path, Headers: f.keyA}); status != 404 || pt.ErrorCode(body) != "endpoint_not_found" {
		t.Fatalf("after delete: %d %v", status, body)
	}
}

func TestAnotherTenantsEndpointsAndDeliveriesAreNotFound(t *testing.T) {
	f := setup(t)
	_, ep := f.call(pt.Request{RouteKey: "POST /v1/webhook-endpoints", Headers: f.keyA, Body: `{"url":"` + f.hook + `","eventTypes":["*"]}`})
	path := map[string]string{"endpointId": ep["id"].(string)}
	_, test := f.call(pt.Request{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/test", Path: path, Headers: f.keyA})
	deliveryID := pt.Get(test, "delivery", "id").(string)
	for _, r := range []pt.Request{
		{RouteKey: "GET /v1/webhook-endpoints/{endpointId}", Path: path},
		{RouteKey: "PATCH /v1/webhook-endpoints/{endpointId}", Path: path, Body: `{"disabled":true}`},
		{RouteKey: "DELETE /v1/webhook-endpoints/{endpointId}", Path: path},
		{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/rotate-secret", Path: path},
		{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/test", Path: path},
		{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/replay", Path: path, Body: `{"since":"2026-01-01T00:00:00Z"}`},
		{RouteKey: "GET /v1/webhook-deliveries/{deliveryId}", Path: map[string]string{"deliveryId": deliveryID}},
		{RouteKey: "POST /v1/webhook-deliveries/{deliveryId}/retry", Path: map[string]string{"deliveryId": deliveryID}},
	} {
		r.Headers = f.keyB
		if status, body := f.call(r); status != 404 {
			t.Errorf("%s as tenant B: %d %v", r.RouteKey, status, body)
		}
	}
	if status, list := f.call(pt.Request{RouteKey: "GET /v1/webhook-deliveries", Headers: f.keyB}); status != 200 || len(list["items"].([]any)) != 0 {
		t.Fatalf("tenant B lists deliveries: %d %v", status, list)
	}
	if f.received.Load() != 1 {
		t.Fatalf("tenant B's calls reached the endpoint: %d deliveries", f.received.Load())
	}
}

func TestBadRequestsAreRefusedWithACode(t *testing.T) {
	f := setup(t)
	cases := []struct {
		name string
		req  pt.Request
		code string
	}{
		{"an unknown field", pt.Request{RouteKey: "POST /v1/webhook-endpoints", Body: `{"url":"https://a.example.com","eventTypes":["*"],"secret":"mine"}`}, "unknown_field"},
		{"a plain-http URL elsewhere", pt.Request{RouteKey: "POST /v1/webhook-endpoints", Body: `{"url":"http://a.example.com","eventTypes":["*"]}`}, "invalid_url"},
		{"an unknown event type", pt.Request{RouteKey: "POST /v1/webhook-endpoints", Body: `{"url":"https://a.example.com","eventTypes":["user.flew"]}`}, "invalid_event_types"},
		{"an empty change", pt.Request{RouteKey: "PATCH /v1/webhook-endpoints/{endpointId}", Path: map[string]string{"endpointId": "ep_x"}, Body: `{}`}, "empty_update"},
		{"a replay without a time", pt.Request{RouteKey: "POST /v1/webhook-endpoints/{endpointId}/replay", Path: map[string]string{"endpointId": "ep_x"}, Body: `{"since":"yesterday"}`}, "invalid_since"},
		{"a listing by an unknown status", pt.Request{RouteKey: "GET /v1/webhook-deliveries", Query: map[string]string{"status": "lost"}}, "invalid_status"},
		{"a listing since a non-time", pt.Request{RouteKey: "GET /v1/webhook-deliveries", Query: map[string]string{"since": "now"}}, "invalid_since"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Headers = f.keyA
			if status, body := f.call(c.req); status != 400 || pt.ErrorCode(body) != c.code {
				t.Fatalf("%d %v, want 400 %s", status, body, c.code)
			}
		})
	}
	if _, list := f.call(pt.Request{RouteKey: "GET /v1/webhook-endpoints", Headers: f.keyA}); len(list["items"].([]any)) != 0 {
		t.Fatalf("a refused request stored an endpoint: %v", list)
	}
	if status, _ := f.call(pt.Request{RouteKey: "GET /v1/webhook-endpoints"}); status != 401 {
		t.Fatalf("without a key: %d", status)
	}
}

func TestTheEventCatalogueIsServedWithSchemasAndExamples(t *testing.T) {
	f := setup(t)
	status, body := f.call(pt.Request{RouteKey: "GET /v1/event-types", Headers: f.keyA})
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	items := body["items"].([]any)
	if len(items) != len(webhooks.Catalogue()) {
		t.Fatalf("%d types served, catalogue has %d", len(items), len(webhooks.Catalogue()))
	}
	for _, it := range items {
		m := it.(map[string]any)
		if m["name"] == "" || m["schema"] == nil || m["example"] == nil {
			t.Fatalf("type without a schema or an example: %v", m)
		}
	}
}
