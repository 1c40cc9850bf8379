package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/monitoring"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

func newServer(d *platform.Deps, svc *monitoring.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error)) httpapi.Handler {
		return httpapi.Client(d.Tenants, h)
	}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/monitoring": route(func(ctx context.Context, p tenants.Principal, _ httpapi.Request) (httpapi.Response, error) {
			c, err := svc.GetConfig(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, c), nil
		}),
		"PUT /v1/monitoring": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in monitoring.Config
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			expected, err := ifMatch(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if in.Thresholds.Match == 0 && in.Thresholds.Review == 0 {
				in.Thresholds = monitoring.DefaultConfig().Thresholds
			}
			if in.Cadence == "" {
				in.Cadence = monitoring.DefaultConfig().Cadence
			}
			if in.Checks.Lists == nil && !in.Checks.VendorAML {
				in.Checks.Lists = monitoring.DefaultConfig().Checks.Lists
			}
			c, err := svc.PutConfig(ctx, actor(p), p.Tenant, in, expected)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, c), nil
		}),
		"GET /v1/monitoring/runs": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			pg, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			runs, next, err := svc.ListRuns(ctx, p.Tenant, pg.Cursor, pg.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[monitoring.Run]{Items: runs, NextCursor: next}), nil
		}),
		"GET /v1/monitoring/runs/{runId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			r, err := svc.GetRun(ctx, p.Tenant, req.PathParameters["runId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
		// A run now, besides the cadence: the client's own re-screen (after a policy change,
		// before an audit). It is planned before the answer; workers screen after it.
		"POST /v1/monitoring/runs": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			if err := httpapi.DecodeJSON(req, &struct{}{}); err != nil && len(req.Body) > 0 {
				return httpapi.Response{}, err
			}
			r, err := svc.Plan(ctx, monitoring.Trigger{Tenant: string(p.Tenant), Kind: monitoring.TriggerManual})
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusAccepted, r), nil
		}),
	}}
}

// ifMatch reads an optional If-Match header holding the configuration's version.
func ifMatch(req httpapi.Request) (int64, error) {
	v := ""
	for k, val := range req.Headers {
		if strings.EqualFold(k, "if-match") {
			v = strings.Trim(strings.TrimSpace(val), `"`)
		}
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, failure.InvalidInput("invalid_if_match", "If-Match must be the configuration's version, a positive integer")
	}
	return n, nil
}
