package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/failure"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/store"
	"github.com/chainfi/chainguard/shared/tenants"
)

// Who may do what.
var (
	anyStaff    = []httpapi.Role{httpapi.RoleAnalyst, httpapi.RoleApprover, httpapi.RoleAdmin, httpapi.RoleAuditor}
	admins      = []httpapi.Role{httpapi.RoleAdmin}
	auditReader = []httpapi.Role{httpapi.RoleAuditor, httpapi.RoleAdmin}
)

type createTenantRequest struct {
	Name     string `json:"name"`
	KeyLabel string `json:"keyLabel"`
}

type createTenantResponse struct {
	Tenant tenants.Tenant    `json:"tenant"`
	APIKey tenants.IssuedKey `json:"apiKey"`
}

type createKeyRequest struct {
	Label string `json:"label"`
}

type auditPage struct {
	Items     []audit.Entry `json:"items"`
	NextAfter string        `json:"nextAfter,omitempty"`
}

func actor(s httpapi.Staff) audit.Actor { return audit.Actor{Type: "staff", ID: s.Subject} }

type handlers struct {
	svc   *tenants.Service
	audit *audit.Log
}

func newServer(d *platform.Deps) *httpapi.Server {
	h := handlers{svc: d.Tenants, audit: d.Audit}
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"POST /v1/staff/tenants":                               httpapi.StaffOnly(admins, h.createTenant),
		"GET /v1/staff/tenants":                                httpapi.StaffOnly(anyStaff, h.listTenants),
		"GET /v1/staff/tenants/{tenantId}":                     httpapi.StaffOnly(anyStaff, h.getTenant),
		"GET /v1/staff/tenants/{tenantId}/api-keys":            httpapi.StaffOnly(auditReader, h.listKeys),
		"POST /v1/staff/tenants/{tenantId}/api-keys":           httpapi.StaffOnly(admins, h.createKey),
		"DELETE /v1/staff/tenants/{tenantId}/api-keys/{keyId}": httpapi.StaffOnly(admins, h.revokeKey),
		"GET /v1/staff/tenants/{tenantId}/audit":               httpapi.StaffOnly(auditReader, h.listAudit),
		"POST /v1/staff/tenants/{tenantId}/audit/verify":       httpapi.StaffOnly(auditReader, h.verifyAudit),
		"POST /v1/staff/tenants/{tenantId}/suspend":            httpapi.StaffOnly(admins, h.suspend),
		"POST /v1/staff/tenants/{tenantId}/resume":             httpapi.StaffOnly(admins, h.resume),
	}}
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

// suspend stops a tenant's API keys at once (403 tenant_suspended); suspending a
// suspended tenant answers it as it is.
func (h handlers) suspend(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	var in reasonRequest
	if err := httpapi.DecodeJSON(req, &in); err != nil {
		return httpapi.Response{}, err
	}
	t, err := h.svc.Suspend(ctx, actor(s), req.PathParameters["tenantId"], in.Reason)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t), nil
}

// resume lets a suspended tenant's keys work again; the body ({"reason"}) is optional.
// Resuming an active tenant answers it as it is.
func (h handlers) resume(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	var in reasonRequest
	body, err := httpapi.Body(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := httpapi.DecodeJSON(req, &in); err != nil {
			return httpapi.Response{}, err
		}
	}
	t, err := h.svc.Resume(ctx, actor(s), req.PathParameters["tenantId"], in.Reason)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t), nil
}

func (h handlers) createTenant(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	var in createTenantRequest
	if err := httpapi.DecodeJSON(req, &in); err != nil {
		return httpapi.Response{}, err
	}
	t, key, err := h.svc.CreateTenant(ctx, actor(s), in.Name, in.KeyLabel)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, createTenantResponse{Tenant: t, APIKey: key}), nil
}

func (h handlers) listTenants(ctx context.Context, _ httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	page, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	ts, next, err := h.svc.List(ctx, page.Limit, page.Cursor)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.List[tenants.Tenant]{Items: ts, NextCursor: next}), nil
}

func (h handlers) getTenant(ctx context.Context, _ httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	t, err := h.svc.Get(ctx, req.PathParameters["tenantId"])
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, t), nil
}

func (h handlers) listKeys(ctx context.Context, _ httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	page, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	keys, next, err := h.svc.Keys(ctx, req.PathParameters["tenantId"], page.Limit, page.Cursor)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, httpapi.List[tenants.APIKey]{Items: keys, NextCursor: next}), nil
}

func (h handlers) createKey(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	var in createKeyRequest
	if err := httpapi.DecodeJSON(req, &in); err != nil {
		return httpapi.Response{}, err
	}
	key, err := h.svc.IssueKey(ctx, actor(s), req.PathParameters["tenantId"], in.Label)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusCreated, key), nil
}

func (h handlers) revokeKey(ctx context.Context, s httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	key, err := h.svc.RevokeKey(ctx, actor(s), req.PathParameters["tenantId"], req.PathParameters["keyId"], tenants.RevokeOptions{})
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, key), nil
}

// chain resolves the chain a staff route reads: a tenant's, or the platform's own.
func (h handlers) chain(ctx context.Context, req httpapi.Request) (store.TenantID, error) {
	id := req.PathParameters["tenantId"]
	if id == string(store.PlatformTenant) {
		return store.PlatformTenant, nil
	}
	t, err := h.svc.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return store.TenantID(t.ID), nil
}

func (h handlers) listAudit(ctx context.Context, _ httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	tid, err := h.chain(ctx, req)
	if err != nil {
		return httpapi.Response{}, err
	}
	page, err := httpapi.PageParams(req)
	if err != nil {
		return httpapi.Response{}, err
	}
	after, err := parseAfter(req.QueryStringParameters["after"])
	if err != nil {
		return httpapi.Response{}, err
	}
	es, next, err := h.audit.List(ctx, tid, after, page.Limit)
	if err != nil {
		return httpapi.Response{}, err
	}
	out := auditPage{Items: es}
	if next > 0 {
		out.NextAfter = strconv.FormatUint(next, 10)
	}
	if out.Items == nil {
		out.Items = []audit.Entry{}
	}
	return httpapi.JSON(http.StatusOK, out), nil
}

// maxAfter bounds ?after=. audit.List reads from after+1, so the largest uint64 would
// wrap around to the start of the chain; no chain comes near 2^62 entries, so anything
// above is refused rather than guessed at.
const maxAfter = 1 << 62

// parseAfter reads the sequence number a page of the audit trail starts after (0 when
// absent): decimal digits only, at most maxAfter.
func parseAfter(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	after, err := strconv.ParseUint(s, 10, 64)
	if err != nil || after > maxAfter {
		return 0, failure.InvalidInput("invalid_after", "after must be a sequence number from 0 to %d", uint64(maxAfter))
	}
	return after, nil
}

func (h handlers) verifyAudit(ctx context.Context, _ httpapi.Staff, req httpapi.Request) (httpapi.Response, error) {
	tid, err := h.chain(ctx, req)
	if err != nil {
		return httpapi.Response{}, err
	}
	rep, err := h.audit.Verify(ctx, tid)
	if err != nil {
		return httpapi.Response{}, err
	}
	return httpapi.JSON(http.StatusOK, rep), nil
}
