package main

import (
	"context"
	"os"
	"testing"

	"github.com/chainfi/chainguard/shared/emulator"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestStaffRoutesNeedTheRightRole(t *testing.T) {
	srv := newServer(pt.Deps(t))
	create := pt.Request{RouteKey: "POST /v1/staff/tenants", Body: `{"name":"Alpha"}`}

	status, body := pt.Call(t, srv, create) // no authorizer claims
	if status != 401 {
		t.Fatalf("no claims: %d %v", status, body)
	}
	create.As = pt.Staff("analyst-1", "analyst")
	status, body = pt.Call(t, srv, create)
	if status != 403 || pt.ErrorCode(body) != "forbidden_role" {
		t.Fatalf("analyst creating a tenant: %d %v", status, body)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants", As: pt.Staff("analyst-1", "analyst")})
	if status != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("analyst listing tenants: %d %v", status, body)
	}
}

func TestAnAdminOnboardsATenantAndAnAuditorVerifiesItsTrail(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	admin, auditor := pt.Staff("admin-1", "admin"), pt.Staff("auditor-1", "auditor")

	status, body := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants", As: admin, Body: `{"name":"Alpha Exchange","keyLabel":"prod"}`})
	if status != 201 || pt.Get(body, "apiKey", "secret") == nil {
		t.Fatalf("create: %d %v", status, body)
	}
	id := pt.Get(body, "tenant", "id").(string)
	tenant := map[string]string{"tenantId": id}

	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/api-keys", Path: tenant, As: admin, Body: `{"label":"rotation"}`})
	if status != 201 {
		t.Fatalf("issue: %d %v", status, body)
	}
	keyID := body["id"].(string)
	status, _ = pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/staff/tenants/{tenantId}/api-keys/{keyId}", Path: map[string]string{"tenantId": id, "keyId": keyID}, As: admin})
	if status != 200 {
		t.Fatalf("revoke: %d", status)
	}
	// Staff see who issued and revoked a key (clients see only "staff").
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}/api-keys", Path: tenant, As: auditor})
	if status != 200 {
		t.Fatalf("list keys: %d %v", status, body)
	}
	for _, it := range body["items"].([]any) {
		k := it.(map[string]any)
		if k["createdBy"] != "staff:admin-1" || k["id"] == keyID && k["revokedBy"] != "staff:admin-1" {
			t.Errorf("key as staff see it: %v", k)
		}
	}

	if _, err := d.Audit.SealPending(context.Background(), 0, 0); err != nil { // the audit-sealer's work
		t.Fatal(err)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}/audit", Path: tenant, As: auditor})
	if status != 200 {
		t.Fatalf("audit list: %d %v", status, body)
	}
	var actions []string
	for _, e := range body["items"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	want := []string{"tenant.created", "apikey.created", "apikey.revoked"}
	if len(actions) != len(want) || actions[0] != want[0] || actions[1] != want[1] || actions[2] != want[2] {
		t.Fatalf("audit actions = %v, want %v", actions, want)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/staff/tenants/{tenantId}/audit/verify", Path: tenant, As: auditor})
	if status != 200 || body["intact"] != true || body["entries"] != float64(3) {
		t.Fatalf("verify: %d %v", status, body)
	}
	status, body = pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/staff/tenants/{tenantId}", Path: map[string]string{"tenantId": "tnt_missing"}, As: auditor})
	if status != 404 || pt.ErrorCode(body) != "tenant_not_found" {
		t.Fatalf("unknown tenant: %d %v", status, body)
	}
}
