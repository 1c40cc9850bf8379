package main

import (
	"context"
	"os"
	"testing"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/emulator"
	"github.com/chainfi/chainguard/shared/monitoring"
	pt "github.com/chainfi/chainguard/shared/platform/platformtest"
	"github.com/chainfi/chainguard/shared/store"
)

func TestMain(m *testing.M) { os.Exit(emulator.RunTests(m)) }

func setup(t *testing.T) (call func(pt.Request) (int, map[string]any), keyA, keyB map[string]string, svc *monitoring.Service, ta store.TenantID) {
	t.Helper()
	d := pt.Deps(t)
	// No scheduler: the configuration's schedule is the service's test (shared/monitoring).
	svc = &monitoring.Service{Store: d.Store, Audit: d.Audit, Log: d.Log}
	srv := newServer(d, svc)
	staff := audit.Actor{Type: "staff", ID: "s"}
	a, ka, err := d.Tenants.CreateTenant(context.Background(), staff, "Alpha", "")
	if err != nil {
		t.Fatal(err)
	}
	_, kb, err := d.Tenants.CreateTenant(context.Background(), staff, "Beta", "")
	if err != nil {
		t.Fatal(err)
	}
	return func(r pt.Request) (int, map[string]any) { return pt.Call(t, srv, r) }, pt.Bearer(ka.Secret), pt.Bearer(kb.Secret), svc, store.TenantID(a.ID)
}

func TestAClientSwitchesMonitoringOnAndOff(t *testing.T) {
	call, keyA, keyB, _, _ := setup(t)
	status, got := call(pt.Request{RouteKey: "GET /v1/monitoring", Headers: keyA})
	if status != 200 || got["enabled"] != false || got["cadence"] != "weekly" || got["rescreenOnListUpdate"] != true {
		t.Fatalf("default: %d %v", status, got)
	}
	status, got = call(pt.Request{RouteKey: "PUT /v1/monitoring", Headers: keyA, Body: `{"enabled":true,"cadence":"cron(15 4 ? * MON-FRI *)","checks":{"lists":["sanctions"]}}`})
	if status != 200 || got["enabled"] != true || got["scheduleExpression"] != "cron(15 4 ? * MON-FRI *)" || got["version"] != float64(1) ||
		pt.Get(got, "thresholds", "review") != 0.82 {
		t.Fatalf("put: %d %v", status, got)
	}
	// Another tenant still has it off.
	if status, other := call(pt.Request{RouteKey: "GET /v1/monitoring", Headers: keyB}); status != 200 || other["enabled"] != false {
		t.Fatalf("tenant B: %d %v", status, other)
	}
	for name, c := range map[string]struct {
		body    string
		headers map[string]string
		code    string
	}{
		"a cadence that is not one":  {`{"enabled":true,"cadence":"sometimes"}`, nil, "invalid_cadence"},
		"an unknown field":           {`{"enabled":true,"cadance":"daily"}`, nil, "unknown_field"},
		"a string for a boolean":     {`{"enabled":"yes"}`, nil, "invalid_field"},
		"an old version in If-Match": {`{"enabled":false}`, map[string]string{"if-match": `"7"`}, "version_mismatch"},
		"an If-Match that is no int": {`{"enabled":false}`, map[string]string{"if-match": "abc"}, "invalid_if_match"},
		"an empty If-Match":          {`{"enabled":false}`, map[string]string{"if-match": ""}, "invalid_if_match"},
		"no enabled":                 {`{"cadence":"daily"}`, nil, "enabled_required"},
		"a field the service sets":   {`{"enabled":true,"version":9}`, nil, "unknown_field"},
		"lists emptied":              {`{"enabled":true,"checks":{"lists":[]}}`, nil, "invalid_checks"},
	} {
		h := map[string]string{}
		for k, v := range keyA {
			h[k] = v
		}
		for k, v := range c.headers {
			h[k] = v
		}
		status, body := call(pt.Request{RouteKey: "PUT /v1/monitoring", Headers: h, Body: c.body})
		if status/100 != 4 || pt.Get(body, "error", "code") != c.code {
			t.Errorf("%s: %d %v, want %s", name, status, body, c.code)
		}
	}
	if status, got := call(pt.Request{RouteKey: "GET /v1/monitoring", Headers: keyA}); status != 200 || got["version"] != float64(1) || got["enabled"] != true {
		t.Fatalf("after refused changes: %d %v", status, got)
	}
	status, got = call(pt.Request{RouteKey: "PUT /v1/monitoring", Headers: keyA, Body: `{"enabled":false}`})
	// Absent fields take their defaults: re-screens on list updates stay on.
	if status != 200 || got["enabled"] != false || got["scheduleExpression"] != nil || got["rescreenOnListUpdate"] != true {
		t.Fatalf("off: %d %v", status, got)
	}
}

func TestRunsAreTheTenantsOwn(t *testing.T) {
	call, keyA, keyB, _, _ := setup(t)
	// Off: a run on request is refused.
	if status, body := call(pt.Request{RouteKey: "POST /v1/monitoring/runs", Headers: keyA}); status != 409 || pt.Get(body, "error", "code") != "monitoring_off" {
		t.Fatalf("a run with monitoring off: %d %v", status, body)
	}
	if status, body := call(pt.Request{RouteKey: "GET /v1/monitoring/runs", Headers: keyA}); status != 200 || len(body["items"].([]any)) != 0 {
		t.Fatalf("runs: %d %v", status, body)
	}
	for _, id := range []string{"R0123456789abcdef01234567", "../x", "a#b"} {
		if status, body := call(pt.Request{RouteKey: "GET /v1/monitoring/runs/{runId}", Path: map[string]string{"runId": id}, Headers: keyB}); status != 404 || pt.Get(body, "error", "code") != "run_not_found" {
			t.Fatalf("run %q: %d %v", id, status, body)
		}
	}
}
