package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/events"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/tenants"
)

// clientServer serves GET /v1/me the way the me function does: behind httpapi.Client.
func clientServer(d *platform.Deps) *httpapi.Server {
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/me": httpapi.Client(d.Tenants, func(_ context.Context, p tenants.Principal, _ httpapi.Request) (httpapi.Response, error) {
			return httpapi.JSON(http.StatusOK, map[string]string{"tenantId": string(p.Tenant)}), nil
		}),
	}}
}

func TestAnAdminSuspendsATenantWhoseKeysStopAtOnceAndResumesIt(t *testing.T) {
	d := pt.Deps(t)
	queueURL := publishTenantEvents(t, d)
	srv, client := newServer(d), clientServer(d)
	admin := pt.Staff("admin-1", "admin")

	status, body := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants", As: admin, Body: `{"name":"Alpha Exchange"}`})
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	id, key := pt.Get(body, "tenant", "id").(string), pt.Get(body, "apiKey", "secret").(string)
	tenant := map[string]string{"tenantId": id}
	if status, _ := pt.Call(t, client, pt.Request{RouteKey: "GET /v1/me", Headers: pt.Bearer(key)}); status != 200 {
		t.Fatalf("the new key: %d", status)
	}

	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/suspend", Path: tenant, As: admin, Body: `{"reason":"non_payment"}`})
	if status != 200 || body["status"] != "suspended" || body["suspendReason"] != "non_payment" || body["suspendedAt"] == nil {
		t.Fatalf("suspend: %d %v", status, body)
	}
	status, body = pt.Call(t, client, pt.Request{RouteKey: "GET /v1/me", Headers: pt.Bearer(key)})
	if status != 403 || pt.ErrorCode(body) != "tenant_suspended" {
		t.Fatalf("the key of a suspended tenant: %d %v", status, body)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/suspend", Path: tenant, As: admin, Body: `{"reason":"other"}`})
	if status != 200 || body["status"] != "suspended" || body["suspendReason"] != "non_payment" {
		t.Fatalf("suspending again: %d %v, want the tenant as it is", status, body)
	}

	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/resume", Path: tenant, As: admin})
	if status != 200 || body["status"] != "active" || body["suspendReason"] != nil {
		t.Fatalf("resume: %d %v", status, body)
	}
	if status, _ := pt.Call(t, client, pt.Request{RouteKey: "GET /v1/me", Headers: pt.Bearer(key)}); status != 200 {
		t.Fatalf("the key after resuming: %d", status)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/resume", Path: tenant, As: admin, Body: `{"reason":"payment_received"}`})
	if status != 200 || body["status"] != "active" {
		t.Fatalf("resuming again: %d %v", status, body)
	}

	if _, err := d.Audit.SealPending(context.Background(), 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}/audit", Path: tenant, As: pt.Staff("auditor-1", "auditor")})
	if status != 200 {
		t.Fatalf("audit: %d %v", status, body)
	}
	var trail []string
	for _, e := range body["items"].([]any) {
		e := e.(map[string]any)
		trail = append(trail, e["action"].(string))
		if e["action"] == "tenant.suspended" && (e["reason"] != "non_payment" || pt.Get(e, "actor", "id") != "admin-1") {
			t.Errorf("suspension entry = %v", e)
		}
	}
	if want := []string{"tenant.created", "tenant.suspended", "tenant.resumed"}; !slices.Equal(trail, want) {
		t.Fatalf("audit trail = %v, want %v", trail, want)
	}

	if got := receiveTypes(t, d, queueURL, 3); !slices.Equal(got, []string{"tenant.created", "tenant.resumed", "tenant.suspended"}) {
		t.Fatalf("events = %v", got)
	}
}

func TestSuspendAndResumeRefuseWhatTheyShould(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	admin := pt.Staff("admin-1", "admin")
	_, body := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants", As: admin, Body: `{"name":"Alpha Exchange"}`})
	tenant := map[string]string{"tenantId": pt.Get(body, "tenant", "id").(string)}
	suspend := "POST /v1/staff/tenants/{tenantId}/suspend"
	cases := []struct {
		name   string
		req    pt.Request
		status int
		code   string
	}{
		{"an analyst", pt.Request{RouteKey: suspend, Path: tenant, As: pt.Staff("a", "analyst"), Body: `{"reason":"non_payment"}`}, 403, "forbidden_role"},
		{"an auditor", pt.Request{RouteKey: suspend, Path: tenant, As: pt.Staff("a", "auditor"), Body: `{"reason":"non_payment"}`}, 403, "forbidden_role"},
		{"a group named analyst,admin", pt.Request{RouteKey: suspend, Path: tenant, As: pt.Staff("a", "analyst,admin"), Body: `{"reason":"non_payment"}`}, 403, "forbidden_role"},
		{"no token", pt.Request{RouteKey: suspend, Path: tenant, Claims: admin.Claims, Body: `{"reason":"non_payment"}`}, 401, "unauthenticated"},
		{"an unknown tenant", pt.Request{RouteKey: suspend, Path: map[string]string{"tenantId": "tnt_missing"}, As: admin, Body: `{"reason":"non_payment"}`}, 404, "tenant_not_found"},
		{"no body", pt.Request{RouteKey: suspend, Path: tenant, As: admin}, 400, "empty_body"},
		{"no reason", pt.Request{RouteKey: suspend, Path: tenant, As: admin, Body: `{}`}, 400, "invalid_reason"},
		{"a reason in words", pt.Request{RouteKey: suspend, Path: tenant, As: admin, Body: `{"reason":"John Smith asked"}`}, 400, "invalid_reason"},
		{"a code-like reason that is not a reason code", pt.Request{RouteKey: suspend, Path: tenant, As: admin, Body: `{"reason":"john.smith-gmail.com"}`}, 400, "invalid_reason"},
		{"a resumption reason to suspend", pt.Request{RouteKey: suspend, Path: tenant, As: admin, Body: `{"reason":"payment_received"}`}, 400, "invalid_reason"},
		{"an unknown field", pt.Request{RouteKey: suspend, Path: tenant, As: admin, Body: `{"reason":"non_payment","note":"x"}`}, 400, "unknown_field"},
		{"resuming an unknown tenant", pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/resume", Path: map[string]string{"tenantId": "tnt_missing"}, As: admin}, 404, "tenant_not_found"},
		{"resuming with a reason in words", pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/resume", Path: tenant, As: admin, Body: `{"reason":"Paid by Jane"}`}, 400, "invalid_reason"},
		{"resuming with a code-like reason that is not a reason code", pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/resume", Path: tenant, As: admin, Body: `{"reason":"jane.doe-gmail.com"}`}, 400, "invalid_reason"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := pt.Call(t, srv, c.req)
			if status != c.status || pt.ErrorCode(body) != c.code {
				t.Fatalf("%d %v, want %d %s", status, body, c.status, c.code)
			}
		})
	}
	_, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}", Path: tenant, As: admin})
	if body["status"] != "active" {
		t.Fatalf("refused requests changed the tenant: %v", body)
	}
}

// The roles come from the token's groups array, not from the authorizer's rendering of
// it: a group named "analyst,admin" is not admin, and a token of someone else than the
// authorizer verified, or with other groups than the authorizer saw, is refused.
func TestStaffRolesComeFromTheTokenTheAuthorizerVerified(t *testing.T) {
	srv := newServer(pt.Deps(t))
	create := func(as *pt.StaffCaller) (int, map[string]any) {
		return pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants", As: as, Body: `{"name":"Alpha Exchange"}`})
	}
	if status, body := create(pt.Staff("s1", "analyst,admin")); status != 403 || pt.ErrorCode(body) != "forbidden_role" {
		t.Fatalf(`groups ["analyst,admin"]: %d %v`, status, body)
	}
	if status, body := create(pt.Staff("s1", "analyst", "admin")); status != 201 {
		t.Fatalf(`groups ["analyst","admin"]: %d %v`, status, body)
	}
	someoneElse := pt.Staff("s2", "admin")
	victim := pt.Staff("s1", "analyst")
	forged := &pt.StaffCaller{Token: someoneElse.Token, Claims: victim.Claims}
	if status, body := create(forged); status != 401 || pt.ErrorCode(body) != "token_mismatch" {
		t.Fatalf("another subject's token: %d %v", status, body)
	}
	rendered := maps.Clone(victim.Claims)
	rendered["cognito:groups"] = "[admin]" // what an authorizer rendering would say
	if status, body := create(&pt.StaffCaller{Token: victim.Token, Claims: rendered}); status != 401 || pt.ErrorCode(body) != "token_mismatch" {
		t.Fatalf("claims saying admin for an analyst's token: %d %v", status, body)
	}
	now := time.Now().Unix()
	claims := func(groups ...string) map[string]any {
		return map[string]any{"sub": "s1", "cognito:groups": groups, "token_use": "id", "aud": "test-client",
			"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test", "iat": now, "auth_time": now, "exp": now + 3600}
	}
	promoted := &pt.StaffCaller{Token: pt.StaffToken(claims("admin")).Token, Claims: pt.StaffToken(claims("analyst")).Claims}
	if status, body := create(promoted); status != 401 || pt.ErrorCode(body) != "token_mismatch" {
		t.Fatalf("a token saying admin where the authorizer saw analyst: %d %v", status, body)
	}
}

func TestAuditPagesRefuseAnAfterTheyCannotHonour(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	admin := pt.Staff("admin-1", "admin")
	_, body := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants", As: admin, Body: `{"name":"Alpha Exchange"}`})
	if _, err := d.Audit.SealPending(context.Background(), 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	tenant := map[string]string{"tenantId": pt.Get(body, "tenant", "id").(string)}
	list := func(after string) (int, map[string]any) {
		return pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}/audit", Path: tenant, As: admin, Query: map[string]string{"after": after}})
	}
	for _, after := range []string{"18446744073709551615", "18446744073709551616", "4611686018427387905", "-1", "+1", "1e3", "0x10", " 1", "abc"} {
		if status, body := list(after); status != 400 || pt.ErrorCode(body) != "invalid_after" {
			t.Errorf("after=%s: %d %v, want 400 invalid_after", after, status, body)
		}
	}
	if status, body := list("4611686018427387904"); status != 200 || len(body["items"].([]any)) != 0 {
		t.Errorf("after the largest accepted value: %d %v, want an empty page", status, body)
	}
	if status, body := list("0"); status != 200 || len(body["items"].([]any)) != 1 {
		t.Errorf("after=0: %d %v, want the first entry", status, body)
	}
}

// publishTenantEvents gives the tenants service a publisher to a fresh bus whose rule
// copies tenant events to a queue, and returns the queue.
func publishTenantEvents(t *testing.T, d *platform.Deps) string {
	t.Helper()
	ctx := context.Background()
	name := "tenants-" + strings.ToLower(time.Now().Format("150405.000000"))
	name = strings.ReplaceAll(name, ".", "-")
	eb, q := eventbridge.NewFromConfig(d.AWS), sqs.NewFromConfig(d.AWS)
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	pattern := `{"source":["chainguard"],"detail-type":["tenant.created","tenant.suspended","tenant.resumed"]}`
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String(name), EventBusName: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String(name), EventBusName: aws.String(name),
		Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	d.Events = events.NewPublisher(eb, name)
	d.Tenants = tenants.NewService(d.Store, d.Audit, d.Log)
	return aws.ToString(qo.QueueUrl)
}

// receiveTypes reads n events off the queue and returns their types, sorted.
func receiveTypes(t *testing.T, d *platform.Deps, queueURL string, n int) []string {
	t.Helper()
	// The events wait in the outbox: publish them, as the event-publisher function does.
	if _, err := events.NewOutbox(d.DB, d.Config.TableName, d.Events).Sweep(context.Background(), 0, 100); err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(d.AWS)
	var types []string
	for range 5 {
		out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			env, err := events.FromEventBridge([]byte(aws.ToString(m.Body)))
			if err != nil {
				t.Fatal(err)
			}
			var data map[string]string
			if err := json.Unmarshal(env.Data, &data); err != nil || data["tenantId"] == "" {
				t.Fatalf("%s event data: %s", env.Type, env.Data)
			}
			types = append(types, env.Type)
		}
		if len(types) >= n {
			break
		}
	}
	slices.Sort(types)
	return types
}

// The sample events of the new routes carry what the function needs (a token and the
// claims the authorizer derives from it): served against a real tenant, they work.
func TestTheSuspendAndResumeSampleEventsAreServed(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	tn, _, err := d.Tenants.CreateTenant(context.Background(), audit.Actor{Type: "staff", ID: "s"}, "Alpha Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, status string }{{"suspend", "suspended"}, {"resume", "active"}} {
		raw, err := os.ReadFile("../../events/staff-tenants-" + c.file + ".json")
		if err != nil {
			t.Fatal(err)
		}
		sample := strings.ReplaceAll(string(raw), "tnt_01kb0000000000000000000000", tn.ID)
		var req httpapi.Request
		if err := json.Unmarshal([]byte(sample), &req); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Handle(context.Background(), req)
		var body map[string]any
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if err != nil || resp.StatusCode != 200 || body["status"] != c.status {
			t.Fatalf("%s sample: %d %s %v", c.file, resp.StatusCode, resp.Body, err)
		}
	}
}
