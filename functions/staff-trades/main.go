// Command staff-trades serves the platform's mediators and approvers: the dispute queue,
// a trade's case (the trade, the dispute's description, each party's record; the read is
// audited), taking a dispute, asking a party for evidence, verdicts (four eyes above the
// asset's threshold), approvals, decisions on held trades, the chat during a dispute
// (audited), and the stuck-trade check.
package main

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/trades"
)

func main() {
	platform.Start(func(ctx context.Context, d *platform.Deps) (any, error) {
		svc, err := trades.FromPlatformWithUsers(ctx, d, 0)
		if err != nil {
			return nil, err
		}
		chat, err := newChat(ctx, d, svc)
		if err != nil {
			return nil, err
		}
		return newServer(d, svc, chat).Handle, nil
	}, platform.WithCursors())
}

var (
	mediators = []httpapi.Role{httpapi.RoleAnalyst, httpapi.RoleApprover}
	readers   = []httpapi.Role{httpapi.RoleAnalyst, httpapi.RoleApprover, httpapi.RoleAuditor}
)

func staff(s httpapi.Staff) trades.Staff {
	return trades.Staff{ID: s.Subject, Analyst: slices.Contains(s.Roles, httpapi.RoleAnalyst), Approver: slices.Contains(s.Roles, httpapi.RoleApprover)}
}

func newServer(d *platform.Deps, svc *trades.Service, chat chatRoutes) *httpapi.Server {
	onTrade := func(roles []httpapi.Role, h func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error)) httpapi.Handler {
		return httpapi.StaffOnly(roles, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			id, err := httpapi.PathParam(req, "tradeId")
			if err != nil {
				return httpapi.Response{}, err
			}
			return h(ctx, s, req, id)
		})
	}
	routes := httpapi.Routes{
		"GET /v1/staff/disputes": httpapi.StaffOnly(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			q, next, err := svc.Queue(ctx, staff(s), req.QueryStringParameters["status"], page.Cursor, page.Limit)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[trades.QueueEntry]{Items: q, NextCursor: next}), nil
		}),
		"GET /v1/staff/trades/stuck": httpapi.StaffOnly(readers, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			st, err := svc.StuckTrades(ctx, time.Now().UTC())
			if err != nil {
				return httpapi.Response{}, err
			}
			if st == nil {
				st = []trades.Stuck{}
			}
			return httpapi.JSON(http.StatusOK, map[string]any{"items": st}), nil
		}),
		"GET /v1/staff/trades/{tradeId}": onTrade(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error) {
			v, err := svc.StaffGet(ctx, staff(s), id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, v), nil
		}),
		"POST /v1/staff/trades/{tradeId}/take": onTrade(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error) {
			tr, err := svc.Take(ctx, staff(s), id)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, tr), nil
		}),
		"POST /v1/staff/trades/{tradeId}/evidence-requests": onTrade(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.EvidenceInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, err := svc.RequestEvidence(ctx, staff(s), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, tr), nil
		}),
		"POST /v1/staff/trades/{tradeId}/verdict": onTrade(mediators, func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.VerdictInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, proposed, err := svc.Verdict(ctx, staff(s), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			if proposed {
				return httpapi.JSON(http.StatusAccepted, tr), nil
			}
			return httpapi.JSON(http.StatusOK, tr), nil
		}),
		"POST /v1/staff/trades/{tradeId}/approval": onTrade([]httpapi.Role{httpapi.RoleApprover}, func(ctx context.Context, s httpapi.Staff, req httpapi.Request, id string) (httpapi.Response, error) {
			var in trades.ApprovalInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			tr, err := svc.Approve(ctx, staff(s), id, in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, tr), nil
		}),
	}
	for k, h := range chat.routes() {
		routes[k] = h
	}
	return &httpapi.Server{Log: d.Log, Routes: routes}
}
