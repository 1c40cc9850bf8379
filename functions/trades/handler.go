package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/idempotency"
	"github.com/chainfi/chainguard/shared/ledger"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
	"github.com/chainfi/chainguard/shared/trades"
)

func newServer(d *platform.Deps, svc *trades.Service, chat chatRoutes, idem *idempotency.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h httpapi.ClientHandler) httpapi.Handler { return httpapi.Client(d.Tenants, h) }
	trade := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error)) httpapi.Handler {
		return route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "tradeId")
			if err != nil {
				return httpapi.Response{}, err
			}
			return h(ctx, p, req, id)
		})
	}
	act := func(action string) httpapi.Handler {
		return trade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.ActInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, err := svc.Act(ctx, p.Tenant, actor(p), id, action, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, trades.ClientView(tr)), nil
		})
	}
	movement := func(deposit bool) httpapi.Handler {
		return route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in ledger.Movement
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			op := svc.Ledger.Withdraw
			if deposit {
				op = svc.Ledger.Deposit
			}
			r, err := op(ctx, actor(p), p.Tenant, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			status := http.StatusCreated
			if r.Replayed {
				status = http.StatusOK
			}
			return httpapi.JSON(status, r), nil
		})
	}
	routes := httpapi.Routes{
		"POST /v1/ledger/deposits":    movement(true),
		"POST /v1/ledger/withdrawals": movement(false),
		"GET /v1/users/{userId}/balances": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			if _, err := svc.Users.GetUser(ctx, p.Tenant, user); err != nil {
				return httpapi.Response{}, err
			}
			bs, err := svc.Ledger.Balances(ctx, p.Tenant, user)
			if err != nil {
				return httpapi.Response{}, err
			}
			if bs == nil {
				bs = []ledger.Balance{}
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"userId": user, "balances": bs}), nil
		}),
		"GET /v1/users/{userId}/ledger": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			user, err := httpapi.PathParam(req, "userId")
			if err != nil {
				return httpapi.Response{}, err
			}
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if _, err := svc.Users.GetUser(ctx, p.Tenant, user); err != nil {
				return httpapi.Response{}, err
			}
			st, err := svc.Ledger.Entries(ctx, p.Tenant, user, page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, st), nil
		}),
		"POST /v1/trades": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in trades.OpenInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			key, err := httpapi.IdempotencyKey(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			if key == "" {
				tr, err := svc.Open(ctx, p.Tenant, actor(p), in)
				if err != nil {
					return httpapi.Response{}, err
				}
				return httpapi.JSON(http.StatusCreated, trades.ClientView(tr)), nil
			}
			// With an Idempotency-Key the key is completed in the trade's own
			// transaction: a retry after a lost answer gets the trade, never a second lock.
			body, err := httpapi.Body(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			var fresh trades.Trade
			stored, replayed, err := idem.DoTx(ctx, p.Tenant, "trade.open", key, body, func(ctx context.Context, done *idempotency.Completion) error {
				tr, err := svc.Open(ctx, p.Tenant, actor(p), in, func(tx *store.Tx, tr trades.Trade) { done.Stage(tx, []byte(tr.ID)) })
				fresh = tr
				return err
			})
			if err != nil {
				return httpapi.Response{}, err
			}
			if !replayed {
				return httpapi.JSON(http.StatusCreated, trades.ClientView(fresh)), nil
			}
			tr, err := svc.Get(ctx, p.Tenant, string(stored))
			if err != nil {
				return httpapi.Response{}, err
			}
			resp := httpapi.JSON(http.StatusOK, trades.ClientView(tr))
			resp.Headers["idempotent-replayed"] = "true"
			return resp, nil
		}),
		"GET /v1/trades/{tradeId}": trade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			tr, err := svc.Get(ctx, p.Tenant, id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, trades.ClientView(tr)), nil
		}),
		"POST /v1/trades/{tradeId}/paid":    act("paid"),
		"POST /v1/trades/{tradeId}/release": act("release"),
		"POST /v1/trades/{tradeId}/cancel":  act("cancel"),
		"POST /v1/trades/{tradeId}/disputes": trade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.DisputeInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, err := svc.OpenDispute(ctx, p.Tenant, actor(p), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, trades.ClientView(tr)), nil
		}),
		"POST /v1/trades/{tradeId}/evidence/{requestId}": trade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			rid, err := httpapi.PathParam(req, "requestId")
			if err != nil {
				return httpapi.Response{}, err
			}
			var in trades.AnswerInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, err := svc.AnswerEvidence(ctx, p.Tenant, actor(p), id, rid, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, trades.ClientView(tr)), nil
		}),
		"POST /v1/trades/{tradeId}/proof-of-life": trade(func(ctx context.Context, p tenants.Principal, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.ProofInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			out, err := svc.RequestProof(ctx, p.Tenant, actor(p), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			out.Trade = trades.ClientView(out.Trade)
			return httpapi.JSON(http.StatusCreated, out), nil
		}),
	}
	for k, h := range chat.routes(route, actor) {
		routes[k] = h
	}
	return &httpapi.Server{Log: d.Log, Routes: routes}
}
