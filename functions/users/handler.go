package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

// consentRequest is POST /v1/users/{userId}/consent. ipAddress and userAgent are the end
// user's, as the client's front end saw them; without them the caller's are recorded.
type consentRequest struct {
	Version   string `json:"version"`
	Accepted  *bool  `json:"accepted"`
	IPAddress string `json:"ipAddress"`
	UserAgent string `json:"userAgent"`
}

type withdrawRequest struct {
	IPAddress string `json:"ipAddress"`
	UserAgent string `json:"userAgent"`
}

func newServer(d *platform.Deps, svc *onboarding.Service) *httpapi.Server {
	actor := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	route := func(h func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error)) httpapi.Handler {
		return httpapi.Client(d.Tenants, h)
	}
	user := func(ctx context.Context, p tenants.Principal, req httpapi.Request, f func(id string) (onboarding.User, error)) (httpapi.Response, error) {
		u, err := f(req.PathParameters["userId"])
		if err != nil {
			return httpapi.Response{}, err
		}
		return httpapi.JSON(http.StatusOK, u), nil
	}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/users": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.CreateUserInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			u, created, err := svc.CreateUser(ctx, p.Tenant, actor(p), in)
			if err != nil {
				return httpapi.Response{}, err
			}
			if created {
				return httpapi.JSON(http.StatusCreated, u), nil
			}
			return httpapi.JSON(http.StatusOK, u), nil
		}),
		"GET /v1/users": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			f := onboarding.UserFilter{Status: req.QueryStringParameters["status"], Jurisdiction: req.QueryStringParameters["jurisdiction"]}
			us, next, err := svc.ListUsers(ctx, p.Tenant, f, page.Limit, page.Cursor)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[onboarding.User]{Items: us, NextCursor: next}), nil
		}),
		"GET /v1/users/{userId}": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			return user(ctx, p, req, func(id string) (onboarding.User, error) { return svc.GetUser(ctx, p.Tenant, id) })
		}),
		"POST /v1/users/{userId}/consent": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in consentRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			ip, ua := origin(req, in.IPAddress, in.UserAgent)
			return user(ctx, p, req, func(id string) (onboarding.User, error) {
				return svc.Consent(ctx, p.Tenant, actor(p), id, onboarding.ConsentInput{Version: in.Version, Accepted: in.Accepted, IP: ip, UserAgent: ua})
			})
		}),
		"DELETE /v1/users/{userId}/consent": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in withdrawRequest
			if len(req.Body) > 0 {
				if err := httpapi.DecodeJSON(req, &in); err != nil {
					return httpapi.Response{}, err
				}
			}
			ip, ua := origin(req, in.IPAddress, in.UserAgent)
			return user(ctx, p, req, func(id string) (onboarding.User, error) {
				return svc.WithdrawConsent(ctx, p.Tenant, actor(p), id, ip, ua)
			})
		}),
		"POST /v1/users/{userId}/kyc": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.StartKYCInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			sess, err := svc.StartKYC(ctx, p.Tenant, actor(p), req.PathParameters["userId"], in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, sess), nil
		}),
		"POST /v1/users/{userId}/appeals": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.AppealInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			u, err := svc.Appeal(ctx, p.Tenant, actor(p), req.PathParameters["userId"], in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusCreated, u), nil
		}),
		"POST /v1/users/{userId}/members": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.MemberInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			return user(ctx, p, req, func(id string) (onboarding.User, error) { return svc.AddMember(ctx, p.Tenant, actor(p), id, in) })
		}),
		"GET /v1/kyc-policy": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			pol, err := svc.Policy(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, pol), nil
		}),
		"PUT /v1/kyc-policy": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.Policy
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			in.UpdatedAt = ""
			pol, err := svc.SetPolicy(ctx, p.Tenant, actor(p), in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, pol), nil
		}),
		"GET /v1/reports/users": route(func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			r, err := svc.Report(ctx, p.Tenant)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
	}}
}

// origin is the consenting person's address and agent: as the client reports them, else
// the caller's own.
func origin(req httpapi.Request, ip, ua string) (string, string) {
	if ip == "" {
		ip = req.RequestContext.HTTP.SourceIP
	}
	if ua == "" {
		ua = req.RequestContext.HTTP.UserAgent
	}
	return ip, ua
}
