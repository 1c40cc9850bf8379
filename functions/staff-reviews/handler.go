package main

import (
	"context"
	"net/http"
	"slices"

	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/onboarding"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
)

var (
	readers  = []httpapi.Role{httpapi.RoleAnalyst, httpapi.RoleApprover, httpapi.RoleAuditor}
	deciders = []httpapi.Role{httpapi.RoleAnalyst, httpapi.RoleApprover}
)

func reviewer(s httpapi.Staff) onboarding.Reviewer {
	return onboarding.Reviewer{ID: s.Subject, Analyst: slices.Contains(s.Roles, httpapi.RoleAnalyst), Approver: slices.Contains(s.Roles, httpapi.RoleApprover)}
}

func newServer(d *platform.Deps, svc *onboarding.Service) *httpapi.Server {
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/staff/reviews": httpapi.StaffOnly(readers, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			rs, next, err := svc.ListReviews(ctx, req.QueryStringParameters["status"], page.Limit, page.Cursor)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[onboarding.Review]{Items: rs, NextCursor: next}), nil
		}),
		"GET /v1/staff/reviews/{reviewId}": httpapi.StaffOnly(readers, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			r, err := svc.GetReview(ctx, reviewer(s), req.PathParameters["reviewId"])
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
		"POST /v1/staff/reviews/{reviewId}/decision": httpapi.StaffOnly(deciders, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.DecisionInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := svc.Decide(ctx, reviewer(s), req.PathParameters["reviewId"], in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
		"POST /v1/staff/reviews/{reviewId}/approval": httpapi.StaffOnly([]httpapi.Role{httpapi.RoleApprover}, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			var in onboarding.ApprovalInput
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			r, err := svc.Approve(ctx, reviewer(s), req.PathParameters["reviewId"], in)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
		"GET /v1/staff/reports/users": httpapi.StaffOnly([]httpapi.Role{httpapi.RoleAdmin, httpapi.RoleAuditor, httpapi.RoleApprover, httpapi.RoleAnalyst}, func(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
			r, err := staffReport(ctx, d, svc)
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, r), nil
		}),
	}}
}

// staffReport adds up every tenant's report.
func staffReport(ctx context.Context, d *platform.Deps, svc *onboarding.Service) (onboarding.Report, error) {
	total := onboarding.Report{ByStatus: map[string]int{}, ByJurisdiction: map[string]onboarding.JurisdictionRow{}}
	cursor := ""
	for {
		ts, next, err := d.Tenants.List(ctx, 200, cursor)
		if err != nil {
			return onboarding.Report{}, err
		}
		for _, t := range ts {
			r, err := svc.Report(ctx, store.TenantID(t.ID))
			if err != nil {
				return onboarding.Report{}, err
			}
			total.Merge(r)
		}
		if next == "" {
			return total, nil
		}
		cursor = next
	}
}
