package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/movements"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

// maxBatchBody bounds POST /v1/movements: 500 movements of about 2 KB each.
const maxBatchBody = 1 << 20

func newServer(d *platform.Deps, svc *movements.Service, x *movements.Exporter) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h httpapi.ClientHandler) httpapi.Handler { return httpapi.Client(d.Tenants, h) }
	links := func(kind string) httpapi.Handler {
		return route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			items, hist, err := svc.Links(ctx, p.Tenant, user, kind)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"items": items, "history": hist}), nil
		})
	}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/users/{userId}/vaults": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in movements.VaultInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			l, created, err := svc.LinkVault(ctx, p.Tenant, actor(p), user, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(createdOr(created), l), nil
		}),
		"GET /v1/users/{userId}/vaults": links(movements.LinkVault),
		"DELETE /v1/users/{userId}/vaults/{vaultId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			vault, err := httpapi.PathParam(req, "vaultId")
			if err != nil {
				return httpapi.Response{}, err
			}
			if err := svc.UnlinkVault(ctx, p.Tenant, actor(p), user, vault); err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.NoContent(), nil
		}),
		"POST /v1/users/{userId}/wallets": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in movements.WalletInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			l, created, err := svc.LinkWallet(ctx, p.Tenant, actor(p), user, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(createdOr(created), l), nil
		}),
		"GET /v1/users/{userId}/wallets": links(movements.LinkWallet),
		"DELETE /v1/users/{userId}/wallets/{chain}/{address}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			chain, err := httpapi.PathParam(req, "chain")
			if err != nil {
				return httpapi.Response{}, err
			}
			addr, err := httpapi.PathParam(req, "address")
			if err != nil {
				return httpapi.Response{}, err
			}
			if err := svc.UnlinkWallet(ctx, p.Tenant, actor(p), user, chain, addr); err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.NoContent(), nil
		}),
		"POST /v1/movements": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			ins, batch, err := decodeMovements(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			res := svc.LogMovements(ctx, p.Tenant, actor(p), ins)
			if !batch {
				r := res[0]
				switch r.Status {
				case movements.StatusLogged:
					return httpapi.JSON(http.StatusCreated, r.Movement), nil
				case movements.StatusReplayed:
					resp := httpapi.JSON(http.StatusOK, r.Movement)
					resp.Headers["idempotent-replayed"] = "true"
					return resp, nil
				}
				return httpapi.Response{}, r.Err()
			}
			logged, replayed, failed := 0, 0, 0
			for _, r := range res {
				switch r.Status {
				case movements.StatusError:
					failed++
				case movements.StatusReplayed:
					replayed++
				default:
					logged++
				}
			}
			status := http.StatusOK
			if failed > 0 && logged+replayed > 0 {
				status = http.StatusMultiStatus
			} else if failed > 0 {
				status = http.StatusBadRequest
				if allInternal(res) {
					status = http.StatusServiceUnavailable
				}
			}
			return httpapi.JSON(status, map[string]any{"results": res, "logged": logged, "replayed": replayed, "failed": failed}), nil
		}),
		"GET /v1/movements": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			q := req.QueryStringParameters
			f := movements.Filter{User: q["user"], Vault: q["vault"], Address: q["address"], Chain: q["chain"], Asset: q["asset"]}
			if f.From, err = timeParam(q, "from"); err != nil {
				return httpapi.Response{}, err
			}
			if f.To, err = timeParam(q, "to"); err != nil {
				return httpapi.Response{}, err
			}
			items, next, err := svc.List(ctx, p.Tenant, f, page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[movements.Movement]{Items: items, NextCursor: next}), nil
		}),
		"GET /v1/movements/{movementId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "movementId")
			if err != nil {
				return httpapi.Response{}, err
			}
			m, err := svc.Get(ctx, p.Tenant, actor(p), id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, m), nil
		}),
		"GET /v1/movements/{movementId}/evaluation": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "movementId")
			if err != nil {
				return httpapi.Response{}, err
			}
			ev, err := svc.GetEvaluation(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, ev), nil
		}),
		"POST /v1/movements/{movementId}/corrections": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "movementId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in movements.Input
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := svc.Correct(ctx, p.Tenant, actor(p), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			if r.Status == movements.StatusReplayed {
				resp := httpapi.JSON(http.StatusOK, r.Movement)
				resp.Headers["idempotent-replayed"] = "true"
				return resp, nil
			}
			return httpapi.JSON(http.StatusCreated, r.Movement), nil
		}),
		"POST /v1/movement-exports": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in movements.ExportInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			e, err := svc.RequestExport(ctx, p.Tenant, actor(p), x, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusAccepted, e), nil
		}),
		"GET /v1/movement-exports/{exportId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "exportId")
			if err != nil {
				return httpapi.Response{}, err
			}
			e, err := svc.GetExport(ctx, p.Tenant, actor(p), x, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, e), nil
		}),
	}}
}

func createdOr(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

func allInternal(res []movements.Result) bool {
	for _, r := range res {
		if r.Error != nil && r.Error.Status < 500 {
			return false
		}
	}
	return true
}

// decodeMovements reads one movement, or {"movements": [...]} of 1 to MaxBatch, with the
// API's strict JSON rules (unknown fields, duplicates and invalid UTF-8 refused).
func decodeMovements(req httpapi.Request) ([]movements.Input, bool, error) {
	body, err := httpapi.Body(req)
	if err != nil {
		return nil, false, err
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(body), &probe); err == nil {
		if _, ok := probe["movements"]; ok {
			var b struct {
				Movements []movements.Input `json:"movements"`
			}
			if err := httpapi.DecodeJSONLimit(req, &b, maxBatchBody); err != nil {
				return nil, true, err
			}
			if len(b.Movements) == 0 || len(b.Movements) > movements.MaxBatch {
				return nil, true, failure.InvalidInput("invalid_batch", "a batch holds 1 to %d movements", movements.MaxBatch)
			}
			return b.Movements, true, nil
		}
	}
	var in movements.Input
	if err := httpapi.DecodeJSON(req, &in); err != nil {
		return nil, false, err
	}
	return []movements.Input{in}, false, nil
}

func timeParam(q map[string]string, name string) (time.Time, error) {
	s := q[name]
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, failure.InvalidInput("invalid_"+name, "%s must be an RFC 3339 time, like 2026-12-01T00:00:00Z", name)
	}
	return t, nil
}
