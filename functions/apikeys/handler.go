package main

import (
	"context"
	"net/http"

	"github.com/chainfi/chainguard/shared/audit"
	"github.com/chainfi/chainguard/shared/httpapi"
	"github.com/chainfi/chainguard/shared/platform"
	"github.com/chainfi/chainguard/shared/tenants"
)

type createKeyRequest struct {
	Label string `json:"label"`
}

// Every key answered here goes through ForClient: the staff member who issued or revoked
// one is not the client's to know.
func newServer(d *platform.Deps) *httpapi.Server {
	svc := d.Tenants
	client := func(p tenants.Principal) audit.Actor { return audit.Actor{Type: "client", ID: p.KeyID} }
	return &httpapi.Server{Log: d.Log, Routes: httpapi.Routes{
		"GET /v1/api-keys": httpapi.Client(svc, func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			page, err := httpapi.PageParams(req)
			if err != nil {
				return httpapi.Response{}, err
			}
			keys, next, err := svc.Keys(ctx, string(p.Tenant), page.Limit, page.Cursor)
			if err != nil {
				return httpapi.Response{}, err
			}
			for i := range keys {
				keys[i] = keys[i].ForClient()
			}
			return httpapi.JSON(http.StatusOK, httpapi.List[tenants.APIKey]{Items: keys, NextCursor: next}), nil
		}),
		"POST /v1/api-keys": httpapi.Client(svc, func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			var in createKeyRequest
			if err := httpapi.DecodeJSON(req, &in); err != nil {
				return httpapi.Response{}, err
			}
			key, err := svc.IssueKey(ctx, client(p), string(p.Tenant), in.Label)
			if err != nil {
				return httpapi.Response{}, err
			}
			key.APIKey = key.ForClient()
			return httpapi.JSON(http.StatusCreated, key), nil
		}),
		"DELETE /v1/api-keys/{keyId}": httpapi.Client(svc, func(ctx context.Context, p tenants.Principal, req httpapi.Request) (httpapi.Response, error) {
			keyID, err := httpapi.PathParam(req, "keyId")
			if err != nil {
				return httpapi.Response{}, err
			}
			key, err := svc.RevokeKey(ctx, client(p), string(p.Tenant), keyID, tenants.RevokeOptions{KeepOne: true})
			if err != nil {
				return httpapi.Response{}, err
			}
			return httpapi.JSON(http.StatusOK, key.ForClient()), nil
		}),
	}}
}
