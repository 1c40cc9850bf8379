package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

// maxListBody bounds list bodies: 5,000 addresses of about 45 bytes.
const maxListBody = 512 << 10

func newServer(d *platform.Deps, svc *movements.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h httpapi.ClientHandler) httpapi.Handler { return httpapi.Client(d.Tenants, h) }
	withID := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error)) httpapi.Handler {
		return route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "ruleId")
			if err != nil {
				return httpapi.Response{}, err
			}
			return h(ctx, p, req, id)
		})
	}
	ruleResp := func(status int, r movements.Rule) httpapi.Response {
		resp := httpapi.JSON(status, r)
		resp.Headers["etag"] = `"` + strconv.Itoa(r.Version) + `"`
		return resp
	}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/rules": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in movements.RuleInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := svc.CreateRule(ctx, p.Tenant, actor(p), in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return ruleResp(http.StatusCreated, r), nil
		}),
		"GET /v1/rules": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			rs, err := svc.Rules(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			if rs == nil {
				rs = []movements.Rule{}
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"items": rs}), nil
		}),
		"GET /v1/rules/{ruleId}": withID(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			r, err := svc.GetRule(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return ruleResp(http.StatusOK, r), nil
		}),
		"PUT /v1/rules/{ruleId}": withID(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in movements.RuleInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			expected := 0
			if m := strings.Trim(httpapi.Header(req, "if-match"), `" `); m != "" {
				v, err := strconv.Atoi(m)
				if err != nil || v < 1 {
					return httpapi.Response{}, failure.InvalidInput("invalid_if_match", "If-Match is the rule's version as its ETag gives it, like \"3\"")
				}
				expected = v
			}
			r, err := svc.UpdateRule(ctx, p.Tenant, actor(p), id, expected, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return ruleResp(http.StatusOK, r), nil
		}),
		"DELETE /v1/rules/{ruleId}": withID(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			r, err := svc.DisableRule(ctx, p.Tenant, actor(p), id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return ruleResp(http.StatusOK, r), nil
		}),
		"GET /v1/rules/{ruleId}/versions": withID(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			vs, err := svc.RuleVersions(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"items": vs}), nil
		}),
		"POST /v1/rules/{ruleId}/backtest": withID(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in movements.BacktestInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			b, err := svc.RunBacktest(ctx, p.Tenant, id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, b), nil
		}),
		"POST /v1/lists": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in movements.ListInput
			if err := httpapi.DecodeJSONLimit(req, &in, maxListBody); err != nil {
				return httpapi.Response{}, err
			}
			l, err := svc.CreateList(ctx, p.Tenant, actor(p), in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, l), nil
		}),
		"GET /v1/lists": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			ls, err := svc.ListLists(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			if ls == nil {
				ls = []movements.ClientList{}
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"items": ls}), nil
		}),
		"GET /v1/lists/{listName}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			name, err := httpapi.PathParam(req, "listName")
			if err != nil {
				return httpapi.Response{}, err
			}
			l, err := svc.GetList(ctx, p.Tenant, name)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, l), nil
		}),
		"POST /v1/lists/{listName}/items": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			name, err := httpapi.PathParam(req, "listName")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in movements.ListChange
			if err := httpapi.DecodeJSONLimit(req, &in, maxListBody); err != nil {
				return httpapi.Response{}, err
			}
			l, err := svc.ChangeList(ctx, p.Tenant, actor(p), name, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, l), nil
		}),
	}}
}
