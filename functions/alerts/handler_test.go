package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/envelope"
	"github.com/chainfi/chainguard/shared/idempotency"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

type fixture struct {
	svc        *alerts.Service
	call       func(r pt.Request) (int, map[string]any)
	keyA, keyB map[string]string
	tenantA    store.TenantID
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d := pt.Deps(t)
	cfg := emulator.TestConfig(t)
	key, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("alerts function test")})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := envelope.New(kms.NewFromConfig(cfg), aws.ToString(key.KeyMetadata.Arn))
	if err != nil {
		t.Fatal(err)
	}
	svc := alerts.New(alerts.Config{Store: d.Store, Audit: d.Audit, Enc: enc, Log: d.Log})
	srv := newServer(d, svc, idempotency.New(d.Store))
	staff := audit.Actor{Type: "staff", ID: "s"}
	ta, a, err := d.Tenants.CreateTenant(ctx, staff, "Alpha Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := d.Tenants.CreateTenant(ctx, staff, "Beta Desk", "")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, call: func(r pt.Request) (int, map[string]any) { return pt.Call(t, srv, r) },
		keyA: pt.Bearer(a.Secret), keyB: pt.Bearer(b.Secret), tenantA: store.TenantID(ta.ID)}
}

func (f *fixture) raise(t *testing.T, user int, kind string, at time.Time) string {
	t.Helper()
	source := "OFAC-SDN"
	if kind == alerts.KindPEP {
		source = "US-PEP"
	}
	r, err := f.svc.Raise(context.Background(), alerts.Finding{
		Tenant: f.tenantA, UserID: fmt.Sprintf("usr_01je28jt97kb6cq643dzvmx%03d", user), ListSource: source, EntityID: "36216",
		EntityHash: "entityhash-v1", SubjectHash: "subjecthash-1", Kind: kind, Outcome: alerts.OutcomePotentialMatch, Score: 0.9,
		ListVersion: "000001-3f9a1c0b7d2e", ScreeningID: fmt.Sprintf("scr_%d", user), Reasons: []string{"name_fuzzy"}, FoundAt: at,
	})
	if err != nil || r.Action != alerts.Created {
		t.Fatalf("raise: %+v %v", r, err)
	}
	return r.AlertID
}

func TestAClientListsReadsAndResolvesItsAlerts(t *testing.T) {
	f := setup(t)
	base := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	a1 := f.raise(t, 1, alerts.KindSanctions, base)
	a2 := f.raise(t, 2, alerts.KindPEP, base.Add(time.Minute))

	status, list := f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA})
	items, _ := list["items"].([]any)
	if status != 200 || len(items) != 2 || pt.Get(items[0].(map[string]any), "id") != a2 {
		t.Fatalf("list: %d %v", status, list)
	}
	first := items[0].(map[string]any)
	for _, field := range []string{"id", "userId", "status", "kind", "outcome", "listSource", "entityId", "score", "listVersion", "firstSeenAt", "lastSeenAt", "evidence", "evidenceCount"} {
		if _, ok := first[field]; !ok {
			t.Errorf("an alert without %s: %v", field, first)
		}
	}
	for _, field := range []string{"entityHash", "subjectHash", "tenantId", "commentEnc"} {
		if _, ok := first[field]; ok {
			t.Errorf("an alert shows %s", field)
		}
	}

	status, page := f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"kind": "sanctions"}})
	if items, _ := page["items"].([]any); status != 200 || len(items) != 1 || pt.Get(items[0].(map[string]any), "id") != a1 {
		t.Fatalf("by kind: %d %v", status, page)
	}
	status, page = f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"from": "2026-12-01T02:00:30Z", "to": "2026-12-01T03:00:00Z"}})
	if items, _ := page["items"].([]any); status != 200 || len(items) != 1 || pt.Get(items[0].(map[string]any), "id") != a2 {
		t.Fatalf("by time: %d %v", status, page)
	}
	status, page = f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"userId": "usr_01je28jt97kb6cq643dzvmx001", "status": "open"}})
	if items, _ := page["items"].([]any); status != 200 || len(items) != 1 || pt.Get(items[0].(map[string]any), "id") != a1 {
		t.Fatalf("by user: %d %v", status, page)
	}
	// Pages of one, to the end.
	var seen []any
	cursor := ""
	for range 5 {
		q := map[string]string{"limit": "1"}
		if cursor != "" {
			q["cursor"] = cursor
		}
		status, page := f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: q})
		if status != 200 {
			t.Fatalf("page: %d %v", status, page)
		}
		for _, it := range page["items"].([]any) {
			seen = append(seen, it.(map[string]any)["id"])
		}
		cursor, _ = page["nextCursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 2 || seen[0] != a2 || seen[1] != a1 {
		t.Fatalf("paged %v", seen)
	}

	id := map[string]string{"alertId": a1}
	status, got := f.call(pt.Request{RouteKey: "GET /v1/alerts/{alertId}", Path: id, Headers: f.keyA})
	if status != 200 || got["id"] != a1 || got["status"] != "open" {
		t.Fatalf("get: %d %v", status, got)
	}
	body := `{"status":"false_positive","comment":"Different date of birth."}`
	hdr := map[string]string{"authorization": f.keyA["authorization"], "idempotency-key": "resolve-1"}
	status, res := f.call(pt.Request{RouteKey: "POST /v1/alerts/{alertId}/resolution", Path: id, Headers: hdr, Body: body})
	if status != 200 || res["status"] != "resolved" || pt.Get(res, "resolution", "status") != "false_positive" ||
		pt.Get(res, "resolution", "comment") != "Different date of birth." || pt.Get(res, "resolution", "by") == "" {
		t.Fatalf("resolve: %d %v", status, res)
	}
	// The client's retry with the same key gets the same answer, not a conflict.
	status, again := f.call(pt.Request{RouteKey: "POST /v1/alerts/{alertId}/resolution", Path: id, Headers: hdr, Body: body})
	if status != 200 || pt.Get(again, "resolution", "at") != pt.Get(res, "resolution", "at") {
		t.Fatalf("replay: %d %v", status, again)
	}
	// The same key for another body, or without a key: refused.
	status, other := f.call(pt.Request{RouteKey: "POST /v1/alerts/{alertId}/resolution", Path: id, Headers: hdr, Body: `{"status":"confirmed","comment":"x"}`})
	if status != 422 || pt.ErrorCode(other) != "idempotency_key_reused" {
		t.Fatalf("key reused: %d %v", status, other)
	}
	status, other = f.call(pt.Request{RouteKey: "POST /v1/alerts/{alertId}/resolution", Path: id, Headers: f.keyA, Body: body})
	if status != 409 || pt.ErrorCode(other) != "alert_already_resolved" {
		t.Fatalf("resolved twice: %d %v", status, other)
	}
	status, page = f.call(pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"status": "resolved"}})
	if items, _ := page["items"].([]any); status != 200 || len(items) != 1 || pt.Get(items[0].(map[string]any), "id") != a1 {
		t.Fatalf("resolved: %d %v", status, page)
	}
}

func TestBadRequestsAreRefusedWithACodeAndChangeNothing(t *testing.T) {
	f := setup(t)
	a := f.raise(t, 3, alerts.KindSanctions, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	id := map[string]string{"alertId": a}
	resolve := "POST /v1/alerts/{alertId}/resolution"
	tests := []struct {
		name   string
		req    pt.Request
		status int
		code   string
	}{
		{"no API key", pt.Request{RouteKey: "GET /v1/alerts"}, 401, ""},
		{"an unknown status filter", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"status": "closed"}}, 400, "invalid_status"},
		{"an unknown kind filter", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"kind": "crime"}}, 400, "invalid_kind"},
		{"a date that is not RFC 3339", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"from": "yesterday"}}, 400, "invalid_from"},
		{"a window that ends first", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}}, 400, "invalid_time_range"},
		{"a limit too high", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"limit": "500"}}, 400, "invalid_limit"},
		{"a forged cursor", pt.Request{RouteKey: "GET /v1/alerts", Headers: f.keyA, Query: map[string]string{"cursor": "o.eyJ2IjoxfQ.AAAA"}}, 400, "invalid_cursor"},
		{"another tenant's alert", pt.Request{RouteKey: "GET /v1/alerts/{alertId}", Path: id, Headers: f.keyB}, 404, "alert_not_found"},
		{"an id that is not one", pt.Request{RouteKey: "GET /v1/alerts/{alertId}", Path: map[string]string{"alertId": "alt_x#y"}, Headers: f.keyA}, 404, "alert_not_found"},
		{"resolving another tenant's alert", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyB, Body: `{"status":"confirmed","comment":"x"}`}, 404, "alert_not_found"},
		{"an unknown resolution", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":"dismissed","comment":"x"}`}, 400, "invalid_resolution_status"},
		{"no comment", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":"confirmed"}`}, 400, "invalid_comment"},
		{"a comment too long", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":"confirmed","comment":"` + strings.Repeat("x", 1001) + `"}`}, 400, "invalid_comment"},
		{"a comment with a control character", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":"confirmed","comment":"a\u0007b"}`}, 400, ""},
		{"an unknown field", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":"confirmed","comment":"x","by":"me"}`}, 400, ""},
		{"not JSON", pt.Request{RouteKey: resolve, Path: id, Headers: f.keyA, Body: `{"status":`}, 400, ""},
		{"a bad idempotency key", pt.Request{RouteKey: resolve, Path: id, Headers: map[string]string{"authorization": f.keyA["authorization"], "idempotency-key": "a b"}, Body: `{"status":"confirmed","comment":"x"}`}, 400, "invalid_idempotency_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.call(tt.req)
			if status != tt.status || (tt.code != "" && pt.ErrorCode(body) != tt.code) || (status >= 400 && pt.ErrorCode(body) == "") {
				t.Fatalf("%d %v, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	status, got := f.call(pt.Request{RouteKey: "GET /v1/alerts/{alertId}", Path: id, Headers: f.keyA})
	if status != 200 || got["status"] != "open" || got["resolution"] != nil {
		t.Fatalf("changed by refused requests: %d %v", status, got)
	}
}
