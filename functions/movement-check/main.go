// Command movement-check is the pre-signing decision: POST /v1/movements/check evaluates
// the tenant's enabled rules on a proposed movement and answers allow, review or block
// with the rules that hit and why, recorded for replay (GET /v1/decisions/{decisionId}).
// It is its own function so that it stays small and warm: the custody platform calls it
// before it signs a withdrawal.
package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, _, err := movements.FromPlatform(ctx, d, movements.NeedLists)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc).Handle, nil
	})
}

func newServer(d *platform.Deps, svc *movements.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h httpapi.ClientHandler) httpapi.Handler { return httpapi.Client(d.Tenants, h) }
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/movements/check": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in movements.CheckInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			dec, err := svc.Check(ctx, p.Tenant, actor(p), in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, dec), nil
		}),
		"GET /v1/decisions/{decisionId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "decisionId")
			if err != nil {
				return httpapi.Response{}, err
			}
			dec, err := svc.GetDecision(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, dec), nil
		}),
	}}
}
