package main

import (
	"context"
	"net/http"
	"time"

	"github.com/chainfi/chainguard/shared/alerts"
	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

// idempotencyScope names POST /v1/alerts/{alertId}/resolution in idempotency records.
const idempotencyScope = "alert.resolve"

func newServer(d *platform.Deps, svc *alerts.Service, idem *idempotency.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h httpapi.ClientHandler) httpapi.Handler { return httpapi.Client(d.Tenants, h) }
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/alerts": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			f, err := filter(req.QueryStringParameters)
			if err != nil {
				return httpapi.Response{}, err
			}
			items, next, err := svc.List(ctx, p.Tenant, f, page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[alerts.Alert]{Items: items, NextCursor: next}), nil
		}),
		"GET /v1/alerts/{alertId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "alertId")
			if err != nil {
				return httpapi.Response{}, err
			}
			a, err := svc.Get(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, a), nil
		}),
		"POST /v1/alerts/{alertId}/resolution": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "alertId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in alerts.ResolutionInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			key, err := httpapi.IdempotencyKey(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if key == "" {
				a, err := svc.Resolve(ctx, actor(p), p.Tenant, id, in)
				if err != nil {
					return httpapi.Response{}, err
				}
				return httpapi.JSON(http.StatusOK, a), nil
			}
			body, err := httpapi.Body(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			// The key is completed in the resolution's own transaction and keeps only the
			// alert id (the comment is stored encrypted with the alert alone): a retry after
			// a lost answer gets the resolved alert, not 409 alert_already_resolved. The
			// path is part of the payload, so one key cannot resolve two alerts.
			var fresh alerts.Alert
			payload := append([]byte(id+"\x00"), body...)
			_, replayed, err := idem.DoTx(ctx, p.Tenant, idempotencyScope, key, payload, func(ctx context.Context, done *idempotency.Completion) error {
				a, err := svc.Resolve(ctx, actor(p), p.Tenant, id, in, func(tx *store.Tx, a alerts.Alert) { done.Stage(tx, []byte(a.ID)) })
				fresh = a
				return err
			})
			if err != nil {
				return httpapi.Response{}, err
			}
			if !replayed {
				return httpapi.JSON(http.StatusOK, fresh), nil
			}
			a, err := svc.Get(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			resp := httpapi.JSON(http.StatusOK, a)
			resp.Headers["idempotent-replayed"] = "true"
			return resp, nil
		}),
	}}
}

// filter reads the listing's query parameters; from and to are RFC 3339 times.
func filter(q map[string]string) (alerts.Filter, error) {
	f := alerts.Filter{Status: q["status"], UserID: q["userId"], Kind: q["kind"]}
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		s := q[name]
		if s == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return alerts.Filter{}, failure.InvalidInput("invalid_"+name, "%s must be an RFC 3339 time, like 2026-12-01T00:00:00Z", name)
		}
		*dst = t
	}
	return f, nil
}
