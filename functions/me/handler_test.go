package main

import (
	"context"
	"os"
	"testing"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func TestMeAnswersTheCallersTenantOnly(t *testing.T) {
	d := pt.Deps(t)
	srv := newServer(d)
	staff := audit.Actor{Type: "staff", ID: "s"}
	a, ka, err := d.Tenants.CreateTenant(context.Background(), staff, "Alpha Exchange", "")
	if err != nil {
		t.Fatal(err)
	}
	b, kb, err := d.Tenants.CreateTenant(context.Background(), staff, "Beta Desk", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, tenant, name string
	}{{ka.Secret, a.ID, "Alpha Exchange"}, {kb.Secret, b.ID, "Beta Desk"}} {
		status, body := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/me", Headers: pt.Bearer(c.key)})
		if status != 200 || pt.Get(body, "tenant", "id") != c.tenant || pt.Get(body, "tenant", "name") != c.name {
			t.Fatalf("status %d body %v, want tenant %s", status, body, c.tenant)
		}
	}
}

func TestMeWithoutAValidKeyIs401(t *testing.T) {
	srv := newServer(pt.Deps(t))
	for name, h := range map[string]map[string]string{
		"no key":  nil,
		"bad key": pt.Bearer("cgk_not-a-key"),
	} {
		status, body := pt.Call(t, srv, pt.Request{RouteKey: "GET /v1/me", Headers: h})
		if status != 401 || pt.ErrorCode(body) == "" {
			t.Errorf("%s: status %d body %v", name, status, body)
		}
	}
}
