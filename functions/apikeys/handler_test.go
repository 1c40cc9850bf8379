package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/tenants"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestAClientRotatesItsKeys(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	_, first, err := d.Tenants.CreateTenant(context.Background(), audit.Actor{Type: "staff", ID: "s"}, "Alpha", "")
	if err != nil {
		t.Fatal(err)
	}
	auth := pt.Bearer(first.Secret)

	status, created := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/api-keys", Headers: auth, Body: `{"label":"ci"}`})
	if status != 201 || created["secret"] == nil || created["hash"] != nil || created["label"] != "ci" {
		t.Fatalf("create: %d %v", status, created)
	}
	newKey := created["secret"].(string)

	status, list := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: pt.Bearer(newKey)})
	if status != 200 || len(list["items"].([]any)) != 2 {
		t.Fatalf("list: %d %v", status, list)
	}
	status, revoked := pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/api-keys/{keyId}", Path: map[string]string{"keyId": first.ID}, Headers: pt.Bearer(newKey)})
	if status != 200 || revoked["status"] != "revoked" {
		t.Fatalf("revoke: %d %v", status, revoked)
	}
	if status, _ := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: auth}); status != 401 {
		t.Fatalf("the revoked key still works: %d", status)
	}
	// The last key cannot be revoked by the client itself.
	lastID := created["id"].(string)
	status, body := pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/api-keys/{keyId}", Path: map[string]string{"keyId": lastID}, Headers: pt.Bearer(newKey)})
	if status != 422 || pt.ErrorCode(body) != "last_active_key" {
		t.Fatalf("revoke last: %d %v", status, body)
	}
}

func TestKeysOfAnotherTenantAreInvisible(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	staff := audit.Actor{Type: "staff", ID: "s"}
	_, ka, _ := d.Tenants.CreateTenant(context.Background(), staff, "Alpha", "")
	_, kb, _ := d.Tenants.CreateTenant(context.Background(), staff, "Beta", "")
	status, body := pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/api-keys/{keyId}", Path: map[string]string{"keyId": kb.ID}, Headers: pt.Bearer(ka.Secret)})
	if status != 404 || pt.ErrorCode(body) != "api_key_not_found" {
		t.Fatalf("revoke another tenant's key: %d %v", status, body)
	}
	_, list := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: pt.Bearer(ka.Secret)})
	for _, it := range list["items"].([]any) {
		if it.(map[string]any)["id"] == kb.ID {
			t.Fatal("tenant A sees tenant B's key")
		}
	}
}

func TestBadBodiesAreRefusedWithACode(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	_, k, _ := d.Tenants.CreateTenant(context.Background(), audit.Actor{Type: "staff", ID: "s"}, "Alpha", "")
	cases := map[string]struct {
		body, ctype string
		status      int
		code        string
	}{
		"unknown field":  {`{"label":"x","admin":true}`, "", 400, "unknown_field"},
		"malformed":      {`{"label":`, "", 400, "invalid_json"},
		"wrong type":     {`{"label":5}`, "", 400, "invalid_field"},
		"two objects":    {`{} {}`, "", 400, "invalid_json"},
		"not json":       {`label=x`, "text/plain", 415, "unsupported_media_type"},
		"label too long": {`{"label":"` + strings.Repeat("a", 65) + `"}`, "", 400, "invalid_label"},
	}
	for name, c := range cases {
		h := pt.Bearer(k.Secret)
		if c.ctype != "" {
			h["content-type"] = c.ctype
		}
		status, body := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/api-keys", Headers: h, Body: c.body})
		if status != c.status || pt.ErrorCode(body) != c.code {
			t.Errorf("%s: %d %v, want %d %s", name, status, body, c.status, c.code)
		}
	}
	_, list := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: pt.Bearer(k.Secret)})
	if n := len(list["items"].([]any)); n != 1 {
		t.Fatalf("refused requests created keys: %d keys", n)
	}
}

// The probe's GET /v1/api-keys?%ff=1 reached the handler as ?\uFFFD=1 (the runner rewrote
// the byte) and was answered 200: U+FFFD in the query is refused like the byte it was.
func TestAQueryHoldingTheReplacementCharacterIsRefused(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	_, k, err := d.Tenants.CreateTenant(context.Background(), audit.Actor{Type: "staff", ID: "s"}, "Alpha", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []map[string]string{{"\uFFFD": "1"}, {"limit": "1\uFFFD"}, {"\xff": "1"}} {
		status, body := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: pt.Bearer(k.Secret), Query: q})
		if status != 400 || pt.ErrorCode(body) != "invalid_utf8" {
			t.Errorf("query %q: %d %v, want 400 invalid_utf8", q, status, body)
		}
	}
}

// A key issued or revoked by ChainGuard staff shows "staff" to the client, never the
// staff member's Cognito subject; the client's own actions keep its key id. (Staff routes
// show the stored value: see staff-tenants.)
func TestClientsSeeStaffActionsAsStaffWithoutTheirIdentity(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	ctx := context.Background()
	staff := audit.Actor{Type: "staff", ID: "3f2b8c9e-cognito-sub"}
	tn, first, err := d.Tenants.CreateTenant(ctx, staff, "Alpha", "")
	if err != nil {
		t.Fatal(err)
	}
	byStaff, err := d.Tenants.IssueKey(ctx, staff, tn.ID, "from support")
	if err != nil {
		t.Fatal(err)
	}
	revokedByStaff, err := d.Tenants.IssueKey(ctx, staff, tn.ID, "leaked")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Tenants.RevokeKey(ctx, staff, tn.ID, revokedByStaff.ID, tenants.RevokeOptions{}); err != nil {
		t.Fatal(err)
	}
	auth := pt.Bearer(first.Secret)
	status, created := pt.Call(t, srv, pt.Request{RouteKey: "POST /v1/api-keys", Headers: auth, Body: `{"label":"ci"}`})
	if status != 201 || created["createdBy"] != "client:"+first.ID {
		t.Fatalf("create: %d %v", status, created)
	}

	status, list := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/api-keys", Headers: auth})
	if status != 200 {
		t.Fatalf("list: %d %v", status, list)
	}
	raw, _ := json.Marshal(list)
	if strings.Contains(string(raw), staff.ID) {
		t.Fatalf("the list shows the staff member: %s", raw)
	}
	by := map[string]map[string]any{}
	for _, it := range list["items"].([]any) {
		k := it.(map[string]any)
		by[k["id"].(string)] = k
	}
	if len(by) != 4 {
		t.Fatalf("list: %s", raw)
	}
	for id, want := range map[string][2]any{
		first.ID:               {"staff", nil},
		byStaff.ID:             {"staff", nil},
		revokedByStaff.ID:      {"staff", "staff"},
		created["id"].(string): {"client:" + first.ID, nil},
	} {
		if by[id]["createdBy"] != want[0] || by[id]["revokedBy"] != want[1] {
			t.Errorf("key %s: createdBy %v, revokedBy %v; want %v, %v", id, by[id]["createdBy"], by[id]["revokedBy"], want[0], want[1])
		}
	}

	status, revoked := pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/api-keys/{keyId}", Path: map[string]string{"keyId": byStaff.ID}, Headers: auth})
	if status != 200 || revoked["createdBy"] != "staff" || revoked["revokedBy"] != "client:"+first.ID {
		t.Fatalf("revoke: %d %v", status, revoked)
	}
	status, again := pt.Call(t, srv, pt.Request{RouteKey: "DELETE /v1/api-keys/{keyId}", Path: map[string]string{"keyId": revokedByStaff.ID}, Headers: auth})
	if status != 200 || again["createdBy"] != "staff" || again["revokedBy"] != "staff" {
		t.Fatalf("revoking a key staff revoked: %d %v", status, again)
	}
}
