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
	"github.com/chainfi/chainguard/shared/screening"
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
			var in configRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			c, err := in.config()
			if err != nil {
				return httpapi.Response{}, err
			}
			expected, err := ifMatch(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			c, err = svc.PutConfig(ctx, actor(p), p.Tenant, c, expected)
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

// configRequest is the body of PUT /v1/monitoring: the whole configuration. enabled is
// required; an absent field takes its default (monitoring.DefaultConfig); the fields the
// service sets (version, scheduleExpression, updatedAt) are refused as unknown.
type configRequest struct {
	Enabled              *bool                 `json:"enabled"`
	Cadence              *string               `json:"cadence"`
	Checks               *checksRequest        `json:"checks"`
	Thresholds           *screening.Thresholds `json:"thresholds"`
	RescreenOnListUpdate *bool                 `json:"rescreenOnListUpdate"`
}

type checksRequest struct {
	Lists     *[]string `json:"lists"`
	VendorAML *bool     `json:"vendorAml"`
}

func (r configRequest) config() (monitoring.Config, error) {
	c := monitoring.DefaultConfig()
	if r.Enabled == nil {
		return c, failure.InvalidInput("enabled_required", "enabled is required: true or false")
	}
	c.Enabled = *r.Enabled
	if r.Cadence != nil {
		c.Cadence = *r.Cadence
	}
	if r.Checks != nil {
		if r.Checks.Lists != nil {
			c.Checks.Lists = *r.Checks.Lists
			if c.Checks.Lists == nil {
				c.Checks.Lists = []string{}
			}
		}
		if r.Checks.VendorAML != nil {
			c.Checks.VendorAML = *r.Checks.VendorAML
		}
	}
	if r.Thresholds != nil {
		c.Thresholds = *r.Thresholds
	}
	if r.RescreenOnListUpdate != nil {
		c.RescreenOnListUpdate = *r.RescreenOnListUpdate
	}
	return c, nil
}

// ifMatch reads an optional If-Match header holding the configuration's version.
func ifMatch(req httpapi.Request) (int64, error) {
	v, present := "", false
	for k, val := range req.Headers {
		if strings.EqualFold(k, "if-match") {
			v, present = strings.Trim(strings.TrimSpace(val), `"`), true
		}
	}
	if !present {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, failure.InvalidInput("invalid_if_match", "If-Match must be the configuration's version, a positive integer")
	}
	return n, nil
}
